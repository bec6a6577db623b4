// aoe-read-cost: the fixed workload behind "instructions per served read" (scripts/bench runs
// it under valgrind --tool=callgrind). It builds aoe-target's real Runtime (hal/dpdk setup) on
// one rte_ring port (rte_eth_from_rings), preloads N 2-sector READ SECTORS EXT requests into
// the port's RX ring, runs aoe-target's own lcore loop (aoehal::lcore_main: Engine::accept,
// Engine::next_reply and the HAL reply build) until all N replies sit in the TX ring, then
// checks every reply against the image. The ring PMD costs a few instructions per frame and
// is reported apart from our code.
//   aoe-read-cost N IMAGE [TRACE]   (exit 0 when all N replies are right; with TRACE, the loop
//                                    runs with aoe-target --trace TRACE on: the hook's cost)
#include <dirent.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/initiator/aoe_client.hpp"
#include "hal/dpdk/datapath.hpp"
#include "hal/dpdk/eal.hpp"
#include "hal/dpdk/setup.hpp"
#include "hal/dpdk/trace.hpp"

using namespace aoehal;

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::fprintf(stderr, "Usage: aoe-read-cost N IMAGE [TRACE]\n");
        return 2;
    }
    const unsigned n = static_cast<unsigned>(std::strtoul(argv[1], nullptr, 0));
    if (n == 0 || n > (1u << 20)) {
        std::fprintf(stderr, "aoe-read-cost: N must be 1..1048576\n");
        return 2;
    }
    std::string prefix = "aoe-rc" + std::to_string(getpid());
    std::vector<std::string> eal{"aoe-read-cost",
                                 "-l",
                                 "0",
                                 "--no-huge",
                                 "-m",
                                 "1024",
                                 "--no-shconf",
                                 "--no-pci",
                                 "--file-prefix",
                                 prefix,
                                 "--log-level=notice"};
    std::string err;
    if (!eal_start(eal, err)) {
        std::fprintf(stderr, "aoe-read-cost: %s\n", err.c_str());
        return 1;
    }
    unsigned ring_size = 1;
    while (ring_size <= n) ring_size <<= 1;
    int socket = static_cast<int>(rte_socket_id());
    rte_ring* rx = rte_ring_create("rc_rx", ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* tx = rte_ring_create("rc_tx", ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!rx || !tx ||
        rte_eth_from_rings("rc0", &rx, 1, &tx, 1, static_cast<unsigned>(socket)) < 0) {
        std::fprintf(stderr, "aoe-read-cost: cannot create the ring port\n");
        return 1;
    }

    Runtime rt;
    rt.opt.exports.push_back(ExportSpec{0, 1, argv[2], false});
    rt.opt.queues = 1;
    // Only reads in the measured loop: no adverts and no peer discovery (its start-up query
    // was the one frame in the TX ring that was not a read reply, so a run saw n-1 of them).
    rt.opt.advertise_interval = 0;
    rt.opt.peer_interval = 0;
    PoolPlan plan = plan_pools(rt.opt, 1, false);
    // All N replies stay in the TX ring until the end: room for them, so every one takes the
    // zero-copy path aoe-target uses on af_packet and memif.
    plan.hdr_count += n;
    plan.ext_count += n;
    if (!open_images(rt, err) || !create_pools(rt, plan, err) || !setup_ports(rt, plan, {}, err) ||
        !setup_exports_and_engines(rt, plan, err)) {
        std::fprintf(stderr, "aoe-read-cost: %s\n", err.c_str());
        return 1;
    }
    const std::uint64_t sectors = rt.exports[0].exp->sectors;
    const std::uint8_t* image = rt.exports[0].image->data();
    if (sectors < 2) {
        std::fprintf(stderr, "aoe-read-cost: image too small\n");
        return 1;
    }

    // N requests as a Linux client sends them (READ SECTORS EXT, 2 sectors, 60-byte frames).
    rte_mempool* req_pool =
        rte_pktmbuf_pool_create("rc_req", n + 512, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (!req_pool) {
        std::fprintf(stderr, "aoe-read-cost: cannot create the request pool\n");
        return 1;
    }
    const aoe::Mac client{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
    for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = rte_pktmbuf_alloc(req_pool);
        std::uint64_t lba = (std::uint64_t{i} * 2) % (sectors - 1);
        std::size_t len = aoeclient::build_ata(
            rte_pktmbuf_mtod(m, std::uint8_t*), client, rt.ports[0].info.mac, 0, 1,
            (i & 0x7fff) << 16 | (i & 0xffff), aoe::ata::kCmdReadSectorsExt, lba, 2, true);
        m->data_len = static_cast<std::uint16_t>(len);
        m->pkt_len = static_cast<std::uint32_t>(len);
        if (rte_ring_enqueue(rx, m) != 0) {
            std::fprintf(stderr, "aoe-read-cost: RX ring full\n");
            return 1;
        }
    }

    // Stop the loop once every reply is in the TX ring (the loop flushes its TX buffer each pass).
    // Bounded: a lost reply must end the run (and fail it), not hang it.
    std::thread watcher([&] {
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(300);
        while (rte_ring_count(tx) < n && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        rt.force_quit.store(true);
    });
    TraceWriter trace; // with TRACE: the --trace hook and its writer thread, as in aoe-target
    if (argc == 4) {
        std::string terr;
        if (!trace.open(argv[3], {"aoe-read-cost"}, terr)) {
            std::fprintf(stderr, "aoe-read-cost: %s\n", terr.c_str());
            return 1;
        }
        trace.attach(rt.nq);
        trace.start();
    }
    lcore_main(rt.lcores[0]); // the measured part (callgrind --toggle-collect=aoehal::lcore_main*)
    watcher.join();
    if (argc == 4) {
        trace.finish();
        std::printf("aoe-read-cost: trace: %llu commands written, %llu lost\n",
                    static_cast<unsigned long long>(trace.written()),
                    static_cast<unsigned long long>(trace.lost()));
    }

    // Every frame in the TX ring: a read reply (ATA command) must be right (size, R set, status
    // DRDY, the image's bytes); anything else is counted apart and reported, never as a read.
    unsigned good = 0, wrong = 0, other = 0;
    void* obj = nullptr;
    while (rte_ring_dequeue(tx, &obj) == 0) {
        auto* m = static_cast<rte_mbuf*>(obj);
        std::vector<std::uint8_t> f(rte_pktmbuf_pkt_len(m));
        const void* d = rte_pktmbuf_read(m, 0, static_cast<std::uint32_t>(f.size()), f.data());
        if (d != f.data()) std::memcpy(f.data(), d, f.size());
        aoeclient::Response r = aoeclient::parse_response(f.data(), f.size());
        rte_pktmbuf_free(m);
        if (!r.ok || r.command != static_cast<std::uint8_t>(aoe::Command::ata)) {
            ++other;
            continue;
        }
        // The tag's low 16 bits carry the request index; its data is checked when that is unique.
        std::uint64_t lba = (std::uint64_t{r.tag & 0xffff} * 2) % (sectors - 1);
        bool ok = !r.error && r.ata_status == aoe::ata::kStatusDrdy && r.data_len >= 1024 &&
                  (n > 0x10000 || std::memcmp(r.data, image + lba * 512, 1024) == 0);
        (ok ? good : wrong) += 1;
    }
    const auto& st = rt.lcores[0]->stats[0];
    std::printf("aoe-read-cost: %u requests, %u correct replies, %u wrong, %u other frames, "
                "zero-copy %llu, "
                "copy %llu (%s port)\n",
                n, good, wrong, other, static_cast<unsigned long long>(st.tx_zero_copy.get()),
                static_cast<unsigned long long>(st.tx_copy.get()), rt.ports[0].driver.c_str());
    stop_ports(rt);
    std::string rundir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    // Our own prefix: leave no runtime directory behind.
    if (rundir.find("/" + prefix) != std::string::npos) {
        if (DIR* dir = opendir(rundir.c_str())) {
            while (dirent* e = readdir(dir))
                if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
                    unlink((rundir + "/" + e->d_name).c_str());
            closedir(dir);
        }
        rmdir(rundir.c_str());
    }
    return good == n && wrong == 0 ? 0 : 1;
}
