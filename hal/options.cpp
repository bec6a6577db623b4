// Option parsing for aoe-target (getopt_long: keeps DPDK's `[EAL args] -- [options]` split
// simple and leaves EAL arguments untouched).
#include "hal/options.hpp"

#include <getopt.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace aoehal {
namespace {

bool parse_ulong(const std::string& s, unsigned long max, unsigned long& out) {
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    unsigned long v = std::strtoul(s.c_str(), &end, 0);
    if (errno != 0 || *end != '\0' || v > max || s[0] == '-') return false;
    out = v;
    return true;
}

} // namespace

bool valid_shelf(unsigned long shelf, std::string& why) {
    if (shelf > 0xFFFF) {
        why = "shelf must be 0..65534";
        return false;
    }
    if (shelf == aoe::kShelfBroadcast) {
        why = "shelf 65535 (0xFFFF) is the broadcast address";
        return false;
    }
    if (shelf == aoe::kShelfInvalid) {
        why = "shelf 4095 (0x0FFF) is refused by Linux clients (\"shelf address is all ones\")";
        return false;
    }
    return true;
}

bool valid_slot(unsigned long slot, std::string& why) {
    if (slot > 0xFF) {
        why = "slot must be 0..254";
        return false;
    }
    if (slot == aoe::kSlotBroadcast) {
        why = "slot 255 (0xFF) is the broadcast address";
        return false;
    }
    return true;
}

std::optional<std::pair<std::uint16_t, std::uint8_t>> parse_address(const std::string& in,
                                                                    std::string& why) {
    std::string s = in;
    if (!s.empty() && (s[0] == 'e' || s[0] == 'E')) s.erase(0, 1);
    auto dot = s.find('.');
    unsigned long shelf = 0, slot = 0;
    if (dot == std::string::npos || !parse_ulong(s.substr(0, dot), 0xFFFFFFFF, shelf) ||
        !parse_ulong(s.substr(dot + 1), 0xFFFFFFFF, slot)) {
        why = "'" + in + "' is not SHELF.SLOT";
        return std::nullopt;
    }
    if (!valid_shelf(shelf, why) || !valid_slot(slot, why)) return std::nullopt;
    return std::pair{static_cast<std::uint16_t>(shelf), static_cast<std::uint8_t>(slot)};
}

std::optional<aoe::Mac> parse_mac(const std::string& s) {
    aoe::Mac m{};
    unsigned v[6];
    char tail = 0;
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                    &tail) != 6)
        return std::nullopt;
    for (int i = 0; i < 6; ++i) {
        if (v[i] > 0xFF) return std::nullopt;
        m.b[i] = static_cast<std::uint8_t>(v[i]);
    }
    return m;
}

std::string format_mac(const aoe::Mac& m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3],
                  m.b[4], m.b[5]);
    return buf;
}

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
           "  --mtu N                  largest MTU to use (default: the interface's MTU)\n"
           "  --queues N               queue pairs and lcores per port (default 1)\n"
           "  --mac-allow MAC,...      answer only these client MACs (like vblade -m)\n"
           "  --vlan ID                serve only 802.1Q VLAN ID (default: untagged)\n"
           "  --advertise-interval S   seconds between unsolicited adverts, 0 = off (default 1)\n"
           "  --remote-admin           let clients set the config string, edit the Mac Mask List\n"
           "                           and reserve (off: AoE has no authentication)\n"
           "  --buffer-count N         Query Config buffer count (default 64)\n"
           "  --max-exports N          capacity of the export table (default 16)\n"
           "  --copy                   always copy sector data (no zero-copy transmit)\n"
           "  --idle-sleep-us N        longest idle back-off sleep, 0..1000 (default 500)\n"
           "  --stats[=PID] [--json]   print the counters of a running aoe-target (telemetry)\n"
           "  --help, --version\n"
           "\n"
           "SIGUSR1 prints a one-line summary; telemetry: /aoe/stats, /aoe/exports.\n"
           "Exit status: 0 ok, 1 failure, 2 usage error.\n";
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

    enum {
        kExport = 256,
        kIface,
        kMtu,
        kQueues,
        kMacAllow,
        kVlan,
        kAdvert,
        kRemoteAdmin,
        kBufCount,
        kMaxExports,
        kCopy,
        kIdle,
        kStats,
        kJson,
        kHelp,
        kVersion
    };
    static const option longopts[] = {
        {"export", required_argument, nullptr, kExport},
        {"iface", required_argument, nullptr, kIface},
        {"mtu", required_argument, nullptr, kMtu},
        {"queues", required_argument, nullptr, kQueues},
        {"mac-allow", required_argument, nullptr, kMacAllow},
        {"vlan", required_argument, nullptr, kVlan},
        {"advertise-interval", required_argument, nullptr, kAdvert},
        {"remote-admin", no_argument, nullptr, kRemoteAdmin},
        {"buffer-count", required_argument, nullptr, kBufCount},
        {"max-exports", required_argument, nullptr, kMaxExports},
        {"copy", no_argument, nullptr, kCopy},
        {"idle-sleep-us", required_argument, nullptr, kIdle},
        {"stats", optional_argument, nullptr, kStats},
        {"json", no_argument, nullptr, kJson},
        {"help", no_argument, nullptr, kHelp},
        {"version", no_argument, nullptr, kVersion},
        {nullptr, 0, nullptr, 0},
    };

    std::vector<std::string> storage;
    storage.reserve(args.size() + 1);
    storage.emplace_back(argv[0]);
    for (auto& a : args) storage.push_back(a);
    std::vector<char*> cargv;
    for (auto& s : storage) cargv.push_back(s.data());
    cargv.push_back(nullptr);
    int cargc = static_cast<int>(storage.size());

    auto fail = [&](std::string msg) {
        r.error = std::move(msg);
        return r;
    };

    optind = 0; // GNU: full re-initialisation, so parse_options can run more than once
    opterr = 0;
    int c;
    // Leading '+': stop at the first positional argument? No: positionals may come anywhere,
    // so let GNU getopt permute; '-' numbers like "0" are plain positionals.
    while ((c = getopt_long(cargc, cargv.data(), ":", longopts, nullptr)) != -1) {
        std::string arg = optarg ? optarg : "";
        unsigned long v = 0;
        switch (c) {
        case kExport: {
            auto eq = arg.find('=');
            if (eq == std::string::npos)
                return fail("--export wants SHELF.SLOT=FILE[,rw], got '" + arg + "'");
            std::string why;
            auto addr = parse_address(arg.substr(0, eq), why);
            if (!addr) return fail("--export: " + why);
            ExportSpec e;
            e.shelf = addr->first;
            e.slot = addr->second;
            e.path = arg.substr(eq + 1);
            if (e.path.size() >= 3 && e.path.compare(e.path.size() - 3, 3, ",rw") == 0) {
                e.writable = true;
                e.path.resize(e.path.size() - 3);
            } else if (e.path.size() >= 3 && e.path.compare(e.path.size() - 3, 3, ",ro") == 0) {
                e.path.resize(e.path.size() - 3);
            }
            if (e.path.empty()) return fail("--export " + arg + ": no file");
            o.exports.push_back(e);
            break;
        }
        case kIface:
            if (arg.empty()) return fail("--iface needs an interface name");
            o.ifaces.push_back(arg);
            break;
        case kMtu:
            if (!parse_ulong(arg, 65535, v) || v < 576) return fail("--mtu must be 576..65535");
            o.mtu = static_cast<std::uint32_t>(v);
            break;
        case kQueues:
            if (!parse_ulong(arg, 64, v) || v < 1) return fail("--queues must be 1..64");
            o.queues = static_cast<std::uint16_t>(v);
            break;
        case kMacAllow: {
            std::size_t pos = 0;
            while (pos <= arg.size()) {
                auto comma = arg.find(',', pos);
                std::string one =
                    arg.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
                auto m = parse_mac(one);
                if (!m) return fail("--mac-allow: '" + one + "' is not a MAC address");
                if (m->is_group()) return fail("--mac-allow: " + one + " is a group address");
                o.mac_allow.push_back(*m);
                if (comma == std::string::npos) break;
                pos = comma + 1;
            }
            break;
        }
        case kVlan:
            if (!parse_ulong(arg, 4094, v) || v < 1) return fail("--vlan must be 1..4094");
            o.vlan = static_cast<std::uint16_t>(v);
            break;
        case kAdvert: {
            char* end = nullptr;
            double d = std::strtod(arg.c_str(), &end);
            if (arg.empty() || *end != '\0' || !(d >= 0) || d > 3600)
                return fail("--advertise-interval must be 0..3600 seconds");
            o.advertise_interval = d;
            break;
        }
        case kRemoteAdmin:
            o.remote_admin = true;
            break;
        case kBufCount:
            if (!parse_ulong(arg, 65535, v) || v < 2)
                return fail("--buffer-count must be 2..65535");
            o.buffer_count = static_cast<std::uint16_t>(v);
            break;
        case kMaxExports:
            if (!parse_ulong(arg, 255, v) || v < 1) return fail("--max-exports must be 1..255");
            o.max_exports = static_cast<std::uint16_t>(v);
            break;
        case kCopy:
            o.force_copy = true;
            break;
        case kIdle:
            if (!parse_ulong(arg, 1000, v)) return fail("--idle-sleep-us must be 0..1000");
            o.idle_sleep_us = static_cast<std::uint32_t>(v);
            break;
        case kStats:
            o.stats = true;
            o.stats_target = arg;
            break;
        case kJson:
            o.json = true;
            break;
        case kHelp:
            o.help = true;
            break;
        case kVersion:
            o.version = true;
            break;
        case ':':
            return fail(std::string("option ") + cargv[optind - 1] + " needs an argument");
        default:
            return fail(std::string("unknown option ") + cargv[optind - 1]);
        }
    }
    if (o.help || o.version || o.stats) {
        r.options = o;
        return r;
    }

    std::vector<std::string> pos(cargv.begin() + optind, cargv.begin() + cargc);
    if (!pos.empty()) {
        // vbladed form: SHELF SLOT IFACE FILE
        if (pos.size() != 4)
            return fail("expected SHELF SLOT IFACE FILE, got " + std::to_string(pos.size()) +
                        " argument(s)");
        unsigned long shelf = 0, slot = 0;
        std::string why;
        if (!parse_ulong(pos[0], 0xFFFFFFFF, shelf))
            return fail("SHELF '" + pos[0] + "' is not a number");
        if (!valid_shelf(shelf, why)) return fail(why);
        if (!parse_ulong(pos[1], 0xFFFFFFFF, slot))
            return fail("SLOT '" + pos[1] + "' is not a number");
        if (!valid_slot(slot, why)) return fail(why);
        o.ifaces.insert(o.ifaces.begin(), pos[2]);
        ExportSpec e;
        e.shelf = static_cast<std::uint16_t>(shelf);
        e.slot = static_cast<std::uint8_t>(slot);
        e.path = pos[3];
        o.exports.insert(o.exports.begin(), e);
    }
    if (o.exports.empty())
        return fail("nothing to export (give SHELF SLOT IFACE FILE or --export)");
    if (o.exports.size() > o.max_exports)
        return fail("more exports than --max-exports (" + std::to_string(o.max_exports) + ")");
    for (std::size_t i = 0; i < o.exports.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (o.exports[i].shelf == o.exports[j].shelf && o.exports[i].slot == o.exports[j].slot)
                return fail("shelf.slot " + std::to_string(o.exports[i].shelf) + "." +
                            std::to_string(o.exports[i].slot) + " exported twice");
    if (o.ifaces.empty() && !o.user_eal)
        return fail("no interface (give IFACE, --iface, or EAL args with a --vdev/PCI port)");
    r.options = o;
    return r;
}

} // namespace aoehal
