// Option parsing for aoe-target with CLI11, the command-line library of every program here
// (stage-pxe, aoe-bench, aoe-client). DPDK's `[EAL args] -- [options]` and `--eal ARGS...` are
// split off first, so CLI11 never sees (or rewrites) an EAL argument.
#include "hal/dpdk/options.hpp"

#include <CLI/CLI.hpp>

#include <arpa/inet.h>

#include <cstdlib>
#include <string_view>

#include "target/options.hpp"

namespace aoehal {

std::string usage_text(const char* prog) {
    std::string p = prog;
    return "Usage: " + p +
           " SHELF SLOT IFACE FILE            (like vbladed)\n"
           "       " +
           p +
           " [options] --export SHELF.SLOT=FILE[,rw] ... --iface IFACE ...\n"
           "       " +
           p +
           " [EAL args] -- [options]        (DPDK ports, e.g. --vdev=net_memif)\n"
           "       " +
           p +
           " [options] --eal EAL-ARGS...\n"
           "\n"
           "Serves disk images (e.g. live ISOs) over ATA-over-Ethernet (AoE r11) with DPDK.\n"
           "Without EAL args it creates a net_af_packet port on each kernel interface and picks\n"
           "EAL settings itself (no PCI scan; --no-huge when no hugepages are reserved).\n"
           "\n"
           "Options:\n"
           "  --export SHELF.SLOT=FILE[,rw]  export FILE (read-only unless ,rw); repeatable\n"
           "  --iface IFACE            serve on kernel interface IFACE (net_af_packet); "
           "repeatable\n"
           "  --xdp IFACE              serve on kernel interface IFACE through AF_XDP\n"
           "                           (net_af_xdp; copy mode where the driver has no\n"
           "                           zero-copy); repeatable\n"
           "  --mtu N                  largest MTU to use (default: the interface's MTU)\n"
           "  --queues N               queue pairs and lcores per port (default 1)\n"
           "  --mac-allow MAC,...      answer only these client MACs (like vblade -m)\n"
           "  --vlan ID                serve only 802.1Q VLAN ID (default: untagged)\n"
           "  --advertise-interval S   seconds between unsolicited adverts, 0 = off (default 1)\n"
           "  --peer-interval S        seconds between checks for other targets serving our\n"
           "                           shelf.slots with another image, 0 = off (default 30)\n"
           "  --remote-admin           let clients set the config string, edit the Mac Mask List\n"
           "                           and reserve (off: AoE has no authentication)\n"
           "  --buffer-count N         Query Config buffer count (default 64)\n"
           "  --max-exports N          capacity of the export table (default 16)\n"
           "  --copy                   always copy sector data (no zero-copy transmit)\n"
           "  --no-kernel-filter       let every frame of an --iface reach aoe-target (default:\n"
           "                           a BPF filter keeps all but AoE in the kernel)\n"
           "  --ring-frames N          af_packet ring frames per direction and queue, a power of\n"
           "                           two 64..65536 (default: 64 MiB worth, 32768 frames; 4096\n"
           "                           with jumbo frames): requests a boot storm has in flight\n"
           "  --idle-sleep-us N        longest idle back-off sleep, 0..1000 (default 500)\n"
           "  --trace FILE             record every ATA command served (time, client MAC,\n"
           "                           command, LBA, sectors) in FILE, gzip if it ends in .gz\n"
           "                           (docs/trace-format.md; replay: aoe-bench --replay)\n"
           "  --config FILE            read options from FILE ('key = value' lines, the long\n"
           "                           option names; the command line overrides the file)\n"
           "  --export-dir DIR         export every SHELF.SLOT=FILE[,rw] line of DIR/*.conf\n"
           "                           (what stage-pxe --export-dir writes)\n"
           "  --metrics ADDR:PORT      serve Prometheus metrics on http://ADDR:PORT/metrics\n"
           "                           (IPV4:PORT, e.g. 127.0.0.1:9469; default: off)\n"
           "  --stats[=PID] [--json]   print the counters of a running aoe-target (telemetry)\n"
           "  --help, --version\n"
           "\n"
           "SIGHUP re-reads --config and --export-dir: new exports are published, removed ones\n"
           "retired, unchanged ones keep serving. SIGUSR1 prints a one-line summary;\n"
           "telemetry: /aoe/stats, /aoe/exports. Under systemd it reports readiness "
           "(Type=notify).\n"
           "Exit status: 0 ok, 1 failure, 2 usage error.\n";
}

namespace {

enum class Arg : std::uint8_t { none, required, optional };

// Long options: name, takes an argument, settable in the configuration file.
struct OptionDef {
    const char* name;
    Arg arg;
    bool in_file;
};
constexpr OptionDef kOptions[] = {
    {"export", Arg::required, true},
    {"iface", Arg::required, true},
    {"xdp", Arg::required, true},
    {"mtu", Arg::required, true},
    {"queues", Arg::required, true},
    {"mac-allow", Arg::required, true},
    {"vlan", Arg::required, true},
    {"advertise-interval", Arg::required, true},
    {"peer-interval", Arg::required, true},
    {"remote-admin", Arg::none, true},
    {"buffer-count", Arg::required, true},
    {"max-exports", Arg::required, true},
    {"copy", Arg::none, true},
    {"no-kernel-filter", Arg::none, true},
    {"ring-frames", Arg::required, true},
    {"idle-sleep-us", Arg::required, true},
    {"trace", Arg::required, true},
    {"export-dir", Arg::required, true},
    {"metrics", Arg::required, true},
    {"eal", Arg::required, true}, // in the file: EAL arguments separated by spaces
    {"config", Arg::required, false},
    {"stats", Arg::optional, false},
    {"json", Arg::none, false},
    {"help", Arg::none, false},
    {"version", Arg::none, false},
};

bool parse_flag(const std::string& v, bool& out) {
    if (v == "yes" || v == "true" || v == "on" || v == "1") {
        out = true;
        return true;
    }
    if (v == "no" || v == "false" || v == "off" || v == "0") {
        out = false;
        return true;
    }
    return false;
}

std::vector<std::string> split_spaces(const std::string& s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

} // namespace

bool file_option(const std::string& name) {
    for (const auto& d : kOptions)
        if (name == d.name) return d.in_file;
    return false;
}

std::string parse_listen_address(const std::string& arg) {
    if (arg.empty()) return "expected IPV4:PORT (e.g. 127.0.0.1:9469)";
    const auto colon = arg.rfind(':');
    if (colon == std::string::npos) return "expected IPV4:PORT (e.g. 127.0.0.1:9469), got no port";
    const std::string host = arg.substr(0, colon);
    const std::string port = arg.substr(colon + 1);
    // Debian 12's civetweb (under prometheus-cpp) is built without IPv6: "[::1]:9469" would
    // only fail later, in civetweb's words.
    if (!host.empty() && (host.front() == '[' || host.find(':') != std::string::npos))
        return "IPv6 is not available (Debian's civetweb is built without it): give an IPv4 "
               "address, e.g. 127.0.0.1:" +
               port;
    // Decimal only: parse_ulong would read 0x10 and 010 too, which civetweb then refuses.
    unsigned long p = 0;
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
        port[0] == '0' || !parse_ulong(port, 65535, p))
        return "port '" + port + "' is not a decimal number in 1..65535";
    if (host.empty()) return "no address before ':" + port + "' (0.0.0.0 listens on every one)";
    unsigned char buf[4];
    if (inet_pton(AF_INET, host.c_str(), buf) != 1)
        return "'" + host + "' is not an IPv4 address (numeric: no host names)";
    return "";
}

std::optional<ExportSpec> parse_export(const std::string& arg, aoe::ExportSource src,
                                       aoe::ExportLineFault& fault) {
    aoe::ExportLine line;
    fault = aoe::parse_export_line(arg.data(), arg.size(), src, line);
    if (fault == aoe::ExportLineError::none && !line.is_export)
        fault = aoe::ExportLineError::no_equals; // a blank or comment value
    if (fault != aoe::ExportLineError::none) return std::nullopt;
    return export_spec(line);
}

ExportSpec export_spec(const aoe::ExportLine& line) {
    return ExportSpec{line.shelf, line.slot, std::string(line.file, line.file_len), line.writable};
}

std::string export_error(const std::string& arg, aoe::ExportLineFault fault) {
    if (fault == aoe::ExportLineError::relative_file)
        return "export " + arg + ": " + aoe::describe(fault);
    return "--export: " + std::string(aoe::describe(fault)) + " in '" + arg + "'";
}

// "1..4094": one of the core's option ranges (target/options.hpp) as a message says it.
static std::string range_text(const aoe::OptionRange& r) {
    return std::to_string(r.min) + ".." + std::to_string(r.max);
}

// apply_option's steps, one kind of option each: each returns nullopt for a name that is not
// its kind, else the message ("" when the value is taken).
using Applied = std::optional<std::string>;

// What is served and where: --export, --iface, --xdp, --mac-allow.
static Applied apply_serving_option(Options& o, const std::string& name, const std::string& arg,
                                    bool from_file) {
    if (name == "export") {
        aoe::ExportLineFault fault{};
        auto e = parse_export(
            arg, from_file ? aoe::ExportSource::file : aoe::ExportSource::command_line, fault);
        if (!e) return export_error(arg, fault);
        o.exports.push_back(*e);
    } else if (name == "iface") {
        if (arg.empty()) return "--iface needs an interface name";
        o.ifaces.push_back(arg);
    } else if (name == "xdp") {
        if (arg.empty()) return "--xdp needs an interface name";
        o.xdp_ifaces.push_back(arg);
    } else if (name == "mac-allow") {
        std::size_t pos = 0;
        while (pos <= arg.size()) {
            auto comma = arg.find(',', pos);
            std::string one =
                arg.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            auto m = parse_mac(one);
            if (!m) return "--mac-allow: '" + one + "' is not a MAC address";
            if (m->is_group()) return "--mac-allow: " + one + " is a group address";
            o.mac_allow.push_back(*m);
            if (comma == std::string::npos) break;
            pos = comma + 1;
        }
    } else {
        return std::nullopt;
    }
    return "";
}

// The numbers, each checked against its range (the core's, target/options.hpp, where both
// platforms take the option).
static Applied apply_number_option(Options& o, const std::string& name, const std::string& arg) {
    unsigned long v = 0;
    auto seconds = [&](double& d) {
        char* end = nullptr;
        d = std::strtod(arg.c_str(), &end);
        return !arg.empty() && *end == '\0';
    };
    double d = 0;
    if (name == "mtu") {
        if (!parse_ulong(arg, 65535, v) || v < aoe::kMtuMin)
            return "--mtu must be " + std::to_string(aoe::kMtuMin) + "..65535";
        o.mtu = static_cast<std::uint32_t>(v);
    } else if (name == "queues") {
        if (!parse_ulong(arg, 64, v) || v < 1) return "--queues must be 1..64";
        o.queues = static_cast<std::uint16_t>(v);
    } else if (name == "vlan") {
        if (!parse_ulong(arg, aoe::kVlanRange.max, v) || !aoe::kVlanRange.holds(v))
            return "--vlan must be " + range_text(aoe::kVlanRange);
        o.vlan = static_cast<std::uint16_t>(v);
    } else if (name == "advertise-interval") {
        if (!seconds(d) || !aoe::kAdvertIntervalRange.holds(d))
            return "--advertise-interval must be " + range_text(aoe::kAdvertIntervalRange) +
                   " seconds";
        o.advertise_interval = d;
    } else if (name == "peer-interval") {
        if (!seconds(d) || !(d == 0 || aoe::kPeerIntervalRange.holds(d)))
            return "--peer-interval must be 0 (off) or " + range_text(aoe::kPeerIntervalRange) +
                   " seconds";
        o.peer_interval = d;
    } else if (name == "buffer-count") {
        if (!parse_ulong(arg, 65535, v) || v < 2) return "--buffer-count must be 2..65535";
        o.buffer_count = static_cast<std::uint16_t>(v);
    } else if (name == "max-exports") {
        if (!parse_ulong(arg, 255, v) || v < 1) return "--max-exports must be 1..255";
        o.max_exports = static_cast<std::uint16_t>(v);
    } else if (name == "ring-frames") {
        if (!parse_ulong(arg, 65536, v) || v < 64 || (v & (v - 1)))
            return "--ring-frames must be a power of two, 64..65536";
        o.ring_frames = static_cast<std::uint32_t>(v);
    } else if (name == "idle-sleep-us") {
        if (!parse_ulong(arg, 1000, v)) return "--idle-sleep-us must be 0..1000";
        o.idle_sleep_us = static_cast<std::uint32_t>(v);
    } else {
        return std::nullopt;
    }
    return "";
}

// The flags: bare on the command line, yes/no in the configuration file.
static Applied apply_flag_option(Options& o, const std::string& name, const std::string& arg,
                                 bool from_file) {
    auto flag = [&](bool& field) -> std::string {
        if (!from_file) {
            field = true;
            return "";
        }
        if (!parse_flag(arg, field))
            return name + " must be yes or no (also true/false, on/off, 1/0), got '" + arg + "'";
        return "";
    };
    if (name == "remote-admin") return flag(o.remote_admin);
    if (name == "copy") return flag(o.force_copy);
    if (name == "no-kernel-filter") {
        bool off = false;
        std::string err = flag(off);
        o.kernel_filter = !off;
        return err;
    }
    return std::nullopt;
}

// Files, addresses and what the program is to do: --trace, --export-dir, --metrics, eal,
// --config, --stats, --json, --help, --version.
static Applied apply_program_option(Options& o, const std::string& name, const std::string& arg,
                                    bool from_file) {
    if (name == "trace") {
        if (arg.empty()) return "--trace needs a file";
        if (from_file && arg[0] != '/') return "trace must be an absolute path";
        o.trace_path = arg;
    } else if (name == "export-dir") {
        if (arg.empty()) return "--export-dir needs a directory";
        if (from_file && arg[0] != '/') return "export-dir must be an absolute path";
        o.export_dir = arg;
    } else if (name == "metrics") {
        if (std::string why = parse_listen_address(arg); !why.empty())
            return "--metrics '" + arg + "': " + why;
        o.metrics = arg;
    } else if (name == "eal") { // the file's form; the command line's --eal is split earlier
        o.eal_args = split_spaces(arg);
        if (o.eal_args.empty()) return "eal needs EAL arguments";
        o.user_eal = true;
    } else if (name == "config") {
        if (arg.empty()) return "--config needs a file";
        o.config_path = arg;
    } else if (name == "stats") {
        o.stats = true;
        o.stats_target = arg;
    } else if (name == "json") {
        o.json = true;
    } else if (name == "help") {
        o.help = true;
    } else if (name == "version") {
        o.version = true;
    } else {
        return std::nullopt;
    }
    return "";
}

std::string apply_option(Options& o, const std::string& name, const std::string& arg,
                         bool from_file) {
    if (Applied r = apply_serving_option(o, name, arg, from_file)) return *r;
    if (Applied r = apply_number_option(o, name, arg)) return *r;
    if (Applied r = apply_flag_option(o, name, arg, from_file)) return *r;
    if (Applied r = apply_program_option(o, name, arg, from_file)) return *r;
    return "unknown option " + name;
}

std::string validate_options(Options& o, bool allow_empty) {
    const auto& pos = o.positional;
    if (!pos.empty()) {
        // vbladed form: SHELF SLOT IFACE FILE
        if (pos.size() != 4)
            return "expected SHELF SLOT IFACE FILE, got " + std::to_string(pos.size()) +
                   " argument(s)";
        unsigned long shelf = 0, slot = 0;
        std::string why;
        if (!parse_ulong(pos[0], 0xFFFFFFFF, shelf))
            return "SHELF '" + pos[0] + "' is not a number";
        if (!valid_shelf(shelf, why)) return why;
        if (!parse_ulong(pos[1], 0xFFFFFFFF, slot)) return "SLOT '" + pos[1] + "' is not a number";
        if (!valid_slot(slot, why)) return why;
        o.ifaces.insert(o.ifaces.begin(), pos[2]);
        ExportSpec e;
        e.shelf = static_cast<std::uint16_t>(shelf);
        e.slot = static_cast<std::uint8_t>(slot);
        e.path = pos[3];
        o.exports.insert(o.exports.begin(), e);
        if (!o.export_origins.empty()) o.export_origins.insert(o.export_origins.begin(), "");
        o.positional.clear();
    }
    if (o.exports.empty() && !allow_empty)
        return "nothing to export (give SHELF SLOT IFACE FILE or --export)";
    if (o.exports.size() > o.max_exports)
        return "more exports than --max-exports (" + std::to_string(o.max_exports) + ")";
    auto where = [&](std::size_t i) {
        return i < o.export_origins.size() && !o.export_origins[i].empty()
                   ? o.export_origins[i]
                   : std::string("the command line");
    };
    for (std::size_t i = 0; i < o.exports.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (o.exports[i].shelf == o.exports[j].shelf && o.exports[i].slot == o.exports[j].slot)
                return "shelf.slot " + std::to_string(o.exports[i].shelf) + "." +
                       std::to_string(o.exports[i].slot) + " exported twice (" + where(j) +
                       " and " + where(i) + ")";
    if (o.ifaces.empty() && o.xdp_ifaces.empty() && !o.user_eal)
        return "no interface (give IFACE, --iface, --xdp, or EAL args with a --vdev/PCI port)";
    return "";
}

ParseResult parse_options(int argc, const char* const* argv) {
    ParseResult r;
    Options o;
    std::vector<std::string> args(argv + 1, argv + argc);

    // DPDK convention: `[EAL args] -- [options]`.
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") {
            o.eal_args.assign(args.begin(), args.begin() + static_cast<long>(i));
            args.erase(args.begin(), args.begin() + static_cast<long>(i) + 1);
            o.user_eal = true;
            break;
        }
    }
    // `--eal ARGS...`: the rest of the line goes to EAL.
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--eal") {
            o.eal_args.insert(o.eal_args.end(), args.begin() + static_cast<long>(i) + 1,
                              args.end());
            args.resize(i);
            o.user_eal = true;
            break;
        }
    }

    auto fail = [&](std::string msg) {
        r.error = std::move(msg);
        return r;
    };

    // Every option as a string (the checks and messages are apply_option's, shared with the
    // configuration file); --help is usage_text(), not CLI11's generated page.
    CLI::App app{"", "aoe-target"};
    app.set_help_flag();
    app.allow_extras(); // unknown options: our message below
    std::vector<std::pair<CLI::Option*, const OptionDef*>> defined;
    for (const auto& d : kOptions) {
        if (std::string_view(d.name) == "eal") continue; // split off above
        const std::string flag = std::string("--") + d.name;
        CLI::Option* opt = d.arg == Arg::none ? app.add_flag(flag) : app.add_option(flag);
        if (d.arg == Arg::optional) opt->expected(0, 1); // --stats or --stats=PID
        opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
        defined.emplace_back(opt, &d);
    }
    // The vbladed form SHELF SLOT IFACE FILE; positionals may come between options.
    app.add_option("positional", o.positional);
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 parses from the back
        app.parse(reversed);
    } catch (const CLI::ArgumentMismatch& e) { // "--mtu: 1 required  missing"
        const std::string what = e.what();
        return fail("option " + what.substr(0, what.find(':')) + " needs an argument");
    } catch (const CLI::ParseError& e) {
        return fail(e.what());
    }
    for (const auto& x : app.remaining())
        if (!x.empty() && x[0] == '-') return fail("unknown option " + x);

    // Apply the options in command-line order (the configuration file is layered under this
    // list, config_file.hpp), each occurrence with its own argument.
    std::vector<std::size_t> next(defined.size(), 0);
    for (CLI::Option* opt : app.parse_order()) {
        for (std::size_t i = 0; i < defined.size(); ++i) {
            if (defined[i].first != opt) continue;
            const std::string name = defined[i].second->name;
            std::string arg;
            if (defined[i].second->arg != Arg::none) {
                const auto& res = opt->results();
                if (next[i] < res.size()) arg = res[next[i]];
                ++next[i];
            }
            std::string err = apply_option(o, name, arg, false);
            if (!err.empty()) return fail(err);
            o.given.push_back({name, arg});
        }
    }
    if (o.help || o.version || o.stats) {
        r.options = o;
        return r;
    }
    // With a configuration file or an export directory, the whole picture is known only after
    // load_configuration has read them; it runs validate_options then.
    if (o.config_path.empty() && o.export_dir.empty()) {
        std::string err = validate_options(o, false);
        if (!err.empty()) return fail(err);
    }
    r.options = o;
    return r;
}

} // namespace aoehal
