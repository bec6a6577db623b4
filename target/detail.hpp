// Internal to the core (like vblade's dat.h + fns.h): the engine's private storage and the
// per-command handlers that engine.cpp dispatches to. Not part of the HAL contract.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arena.hpp"
#include "engine.hpp"

namespace aoe {

namespace detail {

// Broadcast Query Config rate limiter, one direct-mapped entry per source-MAC hash.
struct RateEntry {
    std::uint64_t mac = 0; // mac_key | kValid
    std::uint64_t window_start = 0;
    std::uint32_t count = 0;
};

// Retransmit memo: (client, export, LBA) of recent reads and writes, direct-mapped.
struct MemoEntry {
    std::uint64_t who = 0;   // mac_key | kValid
    std::uint64_t where = 0; // LBA (48 bits) | export index << 48
};

// One (MAC, shelf.slot) seen answering for one of our exports. Written by the owner engine
// only; read by the control thread through `seq` (odd while written), as MacList.
struct PeerEntry {
    std::atomic<std::uint32_t> seq{0};
    std::atomic<std::uint64_t> mac{0};   // mac_key | bit 63 (valid); 0: free
    std::atomic<std::uint32_t> where{0}; // shelf << 8 | slot
    std::atomic<std::uint8_t> verdict{0};
    std::atomic<std::uint64_t> serial[3]{}; // its IDENTIFY serial (20 chars, reading order)
    std::atomic<std::uint64_t> seen{0};     // config replies / adverts from it
    std::atomic<std::uint64_t> last_seen_ns{0};
    // Owner-only bookkeeping.
    std::uint64_t probe_due_ns = 0;
    std::uint16_t tries = 0;
    bool probing = false;
};

inline constexpr std::uint64_t kValid = std::uint64_t{1} << 63;
inline constexpr std::uint64_t kMinAdvertIntervalNs = 100'000'000; // rate limit for adverts
inline constexpr std::uint16_t kMinBufferCount = 64;

// A request as the handlers see it: AoE header onward.
struct Request {
    const std::uint8_t* a; // AoE header (Ver/Flags byte)
    std::uint32_t n;       // bytes from `a` to the end of the frame (incl. Ethernet padding)
    Mac src;
};

// The reply under construction: AoE header onward, in the caller's buffer. The engine has
// written the common header; handlers write from hdr::kLen on and must write every byte
// up to `len` (never leave stale buffer bytes).
struct ReplyBody {
    std::uint8_t* a;
    std::uint32_t cap; // bytes allowed from `a`: min(port MTU, buffer)
    std::uint32_t len = hdr::kLen;
    void error(AoeError e) {
        a[hdr::kVerFlags] = static_cast<std::uint8_t>(a[hdr::kVerFlags] | kFlagError);
        a[hdr::kError] = static_cast<std::uint8_t>(e);
    }
};

// Read-only view of what a handler may consult.
struct Ctx {
    const TargetOptions& opts;
    const PortInfo& port;
};

// What an ATA command may touch besides the request and its export: the engine's counters for
// that export and its retransmit memo.
struct AtaState {
    std::uint16_t index; // the export's table index
    ExportCounters& ec;
    MemoEntry* memo;
    std::uint32_t memo_mask;
    std::uint8_t max_sectors; // the engine's sectors_for_mtu(port MTU)
};

// Same client, same export, same LBA again soon: a retransmit (Linux gives it a new tag,
// so the tag cannot tell). Direct-mapped: a later request may evict an entry; this is a
// statistic, not a protocol decision. `src`: the client's mac_key. For ata() and the read
// fast path (Engine::serve_read).
inline void note_lba(const AtaState& as, std::uint64_t src, std::uint64_t lba) {
    const std::uint64_t who = src | kValid;
    const std::uint64_t where = lba | (std::uint64_t{as.index} << 48);
    MemoEntry& m = as.memo[mac_hash(src ^ lba) & as.memo_mask];
    if (m.who == who && m.where == where) {
        as.ec.retransmits_seen.add();
        return;
    }
    m.who = who;
    m.where = where;
}

// ata.cpp
void ata(const Request& rq, Export& e, const AtaState& as, ReplyBody& out, Reply& reply);
// identify.cpp: the 512 bytes of IDENTIFY DEVICE data for `e`.
void identify(const Export& e, std::uint8_t* out);
// config.cpp
bool config_matches(const Export& e, const Request& rq); // test / prefix test (else true)
void config(const Ctx& c, const Request& rq, Export& e, ReplyBody& out);
void config_body(const Ctx& c, const Export& e, std::uint8_t ccmd, ReplyBody& out);
// mask.cpp
void mask(const Ctx& c, const Request& rq, Export& e, ReplyBody& out);
// reserve.cpp
void reserve(const Ctx& c, const Request& rq, Export& e, ReplyBody& out);

// Writes Ethernet (+ tags copied verbatim from `tags`) and the common AoE reply header for
// export `e`; returns the offset of the AoE header in `out`.
std::uint32_t write_headers(std::uint8_t* out, const Mac& dst, const Mac& src,
                            const std::uint8_t* tags, std::uint32_t tag_len, const Export& e,
                            std::uint8_t command, const std::uint8_t* tag);
// Zero-pads a data-less reply to the 60-byte Ethernet minimum; returns the final length.
std::uint32_t pad_reply(std::uint8_t* out, std::uint32_t len);

inline std::uint32_t min_u32(std::uint32_t a, std::uint32_t b) {
    return a < b ? a : b;
}

} // namespace detail

// Per-engine state carved from the caller's storage block.
struct EngineStorage {
    ExportCounters exports[ExportTable::kMaxCapacity];
    detail::RateEntry* rate = nullptr;
    std::uint32_t rate_mask = 0;
    detail::MemoEntry* memo = nullptr;
    std::uint32_t memo_mask = 0;
    std::uint64_t port_mac = 0;   // mac_key of the port MAC: the per-frame destination test
    std::uint16_t last_index = 0; // export index of the last unicast hit: tried first
    // advert round (owner only)
    std::uint64_t advert_due = 0;
    std::uint16_t advert_dest = 0;
    bool advert_active = false;
    // peer discovery (owner only)
    std::uint64_t discover_due = 0; // next broadcast Query Config round
    std::uint16_t discover_cursor = 0;
    bool discover_active = false;
    detail::PeerEntry peers[kMaxPeers];
};

} // namespace aoe
