// aoe-bench's command line: `aoe-bench [options] IFACE` (net_af_packet on a kernel interface,
// vbladed-like) or `aoe-bench EAL-ARGS -- [options]` (any DPDK port, e.g. net_memif).
// Parsing is pure (no DPDK, no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aoebench {

struct BenchOptions {
    std::string iface;                 // kernel interface (af_packet form)
    std::vector<std::string> eal_args; // user EAL args (after argv[0], before `--`)
    bool user_eal = false;
    bool reflect = false; // --reflect: answer requests without AoE logic (link limit)

    bool have_target = false;
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    unsigned depth = 16; // requests in flight (all clients together)
    bool random = false;
    unsigned sectors = 0; // 0: min(advertised scnt, our path MTU)
    bool write = false;
    std::string verify;      // image file to compare read data with
    unsigned clients = 1;    // source MACs to impersonate
    double duration = 10.0;  // seconds (ignored when bytes is set)
    std::uint64_t bytes = 0; // stop after this much data
    bool json = false;
    bool progress = true;
    double rto_ms = 0; // 0: adaptive (Linux-style RTT estimate)
    unsigned discover_ms = 1000;
    std::uint32_t mtu = 0; // cap on our own MTU (0: the port's)
    std::uint64_t seed = 1;
    unsigned stall_ms = 0; // --stall: once, half a second in, stop polling for this long
    // --replay TRACE: simulated Linux initiators replaying a boot trace (bench/loadgen/replay.hpp)
    std::string replay;
    double ramp = 0;                // --ramp S: client starts spread over S seconds
    std::uint64_t replay_bytes = 0; // --replay-bytes N: only this prefix of the trace
    std::string trace_client;       // --trace-client MAC: whose reads (default: the most)
    unsigned window = 0;            // --window N: frames per client (0: min(bufcnt, 64))
    std::string clients_json;       // --clients-out FILE: per-client completion times (JSON)
    bool help = false, version = false;
};

struct BenchParse {
    std::optional<BenchOptions> options;
    std::string error;
};

BenchParse parse_bench_options(int argc, const char* const* argv);
std::string bench_usage();

} // namespace aoebench
