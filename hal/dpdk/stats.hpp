// Statistics: a snapshot of every engine and HAL counter, DPDK telemetry commands
// (/aoe/stats, /aoe/exports), the SIGUSR1 one-line summary and the table printed at exit.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hal/dpdk/kernel_drops.hpp"
#include "hal/dpdk/runtime.hpp"

namespace aoehal {

using NamedValues = std::vector<std::pair<std::string, std::uint64_t>>;

struct StatsSnapshot {
    NamedValues total;                     // summed over queues and ports
    std::vector<NamedValues> per_queue;    // by queue, summed over ports
    std::vector<NamedValues> per_export;   // by export (table order)
    std::vector<std::string> export_names; // "e0.1"
    std::vector<RingDrops> ring_drops;     // net_af_packet ports only (kernel_drops.hpp)
};

StatsSnapshot collect_stats(const Runtime& rt);
// One table index's export counters summed over every engine (reload's baseline).
NamedValues export_counter_values(const Runtime& rt, std::uint16_t index);
void register_telemetry(Runtime& rt);
std::string summary_line(const Runtime& rt);
void print_stats(const Runtime& rt, FILE* out);

} // namespace aoehal
