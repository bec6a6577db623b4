#include "hal/dpdk/metrics.hpp"

#include <dirent.h>
#include <sched.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include <CivetServer.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string_view>

#include "aoeboot_version.hpp"
#include "hal/dpdk/peers.hpp"
#include "hal/dpdk/stats.hpp"
#include "target/counters.hpp"

namespace aoehal {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// The busiest clients (by frames received) get their own series; the rest are in the
// per-port and per-export totals. Bounded so a boot storm cannot make a scrape huge.
constexpr std::size_t kTopClients = 20;

// The families of one scrape, in the order first seen.
class Families {
  public:
    void counter(const std::string& name, const std::string& help, Labels labels, double v) {
        ClientMetric m;
        m.label = std::move(labels);
        m.counter.value = v;
        family(name, help, MetricType::Counter).metric.push_back(std::move(m));
    }
    void gauge(const std::string& name, const std::string& help, Labels labels, double v) {
        ClientMetric m;
        m.label = std::move(labels);
        m.gauge.value = v;
        family(name, help, MetricType::Gauge).metric.push_back(std::move(m));
    }
    std::vector<MetricFamily> take() { return std::move(all_); }

  private:
    MetricFamily& family(const std::string& name, const std::string& help, MetricType t) {
        for (auto& f : all_)
            if (f.name == name) return f;
        all_.push_back(MetricFamily{name, help, t, {}});
        return all_.back();
    }
    std::vector<MetricFamily> all_;
};

// How a counter of the (queue, port) snapshot (stats.cpp engine_values and hal_values) is
// named here. Keys with a prefix become one family with a label (drop_runt ->
// aoe_target_dropped_frames_total{reason="runt"}); a key in neither list is still exported,
// as aoe_target_<key>_total, so a counter added to the snapshot is never silently missing.
struct Named {
    const char* key;
    const char* name;
    const char* help;
};
constexpr Named kQueueCounters[] = {
    {"frames_in", "aoe_target_frames_in_total",
     "AoE frames the engine handled; each is then replied, dropped, silent or forwarded"},
    {"replied", "aoe_target_replied_frames_total", "Frames that got one or more replies"},
    {"replies", "aoe_target_replies_total",
     "Reply frames built (a broadcast query may get "
     "one per export)"},
    {"reply_bytes", "aoe_target_reply_bytes_total", "Bytes of the reply frames built"},
    {"config_cmds", "aoe_target_config_commands_total", "Query Config commands handled"},
    {"mask_cmds", "aoe_target_mask_commands_total", "Mac Mask List commands handled"},
    {"reserve_cmds", "aoe_target_reserve_commands_total", "Reserve/Release commands handled"},
    {"adverts", "aoe_target_adverts_total", "Unsolicited config adverts sent"},
    {"forwarded", "aoe_target_forwarded_frames_total",
     "Frames a worker lcore handed to the owner lcore (queue 0)"},
    {"peer_probes", "aoe_target_peer_probes_total",
     "Discovery queries and IDENTIFYs sent to other targets serving our shelf.slots"},
    {"peer_conflicts", "aoe_target_peer_conflicts_total",
     "Peers whose verdict turned to differs (another image under our shelf.slot)"},
    {"peer_table_full", "aoe_target_peer_table_full_total",
     "Peers not tracked because the peer table was full"},
    {"rx_frames", "aoe_target_rx_frames_total", "Frames taken from the port's RX queue"},
    {"rx_dispatched", "aoe_target_rx_dispatched_frames_total",
     "Frames a worker lcore received from queue 0's software dispatcher"},
    {"dispatched_out", "aoe_target_dispatched_frames_total",
     "Frames queue 0's software dispatcher handed to a worker lcore"},
    {"tx_frames", "aoe_target_tx_frames_total", "Frames the PMD accepted for transmission"},
    {"tx_bytes", "aoe_target_tx_bytes_total", "Bytes of the frames the PMD accepted"},
    {"tx_stalled", "aoe_target_tx_stalled_total",
     "TX back-pressure: flushes the PMD took only part of (its TX ring was full)"},
    {"rx_paused", "aoe_target_rx_paused_total",
     "TX back-pressure: polls that skipped RX on the port while replies waited"},
    {"tx_abandoned", "aoe_target_tx_abandoned_total",
     "Queued replies freed because the TX ring took none for 500 ms, or at exit"},
    {"flushes", "aoe_target_flush_replies_total",
     "FLUSH replies that waited for msync on the control thread"},
};
constexpr const char* kDroppedHelp =
    "Frames dropped, by reason (engine checks, and the HAL's full rings and TX queue)";
constexpr const char* kSilentHelp =
    "Frames left unanswered as the protocol says (responses, not ours, config mismatch)";
constexpr const char* kErrorHelp = "Replies sent with the AoE error flag, by AoE error code";
constexpr const char* kDataHelp =
    "Replies carrying sector data, by transmit path: zero_copy (header chained to the image) "
    "or copy";

bool starts_with(const std::string& s, std::string_view p) {
    return s.size() > p.size() && s.compare(0, p.size(), p) == 0;
}

void queue_port_counter(Families& f, const std::string& key, std::uint64_t v, const Labels& at) {
    auto with = [&](const char* name, std::string value) {
        Labels l = at;
        l.push_back({name, std::move(value)});
        return l;
    };
    const double x = static_cast<double>(v);
    if (key == "dropped" || key == "silent") return; // sums of the labelled families below
    // The core's families (target/counters.hpp); the HAL's drop_ counters join the first.
    const std::string_view drop = aoe::kDropPrefix, silent = aoe::kSilentPrefix,
                           error = aoe::kAoeErrorPrefix;
    if (starts_with(key, drop))
        return f.counter("aoe_target_dropped_frames_total", kDroppedHelp,
                         with("reason", key.substr(drop.size())), x);
    if (starts_with(key, silent))
        return f.counter("aoe_target_silent_frames_total", kSilentHelp,
                         with("reason", key.substr(silent.size())), x);
    if (starts_with(key, error))
        return f.counter("aoe_target_error_replies_total", kErrorHelp,
                         with("code", key.substr(error.size())), x);
    if (key == "tx_zero_copy" || key == "tx_copy")
        return f.counter("aoe_target_data_replies_total", kDataHelp,
                         with("path", key == "tx_copy" ? "copy" : "zero_copy"), x);
    for (const auto& n : kQueueCounters)
        if (key == n.key) return f.counter(n.name, n.help, at, x);
    f.counter("aoe_target_" + key + "_total", "aoe-target counter " + key + " (see --stats)", at,
              x);
}

std::uint64_t value_of(const NamedValues& v, std::string_view k) {
    for (const auto& [name, x] : v)
        if (name == k) return x;
    return 0;
}

std::string port_name(const PortState& ps) {
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    if (rte_eth_dev_get_name_by_port(ps.port_id, name) != 0)
        return "port" + std::to_string(ps.port_id);
    return name;
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Counters of one export (stats.cpp export_values); shelf, slot, sectors and writable are
// shown as labels and gauges instead.
constexpr Named kExportCounters[] = {
    {"reads", "aoe_target_export_reads_total", "ATA READ commands received (retransmits too)"},
    {"read_bytes", "aoe_target_export_read_bytes_total", "Sector bytes of the reads received"},
    {"writes", "aoe_target_export_writes_total", "ATA WRITE commands received"},
    {"write_bytes", "aoe_target_export_write_bytes_total", "Sector bytes of the writes received"},
    {"identify", "aoe_target_export_identify_total", "ATA IDENTIFY DEVICE commands received"},
    {"flushes", "aoe_target_export_flushes_total", "ATA FLUSH CACHE commands received"},
    {"other_ata", "aoe_target_export_other_ata_total", "Other ATA commands received"},
    {"ata_errors", "aoe_target_export_ata_errors_total",
     "Replies with ATA status ERR (ABRT, IDNF)"},
    {"retransmits_seen", "aoe_target_export_retransmits_seen_total",
     "Reads of an LBA the same client had just asked for (an initiator's retransmit)"},
};

// Threads of this process, (tid, name).
std::vector<std::pair<pid_t, std::string>> own_threads() {
    std::vector<std::pair<pid_t, std::string>> out;
    DIR* d = opendir("/proc/self/task");
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
        std::string name;
        std::getline(comm, name);
        out.emplace_back(static_cast<pid_t>(std::atoi(e->d_name)), name);
    }
    closedir(d);
    return out;
}

// civetweb's threads started before EAL, with the process's whole affinity; EAL has since
// chosen the CPUs for its control threads (those not used by lcores, else the main lcore's).
// civetweb's threads join them, so a scrape never preempts an lcore on its CPU. Returns how
// many threads were moved, or -1 when EAL's interrupt thread was not found.
int move_http_threads_to_control_cpus() {
    const auto threads = own_threads();
    cpu_set_t ctrl;
    bool found = false;
    for (const auto& [tid, name] : threads)
        if (name == "eal-intr-thread" && sched_getaffinity(tid, sizeof ctrl, &ctrl) == 0)
            found = true;
    if (!found) return -1;
    int moved = 0;
    for (const auto& [tid, name] : threads)
        if (name.rfind("civetweb", 0) == 0 && sched_setaffinity(tid, sizeof ctrl, &ctrl) == 0)
            ++moved;
    return moved;
}

} // namespace

struct MetricsServer::Impl : prometheus::Collectable {
    const Runtime* rt = nullptr;
    std::atomic<bool> serving{false};
    double start_time = unix_now();
    std::unique_ptr<prometheus::Exposer> exposer;

    std::vector<MetricFamily> Collect() const override;
    void process(Families& f) const;
    void queues_and_ports(Families& f, const StatsSnapshot& s) const;
    void exports(Families& f, const StatsSnapshot& s) const;
    void clients(Families& f) const;
    void peers(Families& f) const;
};

std::vector<MetricFamily> MetricsServer::Impl::Collect() const {
    Families f;
    process(f);
    if (serving.load(std::memory_order_acquire)) {
        const StatsSnapshot s = collect_stats(*rt); // the --stats snapshot, one walk
        queues_and_ports(f, s);
        exports(f, s);
        clients(f);
        peers(f);
    }
    return f.take();
}

void MetricsServer::Impl::process(Families& f) const {
    f.gauge("aoe_target_info", "aoe-target version and the DPDK it runs on (always 1)",
            {{"version", AOEBOOT_VERSION}, {"dpdk", rte_version()}}, 1);
    f.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch", {},
            start_time);
    const bool up = serving.load(std::memory_order_acquire);
    f.gauge("aoe_target_serving",
            "1 once ports are up and exports published, 0 while starting or stopping", {},
            up ? 1 : 0);
    f.gauge("aoe_target_export_capacity", "Capacity of the export table (--max-exports)", {},
            rt->opt.max_exports);
    if (!up) return;
    f.gauge("aoe_target_queues", "Queue pairs (and lcores) per port", {}, rt->nq);
    f.gauge("aoe_target_ports", "Ports served", {}, static_cast<double>(rt->ports.size()));
}

void MetricsServer::Impl::queues_and_ports(Families& f, const StatsSnapshot& s) const {
    std::vector<std::string> names;
    for (const auto& ps : rt->ports) names.push_back(port_name(ps));
    for (std::size_t p = 0; p < rt->ports.size(); ++p) {
        const PortState& ps = rt->ports[p];
        f.gauge("aoe_target_port_info",
                "A port: its driver, kernel interface, MAC and reply path (always 1)",
                {{"port", names[p]},
                 {"driver", ps.driver},
                 {"iface", ps.kernel_iface},
                 {"mac", format_mac(ps.info.mac)},
                 {"tx_path", ps.zero_copy ? "zero_copy" : "copy"}},
                1);
        f.gauge("aoe_target_port_mtu_bytes", "The port's verified MTU", {{"port", names[p]}},
                ps.info.mtu);
    }
    for (std::size_t q = 0; q < s.per_queue_port.size(); ++q)
        for (std::size_t p = 0; p < s.per_queue_port[q].size() && p < names.size(); ++p) {
            const Labels at{{"port", names[p]}, {"queue", std::to_string(q)}};
            for (const auto& [k, v] : s.per_queue_port[q][p]) queue_port_counter(f, k, v, at);
        }
    for (std::size_t q = 0; q < s.per_queue.size(); ++q)
        f.counter("aoe_target_idle_sleeps_total", "Idle back-off sleeps of the queue's lcore",
                  {{"queue", std::to_string(q)}},
                  static_cast<double>(value_of(s.per_queue[q], "idle_sleeps")));
    for (std::size_t p = 0; p < s.per_port.size() && p < names.size(); ++p) {
        const Labels at{{"port", names[p]}};
        for (const auto& [k, v] : s.per_port[p]) {
            const double x = static_cast<double>(v);
            if (k == "imissed")
                f.counter("aoe_target_port_imissed_total",
                          "Frames the NIC dropped for want of an RX descriptor (imissed)", at, x);
            else if (k == "ierrors")
                f.counter("aoe_target_port_ierrors_total", "Erroneous frames received (ierrors)",
                          at, x);
            else if (k == "rx_ring_dropped")
                f.counter("aoe_target_port_rx_ring_dropped_total",
                          "net_af_packet: frames the kernel dropped because the port's "
                          "PACKET_MMAP RX ring was full",
                          at, x);
            else if (k == "rx_before_filter")
                f.counter("aoe_target_port_rx_before_filter_total",
                          "net_af_packet: frames that reached the port's kernel ring before "
                          "its AoE filter was attached, discarded unread at start-up",
                          at, x);
        }
    }
}

void MetricsServer::Impl::exports(Families& f, const StatsSnapshot& s) const {
    f.gauge("aoe_target_exports", "Exports served", {}, static_cast<double>(s.export_names.size()));
    for (std::size_t i = 0; i < s.per_export.size(); ++i) {
        const auto& e = s.per_export[i];
        const std::string& name = s.export_names[i];
        f.gauge("aoe_target_export_info",
                "An export: its IDENTIFY serial (the image identity) and mode (always 1)",
                {{"export", name},
                 {"serial", i < s.export_serials.size() ? s.export_serials[i] : ""},
                 {"mode", value_of(e, "writable") ? "rw" : "ro"}},
                1);
        f.gauge("aoe_target_export_size_bytes", "Size of the export as served (whole sectors)",
                {{"export", name}}, static_cast<double>(value_of(e, "sectors")) * 512);
        for (const auto& [k, v] : e) {
            if (k == "shelf" || k == "slot" || k == "sectors" || k == "writable") continue;
            const Named* n = nullptr;
            for (const auto& c : kExportCounters)
                if (k == c.key) n = &c;
            if (n)
                f.counter(n->name, n->help, {{"export", name}}, static_cast<double>(v));
            else
                f.counter("aoe_target_export_" + k + "_total",
                          "aoe-target export counter " + k + " (see --stats)", {{"export", name}},
                          static_cast<double>(v));
        }
    }
}

void MetricsServer::Impl::clients(Families& f) const {
    ClientsSnapshot cs = collect_clients(*rt);
    f.gauge("aoe_target_clients", "Client MACs in the per-client tables", {},
            static_cast<double>(cs.rows.size()));
    std::sort(cs.rows.begin(), cs.rows.end(), [](const ClientRow& a, const ClientRow& b) {
        return a.frames_in != b.frames_in ? a.frames_in > b.frames_in : a.mac < b.mac;
    });
    if (cs.rows.size() > kTopClients) cs.rows.resize(kTopClients);
    for (const auto& r : cs.rows) {
        const Labels at{{"client", r.mac}};
        f.counter("aoe_target_client_frames_in_total",
                  "AoE frames received from the client (the busiest 20 clients)", at,
                  static_cast<double>(r.frames_in));
        f.counter("aoe_target_client_replies_total",
                  "Reply frames sent to the client (the busiest 20 clients)", at,
                  static_cast<double>(r.replies));
        f.counter("aoe_target_client_reply_bytes_total",
                  "Bytes of the replies sent to the client (the busiest 20 clients)", at,
                  static_cast<double>(r.reply_bytes));
    }
    f.counter("aoe_target_client_overflow_frames_in_total",
              "AoE frames of clients that found the per-client tables full", {},
              static_cast<double>(cs.overflow.frames_in));
}

void MetricsServer::Impl::peers(Families& f) const {
    const char* verdicts[] = {"pending", "same", "differs", "no_identity"};
    std::uint64_t count[4] = {};
    for (const auto& r : collect_peers(*rt)) {
        for (int i = 0; i < 4; ++i)
            if (r.verdict == verdicts[i]) ++count[i];
        // PeerRow::port is the port's label for messages, "net_af_packet0 (eth1)": the
        // `port` label is the DPDK name, as on every other series.
        std::string port = r.port;
        for (const auto& ps : rt->ports)
            if (ps.label == r.port) port = port_name(ps);
        const Labels at{{"port", port}, {"export", r.export_name}, {"peer", r.mac}};
        Labels info = at;
        info.push_back({"verdict", r.verdict});
        info.push_back({"serial", r.serial});
        f.gauge("aoe_target_peer_info",
                "Another target serving one of our shelf.slots, and whether its image is ours "
                "(verdict: pending, same, differs, no_identity; always 1)",
                info, 1);
        f.counter("aoe_target_peer_seen_total", "Config replies and adverts seen from the peer", at,
                  static_cast<double>(r.seen));
        f.gauge("aoe_target_peer_last_seen_age_seconds", "Seconds since the peer was last seen", at,
                r.last_seen_s);
    }
    for (int i = 0; i < 4; ++i)
        f.gauge("aoe_target_peers", "Peers serving our shelf.slots, by verdict",
                {{"verdict", verdicts[i]}}, static_cast<double>(count[i]));
}

namespace {

// civetweb's messages: kept while the listener starts (they say why it did not), afterwards
// printed at most once a minute (a client sending garbage must not flood the log).
std::mutex g_log_mu;
std::string g_start_log;
bool g_starting = false;
std::atomic<std::int64_t> g_last_log{0};

int on_civet_log(const mg_connection*, const char* message) {
    {
        std::lock_guard<std::mutex> lock(g_log_mu);
        if (g_starting) {
            if (!g_start_log.empty()) g_start_log += "; ";
            g_start_log += message;
            return 1;
        }
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    std::int64_t last = g_last_log.load();
    if (now - last >= 60 && g_last_log.compare_exchange_strong(last, now))
        std::fprintf(stderr, "aoe-target: metrics: %s\n", message);
    return 1; // handled: civetweb prints nothing itself
}

} // namespace

MetricsServer::MetricsServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<MetricsServer> MetricsServer::start(const Runtime& rt, const std::string& listen,
                                                    std::string& error) {
    auto owned = std::make_shared<Impl>();
    owned->rt = &rt;
    Impl& impl = *owned;
    CivetCallbacks callbacks;
    callbacks.log_message = on_civet_log;
    {
        std::lock_guard<std::mutex> lock(g_log_mu);
        g_starting = true;
        g_start_log.clear();
    }
    std::string why;
    try {
        // Two request threads: a scrape is a few milliseconds of work, Prometheus scrapes
        // one at a time, and a second thread keeps a slow client from blocking the next.
        impl.exposer = std::make_unique<prometheus::Exposer>(
            std::vector<std::string>{"listening_ports", listen, "num_threads", "2"}, &callbacks);
    } catch (const std::exception& e) {
        why = e.what();
    }
    {
        std::lock_guard<std::mutex> lock(g_log_mu);
        g_starting = false;
        if (!impl.exposer && !g_start_log.empty()) why = g_start_log;
    }
    if (!impl.exposer) {
        // civetweb's words, e.g. "cannot bind to 127.0.0.1:9469: 98 (Address already in use)"
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        error = "--metrics '" + listen + "': cannot listen: " + why;
        return nullptr;
    }
    impl.exposer->RegisterCollectable(owned);
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(owned)));
}

void MetricsServer::serve() {
    if (move_http_threads_to_control_cpus() < 0)
        std::fprintf(stderr, "aoe-target: metrics: EAL's control CPUs unknown (no "
                             "eal-intr-thread); the HTTP threads may run on any CPU\n");
    impl_->serving.store(true, std::memory_order_release);
}

MetricsServer::~MetricsServer() {
    impl_->serving.store(false, std::memory_order_release);
    impl_->exposer.reset(); // joins civetweb's threads: no Collect runs after this
}

} // namespace aoehal
