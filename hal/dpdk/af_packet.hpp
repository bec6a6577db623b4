// What aoe-target does to a net_af_packet port's kernel side: find the PMD's AF_PACKET
// sockets in this process, and filter them so that only AoE frames reach the lcore.
//
// The PMD opens one TPACKET_V2 socket per queue, bound to the interface, and lets every frame
// of the segment into its PACKET_MMAP ring. On a shared bridge that is mostly DHCP and TFTP
// (one KIWI boot here sent 60,756 non-AoE frames past the lcore: the 42 MB of kernel and initrd
// over TFTP), each one costing an RX descriptor, a poll and a drop count, and filling the ring
// that AoE frames need. A classic BPF program on each socket (SO_ATTACH_FILTER) drops them in
// the kernel, before the ring. Never on an lcore's per-frame path.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <linux/filter.h>

#include "hal/dpdk/runtime.hpp"

namespace aoehal {

// One PMD socket. dev/ino identify it: after rte_eth_dev_stop closed it, the descriptor number
// may name another file.
struct PacketSocket {
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
};

// The PMD's sockets (AF_PACKET, TPACKET_V2) of this process bound to `ifindex`.
std::vector<PacketSocket> packet_sockets(int ifindex);
// Whether `s` still is the socket it was when found.
bool same_socket(const PacketSocket& s);
// The kernel interface index under DPDK port `port_id`, 0 when it has none.
int port_ifindex(std::uint16_t port_id);

// The filter: EtherType 0x88A2, untagged or behind one or two VLAN tags (the kernel usually
// moves the outer tag into metadata before the filter runs; both layouts pass).
const std::vector<sock_filter>& aoe_filter();

// Attaches aoe_filter() to every socket of every net_af_packet port in `ports`, then empties
// the port's `nq` RX queues: the PMD binds its sockets when the port is probed, so whatever
// the segment sent between then and the filter (IPv6 router solicitations, ARP, DHCP) sits in
// the ring unfiltered, or was dropped by the kernel when that ring was full. Those frames are
// discarded unread and counted in the port's `rx_before_filter`, never shown to an engine nor
// counted as rx_ring_dropped, so every frame an engine counts has passed the filter. Runs on the
// main thread before any lcore polls (it calls rte_eth_rx_burst). Returns one line per port for the
// log ("... kernel filter: AoE frames only (2 sockets)"); an error (a port whose sockets cannot be
// found or filtered) is a line too, and `ok` turns false: the caller decides whether to go on
// unfiltered.
std::vector<std::string> filter_af_packet_ports(std::vector<PortState>& ports, std::uint16_t nq,
                                                bool& ok);

} // namespace aoehal
