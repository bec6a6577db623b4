#include "bench/loadgen/bench_port.hpp"

#include <net/if.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "hal/dpdk/eal.hpp"

namespace aoebench {

namespace {
bool g_jumbo_ring = false; // af_packet vdev was given 16 KiB ring frames

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

bool start_eal(const BenchOptions& o, std::string& error) {
    std::vector<std::string> args;
    if (o.user_eal) {
        args.push_back("aoe-bench");
        args.insert(args.end(), o.eal_args.begin(), o.eal_args.end());
    } else {
        // The same vbladed-like defaults as aoe-target (hal/dpdk/eal): --no-huge or
        // --in-memory, our own file prefix, one lcore, one net_af_packet vdev on IFACE.
        aoehal::KernelIface k;
        if (!aoehal::kernel_iface(o.iface, k, error)) return false;
        aoehal::Options to;
        to.queues = 1;
        to.mtu = o.mtu;
        bool jumbo = false;
        args = aoehal::eal_arguments(to, {k}, 512, jumbo);
        args[0] = "aoe-bench";
        g_jumbo_ring = jumbo;
        aoehal::sweep_stale_runtime_dirs("aoe-bench");
    }
    return aoehal::eal_start(args, error);
}

bool open_port(const BenchOptions& o, BenchPort& port, std::string& error) {
    if (rte_eth_dev_count_avail() != 1) {
        error = "need exactly one DPDK port, found " + std::to_string(rte_eth_dev_count_avail());
        return false;
    }
    std::uint16_t pid = 0;
    while (pid < RTE_MAX_ETHPORTS && !rte_eth_dev_is_valid_port(pid)) ++pid;
    port.port_id = pid;
    aoehal::PortIdentity id; // the same probe as aoe-target's ports (hal/dpdk/eal.hpp)
    if (!aoehal::probe_port(pid, id, error)) return false;
    port.driver = id.driver;
    port.label = id.label;

    // Our MTU: the kernel interface's (af_packet), else the PMD's; capped by --mtu.
    std::uint32_t mtu = 1500;
    if (port.driver == "net_af_packet" && id.if_index) {
        mtu = aoehal::kernel_iface_mtu(id.if_index);
        if (!g_jumbo_ring) mtu = std::min<std::uint32_t>(mtu, aoehal::kAfPacketFrame - 128);
    } else {
        std::uint32_t want = o.mtu ? o.mtu : 1500;
        if (want != 1500 && rte_eth_dev_set_mtu(pid, static_cast<std::uint16_t>(want)) != 0) {
            std::uint16_t cur = 1500;
            rte_eth_dev_get_mtu(pid, &cur);
            want = std::min<std::uint32_t>(want, cur);
        }
        mtu = want;
    }
    if (o.mtu) mtu = std::min(mtu, o.mtu);
    port.mtu = mtu;

    // Replies up to the MTU must land in one mbuf.
    port.data_room = mtu > 1500 ? 16896 + RTE_PKTMBUF_HEADROOM : RTE_MBUF_DEFAULT_BUF_SIZE;
    std::uint32_t nmbufs = mtu > 1500 ? 8191 : 16383;
    port.pool = rte_pktmbuf_pool_create("bench_pkt", nmbufs, 256, 0,
                                        static_cast<std::uint16_t>(port.data_room),
                                        static_cast<int>(rte_socket_id()));
    if (!port.pool) {
        error = std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno) +
                " (more memory: -m in the EAL arguments)";
        return false;
    }
    rte_eth_conf conf{};
    int rc = rte_eth_dev_configure(pid, 1, 1, &conf);
    if (rc != 0) {
        error = std::string("cannot configure port: ") + rte_strerror(-rc);
        return false;
    }
    std::uint16_t nrx = 1024, ntx = 1024;
    rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
    int socket = rte_eth_dev_socket_id(pid);
    if (socket < 0) socket = static_cast<int>(rte_socket_id());
    rc = rte_eth_rx_queue_setup(pid, 0, nrx, static_cast<unsigned>(socket), nullptr, port.pool);
    if (rc == 0) rc = rte_eth_tx_queue_setup(pid, 0, ntx, static_cast<unsigned>(socket), nullptr);
    if (rc != 0) {
        error = std::string("cannot set up queues: ") + rte_strerror(-rc);
        return false;
    }
    rc = rte_eth_dev_start(pid);
    if (rc != 0) {
        error = std::string("cannot start port: ") + rte_strerror(-rc);
        return false;
    }
    // Impersonated clients and the reflector see frames for other MACs.
    if (o.clients > 1 || o.reflect) rte_eth_promiscuous_enable(pid);
    rte_ether_addr mac{};
    rte_eth_macaddr_get(pid, &mac);
    std::memcpy(port.mac.b, mac.addr_bytes, 6);
    port.runtime_dir = rte_eal_get_runtime_dir();
    // memif and friends: wait (bounded) for the link.
    for (int i = 0; i < 50; ++i) {
        rte_eth_link link{};
        rte_eth_link_get_nowait(pid, &link);
        if (link.link_status) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
}

void close_port(const BenchOptions& o, BenchPort& port) {
    rte_eth_dev_stop(port.port_id);
    rte_eth_dev_close(port.port_id);
    rte_eal_cleanup();
    // Our own aoe-PID prefix: leave nothing behind (as aoe-target does).
    if (!o.user_eal) aoehal::remove_own_runtime_dir(port.runtime_dir);
}

DpdkTransport::~DpdkTransport() {
    for (std::uint16_t i = next_; i < npending_; ++i) rte_pktmbuf_free(pending_[i]);
}

bool DpdkTransport::send(const std::uint8_t* frame, std::size_t len) {
    rte_mbuf* m = rte_pktmbuf_alloc(p_.pool);
    if (!m) return false;
    if (rte_pktmbuf_tailroom(m) < len) {
        rte_pktmbuf_free(m);
        return false;
    }
    std::memcpy(rte_pktmbuf_mtod(m, void*), frame, len);
    m->data_len = static_cast<std::uint16_t>(len);
    m->pkt_len = static_cast<std::uint32_t>(len);
    for (int i = 0; i < 1000; ++i) {
        if (rte_eth_tx_burst(p_.port_id, 0, &m, 1) == 1) return true;
        std::this_thread::sleep_for(std::chrono::microseconds(10));
    }
    rte_pktmbuf_free(m);
    return false;
}

long DpdkTransport::recv(std::uint8_t* buf, std::size_t cap, std::int64_t timeout_us) {
    std::int64_t deadline = now_us() + timeout_us;
    for (;;) {
        while (next_ < npending_) {
            rte_mbuf* m = pending_[next_++];
            std::size_t len = rte_pktmbuf_pkt_len(m);
            bool aoe = len >= 14 && aoe::load_be16(rte_pktmbuf_mtod(m, const std::uint8_t*) + 12) ==
                                        aoe::kEtherTypeAoe;
            if (aoe && len <= cap) {
                // Contiguous data comes back as a pointer into the mbuf, chained data is copied.
                const void* d = rte_pktmbuf_read(m, 0, static_cast<std::uint32_t>(len), buf);
                if (d != buf) std::memcpy(buf, d, len);
            }
            rte_pktmbuf_free(m);
            if (aoe && len <= cap) return static_cast<long>(len);
        }
        npending_ = rte_eth_rx_burst(p_.port_id, 0, pending_, kBurst);
        next_ = 0;
        if (npending_) continue;
        if (now_us() >= deadline) return 0;
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
}

} // namespace aoebench
