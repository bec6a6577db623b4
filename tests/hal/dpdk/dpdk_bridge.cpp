// dpdk-bridge: forwards frames between DPDK ports 0 and 1 (a two-port "wire"), so the kernel
// test client can reach aoe-target through a DPDK-only link such as net_memif:
//   aoe-client --veth--> [net_af_packet | dpdk-bridge | net_memif client] --> aoe-target (memif
//   server)
// Debian's DPDK package ships no testpmd, hence this small tool (test-only).
// Usage: dpdk-bridge EAL-ARGS   (exactly two ports)
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>

static volatile std::sig_atomic_t g_quit = 0;
static void on_signal(int) {
    g_quit = 1;
}

static bool setup(std::uint16_t port, rte_mempool* pool) {
    rte_eth_conf conf{};
    rte_eth_dev_info info{};
    rte_eth_dev_info_get(port, &info);
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0) return false;
    if (rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr, pool) != 0) return false;
    if (rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr) != 0) return false;
    return rte_eth_dev_start(port) == 0;
}

int main(int argc, char** argv) {
    if (rte_eal_init(argc, argv) < 0) {
        std::fprintf(stderr, "dpdk-bridge: EAL init failed\n");
        return 1;
    }
    if (rte_eth_dev_count_avail() != 2) {
        std::fprintf(stderr, "dpdk-bridge: need exactly two ports\n");
        return 2;
    }
    rte_mempool* pool = rte_pktmbuf_pool_create("bridge", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                                static_cast<int>(rte_socket_id()));
    if (!pool || !setup(0, pool) || !setup(1, pool)) {
        std::fprintf(stderr, "dpdk-bridge: port setup failed\n");
        return 1;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::fprintf(stderr, "dpdk-bridge: ready\n");
    unsigned long long fwd[2] = {0, 0};
    unsigned idle = 0;
    while (!g_quit) {
        unsigned got = 0;
        for (std::uint16_t p = 0; p < 2; ++p) {
            rte_mbuf* pkts[32];
            std::uint16_t n = rte_eth_rx_burst(p, 0, pkts, 32);
            if (!n) continue;
            got += n;
            std::uint16_t sent = rte_eth_tx_burst(static_cast<std::uint16_t>(1 - p), 0, pkts, n);
            for (std::uint16_t i = sent; i < n; ++i) rte_pktmbuf_free(pkts[i]);
            fwd[p] += sent;
        }
        if (got) {
            idle = 0;
        } else if (++idle > 1000) {
            timespec ts{0, 50000};
            nanosleep(&ts, nullptr);
        }
    }
    std::fprintf(stderr, "dpdk-bridge: forwarded %llu / %llu\n", fwd[0], fwd[1]);
    rte_eth_dev_stop(0);
    rte_eth_dev_stop(1);
    rte_eal_cleanup();
    return 0;
}
