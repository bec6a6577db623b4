// EAL arguments in the vbladed-compatible form (docs/decisions.md).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>

#include "hal/dpdk/eal.hpp"

using namespace aoehal;

static bool has(const std::vector<std::string>& a, const std::string& s) {
    return std::find(a.begin(), a.end(), s) != a.end();
}

TEST_CASE("defaults: no PCI scan, our own file prefix, --no-huge exactly when no hugepages") {
    Options o;
    o.queues = 2;
    std::vector<KernelIface> ifs{{"veth0", 1, 1500}};
    bool jumbo = true;
    auto a = eal_arguments(o, ifs, 768, jumbo);
    CHECK_FALSE(jumbo);
    CHECK(has(a, "--no-pci"));
    CHECK(has(a, "aoe-" + std::to_string(getpid())));
    if (hugepages_reserved() == 0) {
        CHECK(has(a, "--no-huge"));
        CHECK(has(a, "768"));
        CHECK(has(a, "--no-shconf"));
        CHECK_FALSE(has(a, "--in-memory")); // --in-memory with --no-huge fails
    } else {
        CHECK(has(a, "--in-memory"));
        CHECK_FALSE(has(a, "--no-huge"));
    }
    CHECK(std::any_of(a.begin(), a.end(), [](auto& s) {
        return s.rfind("--lcores=0@", 0) == 0 && s.find(",1@") != std::string::npos;
    }));
    CHECK(has(a, "--vdev=net_af_packet0,iface=veth0,qdisc_bypass=1,qpairs=2,framecnt=32768"));
}

TEST_CASE("jumbo interfaces get big af_packet ring frames; --mtu caps them") {
    Options o;
    std::vector<KernelIface> ifs{{"a", 1, 9000}, {"b", 2, 1500}};
    bool jumbo = false;
    auto a = eal_arguments(o, ifs, 512, jumbo);
    CHECK(jumbo);
    CHECK(has(a, "--vdev=net_af_packet0,iface=a,qdisc_bypass=1,qpairs=1,blocksz=65536,framesz="
                 "16384,framecnt=4096"));
    CHECK(has(a, "--vdev=net_af_packet1,iface=b,qdisc_bypass=1,qpairs=1,framecnt=32768"));
    o.mtu = 1500;
    a = eal_arguments(o, ifs, 512, jumbo);
    CHECK_FALSE(jumbo);
}

TEST_CASE("--ring-frames sizes every af_packet ring (a boot storm's requests in flight)") {
    Options o;
    o.ring_frames = 1024;
    std::vector<KernelIface> ifs{{"a", 1, 9000}, {"b", 2, 1500}};
    bool jumbo = false;
    auto a = eal_arguments(o, ifs, 512, jumbo);
    CHECK(has(a, "--vdev=net_af_packet0,iface=a,qdisc_bypass=1,qpairs=1,blocksz=65536,framesz="
                 "16384,framecnt=1024"));
    CHECK(has(a, "--vdev=net_af_packet1,iface=b,qdisc_bypass=1,qpairs=1,framecnt=1024"));
}

TEST_CASE("--xdp interfaces become net_af_xdp ports, one queue per lcore, never jumbo rings") {
    Options o;
    o.queues = 2;
    KernelIface x{"eth1", 3, 9000};
    x.xdp = true;
    std::vector<KernelIface> ifs{{"eth0", 2, 1500}, x};
    bool jumbo = false;
    auto a = eal_arguments(o, ifs, 512, jumbo);
    CHECK_FALSE(jumbo);
    CHECK(has(a, "--vdev=net_af_packet0,iface=eth0,qdisc_bypass=1,qpairs=2,framecnt=32768"));
    CHECK(has(a, "--vdev=net_af_xdp1,iface=eth1,start_queue=0,queue_count=2"));
}

TEST_CASE("user EAL arguments are passed through untouched") {
    Options o;
    o.user_eal = true;
    o.eal_args = {"-l", "3", "--vdev=net_memif0,role=server"};
    bool jumbo = false;
    auto a = eal_arguments(o, {}, 512, jumbo);
    CHECK(a == std::vector<std::string>{"aoe-target", "-l", "3", "--vdev=net_memif0,role=server"});
}

TEST_CASE("unknown interface is reported by name") {
    KernelIface k;
    std::string err;
    CHECK_FALSE(kernel_iface("no-such-if0", k, err));
    CHECK(err.find("unknown interface 'no-such-if0'") != std::string::npos);
    CHECK(kernel_iface("lo", k, err));
    CHECK(k.mtu > 0);
}
