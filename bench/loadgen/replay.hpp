// aoe-bench --replay TRACE --clients N: N simulated Linux aoe initiators, each with its own MAC,
// each sending the replay plan's frames (bench/loadgen/trace.hpp) the way drivers/block/aoe does:
//   - a window of outstanding frames per target that starts at 1 and grows by one per reply up
//     to half the target's frames (slow start), then by one per window of replies, up to the
//     target's frame count (its Query Config buffer count, at most aoe_maxout = 64);
//   - a retransmit timer checked every 100 ms (TIMERTICK): a frame older than
//     rto = 2 * average RTT + 8 * mean deviation is sent again with a fresh tag, and the window
//     drops to 1 (its slow-start threshold to half what it was);
//   - sectors per frame from the MTU and the target's advertised sector count.
// All clients run in one polling loop on one DPDK port; every buffer is sized before the loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/initiator/aoe_client.hpp"
#include "bench/loadgen/bench_port.hpp"
#include "bench/loadgen/trace.hpp"

namespace aoebench {

struct ReplayConfig {
    aoeclient::TargetInfo target;
    std::uint64_t capacity = 0;
    bool lba48 = true;
    const ReplayPlan* plan = nullptr;
    std::vector<aoe::Mac> clients;
    unsigned window = 64; // the target's frames per client (Linux: min(bufcnt, aoe_maxout))
    double ramp_s = 0;    // client i starts at i * ramp / N
    const std::uint8_t* image = nullptr;
    std::uint64_t image_len = 0;
    double dead_s = 180; // aoe_deadsecs: a frame unanswered this long fails its client
    bool progress = true;
};

struct ReplayResult {
    double total_s = 0;               // first start to last completion
    std::vector<double> completion_s; // per client: own start to its last reply (finished ones)
    std::vector<double> finish_at_s;  // per client: storm start to its last reply
    std::vector<std::uint64_t> client_retransmits;
    unsigned finished = 0, failed = 0;
    std::uint64_t frames_done = 0, bytes = 0, verified_bytes = 0;
    std::uint64_t frames_tx = 0, frames_rx = 0, retransmits = 0, stray = 0, tx_busy = 0;
    std::uint64_t errors = 0, ata_errors = 0, aoe_errors = 0, runts = 0, mismatches = 0, lost = 0;
    unsigned min_window_seen = 0; // smallest window any client fell back to (1 after a timeout)
    std::string first_error;
};

// Runs the storm to the end (every client finished or failed) or until `stop`. False only on a
// setup failure.
bool run_replay(BenchPort& port, const ReplayConfig& cfg, const std::atomic<bool>& stop,
                ReplayResult& out, std::string& error);

} // namespace aoebench
