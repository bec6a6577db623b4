// aoe-bench --replay's report (replay_report.cpp).
#pragma once

#include <cstdio>
#include <string>

#include "bench/loadgen/replay.hpp"

namespace aoebench {

struct ReplayInfo {
    std::string port_label, driver, target_mac, trace_path, verify_path;
    std::uint32_t mtu = 0;
    unsigned sectors_per_frame = 0;
};

void print_replay_text(FILE* out, const ReplayInfo& info, const ReplayConfig& c,
                       const ReplayResult& r);
void print_replay_json(FILE* out, const ReplayInfo& info, const ReplayConfig& c,
                       const ReplayResult& r);
bool write_clients_json(const std::string& path, const ReplayConfig& c, const ReplayResult& r,
                        std::string& error);

} // namespace aoebench
