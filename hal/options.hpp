// aoe-target's command line: the vbladed form `SHELF SLOT IFACE FILE`, repeatable --export and
// --iface, and the DPDK convention `[EAL args] -- [options]` (or `--eal ARGS...`).
// Parsing is pure (no DPDK, no I/O) so it can be unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "target/wire.hpp"

namespace aoehal {

struct ExportSpec {
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    std::string path;
    bool writable = false;
};

struct Options {
    std::vector<ExportSpec> exports;
    std::vector<std::string> ifaces;   // kernel interfaces: one net_af_packet vdev each
    std::vector<std::string> eal_args; // user EAL args; empty: we pick vbladed-like defaults
    bool user_eal = false;             // EAL args were given (`--` or `--eal`)
    std::uint32_t mtu = 0;             // 0: take the interface's / PMD's MTU
    std::uint16_t queues = 1;
    std::vector<aoe::Mac> mac_allow;
    std::uint16_t vlan = 0;
    double advertise_interval = 1.0; // seconds, 0 = off
    bool remote_admin = false;
    std::uint16_t buffer_count = 64; // Query Config: Buffer Count
    std::uint16_t max_exports = 16;
    bool force_copy = false;           // --copy: never chain external buffers
    std::uint32_t idle_sleep_us = 500; // upper bound of the idle back-off sleep (<= 1000)
    bool stats = false;                // --stats[=PID]: print a running target's telemetry
    std::string stats_target;
    bool json = false; // --stats --json
    bool help = false;
    bool version = false;
};

struct ParseResult {
    std::optional<Options> options;
    std::string error; // usage error (exit 2) when options is empty and neither help nor version
};

ParseResult parse_options(int argc, const char* const* argv);
std::string usage_text(const char* prog);

// Helpers shared with aoe-client and tests.
std::optional<aoe::Mac> parse_mac(const std::string& s);
std::string format_mac(const aoe::Mac& m);
// "SHELF.SLOT" (also "eSHELF.SLOT"); refuses values Linux rejects (0x0FFF, 0xFFFF, slot 0xFF).
std::optional<std::pair<std::uint16_t, std::uint8_t>> parse_address(const std::string& s,
                                                                    std::string& why);
bool valid_shelf(unsigned long shelf, std::string& why);
bool valid_slot(unsigned long slot, std::string& why);

} // namespace aoehal
