// Per-engine and per-export counters. One writer (the owning lcore), read by the telemetry
// thread: relaxed atomics, no read-modify-write.
#pragma once

#include <atomic>
#include <cstdint>

#include "verdict.hpp"
#include "wire.hpp"

namespace aoe {

struct Counter {
    std::atomic<std::uint64_t> v{0};
    [[gnu::always_inline]] void add(std::uint64_t n = 1) {
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct ExportCounters {
    Counter reads, writes, identify, flushes, other_ata;
    Counter read_bytes, write_bytes;
    Counter ata_errors;       // ATA status ERR replies (ABRT, IDNF)
    Counter retransmits_seen; // same LBA asked again by the same client (Linux retransmit)
};

// Every frame counts once in frames_in and exactly once in one of: replied, dropped[],
// silent[], forwarded (dropped[no_buffer] is counted by the HAL on top, after the fact).
struct EngineCounters {
    Counter frames_in;
    Counter replied;              // frames that got one or more replies
    Counter replies, reply_bytes; // reply frames built (a broadcast query may get several)
    Counter dropped[static_cast<int>(DropReason::count_)];
    Counter silent[static_cast<int>(SilentReason::count_)];
    Counter aoe_errors[kAoeErrorCodes]; // replies sent with the E flag, by AoE error code
    Counter config_cmds, mask_cmds, reserve_cmds;
    Counter adverts;
    Counter forwarded; // workers: frames routed to the owner
    // peers.cpp (owner only): discovery queries and IDENTIFY probes sent; verdicts that
    // turned to "differs"; peers not tracked because the table was full of live entries.
    Counter peer_probes, peer_conflicts, peer_table_full;
};

// ---- the counters' names ------------------------------------------------------------------
// Every platform shows the counters under these names (aoe-target's telemetry /aoe/stats,
// --stats, /metrics; aoe-firmware's console), rendered from the walks below, so a counter
// added here shows everywhere and no platform keeps a list of its own. A name is prefix +
// name: the reasons and error codes are families (drop_runt, silent_not_ours, aoe_error_2).
inline constexpr const char kDropPrefix[] = "drop_";
inline constexpr const char kSilentPrefix[] = "silent_";
inline constexpr const char kAoeErrorPrefix[] = "aoe_error_";
inline constexpr const char* kAoeErrorCodeNames[kAoeErrorCodes] = {"0", "1", "2", "3",
                                                                   "4", "5", "6"};

// f(prefix, name, value) for each engine counter, in the order telemetry lists them.
// "dropped" and "silent" are the sums of their reasons; aoe_error_0 is left out (never sent).
template <class F> void for_each_counter(const EngineCounters& c, F&& f) {
    std::uint64_t dropped = 0, silent = 0;
    for (const Counter& x : c.dropped) dropped += x.get();
    for (const Counter& x : c.silent) silent += x.get();
    f("", "frames_in", c.frames_in.get());
    f("", "replies", c.replies.get());
    f("", "replied", c.replied.get()); // frames_in = replied + dropped + silent + forwarded
    f("", "reply_bytes", c.reply_bytes.get());
    f("", "dropped", dropped);
    f("", "silent", silent);
    for (int i = 0; i < static_cast<int>(DropReason::count_); ++i)
        f(kDropPrefix, kDropReasonNames[i], c.dropped[i].get());
    for (int i = 0; i < static_cast<int>(SilentReason::count_); ++i)
        f(kSilentPrefix, kSilentReasonNames[i], c.silent[i].get());
    for (int i = 1; i < kAoeErrorCodes; ++i)
        f(kAoeErrorPrefix, kAoeErrorCodeNames[i], c.aoe_errors[i].get());
    f("", "config_cmds", c.config_cmds.get());
    f("", "mask_cmds", c.mask_cmds.get());
    f("", "reserve_cmds", c.reserve_cmds.get());
    f("", "adverts", c.adverts.get());
    f("", "forwarded", c.forwarded.get());
    f("", "peer_probes", c.peer_probes.get());
    f("", "peer_conflicts", c.peer_conflicts.get());
    f("", "peer_table_full", c.peer_table_full.get());
}

// f(name, value) for each counter of one export, in the order telemetry lists them.
template <class F> void for_each_counter(const ExportCounters& c, F&& f) {
    f("reads", c.reads.get());
    f("writes", c.writes.get());
    f("identify", c.identify.get());
    f("flushes", c.flushes.get());
    f("other_ata", c.other_ata.get());
    f("read_bytes", c.read_bytes.get());
    f("write_bytes", c.write_bytes.get());
    f("ata_errors", c.ata_errors.get());
    f("retransmits_seen", c.retransmits_seen.get());
}

} // namespace aoe
