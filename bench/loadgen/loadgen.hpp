// The load loop: keeps `depth` AoE ATA requests in flight on one DPDK port, matches replies by
// tag, retransmits lost requests with fresh tags (as Linux does), verifies data on request and
// records latency. Everything it needs is allocated before the loop starts; the loop itself
// only takes mbufs from the pool made at start-up.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/initiator/aoe_client.hpp"
#include "bench/loadgen/bench_port.hpp"
#include "bench/loadgen/histogram.hpp"

namespace aoebench {

struct LoadConfig {
    aoeclient::TargetInfo target;
    std::uint64_t capacity = 0; // sectors (IDENTIFY)
    bool lba48 = true;
    unsigned depth = 1;
    unsigned sectors = 2;
    bool random = false;
    bool write = false;
    const std::uint8_t* image = nullptr; // --verify file (reads compare, writes send it back)
    std::uint64_t image_len = 0;
    std::vector<aoe::Mac> clients; // source MACs; slot i uses clients[i % n]
    double duration = 10;
    std::uint64_t bytes = 0;
    double rto_ms = 0;       // 0: adaptive
    unsigned max_tries = 10; // transmissions of one request before it counts as an error
    bool progress = true;
    std::uint64_t seed = 1;
    unsigned stall_ms = 0; // once, half a second in: stop polling for this long (--stall)
};

struct LoadResult {
    std::uint64_t commands = 0;       // completed (good or bad) during the measured time
    std::uint64_t commands_total = 0; // including the drain after the stop
    std::uint64_t bytes = 0;          // data bytes moved in completed commands (measured time)
    std::uint64_t frames_tx = 0, frames_rx = 0; // measured time
    std::uint64_t retransmits = 0;
    std::uint64_t errors = 0; // ATA/AoE errors, runts, mismatches, requests given up
    std::uint64_t ata_errors = 0, aoe_errors = 0, runts = 0, mismatches = 0, lost = 0;
    std::uint64_t verified_bytes = 0;
    std::uint64_t stray = 0; // replies to superseded tags, adverts, foreign frames
    std::uint64_t unanswered_at_end = 0;
    std::uint64_t tx_busy = 0; // tx_burst took fewer frames than offered (retried)
    double seconds = 0;        // measured time
    double final_rto_ms = 0;
    Histogram latency; // ns, from the last transmission to the reply
    std::string first_error;
};

// Runs until the duration/bytes goal or `stop` is set. False only on a setup failure.
bool run_load(BenchPort& port, const LoadConfig& cfg, const std::atomic<bool>& stop,
              LoadResult& out, std::string& error);

} // namespace aoebench
