// Other targets that answer for our shelf.slots (multipath: more than one host serving one
// shelf.slot).
//
// Two hosts may export one shelf.slot on a segment: the Linux aoe driver then spreads reads
// over both MACs (multipath). That is safe only if both serve the same bytes; otherwise a
// client silently mixes blocks of two images. The image's identity is the IDENTIFY serial
// (docs/decisions.md), so the owner engine:
//   1. sends a broadcast Query Config for each export at start and every peer interval;
//   2. notes every config response (a reply to that query, or another target's advert) that
//      names one of our shelf.slots from a MAC other than ours;
//   3. sends that MAC an IDENTIFY for the shelf.slot and compares the serial in the reply
//      with ours: same, differs, or no identity (an error or no reply after a few tries);
//   4. asks again every interval while the peer is still seen (it may restart with another
//      image).
// Only the owner engine writes the table; the control thread reads it with Engine::peer and
// reports (hal/). All frames here are ours to build: nothing is allocated, nothing blocks.
#include "detail.hpp"

namespace aoe {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr std::uint64_t kProbeRetryNs = 1'000'000'000; // between IDENTIFYs to a silent peer
constexpr std::uint16_t kDiscoverTagLow = 0xFFFF;

std::uint32_t where_key(std::uint16_t shelf, std::uint8_t slot) {
    return (std::uint32_t{shelf} << 8) | slot;
}

// Our serial as identify.cpp puts it on the wire, in reading order: a NUL ends it, spaces
// follow.
void wire_serial(const Export& e, std::uint8_t* out) {
    bool ended = false;
    for (int i = 0; i < 20; ++i) {
        if (!ended && e.serial[i] == 0) ended = true;
        out[i] = ended ? ' ' : static_cast<std::uint8_t>(e.serial[i]);
    }
}

std::uint64_t pack8(const std::uint8_t* s, int n) {
    std::uint64_t w = 0;
    for (int i = n - 1; i >= 0; --i) w = (w << 8) | s[i];
    return w;
}

// Single-writer sequence counter (as MacList): odd while an entry changes.
void begin_write(detail::PeerEntry& p) {
    p.seq.store(p.seq.load(kRelaxed) + 1, kRelaxed);
}
void end_write(detail::PeerEntry& p) {
    p.seq.store(p.seq.load(kRelaxed) + 1, std::memory_order_release);
}

// An AoE request header (R clear) for export `e` to `dst`, with the service VLAN tag.
std::uint32_t request_headers(std::uint8_t* out, const Mac& dst, const Mac& src,
                              const TargetOptions& o, const Export& e, Command command,
                              std::uint32_t tag) {
    std::uint8_t vlan[kVlanTagLen];
    store_be16(vlan, kEtherTypeVlan);
    store_be16(vlan + 2, o.vlan); // PCP 0
    std::uint8_t t[4];
    store_be32(t, tag);
    const std::uint32_t l2 = detail::write_headers(out, dst, src, vlan, o.vlan ? kVlanTagLen : 0, e,
                                                   static_cast<std::uint8_t>(command), t);
    out[l2 + hdr::kVerFlags] = static_cast<std::uint8_t>(kVersion << 4); // a request: no R
    return l2;
}

} // namespace

void Engine::observe_peer(const FrameState& st, std::uint64_t now_ns) {
    const std::uint8_t* a = st.frame + st.aoe;
    if ((a[hdr::kVerFlags] >> 4) != kVersion || (a[hdr::kVerFlags] & kFlagError)) return;
    const std::uint16_t shelf = load_be16(a + hdr::kMajor);
    const std::uint8_t slot = a[hdr::kMinor];
    std::uint16_t index = 0;
    const Export* e = target_.exports->find(shelf, slot, &index);
    if (!e) return; // another shelf.slot: none of our business
    const std::uint64_t key = mac_key(st.src) | detail::kValid;
    const std::uint32_t where = where_key(shelf, slot);
    if (st.command == static_cast<std::uint8_t>(Command::ata))
        note_identify_reply(st, *e, key, where, now_ns);
    else if (st.command == static_cast<std::uint8_t>(Command::query_config))
        note_config_reply(key, where, now_ns);
}

// The reply to one of our IDENTIFYs (its tag names the table entry): the peer's verdict.
void Engine::note_identify_reply(const FrameState& st, const Export& e, std::uint64_t key,
                                 std::uint32_t where, std::uint64_t now_ns) {
    const std::uint8_t* a = st.frame + st.aoe;
    const std::uint32_t n = st.len - st.aoe;
    EngineStorage& s = *storage_;
    const std::uint64_t interval = target_.options.peer_interval_ns;
    if (n < ata::kArgEnd) return;
    const std::uint32_t tag = load_be32(a + hdr::kTag);
    const std::uint32_t i = tag & 0xFFFFu;
    if ((tag & 0xFFFF'0000u) != kPeerTagBase || i >= kMaxPeers) return;
    detail::PeerEntry& p = s.peers[i];
    if (!p.probing || p.mac.load(kRelaxed) != key || p.where.load(kRelaxed) != where) return;
    std::uint8_t theirs[24]{};
    PeerVerdict v = PeerVerdict::no_identity;
    // IDENTIFY data words 10-19 (bytes 20-39): two characters per word, high byte first.
    if (!(a[ata::kCmdStatus] & ata::kStatusErr) && n >= ata::kData + 40) {
        std::uint8_t ours[20];
        wire_serial(e, ours);
        v = PeerVerdict::same;
        for (int c = 0; c < 20; ++c) {
            theirs[c] = a[ata::kData + 20 + (c ^ 1)];
            if (theirs[c] != ours[c]) v = PeerVerdict::differs;
        }
    }
    if (v == PeerVerdict::differs &&
        p.verdict.load(kRelaxed) != static_cast<std::uint8_t>(PeerVerdict::differs))
        counters_.peer_conflicts.add();
    begin_write(p);
    for (int w = 0; w < 3; ++w)
        p.serial[w].store(pack8(theirs + 8 * w, 8), std::memory_order_release);
    p.verdict.store(static_cast<std::uint8_t>(v), std::memory_order_release);
    end_write(p);
    p.probing = false;
    p.tries = 0;
    p.probe_due_ns = now_ns + interval;
}

// A config reply or advert naming our shelf.slot: note it, or start tracking the peer.
void Engine::note_config_reply(std::uint64_t key, std::uint32_t where, std::uint64_t now_ns) {
    EngineStorage& s = *storage_;
    const std::uint64_t interval = target_.options.peer_interval_ns;
    detail::PeerEntry* free_entry = nullptr;
    detail::PeerEntry* oldest = nullptr;
    for (detail::PeerEntry& p : s.peers) {
        const std::uint64_t m = p.mac.load(kRelaxed);
        if (m == key && p.where.load(kRelaxed) == where) {
            p.seen.store(p.seen.load(kRelaxed) + 1, kRelaxed);
            p.last_seen_ns.store(now_ns, kRelaxed);
            return;
        }
        if (m == 0) {
            if (!free_entry) free_entry = &p;
        } else if (!oldest || p.last_seen_ns.load(kRelaxed) < oldest->last_seen_ns.load(kRelaxed)) {
            oldest = &p;
        }
    }
    detail::PeerEntry* p = free_entry;
    if (!p && oldest) {
        // Reuse an entry only for a peer gone quiet for four intervals: a live one stays.
        const std::uint64_t last = oldest->last_seen_ns.load(kRelaxed);
        if (now_ns >= last && now_ns - last >= 4 * interval) p = oldest;
    }
    if (!p) {
        counters_.peer_table_full.add();
        return;
    }
    begin_write(*p);
    p->mac.store(key, std::memory_order_release);
    p->where.store(where, std::memory_order_release);
    p->verdict.store(static_cast<std::uint8_t>(PeerVerdict::pending), std::memory_order_release);
    for (auto& w : p->serial) w.store(0, std::memory_order_release);
    p->seen.store(1, std::memory_order_release);
    p->last_seen_ns.store(now_ns, std::memory_order_release);
    end_write(*p);
    p->probing = true;
    p->tries = 0;
    p->probe_due_ns = now_ns; // IDENTIFY it on the next tick
}

bool Engine::peer_tick(std::uint64_t now_ns, std::uint8_t* out, std::uint32_t out_cap,
                       Reply& reply) {
    const TargetOptions& o = target_.options;
    const std::uint64_t interval = o.peer_interval_ns;
    if (interval == 0 || out_cap < kMaxInlineReply) return false;
    return next_discovery(now_ns, out, reply) || next_identify_probe(now_ns, out, reply);
}

// 1. Discovery: a broadcast Query Config (read) for each export, one per call. Targets answer
//    it to us (R set), which observe_peer() notes.
bool Engine::next_discovery(std::uint64_t now_ns, std::uint8_t* out, Reply& reply) {
    const TargetOptions& o = target_.options;
    const std::uint64_t interval = o.peer_interval_ns;
    EngineStorage& s = *storage_;
    const ExportTable& t = *target_.exports;
    if (!s.discover_active && now_ns >= s.discover_due) {
        s.discover_active = true;
        s.discover_cursor = 0;
        s.discover_due = now_ns + interval;
    }
    while (s.discover_active) {
        if (s.discover_cursor >= t.capacity()) {
            s.discover_active = false;
            break;
        }
        const std::uint16_t index = s.discover_cursor++;
        const Export* e = t.at(index);
        if (!e) continue;
        const std::uint32_t l2 =
            request_headers(out, kBroadcastMac, port_.mac, o, *e, Command::query_config,
                            kPeerTagBase | kDiscoverTagLow);
        std::uint8_t* a = out + l2;
        for (std::uint32_t i = hdr::kLen; i < cfg::kArgEnd; ++i) a[i] = 0; // CCmd 0: read
        reply = Reply{};
        reply.export_index = index;
        reply.header_len = static_cast<std::uint16_t>(detail::pad_reply(out, l2 + cfg::kArgEnd));
        counters_.peer_probes.add();
        return true;
    }
    return false;
}

// 2. IDENTIFY each peer that is due: new ones at once, silent ones every second (up to
//    kPeerProbeTries), known ones again after an interval while they are still seen.
bool Engine::next_identify_probe(std::uint64_t now_ns, std::uint8_t* out, Reply& reply) {
    const TargetOptions& o = target_.options;
    const std::uint64_t interval = o.peer_interval_ns;
    EngineStorage& s = *storage_;
    const ExportTable& t = *target_.exports;
    for (std::uint16_t i = 0; i < kMaxPeers; ++i) {
        detail::PeerEntry& p = s.peers[i];
        const std::uint64_t m = p.mac.load(kRelaxed);
        if (m == 0 || now_ns < p.probe_due_ns) continue;
        if (!p.probing) {
            const std::uint64_t last = p.last_seen_ns.load(kRelaxed);
            if (now_ns >= last && now_ns - last > 2 * interval) {
                p.probe_due_ns = now_ns + interval; // gone quiet: keep its last verdict
                continue;
            }
            p.probing = true;
            p.tries = 0;
        }
        if (p.tries >= kPeerProbeTries) {
            // No IDENTIFY reply: a first probe ends as "no identity"; a known peer keeps
            // what it had (it may have just gone away; discovery will tell).
            if (p.verdict.load(kRelaxed) == static_cast<std::uint8_t>(PeerVerdict::pending)) {
                begin_write(p);
                p.verdict.store(static_cast<std::uint8_t>(PeerVerdict::no_identity),
                                std::memory_order_release);
                end_write(p);
            }
            p.probing = false;
            p.probe_due_ns = now_ns + interval;
            continue;
        }
        const std::uint32_t where = p.where.load(kRelaxed);
        std::uint16_t index = 0;
        const Export* e = t.find(static_cast<std::uint16_t>(where >> 8),
                                 static_cast<std::uint8_t>(where), &index);
        if (!e) { // no longer exported here
            p.probing = false;
            p.probe_due_ns = now_ns + interval;
            continue;
        }
        ++p.tries;
        p.probe_due_ns = now_ns + kProbeRetryNs;
        const std::uint32_t l2 = request_headers(out, key_mac(m & ~detail::kValid), port_.mac, o,
                                                 *e, Command::ata, kPeerTagBase | i);
        std::uint8_t* a = out + l2;
        for (std::uint32_t b = hdr::kLen; b < ata::kArgEnd; ++b) a[b] = 0; // LBA 0, no flags
        a[ata::kSectorCount] = 1;
        a[ata::kCmdStatus] = ata::kCmdIdentify;
        reply = Reply{};
        reply.export_index = index;
        reply.header_len = static_cast<std::uint16_t>(detail::pad_reply(out, l2 + ata::kArgEnd));
        counters_.peer_probes.add();
        return true;
    }
    return false;
}

bool Engine::peer(std::uint16_t i, PeerSnapshot& out) const {
    if (i >= kMaxPeers) return false;
    const detail::PeerEntry& p = storage_->peers[i];
    std::uint64_t m, seen, last, serial[3];
    std::uint32_t where;
    std::uint8_t verdict;
    for (;;) {
        const std::uint32_t s1 = p.seq.load(std::memory_order_acquire);
        if (s1 & 1u) continue; // the owner is mid-write (a few stores): retry
        m = p.mac.load(std::memory_order_acquire);
        where = p.where.load(std::memory_order_acquire);
        verdict = p.verdict.load(std::memory_order_acquire);
        for (int w = 0; w < 3; ++w) serial[w] = p.serial[w].load(std::memory_order_acquire);
        seen = p.seen.load(std::memory_order_acquire);
        last = p.last_seen_ns.load(std::memory_order_acquire);
        if (p.seq.load(std::memory_order_relaxed) == s1) break;
    }
    if (m == 0) return false;
    out = PeerSnapshot{};
    out.mac = key_mac(m & ~detail::kValid);
    out.shelf = static_cast<std::uint16_t>(where >> 8);
    out.slot = static_cast<std::uint8_t>(where);
    out.verdict = static_cast<PeerVerdict>(verdict);
    for (int c = 0; c < 20; ++c) out.serial[c] = static_cast<char>(serial[c / 8] >> (8 * (c % 8)));
    out.seen = seen;
    out.last_seen_ns = last;
    return true;
}

} // namespace aoe
