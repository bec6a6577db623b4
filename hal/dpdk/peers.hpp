// Other targets serving our shelf.slots (the core's peer table, target/peers.cpp): the
// control thread's log lines when a verdict changes, and telemetry /aoe/peers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "hal/dpdk/runtime.hpp"

namespace aoehal {

struct PeerRow {
    std::string port;        // our port's label
    std::string mac;         // the other target
    std::string export_name; // "e0.1"
    std::string verdict;     // pending, same, differs, no_identity
    std::string serial;      // its IDENTIFY serial (trailing spaces cut)
    std::string ours;        // our serial for that export
    std::uint64_t seen = 0;  // config replies and adverts seen from it
    double last_seen_s = 0;  // seconds since the last one
};

// Every owner engine's table, now. Control or telemetry thread; never an lcore.
std::vector<PeerRow> collect_peers(const Runtime& rt);

// The control thread calls this about once a second: one stderr line per (port, MAC,
// shelf.slot) whose verdict changed since the last call; "differs" and "no_identity" are
// warnings. `logged` remembers what was said.
void log_peer_changes(const Runtime& rt, std::map<std::string, std::string>& logged);

void register_peer_telemetry(Runtime& rt);

} // namespace aoehal
