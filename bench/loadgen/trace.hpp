// Boot traces (docs/trace-format.md): the reader of what aoe-target --trace writes, and the
// replay plan aoe-bench --replay sends. Pure: no DPDK, no network (tests/bench/trace_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "target/wire.hpp"

namespace aoebench {

// One served command, as a line of the trace says it.
struct TraceCommand {
    std::uint64_t offset_us = 0;
    aoe::Mac mac{};
    std::uint8_t cmd = 0; // ATA command byte
    std::uint64_t lba = 0;
    unsigned sectors = 0; // the AoE sector count (0 for IDENTIFY-like commands)
    std::uint32_t line = 0;
};

struct Trace {
    std::string path;
    unsigned version = 0;
    std::vector<std::string> header; // "#" lines after the format line, without "# "
    std::vector<TraceCommand> commands;
};

// Parses one data line ("OFFSET_US MAC CMD LBA SECTORS"); false with the reason in `why`.
bool parse_trace_line(const std::string& line, TraceCommand& out, std::string& why);
// Reads a trace, plain text or gzip (zlib reads both). Errors name the file and the line.
bool read_trace(const std::string& path, Trace& out, std::string& error);

// The frames one simulated client sends, in order: the trace's reads of one client, merged
// into the block requests they were (contiguous runs, as the block layer hands them to the
// aoe driver, up to max_request sectors) and cut again into frames of `sectors_per_frame`,
// the way the Linux driver cuts a request for its MTU.
struct ReplayFrame {
    std::uint64_t lba = 0;
    std::uint8_t sectors = 0;
};
struct ReplayPlan {
    aoe::Mac client{}; // whose commands were taken
    std::vector<ReplayFrame> frames;
    std::uint64_t bytes = 0;       // data bytes of all frames
    std::uint64_t trace_reads = 0; // reads of that client replayed (a prefix may cut the last)
    std::uint64_t trace_reads_total = 0; // read commands of that client in the trace
    std::uint64_t requests = 0;          // merged requests
    std::uint64_t skipped = 0;           // that client's other commands (IDENTIFY, writes...)
    std::uint64_t max_lba_end = 0;       // one past the highest sector read
    std::uint32_t max_lba_line = 0;      // the trace line that reads it
    bool prefix = false;                 // cut at prefix_bytes
};
struct PlanOptions {
    std::optional<aoe::Mac> client; // default: the client with the most reads
    unsigned sectors_per_frame = 2;
    std::uint64_t prefix_bytes = 0; // 0: the whole trace
    unsigned max_request = 2560;    // sectors: Linux's default largest request (1.25 MiB)
};
// False (with a message naming the trace) when the trace has no read of the chosen client.
bool build_plan(const Trace& t, const PlanOptions& o, ReplayPlan& out, std::string& error);

// Sectors per frame the Linux aoe driver uses: (MTU - AoE and ATA headers with Ethernet) /
// 512, at most what the target advertises; 2 (its DEFAULTBCNT) when that comes to 0.
unsigned linux_sectors_per_frame(std::uint32_t mtu, unsigned target_scnt);

// Completion-time summary over the clients (seconds): nearest-rank quantiles.
struct Spread {
    double median = 0, p90 = 0, p99 = 0, max = 0, min = 0;
};
Spread spread(std::vector<double> v);

} // namespace aoebench
