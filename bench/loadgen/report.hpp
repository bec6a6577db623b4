// aoe-bench's result: a readable summary or one JSON object (for scripts/bench).
#pragma once

#include <cstdio>
#include <string>

#include "bench/loadgen/bench_port.hpp"
#include "bench/loadgen/loadgen.hpp"

namespace aoebench {

struct RunInfo {
    std::string port_label, driver, model, serial, target_mac;
    std::uint32_t mtu = 0;
    unsigned depth_requested = 0;
};

void print_text(FILE* out, const RunInfo& info, const LoadConfig& cfg, const LoadResult& r);
void print_json(FILE* out, const RunInfo& info, const LoadConfig& cfg, const LoadResult& r);

} // namespace aoebench
