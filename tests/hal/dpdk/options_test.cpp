// aoe-target option parsing: the vbladed form, --export, EAL splitting, refused addresses.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <vector>

#include "hal/dpdk/options.hpp"

using namespace aoehal;

static ParseResult parse(std::vector<const char*> args) {
    args.insert(args.begin(), "aoe-target");
    return parse_options(static_cast<int>(args.size()), args.data());
}

TEST_CASE("vbladed form: SHELF SLOT IFACE FILE") {
    auto r = parse({"0", "1", "eth1", "image.iso"});
    REQUIRE(r.options);
    CHECK(r.options->exports.size() == 1);
    CHECK(r.options->exports[0].shelf == 0);
    CHECK(r.options->exports[0].slot == 1);
    CHECK(r.options->exports[0].path == "image.iso");
    CHECK_FALSE(r.options->exports[0].writable);
    CHECK(r.options->ifaces == std::vector<std::string>{"eth1"});
    CHECK_FALSE(r.options->user_eal);
}

TEST_CASE("--export is repeatable, rw suffix") {
    auto r = parse({"--iface", "veth0", "--export", "1.2=a.img", "--export", "e3.4=b.img,rw",
                    "--queues", "2"});
    REQUIRE(r.options);
    REQUIRE(r.options->exports.size() == 2);
    CHECK(r.options->exports[1].shelf == 3);
    CHECK(r.options->exports[1].slot == 4);
    CHECK(r.options->exports[1].path == "b.img");
    CHECK(r.options->exports[1].writable);
    CHECK(r.options->queues == 2);
}

TEST_CASE("shelf 0x0FFF / 0xFFFF and slot 0xFF are refused at parsing") {
    CHECK_FALSE(parse({"4095", "1", "eth0", "f"}).options);
    CHECK(parse({"4095", "1", "eth0", "f"}).error.find("0x0FFF") != std::string::npos);
    CHECK_FALSE(parse({"65535", "1", "eth0", "f"}).options);
    CHECK_FALSE(parse({"0", "255", "eth0", "f"}).options);
    CHECK_FALSE(parse({"--iface", "x", "--export", "0x0fff.1=f"}).options);
    CHECK_FALSE(parse({"--iface", "x", "--export", "1.255=f"}).options);
    CHECK(parse({"65534", "254", "eth0", "f"}).options);
}

TEST_CASE("DPDK convention: [EAL args] -- [options]") {
    auto r = parse({"-l", "0", "--vdev=net_memif0", "--", "--export", "0.1=f"});
    REQUIRE(r.options);
    CHECK(r.options->user_eal);
    CHECK(r.options->eal_args == std::vector<std::string>{"-l", "0", "--vdev=net_memif0"});
    CHECK(r.options->exports.size() == 1);
}

TEST_CASE("--eal takes the rest of the line") {
    auto r = parse({"--export", "0.1=f", "--eal", "-l", "0", "--no-huge"});
    REQUIRE(r.options);
    CHECK(r.options->eal_args == std::vector<std::string>{"-l", "0", "--no-huge"});
}

TEST_CASE("usage errors") {
    CHECK_FALSE(parse({}).options);
    CHECK_FALSE(parse({"0", "1", "eth0"}).options);
    CHECK_FALSE(parse({"--bogus"}).options);
    CHECK_FALSE(parse({"--iface", "a", "--export", "0.1=f", "--export", "0.1=g"}).options);
    CHECK_FALSE(
        parse({"--iface", "a", "--export", "0.1=f", "--mac-allow", "01:00:5e:00:00:01"}).options);
    CHECK_FALSE(parse({"--iface", "a", "--export", "0.1=f", "--vlan", "4095"}).options);
    auto many =
        parse({"--iface", "a", "--max-exports", "1", "--export", "0.1=f", "--export", "0.2=g"});
    CHECK_FALSE(many.options);
    CHECK(parse({"--help"}).options->help);
    CHECK(parse({"--version"}).options->version);
}

TEST_CASE("--mac-allow list") {
    auto r = parse({"--iface", "a", "--export", "0.1=f", "--mac-allow",
                    "52:54:00:00:00:01,52:54:00:00:00:02"});
    REQUIRE(r.options);
    REQUIRE(r.options->mac_allow.size() == 2);
    CHECK(format_mac(r.options->mac_allow[1]) == "52:54:00:00:00:02");
}

TEST_CASE("CLI11: positionals between options, options kept in command-line order") {
    auto r = parse({"0", "--mtu", "9000", "1", "--export=0.2=b.img", "eth1", "--copy", "a.iso",
                    "--mtu", "1500"});
    REQUIRE(r.options);
    CHECK(r.options->mtu == 1500); // the last one wins, as with getopt
    REQUIRE(r.options->exports.size() == 2);
    CHECK(r.options->exports[0].path == "a.iso"); // the vbladed form's export comes first
    CHECK(r.options->exports[1].path == "b.img");
    CHECK(r.options->force_copy);
    std::vector<std::string> order;
    for (const auto& g : r.options->given) order.push_back(g.name + "=" + g.arg);
    CHECK(order == std::vector<std::string>{"mtu=9000", "export=0.2=b.img", "copy=", "mtu=1500"});
}

TEST_CASE("CLI11: usage errors name the option") {
    CHECK(parse({"--bogus"}).error == "unknown option --bogus");
    CHECK(parse({"--iface", "a", "--export", "0.1=f", "-x"}).error == "unknown option -x");
    CHECK(parse({"--iface", "a", "--export", "0.1=f", "--mtu"}).error ==
          "option --mtu needs an argument");
    auto s = parse({"--stats=1234", "--json"});
    REQUIRE(s.options);
    CHECK(s.options->stats);
    CHECK(s.options->stats_target == "1234");
    CHECK(s.options->json);
    auto bare = parse({"--stats"});
    REQUIRE(bare.options);
    CHECK(bare.options->stats_target.empty());
}

TEST_CASE("numbers: a digit first (strtoul alone would take blanks and signs)") {
    unsigned long v = 7;
    CHECK_FALSE(parse_ulong(" -1", 100, v));
    CHECK_FALSE(parse_ulong("-1", 100, v));
    CHECK_FALSE(parse_ulong("+1", 100, v));
    CHECK_FALSE(parse_ulong(" 1", 100, v));
    CHECK_FALSE(parse_ulong("", 100, v));
    CHECK(v == 7);
    CHECK(parse_ulong("0x10", 100, v));
    CHECK(v == 16);
    CHECK_FALSE(parse_ulong("101", 100, v));
}

TEST_CASE("--xdp: AF_XDP interfaces, repeatable, enough to serve") {
    auto r = parse({"--xdp", "eth1", "--export", "0.1=f", "--xdp", "eth2"});
    REQUIRE(r.options);
    CHECK(r.options->xdp_ifaces == std::vector<std::string>{"eth1", "eth2"});
    CHECK(r.options->ifaces.empty());
    CHECK(parse({"--xdp", "", "--export", "0.1=f"}).error == "--xdp needs an interface name");
}

TEST_CASE("--metrics IPV4:PORT: checked at parsing, the option and value in every message") {
    auto r = parse({"--iface", "x", "--export", "0.1=f", "--metrics", "127.0.0.1:9469"});
    REQUIRE(r.options);
    CHECK(r.options->metrics == "127.0.0.1:9469");
    CHECK(parse({"--iface", "x", "--export", "0.1=f"}).options->metrics.empty()); // off
    CHECK(parse({"--iface", "x", "--export", "0.1=f", "--metrics", "0.0.0.0:80"}).options);
    for (const char* bad : {"", "9469", ":9469", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                            "127.0.0.1:0x10", "127.0.0.1:010", "127.0.0.1:-1", "1.2.3:80",
                            "localhost:9469", "[::1]:9469", "::1:9469", "10.0.0.300:1"}) {
        auto b = parse({"--iface", "x", "--export", "0.1=f", "--metrics", bad});
        CAPTURE(bad);
        CHECK_FALSE(b.options);
        CHECK(b.error.rfind("--metrics '" + std::string(bad) + "': ", 0) == 0);
    }
    CHECK(parse_listen_address("[::1]:9469").find("IPv6 is not available") != std::string::npos);
    CHECK(parse_listen_address("127.0.0.1:99999").find("1..65535") != std::string::npos);
    CHECK(parse_listen_address("host:1").find("not an IPv4 address") != std::string::npos);
}

TEST_CASE("--trace FILE: on the command line and, absolute, in the configuration file") {
    auto r = parse({"0", "1", "eth1", "image.iso", "--trace", "boot.trace.gz"});
    REQUIRE(r.options);
    CHECK(r.options->trace_path == "boot.trace.gz");
    CHECK(parse({"0", "1", "eth1", "image.iso"}).options->trace_path.empty());
    CHECK(parse({"0", "1", "eth1", "image.iso", "--trace"}).error ==
          "option --trace needs an argument");
    CHECK(file_option("trace"));
    Options o;
    CHECK(apply_option(o, "trace", "/var/tmp/boot.trace", true).empty());
    CHECK(o.trace_path == "/var/tmp/boot.trace");
    CHECK(apply_option(o, "trace", "relative.trace", true) == "trace must be an absolute path");
}

TEST_CASE("--ring-frames: a power of two, 64..65536; in the configuration file too") {
    auto r = parse({"--iface", "a", "--export", "0.1=f", "--ring-frames", "4096"});
    REQUIRE(r.options);
    CHECK(r.options->ring_frames == 4096);
    CHECK(parse({"--iface", "a", "--export", "0.1=f"}).options->ring_frames == 0); // the default
    for (const char* bad : {"0", "32", "1000", "131072", "-4096", "x"})
        CHECK_FALSE(parse({"--iface", "a", "--export", "0.1=f", "--ring-frames", bad}).options);
    Options o;
    CHECK(apply_option(o, "ring-frames", "100", true) ==
          "--ring-frames must be a power of two, 64..65536");
    CHECK(apply_option(o, "ring-frames", "65536", true).empty());
    CHECK(o.ring_frames == 65536);
}
