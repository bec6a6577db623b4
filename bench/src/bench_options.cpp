#include "bench/src/bench_options.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "hal/address.hpp"

namespace aoebench {

std::string bench_usage() {
    return "Usage: aoe-bench [options] IFACE\n"
           "       aoe-bench EAL-ARGS -- [options]\n"
           "AoE r11 load generator on DPDK: discovers a target (or takes --target), runs "
           "IDENTIFY,\n"
           "then keeps --depth requests in flight and reports commands/s, frames/s, MB/s and "
           "latency.\n"
           "The first form drives net_af_packet on kernel interface IFACE (run it in a network\n"
           "namespace, never on a production LAN); the second takes any DPDK port (e.g. "
           "net_memif).\n"
           "Options:\n"
           "  --target SHELF.SLOT  export to load (default: the first one that answers a "
           "broadcast)\n"
           "  --depth N            requests in flight, all clients together (default 16; never "
           "more\n"
           "                       than the target's advertised Buffer Count)\n"
           "  --random             random LBAs (default: sequential, wrapping at the end)\n"
           "  --sectors N          sectors per request (default: the advertised Sector Count, "
           "capped\n"
           "                       by our own MTU)\n"
           "  --write              write instead of read (writable exports only; with --verify "
           "the\n"
           "                       file's own bytes are written back, otherwise a pattern)\n"
           "  --verify FILE        compare every read reply with FILE (the exported image)\n"
           "  --clients N          impersonate N source MACs (a boot storm; default 1)\n"
           "  --duration S         run for S seconds (default 10)\n"
           "  --bytes N            stop after N bytes of data (suffixes K, M, G; overrides "
           "--duration)\n"
           "  --rto MS             fixed retransmit timeout (default: Linux-style RTT estimate)\n"
           "  --timeout MS         discovery wait (default 1000)\n"
           "  --mtu N              cap our MTU (default: the port's)\n"
           "  --seed N             random LBA seed (default 1)\n"
           "  --json               print the result as JSON on stdout\n"
           "  --no-progress        no live progress line on stderr\n"
           "  --reflect            no load: answer each AoE request with a reply of the size the\n"
           "                       target would send, without AoE logic (measures a link's limit)\n"
           "  --help, --version\n"
           "Exit status: 0 ok, 1 failure (including any error or data mismatch), 2 usage error.\n";
}

namespace {

bool parse_u64(const char* s, std::uint64_t& out, bool suffixes = false) {
    if (!s || !*s) return false;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(s, &end, 0);
    if (errno || end == s || *s == '-') return false;
    std::uint64_t mult = 1;
    if (suffixes && *end) {
        switch (*end) {
        case 'K':
        case 'k':
            mult = 1ull << 10;
            break;
        case 'M':
        case 'm':
            mult = 1ull << 20;
            break;
        case 'G':
        case 'g':
            mult = 1ull << 30;
            break;
        default:
            return false;
        }
        ++end;
    }
    if (*end) return false;
    out = v * mult;
    return true;
}

bool parse_double(const char* s, double& out) {
    if (!s || !*s) return false;
    char* end = nullptr;
    out = std::strtod(s, &end);
    return end != s && !*end && out >= 0;
}

} // namespace

BenchParse parse_bench_options(int argc, const char* const* argv) {
    BenchParse r;
    BenchOptions o;
    int start = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            o.user_eal = true;
            for (int j = 1; j < i; ++j) o.eal_args.emplace_back(argv[j]);
            start = i + 1;
            break;
        }
    }
    std::vector<std::string> positional;
    auto need = [&](int& i, const char* name) -> const char* {
        if (i + 1 >= argc) {
            r.error = std::string("option ") + name + " needs a value";
            return nullptr;
        }
        return argv[++i];
    };
    for (int i = start; i < argc; ++i) {
        std::string a = argv[i];
        std::string val;
        bool inline_val = false;
        if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
            val = a.substr(a.find('=') + 1);
            a = a.substr(0, a.find('='));
            inline_val = true;
        }
        auto value = [&]() -> const char* {
            if (inline_val) return val.c_str();
            return need(i, a.c_str());
        };
        std::uint64_t u = 0;
        double d = 0;
        const char* v = nullptr;
        if (a == "--help" || a == "-h") {
            o.help = true;
        } else if (a == "--version") {
            o.version = true;
        } else if (a == "--random") {
            o.random = true;
        } else if (a == "--write") {
            o.write = true;
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--no-progress") {
            o.progress = false;
        } else if (a == "--reflect") {
            o.reflect = true;
        } else if (a == "--target") {
            if (!(v = value())) return r;
            std::string why;
            auto addr = aoehal::parse_address(v, why);
            if (!addr) {
                r.error = "--target " + std::string(v) + ": " + why;
                return r;
            }
            o.have_target = true;
            o.shelf = addr->first;
            o.slot = addr->second;
        } else if (a == "--depth") {
            if (!(v = value())) return r;
            if (!parse_u64(v, u) || u < 1 || u > 32767) {
                r.error = "--depth must be 1..32767";
                return r;
            }
            o.depth = static_cast<unsigned>(u);
        } else if (a == "--sectors") {
            if (!(v = value())) return r;
            if (!parse_u64(v, u) || u < 1 || u > 255) {
                r.error = "--sectors must be 1..255";
                return r;
            }
            o.sectors = static_cast<unsigned>(u);
        } else if (a == "--verify") {
            if (!(v = value())) return r;
            o.verify = v;
        } else if (a == "--clients") {
            if (!(v = value())) return r;
            if (!parse_u64(v, u) || u < 1 || u > 4096) {
                r.error = "--clients must be 1..4096";
                return r;
            }
            o.clients = static_cast<unsigned>(u);
        } else if (a == "--duration") {
            if (!(v = value())) return r;
            if (!parse_double(v, d) || d <= 0) {
                r.error = "--duration must be a positive number of seconds";
                return r;
            }
            o.duration = d;
        } else if (a == "--bytes") {
            if (!(v = value())) return r;
            if (!parse_u64(v, u, true) || u == 0) {
                r.error = "--bytes must be a positive size (K, M, G suffixes)";
                return r;
            }
            o.bytes = u;
        } else if (a == "--rto") {
            if (!(v = value())) return r;
            if (!parse_double(v, d) || d <= 0) {
                r.error = "--rto must be a positive number of milliseconds";
                return r;
            }
            o.rto_ms = d;
        } else if (a == "--timeout") {
            if (!(v = value())) return r;
            if (!parse_u64(v, u) || u == 0 || u > 60000) {
                r.error = "--timeout must be 1..60000 ms";
                return r;
            }
            o.discover_ms = static_cast<unsigned>(u);
        } else if (a == "--mtu") {
            if (!(v = value())) return r;
            if (!parse_u64(v, u) || u < 534 || u > 16000) {
                r.error = "--mtu must be 534..16000";
                return r;
            }
            o.mtu = static_cast<std::uint32_t>(u);
        } else if (a == "--seed") {
            if (!(v = value())) return r;
            if (!parse_u64(v, u)) {
                r.error = "--seed must be a number";
                return r;
            }
            o.seed = u;
        } else if (a.size() > 1 && a[0] == '-') {
            r.error = "unknown option " + a;
            return r;
        } else {
            positional.push_back(a);
        }
    }
    if (o.help || o.version) {
        r.options = o;
        return r;
    }
    if (o.user_eal) {
        if (!positional.empty()) {
            r.error =
                "with EAL arguments, the port comes from them: unexpected '" + positional[0] + "'";
            return r;
        }
    } else {
        if (positional.size() != 1) {
            r.error = positional.empty() ? "missing IFACE (or EAL arguments followed by --)"
                                         : "too many arguments: '" + positional[1] + "'";
            return r;
        }
        o.iface = positional[0];
    }
    if (o.write && o.reflect) {
        r.error = "--write and --reflect exclude each other";
        return r;
    }
    r.options = o;
    return r;
}

} // namespace aoebench
