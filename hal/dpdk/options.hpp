// aoe-target's command line: the vbladed form `SHELF SLOT IFACE FILE`, repeatable --export and
// --iface, and the DPDK convention `[EAL args] -- [options]` (or `--eal ARGS...`).
// Parsing is pure (no DPDK, no I/O) so it can be unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hal/address.hpp" // parse_mac, format_mac, parse_address, valid_shelf/slot, parse_ulong
#include "target/export_line.hpp"
#include "target/wire.hpp"

namespace aoehal {

struct ExportSpec {
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    std::string path;
    bool writable = false;
};

// One option as given on the command line (long name without "--", argument), kept so the
// configuration file can be layered underneath it (config_file.hpp).
struct OptionUse {
    std::string name;
    std::string arg;
};

struct Options {
    std::vector<ExportSpec> exports;
    // "FILE:LINE" of exports[i] when it came from a configuration file ("" or missing: the
    // command line). Kept beside `exports` so ExportSpec stays a four-field aggregate.
    std::vector<std::string> export_origins;
    std::vector<std::string> ifaces;     // kernel interfaces: one net_af_packet vdev each
    std::vector<std::string> xdp_ifaces; // --xdp: one net_af_xdp vdev each
    std::vector<std::string> eal_args;   // user EAL args; empty: we pick vbladed-like defaults
    bool user_eal = false;               // EAL args were given (`--` or `--eal`)
    std::uint32_t mtu = 0;               // 0: take the interface's / PMD's MTU
    std::uint16_t queues = 1;
    std::vector<aoe::Mac> mac_allow;
    std::uint16_t vlan = 0;
    double advertise_interval = 1.0; // seconds, 0 = off
    double peer_interval = 30.0;     // seconds between peer checks (target/peers.cpp), 0 = off
    bool remote_admin = false;
    std::uint16_t buffer_count = 64; // Query Config: Buffer Count
    std::uint16_t max_exports = 16;
    bool force_copy = false;   // --copy: never chain external buffers
    bool kernel_filter = true; // af_packet ports: only AoE frames pass the kernel (af_packet.hpp)
    std::uint32_t ring_frames = 0; // af_packet ring frames per direction and queue; 0: the default
                                   // (kAfPacketRingBytes worth, eal.hpp)
    std::uint32_t idle_sleep_us = 500; // upper bound of the idle back-off sleep (<= 1000)
    bool stats = false;                // --stats[=PID]: print a running target's telemetry
    std::string stats_target;
    bool json = false; // --stats --json
    bool help = false;
    bool version = false;
    std::string config_path;      // --config FILE (key = value lines, config_file.hpp)
    std::string export_dir;       // --export-dir DIR (*.conf files of SHELF.SLOT=FILE[,rw] lines)
    std::string metrics;          // --metrics ADDR:PORT, checked by parse_listen_address ("": off)
    std::vector<OptionUse> given; // the command line's options, in order
    std::vector<std::string> positional; // the vbladed form's SHELF SLOT IFACE FILE
    // --trace FILE: record every served ATA command (hal/dpdk/trace.hpp)
    std::string trace_path;
};

struct ParseResult {
    std::optional<Options> options;
    std::string error; // usage error (exit 2) when options is empty and neither help nor version
};

// The command line. With --config or --export-dir the checks that need the whole
// configuration (something to export, an interface) are left to load_configuration.
ParseResult parse_options(int argc, const char* const* argv);
// Applies one option by long name ("mtu", "export", ...) to `o`. `from_file`: flags take a
// value (yes/no, true/false, on/off, 1/0) and paths must be absolute. Returns an error
// message (without the option source) or "".
std::string apply_option(Options& o, const std::string& name, const std::string& arg,
                         bool from_file);
// Whether `name` is an option the configuration file may set (every option except the
// one-shot commands help, version, stats, json and config itself).
bool file_option(const std::string& name);
// Parses "SHELF.SLOT=FILE[,rw]" (the --export argument, a configuration file's `export =`
// value) with the one reader of the export line, target/export_line.hpp (grammar:
// docs/export-line.md). From a file, FILE must be absolute.
std::optional<ExportSpec> parse_export(const std::string& arg, aoe::ExportSource src,
                                       aoe::ExportLineFault& fault);
// The --metrics argument: IPV4:PORT, numeric (no name lookup: a host name could resolve to an
// address the admin did not mean to expose), PORT 1..65535; IPv6 is refused (Debian's civetweb
// has none). Returns "" or why not, without the option's name.
std::string parse_listen_address(const std::string& arg);
// An export line read by target/export_line.hpp (is_export) as aoe-target keeps it.
ExportSpec export_spec(const aoe::ExportLine& line);
// The message for an --export or `export =` value that parse_export refused.
std::string export_error(const std::string& arg, aoe::ExportLineFault fault);
// The checks on a complete configuration: the vbladed positionals, export count, duplicate
// shelf.slot, an interface or EAL port. `allow_empty`: no export yet is fine (an export
// directory that SIGHUP will fill). Returns an error message or "".
std::string validate_options(Options& o, bool allow_empty);
std::string usage_text(const char* prog);

} // namespace aoehal
