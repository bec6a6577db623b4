// Per-engine and per-export counters. One writer (the owning lcore), read by the telemetry
// thread: relaxed atomics, no read-modify-write.
#pragma once

#include <atomic>
#include <cstdint>

#include "verdict.hpp"

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
    Counter aoe_errors[7]; // replies sent with the E flag, by AoE error code
    Counter config_cmds, mask_cmds, reserve_cmds;
    Counter adverts;
    Counter forwarded; // workers: frames routed to the owner
    // peers.cpp (owner only): discovery queries and IDENTIFY probes sent; verdicts that
    // turned to "differs"; peers not tracked because the table was full of live entries.
    Counter peer_probes, peer_conflicts, peer_table_full;
};

} // namespace aoe
