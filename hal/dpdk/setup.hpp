// Start-up of a Runtime, in order: images, EAL, pools, ports, exports (external memory and
// the export table), engines and lcore contexts. Every allocation of the lcores' state happens
// here; later, only a reload (exports.cpp, on the control thread) maps new images and fills
// free export slots, and the lcores never allocate.
#pragma once

#include <string>
#include <vector>

#include "hal/dpdk/eal.hpp"
#include "hal/dpdk/runtime.hpp"

namespace aoehal {

// Sizes of the mbuf pools, from the options; also decides -m for --no-huge.
struct PoolPlan {
    std::uint32_t rx_desc = 1024, tx_desc = 1024;
    std::uint32_t pkt_count = 0, hdr_count = 0, ext_count = 0;
    std::uint32_t pkt_data_room = 0;
    std::uint32_t dispatch_ring = 4096, owner_ring = 1024, flush_ring = 256;
    std::uint32_t memory_mb() const;
};
PoolPlan plan_pools(const Options& o, std::uint16_t nports, bool jumbo);

// Each returns false with a message for the user.
bool open_images(Runtime& rt, std::string& error);
bool create_pools(Runtime& rt, const PoolPlan& plan, std::string& error);
bool setup_ports(Runtime& rt, const PoolPlan& plan, const std::vector<KernelIface>& ifaces,
                 std::string& error);
bool setup_exports_and_engines(Runtime& rt, const PoolPlan& plan, std::string& error);
void stop_ports(Runtime& rt);

} // namespace aoehal
