// aoe-target: serve disk images over AoE r11 with DPDK poll-mode drivers.
// `aoe-target 0 1 eth1 image.iso` works like `vbladed 0 1 eth1 image.iso`.
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_version.h>
#include <systemd/sd-daemon.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "aoeboot_version.hpp"
#include "hal/dpdk/af_packet.hpp"
#include "hal/dpdk/config_file.hpp"
#include "hal/dpdk/datapath.hpp"
#include "hal/dpdk/eal.hpp"
#include "hal/dpdk/exports.hpp"
#include "hal/dpdk/metrics.hpp"
#include "hal/dpdk/options.hpp"
#include "hal/dpdk/peers.hpp"
#include "hal/dpdk/setup.hpp"
#include "hal/dpdk/stats.hpp"
#include "hal/dpdk/stats_client.hpp"
#include "hal/dpdk/trace.hpp"

using namespace aoehal;

namespace {

Runtime* g_rt = nullptr;
volatile std::sig_atomic_t g_usr1 = 0;
volatile std::sig_atomic_t g_hup = 0;

void on_stop(int) {
    if (g_rt) g_rt->force_quit.store(true);
}
void on_usr1(int) {
    g_usr1 = 1;
}
void on_hup(int) {
    g_hup = 1;
}

// SIGHUP from the first instruction on: its default action would kill a target that is
// still starting when `systemctl reload` comes early.
void install_hup() {
    struct sigaction sa {};
    sa.sa_handler = on_hup;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, nullptr);
}

// systemd (Type=notify): a status line saying what is served. No-op without NOTIFY_SOCKET.
void notify_status(const Runtime& rt, const char* state) {
    std::lock_guard<std::mutex> lock(rt.exports_mu);
    std::string st = std::string(state) + "STATUS=serving " + std::to_string(rt.exports.size()) +
                     " export(s) on " + std::to_string(rt.ports.size()) + " port(s):";
    for (auto& ex : rt.exports) st += " " + export_label(ex.spec);
    sd_notify(0, st.c_str());
}

void install_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, nullptr);
}

// The control thread (not an lcore): FLUSH syncs for writable exports, the SIGUSR1
// summary, reloads and the peer report. It may block; the lcores never wait for it.
void control_loop(Runtime& rt) {
    std::map<std::string, std::string> peers_logged;
    auto next_peer_log = std::chrono::steady_clock::now();
    // Polls the flush rings with a back-off of 100 us up to 5 ms: FLUSH is rare (Linux never
    // sends it), and a 200 us poll alone cost ~5% of a core on an idle target.
    std::chrono::microseconds nap{100};
    while (!rt.force_quit.load()) {
        bool busy = false;
        for (auto* l : rt.lcores) {
            rte_mbuf* objs[32];
            unsigned n = l->flush_req->pop_burst(objs, 32);
            for (unsigned i = 0; i < n; ++i) {
                rte_mbuf* m = objs[i];
                const std::uint16_t idx = MbufRoute::export_index(m);
                if (Image* img = rt.image_by_index[idx]; img && !img->sync())
                    std::fprintf(stderr, "aoe-target: msync %s failed\n", img->path().c_str());
                if (!l->flush_done->push(m)) rte_pktmbuf_free(m);
            }
            busy |= n != 0;
        }
        if (g_hup) {
            g_hup = 0;
            if (rt.cmdline.config_path.empty() && rt.cmdline.export_dir.empty()) {
                std::fprintf(stderr, "aoe-target: SIGHUP: nothing to reload (no --config or "
                                     "--export-dir)\n");
            } else {
                // RELOADING=1 ... READY=1: systemctl reload waits for the new list to be live.
                sd_notify(0, "RELOADING=1");
                reload_exports(rt);
                notify_status(rt, "READY=1\n");
            }
        }
        if (rt.opt.peer_interval > 0 && std::chrono::steady_clock::now() >= next_peer_log) {
            next_peer_log += std::chrono::seconds(1);
            log_peer_changes(rt, peers_logged);
        }
        if (g_usr1) {
            g_usr1 = 0;
            std::fprintf(stderr, "aoe-target: %s\n", summary_line(rt).c_str());
        }
        if (busy) {
            nap = std::chrono::microseconds{100};
        } else {
            std::this_thread::sleep_for(nap);
            nap = std::min(nap * 2, std::chrono::microseconds{5000});
        }
    }
}

// The --trace file's header: what was served, by what, when (docs/trace-format.md).
std::vector<std::string> trace_header(const Runtime& rt) {
    std::vector<std::string> h;
    char when[64] = "";
    std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    h.push_back(std::string("recorded-by aoe-target ") + AOEBOOT_VERSION + " --trace at " + when);
    for (const auto& ex : rt.exports)
        h.push_back("export " + export_label(ex.spec) + " " + ex.image->path() + " sectors " +
                    std::to_string(ex.image->sectors()) + " serial " + ex.image->identity());
    return h;
}

int launch_worker(void* arg) {
    return lcore_main(arg);
}

// main's steps, in order. Each that can fail prints why and main returns 1.

void fail(const std::string& why) {
    std::fprintf(stderr, "aoe-target: %s\n", why.c_str());
}

// The command line and the configuration it names; --help, --version and --stats end here
// (their exit code), as does a bad command line (2) or configuration (1).
std::optional<int> read_options(int argc, char** argv, Runtime& rt) {
    ParseResult pr = parse_options(argc, argv);
    if (!pr.options) {
        std::fprintf(stderr, "aoe-target: %s\nTry 'aoe-target --help'.\n", pr.error.c_str());
        return 2;
    }
    rt.opt = *pr.options;
    rt.cmdline = *pr.options;
    if (!rt.opt.help && !rt.opt.version && !rt.opt.stats &&
        (!rt.opt.config_path.empty() || !rt.opt.export_dir.empty())) {
        std::string cerr = load_configuration(rt.cmdline, rt.opt);
        if (!cerr.empty()) {
            fail(cerr);
            return 1;
        }
        if (rt.opt.exports.empty())
            std::fprintf(stderr,
                         "aoe-target: no exports yet: add SHELF.SLOT=FILE lines to %s/*.conf "
                         "and send SIGHUP (systemctl reload aoe-target)\n",
                         rt.opt.export_dir.c_str());
    }
    if (rt.opt.help) {
        std::fputs(usage_text("aoe-target").c_str(), stdout);
        return 0;
    }
    if (rt.opt.version) {
        std::printf("aoe-target %s (%s)\n", AOEBOOT_VERSION, rte_version());
        return 0;
    }
    if (rt.opt.stats) return print_remote_stats(rt.opt.stats_target, rt.opt.json);
    return std::nullopt;
}

// The kernel interfaces --iface (af_packet) and --xdp (AF_XDP) name, and whether the pools
// and af_packet rings must be jumbo: a port may carry frames above 1500 bytes when an
// interface's MTU (capped by --mtu) is larger, or EAL ports have --mtu above 1500. AF_XDP
// frames are one page at most, so only af_packet interfaces may ask for jumbo pools.
bool kernel_interfaces(const Options& o, std::vector<KernelIface>& ifaces, bool& jumbo) {
    std::string err;
    jumbo = o.user_eal && o.mtu > 1500;
    for (const auto* names : {&o.ifaces, &o.xdp_ifaces}) {
        const bool xdp = names == &o.xdp_ifaces;
        for (const auto& name : *names) {
            KernelIface k;
            if (!kernel_iface(name, k, err)) {
                std::fprintf(stderr, "aoe-target: %s%s\n", xdp ? "--xdp: " : "", err.c_str());
                return false;
            }
            k.xdp = xdp;
            const std::uint32_t want = o.mtu ? std::min(o.mtu, k.mtu) : k.mtu;
            if (!xdp && want > 1500) jumbo = true;
            ifaces.push_back(k);
        }
    }
    return true;
}

// What can fail before EAL starts, with nothing to undo: the images, the --metrics listener
// (its HTTP threads do not inherit the main lcore's CPU, metrics.hpp) and the --trace file.
bool prepare_before_eal(Runtime& rt, std::unique_ptr<MetricsServer>& metrics, TraceWriter& trace) {
    std::string err;
    if (!open_images(rt, err)) {
        fail(err);
        return false;
    }
    if (!rt.opt.metrics.empty()) {
        metrics = MetricsServer::start(rt, rt.opt.metrics, err);
        if (!metrics) {
            fail(err);
            return false;
        }
    }
    if (!rt.opt.trace_path.empty() && !trace.open(rt.opt.trace_path, trace_header(rt), err)) {
        fail(err);
        return false;
    }
    return true;
}

// EAL, sized for the ports we create (-m for --no-huge must be known before it starts); then
// the pool plan for the ports that really exist (EAL arguments may have added some).
bool start_eal(const Runtime& rt, const std::vector<KernelIface>& ifaces, bool jumbo,
               PoolPlan& plan) {
    std::string err;
    plan = plan_pools(rt.opt, static_cast<std::uint16_t>(std::max<std::size_t>(ifaces.size(), 1)),
                      jumbo);
    bool jumbo_vdev = false;
    auto eal = eal_arguments(rt.opt, ifaces, plan.memory_mb(), jumbo_vdev);
    if (!rt.opt.user_eal) sweep_stale_runtime_dirs("aoe-target");
    if (!eal_start(eal, err)) {
        fail(err);
        return false;
    }
    plan = plan_pools(rt.opt, std::max<std::uint16_t>(rte_eth_dev_count_avail(), 1), jumbo);
    return true;
}

// Ports, engines and telemetry after EAL leaves: the metrics threads first (they read the
// ports and engines), then the ports, then EAL and its runtime directory (our own aoe-PID
// prefix: nothing left behind).
void tear_down(Runtime& rt, std::unique_ptr<MetricsServer>& metrics) {
    metrics.reset();
    stop_ports(rt);
    std::string rundir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    if (!rt.opt.user_eal) remove_own_runtime_dir(rundir);
}

// Pools, ports, exports and engines; then the kernel filter, telemetry, the metrics server
// and each export's announcement and prefetch.
bool bring_up(Runtime& rt, const PoolPlan& plan, const std::vector<KernelIface>& ifaces,
              std::unique_ptr<MetricsServer>& metrics) {
    std::string err;
    if (!create_pools(rt, plan, err) || !setup_ports(rt, plan, ifaces, err) ||
        !setup_exports_and_engines(rt, plan, err)) {
        fail(err);
        tear_down(rt, metrics);
        return false;
    }
    if (rt.opt.kernel_filter) {
        // Only AoE past the kernel on af_packet ports; without it aoe-target still works, it
        // just sees (and drops, counted) everything else on the segment.
        bool ok = true;
        for (const auto& line : filter_af_packet_ports(rt.ports, rt.nq, ok))
            std::fprintf(stderr, "aoe-target: %s%s\n", ok ? "" : "warning: ", line.c_str());
    }
    register_telemetry(rt);
    register_peer_telemetry(rt);
    if (metrics) {
        metrics->serve();
        std::fprintf(stderr, "aoe-target: metrics on http://%s/metrics\n", rt.opt.metrics.c_str());
    }
    for (auto& ex : rt.exports) {
        std::string label = export_label(ex.spec);
        std::fprintf(stderr, "aoe-target: serving %s: %s, %llu sectors, %s, serial %s\n",
                     label.c_str(), ex.image->path().c_str(),
                     static_cast<unsigned long long>(ex.exp->sectors),
                     ex.exp->writable ? "read-write" : "read-only", ex.image->identity().c_str());
        ex.image->start_prefetch(label, 256ull << 20);
    }
    return true;
}

// The lcores (this thread is lcore 0) and the control thread, until SIGINT/SIGTERM; then the
// trace's last records and the prefetchers.
void serve(Runtime& rt, TraceWriter& trace) {
    if (!rt.opt.trace_path.empty()) {
        trace.attach(rt.nq); // before the lcores launch
        trace.start();
    }
    std::thread control([&] { control_loop(rt); });
    for (std::uint16_t q = 1; q < rt.nq; ++q)
        rte_eal_remote_launch(launch_worker, rt.lcores[q], rt.lcores[q]->lcore_id);
    std::fprintf(stderr, "aoe-target: ready (%u queue%s, %zu port%s, %zu export%s)\n", rt.nq,
                 rt.nq > 1 ? "s" : "", rt.ports.size(), rt.ports.size() > 1 ? "s" : "",
                 rt.exports.size(), rt.exports.size() != 1 ? "s" : "");
    // Every export is mapped and published and every port started: tell systemd.
    notify_status(rt, "READY=1\n");
    lcore_main(rt.lcores[0]);
    sd_notify(0, "STOPPING=1");
    rte_eal_mp_wait_lcore();
    rt.force_quit.store(true);
    if (!rt.opt.trace_path.empty()) {
        trace.finish();
        std::fprintf(stderr, "aoe-target: trace: %llu commands written to %s, %llu lost\n",
                     static_cast<unsigned long long>(trace.written()), trace.path().c_str(),
                     static_cast<unsigned long long>(trace.lost()));
    }
    control.join();
    for (auto& ex : rt.exports) ex.image->stop_prefetch();
}

} // namespace

int main(int argc, char** argv) {
    install_hup();
    Runtime rt;
    if (std::optional<int> done = read_options(argc, argv, rt)) return *done;
    std::vector<KernelIface> ifaces;
    bool jumbo = false;
    if (!kernel_interfaces(rt.opt, ifaces, jumbo)) return 1;
    std::unique_ptr<MetricsServer> metrics;
    TraceWriter trace; // --trace: opened before EAL so that a bad path fails early
    if (!prepare_before_eal(rt, metrics, trace)) return 1;
    PoolPlan plan;
    if (!start_eal(rt, ifaces, jumbo, plan)) return 1;
    g_rt = &rt;
    install_signals();
    if (!bring_up(rt, plan, ifaces, metrics)) return 1;
    serve(rt, trace);
    std::fprintf(stderr, "aoe-target: stopping: %s\n", summary_line(rt).c_str());
    print_stats(rt, stderr);
    tear_down(rt, metrics);
    return 0;
}
