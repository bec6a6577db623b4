// Frame parsing, validation and dispatch (AoE r11 §2; docs/aoe-protocol.md §3 for bad input).
// The order of the checks decides which counter a bad frame lands in; see accept().
#include "detail.hpp"

namespace aoe {

namespace {

std::uint32_t pow2_at_least(std::uint32_t n) {
    std::uint32_t p = 1;
    while (p < n && p < (1u << 20)) p <<= 1;
    return p;
}

// Minimum bytes from the AoE header on that each command needs (its fixed argument);
// docs/aoe-protocol.md §3 "truncated argument": ATA < 36, Config < 32, Mask < 28, Reserve < 26
// frame bytes.
std::uint32_t arg_end(std::uint8_t command) {
    switch (command) {
    case static_cast<std::uint8_t>(Command::ata):
        return ata::kArgEnd;
    case static_cast<std::uint8_t>(Command::query_config):
        return cfg::kArgEnd;
    case static_cast<std::uint8_t>(Command::mac_mask):
        return mask::kArgEnd;
    default:
        return rsv::kArgEnd;
    }
}

// Why a frame got no reply from any export, most specific first.
enum Why : int { kNotOurs = 0, kMasked = 1, kMismatch = 2 };

// The body of detail::write_headers, inlined into next_reply (the per-read path): fixed-size
// copies only, no byte loops.
[[gnu::always_inline]] inline std::uint32_t
put_headers(std::uint8_t* out, const Mac& dst, const Mac& src, const std::uint8_t* tags,
            std::uint32_t tag_len, const Export& e, std::uint8_t command, const std::uint8_t* tag) {
    store_mac(out, dst);
    store_mac(out + 6, src);
    // The request's tags (TPID + TCI each) go back unchanged: same VLAN, same PCP.
    if (tag_len == kVlanTagLen)
        __builtin_memcpy(out + 12, tags, kVlanTagLen);
    else if (tag_len == 2 * kVlanTagLen)
        __builtin_memcpy(out + 12, tags, 2 * kVlanTagLen);
    store_be16(out + 12 + tag_len, kEtherTypeAoe);
    std::uint8_t* a = out + kEthHeaderLen + tag_len;
    a[hdr::kVerFlags] = static_cast<std::uint8_t>((kVersion << 4) | kFlagResponse);
    a[hdr::kError] = 0;
    // Always our real shelf.slot, even for a broadcast request (Linux drops 0xFFFF/0xFF).
    store_be16(a + hdr::kMajor, e.shelf);
    a[hdr::kMinor] = e.slot;
    a[hdr::kCommand] = command;
    if (tag)
        __builtin_memcpy(a + hdr::kTag, tag, 4);
    else
        store_be32(a + hdr::kTag, 0);
    return static_cast<std::uint32_t>(kEthHeaderLen + tag_len);
}

} // namespace

namespace detail {

std::uint32_t write_headers(std::uint8_t* out, const Mac& dst, const Mac& src,
                            const std::uint8_t* tags, std::uint32_t tag_len, const Export& e,
                            std::uint8_t command, const std::uint8_t* tag) {
    return put_headers(out, dst, src, tags, tag_len, e, command, tag);
}

std::uint32_t pad_reply(std::uint8_t* out, std::uint32_t len) {
    // AoE r11 replies are Ethernet frames: never send stale buffer bytes as padding.
    for (; len < kMinFrameLen; ++len) out[len] = 0;
    return len;
}

} // namespace detail

std::size_t Engine::storage_bytes(const TargetOptions& opts) {
    ArenaSize s;
    s.add<EngineStorage>();
    s.add<detail::RateEntry>(pow2_at_least(opts.cfg_rate_sources ? opts.cfg_rate_sources : 1));
    s.add<detail::MemoEntry>(pow2_at_least(opts.retransmit_memo ? opts.retransmit_memo : 1));
    return s.bytes;
}

Engine::Engine(const Target& target, const PortInfo& port, Role role, void* storage)
    : target_(target), port_(port), role_(role), storage_(nullptr) {
    const TargetOptions& o = target.options;
    Arena arena(storage, storage_bytes(o));
    storage_ = arena.make<EngineStorage>();
    const std::uint32_t nrate = pow2_at_least(o.cfg_rate_sources ? o.cfg_rate_sources : 1);
    const std::uint32_t nmemo = pow2_at_least(o.retransmit_memo ? o.retransmit_memo : 1);
    storage_->rate = arena.make_array<detail::RateEntry>(nrate);
    storage_->rate_mask = nrate - 1;
    storage_->memo = arena.make_array<detail::MemoEntry>(nmemo);
    storage_->memo_mask = nmemo - 1;
    storage_->port_mac = mac_key(port.mac);
    max_sectors_ = sectors_for_mtu(port.mtu);
}

const ExportCounters& Engine::export_counters(std::uint16_t index) const {
    return storage_->exports[index < ExportTable::kMaxCapacity ? index : 0];
}

namespace {

// The one walk over a frame's VLAN tags (802.1ad and/or 802.1Q after the source MAC, two at
// most), for route() and accept(): returns the offset of the EtherType after them, or 0 when a
// tag is announced but the frame ends inside it. `tci`/`tagged` get the innermost tag (left as
// they are on an untagged frame). `len` >= kEthHeaderLen.
[[gnu::always_inline]] inline std::uint32_t walk_tags(const std::uint8_t* frame, std::uint32_t len,
                                                      std::uint16_t& tci, bool& tagged) {
    std::uint32_t off = 12;
    std::uint16_t type = load_be16(frame + off);
    for (int tags = 0; tags < 2 && (type == kEtherTypeVlan || type == kEtherTypeQinQ); ++tags) {
        if (len < off + kVlanTagLen + 2) return 0;
        tci = load_be16(frame + off + 2);
        tagged = true;
        off += kVlanTagLen;
        type = load_be16(frame + off);
    }
    return off;
}

// Config, Mac Mask and Reserve change (or read owner-only) control state, and responses (R set)
// feed the owner's peer table: only ATA requests may be served by any engine. `a`: AoE header.
[[gnu::always_inline]] inline bool owner_only(const std::uint8_t* a) {
    return (a[hdr::kVerFlags] & kFlagResponse) ||
           a[hdr::kCommand] != static_cast<std::uint8_t>(Command::ata);
}

} // namespace

Role Engine::route(const std::uint8_t* frame, std::uint32_t len) {
    if (len < kEthHeaderLen) return Role::worker; // any engine drops it
    std::uint16_t tci = 0;
    bool tagged = false;
    const std::uint32_t off = walk_tags(frame, len, tci, tagged);
    if (off == 0 || load_be16(frame + off) != kEtherTypeAoe || off + 2 + hdr::kCommand >= len)
        return Role::worker; // any engine drops it
    return owner_only(frame + off + 2) ? Role::owner : Role::worker;
}

bool Engine::rate_ok(const Mac& src, std::uint64_t now_ns) {
    const TargetOptions& o = target_.options;
    const std::uint64_t k = mac_key(src) | detail::kValid;
    detail::RateEntry& r = storage_->rate[mac_hash(k) & storage_->rate_mask];
    if (r.mac != k || now_ns - r.window_start >= o.cfg_rate_window_ns || now_ns < r.window_start) {
        r.mac = k;
        r.window_start = now_ns;
        r.count = 0;
    }
    if (r.count >= o.cfg_burst) return false;
    ++r.count;
    return true;
}

// Would export `e` answer this frame? Side-effect free, so accept() can decide the verdict
// before any state changes.
[[gnu::always_inline]] inline bool Engine::evaluate(const Export& e, const FrameState& st,
                                                    int& why) const {
    // r11 Mac Mask List: with a non-empty list, frames from other MACs are ignored
    // (vblade tests it before dispatch, so it covers config queries too).
    if (!e.control.mask.empty() && !e.control.mask.contains(st.src)) {
        if (why < kMasked) why = kMasked;
        return false;
    }
    if (st.pending_error == 0 && st.command == static_cast<std::uint8_t>(Command::query_config)) {
        const detail::Request rq{st.frame + st.aoe, st.len - st.aoe, st.src};
        if (!detail::config_matches(e, rq)) {
            why = kMismatch;
            return false;
        }
    }
    return true;
}

[[gnu::always_inline]] inline bool Engine::find_match(FrameState& st, std::uint32_t from,
                                                      int& why) const {
    const ExportTable& t = *target_.exports;
    const std::uint8_t* a = st.frame + st.aoe;
    const std::uint16_t shelf = load_be16(a + hdr::kMajor);
    const std::uint8_t slot = a[hdr::kMinor];
    if (!st.broadcast) {
        if (from != 0) return false; // a unicast frame has one export at most
        // The last hit first: a client reads one export, and index 0 is the common case.
        std::uint16_t idx = storage_->last_index;
        const Export* e = idx < t.capacity() ? t.at(idx) : nullptr;
        if (!e || e->shelf != shelf || e->slot != slot) {
            e = t.find(shelf, slot, &idx);
            if (!e) return false;
            storage_->last_index = idx;
        }
        if (!evaluate(*e, st, why)) return false;
        st.next_export = idx;
        return true;
    }
    // AoE r11 §1.6: 0xFFFF matches every shelf and 0xFF every slot, independently.
    for (std::uint32_t i = from; i < t.capacity(); ++i) {
        const Export* e = t.at(static_cast<std::uint16_t>(i));
        if (!e) continue;
        if (shelf != kShelfBroadcast && e->shelf != shelf) continue;
        if (slot != kSlotBroadcast && e->slot != slot) continue;
        if (!evaluate(*e, st, why)) continue;
        st.next_export = static_cast<std::uint16_t>(i);
        return true;
    }
    return false;
}

Verdict Engine::accept(const std::uint8_t* frame, std::uint32_t len, std::uint64_t now_ns,
                       FrameState& st) {
    counters_.frames_in.add();
    st = FrameState{};
    st.frame = frame;
    st.len = len;
    auto drop = [this](DropReason r) {
        counters_.dropped[static_cast<int>(r)].add();
        return Verdict::drop;
    };
    auto silent = [this](SilentReason r) {
        counters_.silent[static_cast<int>(r)].add();
        return Verdict::silent;
    };
    const TargetOptions& o = target_.options;

    // ---- Ethernet: EtherType 0x88A2, optionally behind an 802.1ad and/or 802.1Q tag ----
    if (len < kEthHeaderLen) return drop(DropReason::runt);
    const std::uint32_t off = walk_tags(frame, len, st.tci, st.tagged);
    if (off == 0) return drop(DropReason::runt);
    if (load_be16(frame + off) != kEtherTypeAoe) return drop(DropReason::not_aoe);
    st.aoe = off + 2;
    if (len < st.aoe + hdr::kLen) return drop(DropReason::runt);
    // Service VLAN: the innermost VID; VID 0 (priority tag) counts as untagged.
    const std::uint16_t vid = st.tagged ? static_cast<std::uint16_t>(st.tci & 0x0FFF) : 0;
    if (vid != o.vlan) return drop(DropReason::wrong_vlan);

    const std::uint8_t* a = frame + st.aoe;
    const std::uint32_t n = len - st.aoe;
    st.command = a[hdr::kCommand];
    if (role_ == Role::worker && owner_only(a)) {
        counters_.forwarded.add();
        return Verdict::forward;
    }

    // ---- addressing and sanity (docs/aoe-protocol.md §3, first action of each row) ----
    const std::uint64_t dst = load_mac_key(frame);
    const bool dst_broadcast = dst == kMacKeyBroadcast;
    st.src = load_mac(frame + 6);
    if (dst != storage_->port_mac && !dst_broadcast) return drop(DropReason::foreign_dst);
    if (st.src.is_group()) return drop(DropReason::group_src); // no reflection/amplification
    // Our own frames coming back (a loop in the segment, or a MAC clash): never answered, and
    // never taken for another target.
    if (mac_key(st.src) == storage_->port_mac) return silent(SilentReason::looped);
    if (a[hdr::kVerFlags] & kFlagResponse) {
        // Never answered; another target's advert or reply to our discovery tells us who
        // else serves our shelf.slots (peers.cpp).
        if (role_ == Role::owner && o.peer_interval_ns) observe_peer(st, now_ns);
        return silent(SilentReason::response);
    }
    if (o.allow_count) {
        bool ok = false;
        for (std::uint16_t i = 0; i < o.allow_count && !ok; ++i) ok = o.allow[i] == st.src;
        if (!ok) return drop(DropReason::not_allowed);
    }
    if (st.command >= kVendorCommandMin) return drop(DropReason::vendor);
    st.broadcast =
        load_be16(a + hdr::kMajor) == kShelfBroadcast || a[hdr::kMinor] == kSlotBroadcast;
    const bool is_config = st.command == static_cast<std::uint8_t>(Command::query_config);
    if (st.broadcast && !is_config) return drop(DropReason::broadcast_ata);

    if ((a[hdr::kVerFlags] >> 4) != kVersion) {
        st.pending_error = static_cast<std::uint8_t>(AoeError::unsupported_version);
    } else if (st.command > static_cast<std::uint8_t>(Command::reserve_release)) {
        st.pending_error = static_cast<std::uint8_t>(AoeError::unrecognized_command);
    } else if (n < arg_end(st.command)) {
        return drop(DropReason::truncated);
    }
    // Discovery floods: a per-source budget for config queries sent to everyone.
    if (is_config && (st.broadcast || dst_broadcast) && !rate_ok(st.src, now_ns))
        return drop(DropReason::rate_limited);

    int why = kNotOurs;
    if (!find_match(st, 0, why)) {
        if (why == kMismatch) return silent(SilentReason::config_mismatch);
        if (why == kMasked) return drop(DropReason::masked);
        return silent(SilentReason::not_ours);
    }
    st.done = false;
    counters_.replied.add();
    return Verdict::reply;
}

void Engine::publish_batch() {
    ExportCounters& ec = storage_->exports[batch_.index];
    counters_.frames_in.add(batch_.reads);
    counters_.replied.add(batch_.reads);
    counters_.replies.add(batch_.reads);
    counters_.reply_bytes.add(batch_.reply_bytes);
    ec.reads.add(batch_.reads);
    ec.read_bytes.add(batch_.read_bytes);
    batch_.reads = batch_.reply_bytes = batch_.read_bytes = 0;
}

bool Engine::next_reply(FrameState& st, std::uint8_t* out, std::uint32_t out_cap, Reply& reply) {
    if (st.done) return false;
    if (out_cap < kMaxInlineReply) {
        st.done = true;
        count_no_buffer();
        return false;
    }
    const ExportTable& t = *target_.exports;
    Export* e = t.at(st.next_export);
    int why = kNotOurs;
    while (!e) { // retired since accept(): move on to the next match, if any
        if (!st.broadcast || !find_match(st, st.next_export + 1u, why)) {
            st.done = true;
            return false;
        }
        e = t.at(st.next_export);
    }
    const std::uint16_t index = st.next_export;
    const std::uint8_t* a = st.frame + st.aoe;
    // The tags sit between the source MAC (ends at 12) and the AoE EtherType (st.aoe - 2).
    const std::uint32_t l2 = put_headers(out, st.src, port_.mac, st.frame + 12, st.aoe - 2 - 12, *e,
                                         st.command, a + hdr::kTag);
    reply = Reply{};
    reply.export_index = index;
    detail::ReplyBody body{out + l2, detail::min_u32(out_cap - l2, port_.mtu)};
    const detail::Request rq{a, st.len - st.aoe, st.src};
    const detail::Ctx c{target_.options, port_};

    if (st.pending_error) {
        body.error(static_cast<AoeError>(st.pending_error));
    } else {
        switch (static_cast<Command>(st.command)) {
        case Command::ata:
            detail::ata(rq, *e,
                        {index, storage_->exports[index], storage_->memo, storage_->memo_mask,
                         max_sectors_},
                        body, reply);
            break;
        case Command::query_config:
            counters_.config_cmds.add();
            detail::config(c, rq, *e, body);
            break;
        case Command::mac_mask:
            counters_.mask_cmds.add();
            detail::mask(c, rq, *e, body);
            break;
        case Command::reserve_release:
            counters_.reserve_cmds.add();
            detail::reserve(c, rq, *e, body);
            break;
        }
    }
    std::uint32_t hlen = l2 + body.len;
    if (reply.data_len == 0) hlen = detail::pad_reply(out, hlen);
    reply.header_len = static_cast<std::uint16_t>(hlen);
    if (out[l2 + hdr::kVerFlags] & kFlagError) {
        const std::uint8_t code = out[l2 + hdr::kError];
        if (code < kAoeErrorCodes) counters_.aoe_errors[code].add();
    }
    counters_.replies.add();
    counters_.reply_bytes.add(reply.header_len + reply.data_len);

    st.done = !st.broadcast || !find_match(st, index + 1u, why);
    reply.last = st.done;
    return true;
}

} // namespace aoe
