// rte_flow steering of AoE frames over the RX queues (RSS does not hash non-IP frames).
// Kept small and isolated on purpose: no virtual device on the development machine supports
// rte_flow, so this path is UNTESTED on hardware; when it fails, aoe-target falls back to the
// software dispatcher (queue 0 hands frames to the other lcores over rings), which is tested.
#pragma once

#include <cstdint>
#include <string>

namespace aoehal {

// Installs "EtherType 0x88A2 -> RSS over the source MAC across queues 0..nq-1".
// Returns false (and why) when the port does not accept the rule.
bool install_flow_steering(std::uint16_t port, std::uint16_t nq, std::string& why);

} // namespace aoehal
