// aoe-bench: an AoE r11 load generator on DPDK, so that the client is never the bottleneck.
//   aoe-bench [options] IFACE           net_af_packet on a kernel interface (like vbladed)
//   aoe-bench EAL-ARGS -- [options]     any DPDK port (net_memif, ...)
// Control steps (discovery, IDENTIFY) reuse bench/initiator's Session over a DPDK transport; the
// load loop (loadgen.cpp) is a plain poll loop that allocates nothing per frame.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_version.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <vector>

#include "aoeboot_version.hpp"
#include "bench/loadgen/bench_options.hpp"
#include "bench/loadgen/bench_port.hpp"
#include "bench/loadgen/loadgen.hpp"
#include "bench/loadgen/reflect.hpp"
#include "bench/loadgen/replay.hpp"
#include "bench/loadgen/replay_report.hpp"
#include "bench/loadgen/report.hpp"
#include "bench/loadgen/trace.hpp"
#include "hal/address.hpp"

using namespace aoebench;

namespace {

std::atomic<bool> g_stop{false};
void on_stop(int) {
    g_stop.store(true);
}

int fail(const std::string& m) {
    std::fprintf(stderr, "aoe-bench: %s\n", m.c_str());
    return 1;
}

// Locally administered MACs for impersonated clients: 02:ae:b0:HH:HH:LL (client 0 is the port).
std::vector<aoe::Mac> client_macs(const aoe::Mac& port, unsigned n) {
    std::vector<aoe::Mac> v{port};
    for (unsigned i = 1; i < n; ++i)
        v.push_back(aoe::Mac{{0x02, 0xae, 0xb0, static_cast<std::uint8_t>(i >> 16),
                              static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}});
    return v;
}

struct Mapped {
    const std::uint8_t* data = nullptr;
    std::uint64_t len = 0;
};

bool map_file(const std::string& path, Mapped& m, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) {
        error = path + ": cannot open";
        return false;
    }
    struct stat st {};
    fstat(fd, &st);
    m.len = static_cast<std::uint64_t>(st.st_size);
    void* p =
        m.len ? mmap(nullptr, m.len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0) : MAP_FAILED;
    ::close(fd);
    if (p == MAP_FAILED) {
        error = path + ": cannot map (empty file?)";
        return false;
    }
    m.data = static_cast<const std::uint8_t*>(p);
    return true;
}

// --replay: the storm of simulated Linux initiators (bench/loadgen/replay.hpp).
int run_replay_mode(const BenchOptions& o, BenchPort& port, const Trace& trace,
                    const aoeclient::TargetInfo& tgt, const aoeclient::IdentifyInfo& id) {
    std::string err;
    PlanOptions po;
    if (!o.trace_client.empty()) po.client = aoehal::parse_mac(o.trace_client);
    po.sectors_per_frame = linux_sectors_per_frame(port.mtu, tgt.sectors_per_request);
    po.prefix_bytes = o.replay_bytes;
    ReplayPlan plan;
    if (!build_plan(trace, po, plan, err)) return fail(err);
    if (plan.max_lba_end > id.sectors)
        return fail(trace.path + ":" + std::to_string(plan.max_lba_line) + ": reads up to sector " +
                    std::to_string(plan.max_lba_end) + ", beyond the export's " +
                    std::to_string(id.sectors) + " sectors (another image?)");
    ReplayConfig c;
    c.target = tgt;
    c.capacity = id.sectors;
    c.lba48 = id.lba48;
    c.plan = &plan;
    c.clients = client_macs(port.mac, o.clients);
    // Linux: as many frames per target as its Buffer Count, at most aoe_maxout (64).
    unsigned bufcnt = tgt.buffer_count ? tgt.buffer_count : 1;
    c.window = std::min(bufcnt, 64u);
    if (o.window) {
        if (o.window > bufcnt)
            std::fprintf(stderr, "aoe-bench: --window %u capped at the target's buffer count %u\n",
                         o.window, bufcnt);
        c.window = std::min(o.window, bufcnt);
    }
    c.ramp_s = o.ramp;
    c.progress = o.progress;
    Mapped img;
    if (!o.verify.empty()) {
        if (!map_file(o.verify, img, err)) return fail(err);
        if (img.len / 512 < plan.max_lba_end)
            return fail(o.verify + " is smaller than what the trace reads (" +
                        std::to_string(plan.max_lba_end) + " sectors)");
        c.image = img.data;
        c.image_len = img.len;
    }
    ReplayInfo info;
    info.port_label = port.label;
    info.driver = port.driver;
    info.mtu = port.mtu;
    info.target_mac = aoehal::format_mac(tgt.mac);
    info.trace_path = trace.path;
    info.verify_path = o.verify;
    info.sectors_per_frame = po.sectors_per_frame;
    if (o.progress)
        std::fprintf(stderr,
                     "aoe-bench: replaying %s (client %s, %zu frames of %u sectors, %.1f MB%s) "
                     "with %u client%s, window %u, ramp %.1f s\n",
                     trace.path.c_str(), aoehal::format_mac(plan.client).c_str(),
                     plan.frames.size(), po.sectors_per_frame,
                     static_cast<double>(plan.bytes) / 1e6, plan.prefix ? ", prefix" : "",
                     o.clients, o.clients > 1 ? "s" : "", c.window, c.ramp_s);
    ReplayResult res;
    if (!run_replay(port, c, g_stop, res, err)) return fail(err);
    if (o.json)
        print_replay_json(stdout, info, c, res);
    else
        print_replay_text(stdout, info, c, res);
    if (!o.clients_json.empty() && !write_clients_json(o.clients_json, c, res, err))
        return fail(err);
    if (img.data) munmap(const_cast<std::uint8_t*>(img.data), img.len);
    if (res.errors) {
        std::fprintf(stderr, "aoe-bench: %llu error(s); first: %s\n",
                     static_cast<unsigned long long>(res.errors), res.first_error.c_str());
        return 1;
    }
    if (res.finished != c.clients.size())
        return fail(std::to_string(c.clients.size() - res.finished) + " client(s) did not finish" +
                    (g_stop.load() ? " (interrupted)" : ""));
    return 0;
}

int run(const BenchOptions& o, BenchPort& port, const Trace* trace) {
    std::string err;
    if (o.reflect) {
        std::fprintf(stderr, "aoe-bench: reflecting on %s (mac %s, mtu %u): ready\n",
                     port.label.c_str(), aoehal::format_mac(port.mac).c_str(), port.mtu);
        ReflectStats st;
        run_reflect(port, o, g_stop, st);
        std::fprintf(stderr, "aoe-bench: reflected %llu of %llu frames, dropped %llu\n",
                     static_cast<unsigned long long>(st.tx), static_cast<unsigned long long>(st.rx),
                     static_cast<unsigned long long>(st.dropped));
        return 0;
    }

    DpdkTransport t(port);
    // Discovery: broadcast config query (Major 0xFFFF, Minor 0xFF), or to the given shelf.slot
    // (as iPXE does: broadcast MAC, specific address).
    auto found = aoeclient::discover(t, o.have_target ? o.shelf : aoe::kShelfBroadcast,
                                     o.have_target ? o.slot : aoe::kSlotBroadcast,
                                     std::int64_t{o.discover_ms} * 1000);
    if (found.empty())
        return fail(o.have_target
                        ? "no answer from e" + std::to_string(o.shelf) + "." +
                              std::to_string(o.slot)
                        : std::string("no AoE target answered the broadcast config query"));
    aoeclient::TargetInfo tgt = found.front();
    aoeclient::Session<DpdkTransport> session(t, tgt);
    std::vector<std::uint8_t> reply;
    aoeclient::Response r;
    if (!session.command(aoe::ata::kCmdIdentify, 0, 1, false, reply, r) ||
        r.data_len < aoe::ata::kSectorSize)
        return fail("no IDENTIFY reply from e" + std::to_string(tgt.shelf) + "." +
                    std::to_string(tgt.slot));
    if (r.error || (r.ata_status & 0xA9)) return fail("IDENTIFY failed");
    aoeclient::IdentifyInfo id = aoeclient::parse_identify(r.data);
    if (id.sectors == 0) return fail("the export has no sectors");

    if (trace) return run_replay_mode(o, port, *trace, tgt, id);

    LoadConfig c;
    c.target = tgt;
    c.capacity = id.sectors;
    c.lba48 = id.lba48;
    unsigned adv = tgt.sectors_per_request ? tgt.sectors_per_request : 2; // r11: 0 means 2
    unsigned path = aoe::sectors_for_mtu(port.mtu);
    c.sectors = std::min(adv, path);
    if (o.sectors) {
        if (o.sectors > c.sectors)
            std::fprintf(stderr,
                         "aoe-bench: warning: --sectors %u exceeds what the path carries (%u)\n",
                         o.sectors, c.sectors);
        c.sectors = o.sectors;
    }
    if (c.write && port.mtu < 36 + c.sectors * 512u)
        return fail("write requests do not fit our MTU");
    // Never more outstanding than the target's advertised Buffer Count (AoE r11 §3.2: excess
    // messages are dropped).
    unsigned bufcnt = tgt.buffer_count ? tgt.buffer_count : 1;
    c.depth = o.depth;
    if (c.depth > bufcnt) {
        std::fprintf(stderr, "aoe-bench: depth %u capped at the target's buffer count %u\n",
                     o.depth, bufcnt);
        c.depth = bufcnt;
    }
    c.random = o.random;
    c.write = o.write;
    c.clients = client_macs(port.mac, o.clients);
    c.duration = o.duration;
    c.bytes = o.bytes;
    c.rto_ms = o.rto_ms;
    c.stall_ms = o.stall_ms;
    c.progress = o.progress;
    c.seed = o.seed;
    Mapped img;
    if (!o.verify.empty()) {
        if (!map_file(o.verify, img, err)) return fail(err);
        if (img.len / 512 < c.capacity)
            return fail(o.verify + " is smaller than the export (" + std::to_string(c.capacity) +
                        " sectors)");
        c.image = img.data;
        c.image_len = img.len;
    }
    if (c.write && !o.verify.empty())
        std::fprintf(
            stderr,
            "aoe-bench: writing the --verify file's own bytes back (the image stays the same)\n");

    RunInfo info;
    info.port_label = port.label;
    info.driver = port.driver;
    info.mtu = port.mtu;
    info.model = id.model;
    info.serial = id.serial;
    info.target_mac = aoehal::format_mac(tgt.mac);
    info.depth_requested = o.depth;
    if (o.progress)
        std::fprintf(
            stderr,
            "aoe-bench: e%u.%u (%s, %llu sectors) depth %u, %u sectors per request, %s %s\n",
            tgt.shelf, tgt.slot, id.model.c_str(), static_cast<unsigned long long>(id.sectors),
            c.depth, c.sectors, o.random ? "random" : "sequential", o.write ? "writes" : "reads");

    LoadResult res;
    if (!run_load(port, c, g_stop, res, err)) return fail(err);
    if (o.json)
        print_json(stdout, info, c, res);
    else
        print_text(stdout, info, c, res);
    if (img.data) munmap(const_cast<std::uint8_t*>(img.data), img.len);
    if (res.errors) {
        std::fprintf(stderr, "aoe-bench: %llu error(s); first: %s\n",
                     static_cast<unsigned long long>(res.errors), res.first_error.c_str());
        return 1;
    }
    if (res.commands_total == 0) return fail("no command completed");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    BenchParse pr = parse_bench_options(argc, argv);
    if (!pr.options) {
        std::fprintf(stderr, "aoe-bench: %s\nRun 'aoe-bench --help' for usage.\n",
                     pr.error.c_str());
        return 2;
    }
    const BenchOptions& o = *pr.options;
    if (o.help) {
        std::fputs(bench_usage().c_str(), stdout);
        return 0;
    }
    if (o.version) {
        std::printf("aoe-bench %s (%s)\n", AOEBOOT_VERSION, rte_version());
        return 0;
    }
    std::string err;
    Trace trace; // read before EAL: a bad trace fails at once, naming the file and line
    if (!o.replay.empty() && !read_trace(o.replay, trace, err)) return fail(err);
    if (!start_eal(o, err)) return fail(err);
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    BenchPort port;
    if (!open_port(o, port, err)) {
        rte_eal_cleanup();
        return fail(err);
    }
    int rc = run(o, port, o.replay.empty() ? nullptr : &trace);
    close_port(o, port);
    return rc;
}
