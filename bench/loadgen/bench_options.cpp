#include "bench/loadgen/bench_options.hpp"

#include <CLI/CLI.hpp>

#include <cstring>
#include <limits>

#include "bench/initiator/checked_option.hpp"
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
           "  --stall MS           once, half a second in, stop polling the port for MS ms (a "
           "peer\n"
           "                       that stops reading: tests a target's back-pressure)\n"
           "  --replay TRACE       replay a boot trace (aoe-target --trace; plain or .gz): each "
           "of\n"
           "                       --clients N simulated Linux initiators (own MAC, own window of\n"
           "                       the target's buffer count up to 64, Linux's retransmit timer,\n"
           "                       sectors per frame from the MTU) reads what the trace read; the\n"
           "                       report gives total time and per-client completion times\n"
           "  --ramp S             with --replay: start the clients spread over S seconds "
           "(default\n"
           "                       0: all at once)\n"
           "  --replay-bytes N     with --replay: only the first N bytes of the trace's reads\n"
           "  --trace-client MAC   with --replay: the trace's client to replay (default: the one\n"
           "                       with the most reads)\n"
           "  --window N           with --replay: frames in flight per client (default: the\n"
           "                       target's buffer count, at most 64, as Linux)\n"
           "  --clients-out FILE   with --replay: write each client's completion time (JSON)\n"
           "  --reflect            no load: answer each AoE request with a reply of the size the\n"
           "                       target would send, without AoE logic (measures a link's limit)\n"
           "  --help, --version\n"
           "Exit status: 0 ok, 1 failure (including any error or data mismatch), 2 usage error.\n";
}

namespace {

// --bytes: a whole number with an optional K, M or G suffix (powers of 1024), not 0.
bool parse_size(std::string s, std::uint64_t& out) {
    std::uint64_t mult = 1;
    if (!s.empty()) {
        switch (s.back()) {
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
        }
        if (mult != 1) s.pop_back();
    }
    unsigned long v = 0;
    if (!aoehal::parse_ulong(s, std::numeric_limits<unsigned long>::max() / mult, v) || v == 0)
        return false;
    out = v * mult;
    return true;
}

// --duration, --rto: CLI11's own floating-point conversion, then above zero.
CLI::Option* add_positive(CLI::App& app, const std::string& name, double& out,
                          const std::string& error) {
    return aoeclient::add_checked(app, name, "N", [&out, error](const std::string& s) {
        double d = 0;
        if (!CLI::detail::lexical_cast(s, d) || !(d > 0)) return error;
        out = d;
        return std::string();
    });
}

} // namespace

BenchParse parse_bench_options(int argc, const char* const* argv) {
    BenchParse r;
    BenchOptions o;
    // The DPDK form: everything before the first `--` belongs to the EAL, never to CLI11.
    int start = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            o.user_eal = true;
            for (int j = 1; j < i; ++j) o.eal_args.emplace_back(argv[j]);
            start = i + 1;
            break;
        }
    }

    CLI::App app{"AoE r11 load generator on DPDK", "aoe-bench"};
    app.set_help_flag(); // --help prints bench_usage(), the text the man page follows
    std::vector<std::string> positional;
    bool no_progress = false;
    app.add_flag("-h,--help", o.help);
    app.add_flag("--version", o.version);
    app.add_flag("--random", o.random);
    app.add_flag("--write", o.write);
    app.add_flag("--json", o.json);
    app.add_flag("--no-progress", no_progress);
    app.add_flag("--reflect", o.reflect);
    aoeclient::add_checked(app, "--target", "SHELF.SLOT", [&o](const std::string& s) {
        std::string why;
        auto addr = aoehal::parse_address(s, why);
        if (!addr) return "--target " + s + ": " + why;
        o.have_target = true;
        o.shelf = addr->first;
        o.slot = addr->second;
        return std::string();
    });
    aoeclient::add_whole(app, "--depth", o.depth, 1, 32767, "--depth must be 1..32767");
    aoeclient::add_whole(app, "--sectors", o.sectors, 1, 255, "--sectors must be 1..255");
    app.add_option("--verify", o.verify)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    aoeclient::add_whole(app, "--clients", o.clients, 1, 4096, "--clients must be 1..4096");
    add_positive(app, "--duration", o.duration, "--duration must be a positive number of seconds");
    aoeclient::add_checked(app, "--bytes", "N", [&o](const std::string& s) {
        return parse_size(s, o.bytes) ? std::string()
                                      : "--bytes must be a positive size (K, M, G suffixes)";
    });
    add_positive(app, "--rto", o.rto_ms, "--rto must be a positive number of milliseconds");
    aoeclient::add_whole(app, "--timeout", o.discover_ms, 1, 60000,
                         "--timeout must be 1..60000 ms");
    aoeclient::add_whole(app, "--mtu", o.mtu, 534, 16000, "--mtu must be 534..16000");
    aoeclient::add_whole(app, "--seed", o.seed, 0, std::numeric_limits<unsigned long>::max(),
                         "--seed must be a number");
    aoeclient::add_whole(app, "--stall", o.stall_ms, 0, 60000, "--stall must be 0..60000 ms");
    app.add_option("--replay", o.replay)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    aoeclient::add_checked(app, "--ramp", "S", [&o](const std::string& s) {
        double d = -1;
        if (!CLI::detail::lexical_cast(s, d) || !(d >= 0) || d > 3600)
            return std::string("--ramp must be 0..3600 seconds");
        o.ramp = d;
        return std::string();
    });
    aoeclient::add_checked(app, "--replay-bytes", "N", [&o](const std::string& s) {
        return parse_size(s, o.replay_bytes)
                   ? std::string()
                   : "--replay-bytes must be a positive size (K, M, G suffixes)";
    });
    aoeclient::add_checked(app, "--trace-client", "MAC", [&o](const std::string& s) {
        if (!aoehal::parse_mac(s)) return "--trace-client: '" + s + "' is not a MAC address";
        o.trace_client = s;
        return std::string();
    });
    aoeclient::add_whole(app, "--window", o.window, 1, 64, "--window must be 1..64");
    app.add_option("--clients-out", o.clients_json)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.add_option("IFACE", positional);

    // CLI11 takes the arguments in reverse order (it pops them from the back).
    std::vector<std::string> args;
    for (int i = argc - 1; i >= start; --i) args.emplace_back(argv[i]);
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        r.error = e.what();
        return r;
    }
    o.progress = !no_progress;
    r.error = aoeclient::dashed_positional(positional);
    if (!r.error.empty()) return r;
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
    if (!o.replay.empty() && (o.write || o.reflect || o.random)) {
        r.error = "--replay excludes --write, --reflect and --random";
        return r;
    }
    if (o.replay.empty() && (o.ramp > 0 || o.replay_bytes || !o.trace_client.empty() || o.window ||
                             !o.clients_json.empty())) {
        r.error =
            "--ramp, --replay-bytes, --trace-client, --window and --clients-out need --replay";
        return r;
    }
    if (o.write && o.reflect) {
        r.error = "--write and --reflect exclude each other";
        return r;
    }
    r.options = o;
    return r;
}

} // namespace aoebench
