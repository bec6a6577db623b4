// `aoe-target --stats [PID|PREFIX]`: reads a running target's DPDK telemetry socket
// (/aoe/stats, /aoe/exports) and prints a table for people.
#pragma once

#include <string>

namespace aoehal {

// Returns the process exit code (0 ok, 1 failure).
int print_remote_stats(const std::string& which, bool json);

} // namespace aoehal
