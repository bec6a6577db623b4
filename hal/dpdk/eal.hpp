// EAL start-up in the vbladed-compatible form (docs/decisions.md): without user EAL args,
// `--no-huge -m SIZE --no-shconf --file-prefix aoe-PID --no-pci` when no hugepages are
// reserved, `--in-memory --no-pci` otherwise, one lcore per queue, and one net_af_packet
// vdev per kernel interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hal/dpdk/options.hpp"

namespace aoehal {

struct KernelIface {
    std::string name;
    unsigned index = 0;
    std::uint32_t mtu = 0;
    bool xdp = false; // --xdp: net_af_xdp (AF_XDP socket) instead of net_af_packet
};

// Looks up a kernel interface; false with a message when it does not exist.
bool kernel_iface(const std::string& name, KernelIface& out, std::string& error);
std::uint32_t kernel_iface_mtu(unsigned ifindex);
std::uint64_t hugepages_reserved();

// What a started-up DPDK port is, for decisions and messages (aoe-target's ports, aoe-bench's):
// its driver ("net_af_packet"), the kernel interface behind it (af_packet, af_xdp; empty for
// memif and PCI) and the label messages name it by, "net_af_packet0 (veth0)". False with a
// message when DPDK cannot describe it.
struct PortIdentity {
    std::string driver;
    std::string kernel_iface;
    unsigned if_index = 0; // the kernel interface's index, 0 without one
    std::string label;
};
bool probe_port(std::uint16_t port_id, PortIdentity& out, std::string& error);

// af_packet ring geometry: jumbo needs bigger frames (docs/testing.md).
inline constexpr std::uint32_t kAfPacketJumboFrame = 16384;
inline constexpr std::uint32_t kAfPacketFrame = 2048;
// Default af_packet ring size per direction and queue: room for the requests a boot storm has
// in flight (clients x their window of the buffer count). 512 frames, the PMD's default,
// dropped 94k requests of a 1,000-client storm in the kernel, each a Linux retransmit timer
// (bench/results/storm-findings.md); 32768 frames (this size at 2 KiB a frame) dropped almost none.
inline constexpr std::uint64_t kAfPacketRingBytes = 64ull << 20;

// Builds the EAL argv (argv[0] included). `memory_mb` sizes -m for --no-huge.
std::vector<std::string> eal_arguments(const Options& o, const std::vector<KernelIface>& ifaces,
                                       std::uint32_t memory_mb, bool& jumbo_ports);
// rte_eal_init with a clear message on failure (e.g. no hugepages: use --no-huge).
bool eal_start(const std::vector<std::string>& args, std::string& error);
// After rte_eal_cleanup: removes the EAL runtime dir of a prefix we chose ourselves
// (aoe-PID, --no-shconf still leaves it behind); leaves any other directory alone.
void remove_own_runtime_dir(const std::string& dir);
// Before EAL start-up with our own prefix: removes the runtime dirs (aoe-PID) that SIGKILLed or
// crashed aoe-target/aoe-bench processes left behind, where that PID no longer exists, and
// names each on stderr as `program: removed stale DPDK runtime directory DIR`. Directories of
// live processes and of other prefixes are never touched. Returns how many it removed.
unsigned sweep_stale_runtime_dirs(const char* program);

} // namespace aoehal
