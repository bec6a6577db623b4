// Periodic unsolicited config responses (R set, tag 0), like vblade's aoead but repeated:
// a Linux client that loaded `aoe` before its link was up otherwise waits 60 s for its next
// discovery broadcast (docs/aoe-protocol.md §2.1, KIWI). Rate-limited to one round per interval.
#include "detail.hpp"

namespace aoe {

bool Engine::tick(std::uint64_t now_ns, std::uint16_t& cursor, std::uint8_t* out,
                  std::uint32_t out_cap, Reply& reply) {
    const TargetOptions& o = target_.options;
    if (role_ != Role::owner || out_cap < kMaxInlineReply) return false;
    if (o.advert_interval_ns == 0) return peer_tick(now_ns, out, out_cap, reply);
    EngineStorage& s = *storage_;
    if (!s.advert_active) {
        if (now_ns < s.advert_due) return peer_tick(now_ns, out, out_cap, reply);
        const std::uint64_t every = o.advert_interval_ns < detail::kMinAdvertIntervalNs
                                        ? detail::kMinAdvertIntervalNs
                                        : o.advert_interval_ns;
        s.advert_due = now_ns + every;
        s.advert_active = true;
        s.advert_dest = 0;
        cursor = 0;
    }
    const ExportTable& t = *target_.exports;
    for (; cursor < t.capacity(); ++cursor, s.advert_dest = 0) {
        const Export* e = t.at(cursor);
        if (!e) continue;
        // With a static allow-list, unicast to each allowed MAC instead of broadcasting.
        const Mac dst = o.allow_count ? o.allow[s.advert_dest] : kBroadcastMac;
        std::uint8_t tag[kVlanTagLen];
        store_be16(tag, kEtherTypeVlan);
        store_be16(tag + 2, o.vlan); // PCP 0
        const std::uint32_t l2 =
            detail::write_headers(out, dst, port_.mac, tag, o.vlan ? kVlanTagLen : 0, *e,
                                  static_cast<std::uint8_t>(Command::query_config), nullptr);
        detail::ReplyBody body{out + l2, detail::min_u32(out_cap - l2, port_.mtu)};
        detail::config_body(detail::Ctx{o, port_}, *e, static_cast<std::uint8_t>(cfg::CCmd::read),
                            body);
        reply = Reply{};
        reply.export_index = cursor;
        reply.header_len = static_cast<std::uint16_t>(detail::pad_reply(out, l2 + body.len));
        counters_.adverts.add();
        if (o.allow_count && ++s.advert_dest < o.allow_count) return true;
        s.advert_dest = 0;
        ++cursor;
        return true;
    }
    s.advert_active = false;
    cursor = 0;
    return peer_tick(now_ns, out, out_cap, reply);
}

} // namespace aoe
