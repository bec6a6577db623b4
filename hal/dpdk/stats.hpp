// Statistics: a snapshot of every engine and HAL counter, DPDK telemetry commands
// (/aoe/stats, /aoe/exports, /aoe/clients), the SIGUSR1 one-line summary and the table printed
// at exit. The snapshot is the one representation of the counters: telemetry (--stats) and
// the Prometheus endpoint (metrics.cpp) both render it, so they cannot disagree. Taking it
// reads each lcore's counters with relaxed loads and writes nothing an lcore reads.
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
    NamedValues total;                                    // summed over queues and ports
    std::vector<NamedValues> per_queue;                   // by queue, summed over ports
    std::vector<std::vector<NamedValues>> per_queue_port; // [queue][port]: engine + HAL counters
    std::vector<NamedValues> per_port;       // by port: imissed, ierrors, rx_ring_dropped
    std::vector<NamedValues> per_export;     // by export (table order)
    std::vector<std::string> export_names;   // "e0.1"
    std::vector<std::string> export_serials; // IDENTIFY serial (the image identity)
    std::vector<RingDrops> ring_drops;       // net_af_packet ports only (kernel_drops.hpp)
};

StatsSnapshot collect_stats(const Runtime& rt);

// The per-client view (docs/decisions.md: statistics by client MAC): every lcore's table
// merged by MAC, in MAC order, and what did not fit in the tables.
struct ClientRow {
    std::string mac; // "02:00:00:00:00:02"
    std::uint64_t frames_in = 0, replies = 0, reply_bytes = 0;
};
struct ClientsSnapshot {
    std::vector<ClientRow> rows;
    ClientRow overflow; // clients beyond a table's capacity, summed (mac empty)
};
ClientsSnapshot collect_clients(const Runtime& rt);
// One table index's export counters summed over every engine (reload's baseline).
NamedValues export_counter_values(const Runtime& rt, std::uint16_t index);
void register_telemetry(Runtime& rt);
std::string summary_line(const Runtime& rt);
void print_stats(const Runtime& rt, FILE* out);

} // namespace aoehal
