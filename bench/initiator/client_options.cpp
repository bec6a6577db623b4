#include "bench/initiator/client_options.hpp"

#include <CLI/CLI.hpp>

#include <vector>

#include "bench/initiator/checked_option.hpp"
#include "hal/address.hpp"

namespace aoeclient {

std::string client_usage() {
    return "Usage: aoe-client --iface IFACE [options] COMMAND\n"
           "Commands: discover | identify | read-all | write | flush | latency\n"
           "Options:\n"
           "  --iface IFACE        interface to use (required)\n"
           "  --target SHELF.SLOT  export to talk to (default: the first one discovered)\n"
           "  --timeout MS         discovery wait (default 1000)\n"
           "  --window N           requests in flight (default 64, capped by the buffer count)\n"
           "  --sectors N          sectors per request (default: the target's Sector Count)\n"
           "  --lba28              use 28-bit LBA commands (default: LBA48)\n"
           "  --compare FILE       read-all: compare with FILE byte for byte\n"
           "  --lba N --count C    write: where and how much\n"
           "  --data FILE          write: data source (default: a pattern)\n"
           "  --expect-error       write: succeed only if the target refuses (ATA ERR)\n"
           "  --vlan ID            send 802.1Q-tagged requests, accept only VLAN ID replies\n"
           "  --pause MS           latency: idle time before each read (first reply after "
           "idling)\n"
           "  --help, --version\n"
           "Exit status: 0 ok, 1 failure, 2 usage error.\n";
}

ClientParse parse_client_options(int argc, const char* const* argv) {
    ClientParse r;
    ClientOptions o;
    // LBA48 addresses 2^48 sectors: a larger --lba or --count cannot be sent.
    constexpr unsigned long kMaxLba = (1ul << 48) - 1;

    CLI::App app{"AoE test initiator", "aoe-client"};
    app.set_help_flag(); // --help prints client_usage()
    std::vector<std::string> positional;
    const auto last = CLI::MultiOptionPolicy::TakeLast;
    app.add_option("--iface", o.iface)->multi_option_policy(last);
    add_checked(app, "--target", "SHELF.SLOT", [&o](const std::string& s) {
        std::string why;
        auto addr = aoehal::parse_address(s, why);
        if (!addr) return "--target: " + why;
        o.target = s;
        o.shelf = addr->first;
        o.slot = addr->second;
        return std::string();
    });
    add_whole(app, "--timeout", o.timeout_ms, 1, 60000, "--timeout must be 1..60000 ms");
    add_whole(app, "--window", o.window, 1, 4096, "--window must be 1..4096");
    add_whole(app, "--sectors", o.sectors, 0, 255, "--sectors must be 0..255");
    app.add_flag("--lba28", o.lba28);
    app.add_option("--compare", o.compare)->multi_option_policy(last);
    add_whole(app, "--lba", o.lba, 0, kMaxLba, "--lba must be 0.." + std::to_string(kMaxLba));
    add_whole(app, "--count", o.count, 1, kMaxLba, "--count must be 1.." + std::to_string(kMaxLba));
    app.add_option("--data", o.data_file)->multi_option_policy(last);
    app.add_flag("--expect-error", o.expect_error);
    add_whole(app, "--pause", o.pause_ms, 0, 60000, "--pause must be 0..60000 ms");
    add_whole(app, "--vlan", o.vlan, 0, 4094, "--vlan must be 0..4094 (0: untagged)");
    app.add_flag("--help", o.help);
    app.add_flag("--version", o.version);
    app.add_option("COMMAND", positional);

    // CLI11 takes the arguments in reverse order (it pops them from the back).
    std::vector<std::string> args;
    for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        r.error = e.what();
        return r;
    }
    r.error = dashed_positional(positional);
    if (!r.error.empty()) return r;
    if (o.help || o.version) {
        r.options = o;
        return r;
    }
    if (positional.size() != 1) {
        r.error = positional.empty()
                      ? "missing COMMAND (discover, identify, read-all, write, flush, latency)"
                      : "too many arguments: '" + positional[1] + "'";
        return r;
    }
    o.command = positional[0];
    if (o.iface.empty()) {
        r.error = "--iface IFACE is required";
        return r;
    }
    r.options = o;
    return r;
}

} // namespace aoeclient
