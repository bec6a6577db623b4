// aoe-bench's command line (bench/loadgen/bench_options.cpp): both forms, every option's range, the
// number syntax kept from the hand-written parser (0x hex, K/M/G sizes), and CLI11's own errors.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bench/loadgen/bench_options.hpp"

using namespace aoebench;

static BenchParse parse(std::vector<const char*> args) {
    args.insert(args.begin(), "aoe-bench");
    return parse_bench_options(static_cast<int>(args.size()), args.data());
}

// The error of a refused command line ("" if it was accepted).
static std::string error(std::vector<const char*> args) {
    auto r = parse(std::move(args));
    return r.options ? std::string() : r.error;
}

static bool mentions(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

TEST_CASE("af_packet form: options IFACE, defaults as documented") {
    auto r = parse({"veth0"});
    REQUIRE(r.options);
    const BenchOptions& o = *r.options;
    CHECK(o.iface == "veth0");
    CHECK_FALSE(o.user_eal);
    CHECK(o.eal_args.empty());
    CHECK_FALSE(o.have_target);
    CHECK(o.depth == 16);
    CHECK_FALSE(o.random);
    CHECK(o.sectors == 0);
    CHECK_FALSE(o.write);
    CHECK(o.verify.empty());
    CHECK(o.clients == 1);
    CHECK(o.duration == 10.0);
    CHECK(o.bytes == 0);
    CHECK_FALSE(o.json);
    CHECK(o.progress);
    CHECK(o.rto_ms == 0);
    CHECK(o.discover_ms == 1000);
    CHECK(o.mtu == 0);
    CHECK(o.seed == 1);
    CHECK_FALSE(o.reflect);
    CHECK_FALSE(o.help);
    CHECK_FALSE(o.version);
}

TEST_CASE("every option, before and after IFACE, --name value and --name=value") {
    auto r =
        parse({"--target", "e1.2",     "--depth=64", "--random",  "veth1",     "--sectors",
               "8",        "--verify", "img",        "--clients", "8",         "--duration",
               "2.5",      "--bytes",  "4M",         "--rto=20",  "--timeout", "500",
               "--mtu",    "9000",     "--seed",     "7",         "--json",    "--no-progress"});
    REQUIRE(r.options);
    const BenchOptions& o = *r.options;
    CHECK(o.iface == "veth1");
    CHECK(o.have_target);
    CHECK(o.shelf == 1);
    CHECK(o.slot == 2);
    CHECK(o.depth == 64);
    CHECK(o.random);
    CHECK(o.sectors == 8);
    CHECK(o.verify == "img");
    CHECK(o.clients == 8);
    CHECK(o.duration == 2.5);
    CHECK(o.bytes == 4u << 20);
    CHECK(o.rto_ms == 20.0);
    CHECK(o.discover_ms == 500);
    CHECK(o.mtu == 9000);
    CHECK(o.seed == 7);
    CHECK(o.json);
    CHECK_FALSE(o.progress);

    auto w = parse({"--write", "veth0"});
    REQUIRE(w.options);
    CHECK(w.options->write);
    auto f = parse({"--reflect", "veth0"});
    REQUIRE(f.options);
    CHECK(f.options->reflect);
}

TEST_CASE("DPDK form: EAL-ARGS -- options, split at the first -- before CLI11") {
    auto r = parse(
        {"-l", "0", "--vdev=net_memif0,role=client", "--no-pci", "--", "--depth", "4", "--json"});
    REQUIRE(r.options);
    CHECK(r.options->user_eal);
    CHECK(r.options->eal_args ==
          std::vector<std::string>{"-l", "0", "--vdev=net_memif0,role=client", "--no-pci"});
    CHECK(r.options->iface.empty());
    CHECK(r.options->depth == 4);
    CHECK(r.options->json);

    // EAL arguments that look like aoe-bench's own options stay the EAL's.
    auto e = parse({"--depth", "x", "--"});
    REQUIRE(e.options);
    CHECK(e.options->eal_args == std::vector<std::string>{"--depth", "x"});
    CHECK(e.options->depth == 16);

    // No EAL arguments at all is still the DPDK form.
    auto n = parse({"--"});
    REQUIRE(n.options);
    CHECK(n.options->user_eal);
    CHECK(n.options->eal_args.empty());

    CHECK(error({"-l", "0", "--", "veth0"}) ==
          "with EAL arguments, the port comes from them: unexpected 'veth0'");
}

TEST_CASE("IFACE: exactly one in the af_packet form") {
    CHECK(error({}) == "missing IFACE (or EAL arguments followed by --)");
    CHECK(error({"--json"}) == "missing IFACE (or EAL arguments followed by --)");
    CHECK(error({"veth0", "veth1"}) == "too many arguments: 'veth1'");
}

TEST_CASE("range of every number option, with the message naming the option and its range") {
    struct Case {
        const char* option;
        const char* low;
        const char* high;
        const char* message;
    };
    const Case cases[] = {
        {"--depth", "0", "32768", "--depth must be 1..32767"},
        {"--sectors", "0", "256", "--sectors must be 1..255"},
        {"--clients", "0", "4097", "--clients must be 1..4096"},
        {"--timeout", "0", "60001", "--timeout must be 1..60000 ms"},
        {"--mtu", "533", "16001", "--mtu must be 534..16000"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.option);
        CHECK(error({c.option, c.low, "veth0"}) == c.message);
        CHECK(error({c.option, c.high, "veth0"}) == c.message);
    }
    auto lo = parse({"--depth", "1", "--sectors", "1", "--clients", "1", "--timeout", "1", "--mtu",
                     "534", "veth0"});
    REQUIRE(lo.options);
    CHECK(lo.options->depth == 1);
    CHECK(lo.options->mtu == 534);
    auto hi = parse({"--depth", "32767", "--sectors", "255", "--clients", "4096", "--timeout",
                     "60000", "--mtu", "16000", "veth0"});
    REQUIRE(hi.options);
    CHECK(hi.options->depth == 32767);
    CHECK(hi.options->sectors == 255);
    CHECK(hi.options->clients == 4096);
    CHECK(hi.options->discover_ms == 60000);
    CHECK(hi.options->mtu == 16000);

    const char* duration = "--duration must be a positive number of seconds";
    CHECK(error({"--duration", "0", "veth0"}) == duration);
    CHECK(error({"--duration", "-1", "veth0"}) == duration);
    CHECK(error({"--duration", "nan", "veth0"}) == duration);
    CHECK(error({"--rto", "0", "veth0"}) == "--rto must be a positive number of milliseconds");
    CHECK(error({"--bytes", "0", "veth0"}) == "--bytes must be a positive size (K, M, G suffixes)");
    CHECK(error({"--seed", "x", "veth0"}) == "--seed must be a number");
    auto s = parse({"--seed", "0", "veth0"});
    REQUIRE(s.options);
    CHECK(s.options->seed == 0);
    auto big = parse({"--seed", "18446744073709551615", "veth0"});
    REQUIRE(big.options);
    CHECK(big.options->seed == 18446744073709551615ull);
}

TEST_CASE("bad numbers are refused, not read as far as they go") {
    CHECK(error({"--depth", "abc", "veth0"}) == "--depth must be 1..32767");
    CHECK(error({"--depth", "12x", "veth0"}) == "--depth must be 1..32767");
    CHECK(error({"--depth", "-1", "veth0"}) == "--depth must be 1..32767");
    CHECK(error({"--depth=", "veth0"}) != "");
    CHECK(error({"--depth", "4.5", "veth0"}) == "--depth must be 1..32767");
    CHECK(error({"--clients", "99999999999999999999", "veth0"}) == "--clients must be 1..4096");
    CHECK(error({"--seed", "-1", "veth0"}) == "--seed must be a number");
    CHECK(error({"--seed", "18446744073709551616", "veth0"}) == "--seed must be a number");
    CHECK(error({"--duration", "abc", "veth0"}) ==
          "--duration must be a positive number of seconds");
    CHECK(error({"--duration", "1s", "veth0"}) ==
          "--duration must be a positive number of seconds");
    CHECK(error({"--rto", "x", "veth0"}) == "--rto must be a positive number of milliseconds");
    CHECK(mentions(error({"--target", "x", "veth0"}), "--target x: "));
    CHECK(mentions(error({"--target", "4095.1", "veth0"}), "0x0FFF"));
}

TEST_CASE("number syntax kept from before: decimal, 0x hex, 0 octal") {
    auto r = parse({"--depth", "0x10", "--mtu", "0x2328", "--clients", "010", "veth0"});
    REQUIRE(r.options);
    CHECK(r.options->depth == 16);
    CHECK(r.options->mtu == 9000);
    CHECK(r.options->clients == 8);
    auto d = parse({"--duration", "0.25", "--rto", "1e2", "veth0"});
    REQUIRE(d.options);
    CHECK(d.options->duration == 0.25);
    CHECK(d.options->rto_ms == 100.0);
}

TEST_CASE("--bytes: K, M, G suffixes (either case), powers of 1024") {
    auto bytes = [](const char* v) {
        auto r = parse({"--bytes", v, "veth0"});
        return r.options ? r.options->bytes : 0;
    };
    CHECK(bytes("1G") == 1ull << 30);
    CHECK(bytes("1g") == 1ull << 30);
    CHECK(bytes("3M") == 3ull << 20);
    CHECK(bytes("4k") == 4ull << 10);
    CHECK(bytes("33555968") == 33555968);
    CHECK(bytes("0x10K") == 16ull << 10);
    const char* message = "--bytes must be a positive size (K, M, G suffixes)";
    for (const char* bad : {"1T", "1GB", "1.5G", "G", "-1G", "1 G", "", "17179869184G"}) {
        CAPTURE(bad);
        CHECK(error({"--bytes", bad, "veth0"}) == message);
    }
    CHECK(bytes("17179869183G") == 17179869183ull << 30);
}

TEST_CASE("a repeated option: the last value wins, and every value is checked") {
    auto r = parse({"--depth", "4", "--depth", "8", "--target", "0.1", "--target", "0.2",
                    "--verify", "a", "--verify", "b", "veth0"});
    REQUIRE(r.options);
    CHECK(r.options->depth == 8);
    CHECK(r.options->slot == 2);
    CHECK(r.options->verify == "b");
    CHECK(error({"--depth", "0", "--depth", "8", "veth0"}) == "--depth must be 1..32767");
}

TEST_CASE("unknown option and missing value: refused, the option named") {
    CHECK(mentions(error({"--bogus", "veth0"}), "--bogus"));
    CHECK(mentions(error({"-x", "veth0"}), "-x"));
    CHECK(mentions(error({"--dept", "4", "veth0"}), "--dept")); // no abbreviations
    CHECK(mentions(error({"-5", "veth0"}), "-5")); // CLI11 alone would take it for IFACE
    CHECK(mentions(error({"-l", "0", "--", "-1"}), "-1"));
    auto dash = parse({"-"}); // "-" alone was and is an argument
    REQUIRE(dash.options);
    CHECK(dash.options->iface == "-");
    CHECK(mentions(error({"veth0", "--depth"}), "--depth"));
    CHECK(mentions(error({"veth0", "--verify"}), "--verify"));
    CHECK(mentions(error({"-l", "0", "--", "--bytes"}), "--bytes"));
}

TEST_CASE("--write and --reflect exclude each other") {
    CHECK(error({"--write", "--reflect", "veth0"}) == "--write and --reflect exclude each other");
}

TEST_CASE("--help, -h and --version: accepted without IFACE") {
    for (const char* flag : {"--help", "-h", "--version"}) {
        CAPTURE(flag);
        auto r = parse({flag});
        REQUIRE(r.options);
        CHECK(r.options->help == (std::string(flag) != "--version"));
        CHECK(r.options->version == (std::string(flag) == "--version"));
    }
    auto eal = parse({"-l", "0", "--", "--help"});
    REQUIRE(eal.options);
    CHECK(eal.options->help);
    // A bad value is still refused next to --help.
    CHECK(error({"--help", "--depth", "0"}) == "--depth must be 1..32767");
}

TEST_CASE("--help prints the usage text the man page follows") {
    const std::string u = bench_usage();
    CHECK(u.rfind("Usage: aoe-bench [options] IFACE\n       aoe-bench EAL-ARGS -- [options]\n",
                  0) == 0);
    for (const char* option :
         {"--target", "--depth", "--random", "--sectors", "--write", "--verify", "--clients",
          "--duration", "--bytes", "--rto", "--timeout", "--mtu", "--seed", "--json",
          "--no-progress", "--reflect", "--help, --version"}) {
        CAPTURE(option);
        CHECK(mentions(u, std::string("  ") + option));
    }
}

TEST_CASE("--replay and its options") {
    auto r = parse({"--replay", "boot.trace.gz", "--clients", "100", "--ramp", "2.5",
                    "--replay-bytes", "16M", "--trace-client", "52:54:00:ae:28:01", "--window",
                    "16", "--clients-out", "c.json", "veth0"});
    REQUIRE(r.options);
    CHECK(r.options->replay == "boot.trace.gz");
    CHECK(r.options->clients == 100);
    CHECK(r.options->ramp == doctest::Approx(2.5));
    CHECK(r.options->replay_bytes == 16ull << 20);
    CHECK(r.options->trace_client == "52:54:00:ae:28:01");
    CHECK(r.options->window == 16);
    CHECK(r.options->clients_json == "c.json");
    CHECK(mentions(error({"--replay", "t", "--ramp", "-1", "veth0"}), "--ramp must be 0..3600"));
    CHECK(mentions(error({"--replay", "t", "--window", "65", "veth0"}), "--window must be 1..64"));
    CHECK(mentions(error({"--replay", "t", "--trace-client", "nope", "veth0"}),
                   "'nope' is not a MAC address"));
    CHECK(mentions(error({"--replay", "t", "--write", "veth0"}), "--replay excludes"));
    CHECK(mentions(error({"--replay", "t", "--random", "veth0"}), "--replay excludes"));
    CHECK(mentions(error({"--ramp", "3", "veth0"}), "need --replay"));
    CHECK(mentions(error({"--window", "3", "veth0"}), "need --replay"));
}
