// Frames the kernel dropped because a net_af_packet port's PACKET_MMAP RX ring was full.
//
// DPDK 22.11's af_packet PMD never reads the sockets' PACKET_STATISTICS (its stats_get fills
// packets and bytes only; imissed stays 0), so under a flood frames the kernel delivered to the
// interface vanish without a trace. This module finds the PMD's AF_PACKET sockets in this
// process (/proc/self/fd, SO_DOMAIN, getsockname's sll_ifindex) and reads
// getsockopt(SOL_PACKET, PACKET_STATISTICS) from a thread of its own once a second and on every
// query. The kernel resets the counters on each read and keeps them in 32 bits, so they are
// accumulated here, and read often enough not to wrap. Never on an lcore's per-frame path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hal/dpdk/runtime.hpp"

namespace aoehal {

struct RingDrops {
    std::uint16_t port_id = 0;
    std::string port;          // PortState::label, "net_af_packet0 (veth0)"
    std::uint64_t dropped = 0; // tp_drops summed over the port's sockets (one per queue)
};

// Finds the sockets of every net_af_packet port in `ports` and starts the reader thread. Call
// once, after the ports are started (the PMD opens its sockets at probe time and closes them
// in rte_eth_dev_stop). A port whose sockets cannot be found is reported on stderr and left
// out (its counter is absent, never a made-up 0).
void start_ring_drop_counting(const std::vector<PortState>& ports);

// The totals so far, per af_packet port (ports of other drivers are absent). Reads the sockets
// first, so the numbers are current. Safe from any non-lcore thread. After the PMD closed a
// socket (port stopped) its last total stays.
std::vector<RingDrops> ring_drops();

} // namespace aoehal
