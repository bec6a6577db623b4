// aoe-client's command line (bench/initiator/client_options.cpp): COMMAND and --iface, defaults,
// every number checked (a bad one is refused, never read as 0 or wrapped), CLI11's own errors.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bench/initiator/client_options.hpp"

using namespace aoeclient;

static ClientParse parse(std::vector<const char*> args) {
    args.insert(args.begin(), "aoe-client");
    return parse_client_options(static_cast<int>(args.size()), args.data());
}

// The error of a refused command line ("" if it was accepted).
static std::string error(std::vector<const char*> args) {
    auto r = parse(std::move(args));
    return r.options ? std::string() : r.error;
}

static bool mentions(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

TEST_CASE("--iface IFACE COMMAND, defaults as in the usage text") {
    auto r = parse({"--iface", "veth0", "discover"});
    REQUIRE(r.options);
    const ClientOptions& o = *r.options;
    CHECK(o.iface == "veth0");
    CHECK(o.command == "discover");
    CHECK(o.target.empty());
    CHECK(o.shelf == aoe::kShelfBroadcast);
    CHECK(o.slot == aoe::kSlotBroadcast);
    CHECK(o.timeout_ms == 1000);
    CHECK(o.window == 64);
    CHECK(o.sectors == 0);
    CHECK_FALSE(o.lba28);
    CHECK(o.compare.empty());
    CHECK(o.lba == 0);
    CHECK(o.count == 1);
    CHECK(o.data_file.empty());
    CHECK_FALSE(o.expect_error);
    CHECK(o.vlan == 0);
    CHECK(o.pause_ms == 0);
    CHECK_FALSE(o.help);
    CHECK_FALSE(o.version);
}

TEST_CASE("every option, before and after COMMAND (as the integration tests write them)") {
    auto r =
        parse({"--iface=veth1", "--target", "0.7",       "write", "--lba",     "100",
               "--count",       "8",        "--data",    "w.bin", "--timeout", "3000",
               "--window",      "16",       "--sectors", "2",     "--lba28",   "--expect-error",
               "--vlan",        "5",        "--pause",   "100",   "--compare", "f.img"});
    REQUIRE(r.options);
    const ClientOptions& o = *r.options;
    CHECK(o.iface == "veth1");
    CHECK(o.command == "write");
    CHECK(o.target == "0.7");
    CHECK(o.shelf == 0);
    CHECK(o.slot == 7);
    CHECK(o.lba == 100);
    CHECK(o.count == 8);
    CHECK(o.data_file == "w.bin");
    CHECK(o.timeout_ms == 3000);
    CHECK(o.window == 16);
    CHECK(o.sectors == 2);
    CHECK(o.lba28);
    CHECK(o.expect_error);
    CHECK(o.vlan == 5);
    CHECK(o.pause_ms == 100);
    CHECK(o.compare == "f.img");

    // getopt's `--` (end of options) still works.
    auto d = parse({"--iface", "veth0", "--", "read-all"});
    REQUIRE(d.options);
    CHECK(d.options->command == "read-all");
}

TEST_CASE("COMMAND and --iface are required (unless --help or --version)") {
    CHECK(error({"--iface", "veth0"}) ==
          "missing COMMAND (discover, identify, read-all, write, flush, latency)");
    CHECK(error({"--iface", "veth0", "discover", "identify"}) == "too many arguments: 'identify'");
    CHECK(error({"discover"}) == "--iface IFACE is required");
    CHECK(error({"--iface", "", "discover"}) == "--iface IFACE is required");
    // The command word itself is checked by the program, as before (after discovery).
    auto r = parse({"--iface", "veth0", "frobnicate"});
    REQUIRE(r.options);
    CHECK(r.options->command == "frobnicate");
}

TEST_CASE("range of every number option, with the message naming the option and its range") {
    struct Case {
        const char* option;
        const char* low; // nullptr: the lowest value a number can have is allowed
        const char* high;
        const char* message;
    };
    const Case cases[] = {
        {"--timeout", "0", "60001", "--timeout must be 1..60000 ms"},
        {"--window", "0", "4097", "--window must be 1..4096"},
        {"--sectors", nullptr, "256", "--sectors must be 0..255"},
        {"--lba", nullptr, "281474976710656", "--lba must be 0..281474976710655"},
        {"--count", "0", "281474976710656", "--count must be 1..281474976710655"},
        {"--pause", nullptr, "60001", "--pause must be 0..60000 ms"},
        {"--vlan", nullptr, "4095", "--vlan must be 0..4094 (0: untagged)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.option);
        if (c.low) CHECK(error({"--iface", "v", c.option, c.low, "discover"}) == c.message);
        CHECK(error({"--iface", "v", c.option, c.high, "discover"}) == c.message);
    }
    auto lo = parse({"--iface", "v", "--timeout", "1", "--window", "1", "--sectors", "0", "--lba",
                     "0", "--count", "1", "--pause", "0", "--vlan", "0", "latency"});
    REQUIRE(lo.options);
    CHECK(lo.options->timeout_ms == 1);
    CHECK(lo.options->window == 1);
    auto hi = parse({"--iface", "v", "--timeout", "60000", "--window", "4096", "--sectors", "255",
                     "--lba", "281474976710655", "--count", "281474976710655", "--pause", "60000",
                     "--vlan", "4094", "write"});
    REQUIRE(hi.options);
    CHECK(hi.options->timeout_ms == 60000);
    CHECK(hi.options->window == 4096);
    CHECK(hi.options->sectors == 255);
    CHECK(hi.options->lba == 281474976710655ull);
    CHECK(hi.options->count == 281474976710655ull);
    CHECK(hi.options->pause_ms == 60000);
    CHECK(hi.options->vlan == 4094);
}

TEST_CASE("bad numbers are refused instead of becoming 0 (atol) or wrapping (strtoull)") {
    CHECK(error({"--iface", "v", "--lba", "12x", "write"}) == "--lba must be 0..281474976710655");
    CHECK(error({"--iface", "v", "--lba", "-1", "write"}) == "--lba must be 0..281474976710655");
    CHECK(error({"--iface", "v", "--lba", "abc", "write"}) == "--lba must be 0..281474976710655");
    CHECK(error({"--iface", "v", "--count", "abc", "write"}) ==
          "--count must be 1..281474976710655");
    CHECK(error({"--iface", "v", "--window", "8k", "read-all"}) == "--window must be 1..4096");
    CHECK(error({"--iface", "v", "--timeout", "-500", "discover"}) ==
          "--timeout must be 1..60000 ms");
    CHECK(error({"--iface", "v", "--sectors", "2.5", "read-all"}) == "--sectors must be 0..255");
    CHECK(error({"--iface", "v", "--pause", "x", "latency"}) == "--pause must be 0..60000 ms");
    CHECK(error({"--iface", "v", "--vlan", "five", "discover"}) ==
          "--vlan must be 0..4094 (0: untagged)");
    CHECK(mentions(error({"--iface", "v", "--target", "x", "discover"}), "--target: "));
    CHECK(mentions(error({"--iface", "v", "--target", "0.255", "discover"}), "--target: "));
}

TEST_CASE("number syntax: decimal, 0x hex, 0 octal (strtoull's, as --lba had)") {
    auto r = parse({"--iface", "v", "--lba", "0x100", "--count", "010", "write"});
    REQUIRE(r.options);
    CHECK(r.options->lba == 256);
    CHECK(r.options->count == 8);
}

TEST_CASE("a repeated option: the last value wins, and every value is checked") {
    auto r = parse({"--iface", "a", "--iface", "b", "--window", "4", "--window", "8", "--target",
                    "0.1", "--target", "0.2", "read-all"});
    REQUIRE(r.options);
    CHECK(r.options->iface == "b");
    CHECK(r.options->window == 8);
    CHECK(r.options->slot == 2);
    CHECK(error({"--iface", "v", "--window", "0", "--window", "8", "read-all"}) ==
          "--window must be 1..4096");
}

TEST_CASE("unknown option and missing value: refused, the option named") {
    CHECK(mentions(error({"--iface", "v", "--bogus", "discover"}), "--bogus"));
    CHECK(mentions(error({"--iface", "v", "-h", "discover"}), "-h"));
    CHECK(mentions(error({"--iface", "v", "-5"}), "-5")); // CLI11 alone would take it for COMMAND
    CHECK(mentions(error({"--iface", "v", "--win", "4", "read-all"}), "--win")); // no abbreviations
    CHECK(mentions(error({"--iface", "v", "discover", "--lba"}), "--lba"));
    CHECK(mentions(error({"discover", "--iface"}), "--iface"));
}

TEST_CASE("--help and --version: accepted without --iface or COMMAND") {
    auto h = parse({"--help"});
    REQUIRE(h.options);
    CHECK(h.options->help);
    auto v = parse({"--version"});
    REQUIRE(v.options);
    CHECK(v.options->version);
    CHECK(client_usage().rfind("Usage: aoe-client --iface IFACE [options] COMMAND\n", 0) == 0);
}
