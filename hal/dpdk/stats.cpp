#include "hal/dpdk/stats.hpp"

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <array>
#include <cstdio>
#include <map>

namespace aoehal {
namespace {

const Runtime* g_rt = nullptr;

void add(NamedValues& v, const std::string& k, std::uint64_t x) {
    for (auto& [name, val] : v)
        if (name == k) {
            val += x;
            return;
        }
    v.emplace_back(k, x);
}

// The core's counters under the core's names (target/counters.hpp for_each_counter).
void engine_values(NamedValues& v, const aoe::Engine& e) {
    aoe::for_each_counter(e.counters(), [&](const char* prefix, const char* name, std::uint64_t x) {
        add(v, std::string(prefix) + name, x);
    });
}

void hal_values(NamedValues& v, const QueueStats& s) {
    add(v, "rx_frames", s.rx_frames.get());
    add(v, "rx_dispatched", s.rx_dispatched.get());
    add(v, "dispatched_out", s.dispatched_out.get());
    add(v, "tx_frames", s.tx_frames.get());
    add(v, "tx_bytes", s.tx_bytes.get());
    add(v, "tx_zero_copy", s.tx_zero_copy.get());
    add(v, "tx_copy", s.tx_copy.get());
    add(v, "drop_tx_full", s.tx_dropped.get());
    add(v, "tx_stalled", s.tx_stalled.get());
    add(v, "rx_paused", s.rx_paused.get());
    add(v, "tx_abandoned", s.tx_abandoned.get());
    add(v, "drop_dispatch_full", s.dispatch_full.get());
    add(v, "drop_forward_full", s.forward_full.get());
    add(v, "drop_rx_segmented", s.rx_segmented.get());
    add(v, "drop_flush_full", s.flush_full.get());
    add(v, "flushes", s.flushes.get());
}

void export_values(NamedValues& v, const aoe::ExportCounters& c) {
    aoe::for_each_counter(c, [&](const char* name, std::uint64_t x) { add(v, name, x); });
}

int tel_stats(const char*, const char*, rte_tel_data* d) {
    if (!g_rt) return -1;
    StatsSnapshot s = collect_stats(*g_rt);
    rte_tel_data_start_dict(d);
    for (auto& [k, v] : s.total) rte_tel_data_add_dict_u64(d, k.c_str(), v);
    // Per queue: one array per counter, indexed by queue.
    const char* per_q[] = {"frames_in",    "replies", "reply_bytes", "dropped",
                           "tx_zero_copy", "tx_copy", "idle_sleeps"};
    for (const char* key : per_q) {
        rte_tel_data* a = rte_tel_data_alloc();
        rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
        for (auto& q : s.per_queue)
            for (auto& [k, v] : q)
                if (k == key) rte_tel_data_add_array_u64(a, v);
        rte_tel_data_add_dict_container(d, (std::string("queue_") + key).c_str(), a, 0);
    }
    // Per af_packet port: names and kernel ring drops, in the same order.
    if (!s.ring_drops.empty()) {
        rte_tel_data* names = rte_tel_data_alloc();
        rte_tel_data* drops = rte_tel_data_alloc();
        rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
        rte_tel_data_start_array(drops, RTE_TEL_U64_VAL);
        for (const auto& r : s.ring_drops) {
            rte_tel_data_add_array_string(names, r.port.c_str());
            rte_tel_data_add_array_u64(drops, r.dropped);
        }
        rte_tel_data_add_dict_container(d, "ring_port", names, 0);
        rte_tel_data_add_dict_container(d, "ring_port_rx_ring_dropped", drops, 0);
    }
    return 0;
}

int tel_exports(const char*, const char*, rte_tel_data* d) {
    if (!g_rt) return -1;
    StatsSnapshot s = collect_stats(*g_rt);
    rte_tel_data_start_dict(d);
    rte_tel_data* names = rte_tel_data_alloc();
    rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
    for (auto& n : s.export_names) rte_tel_data_add_array_string(names, n.c_str());
    rte_tel_data_add_dict_container(d, "export", names, 0);
    if (s.per_export.empty()) return 0;
    for (std::size_t k = 0; k < s.per_export[0].size(); ++k) {
        rte_tel_data* a = rte_tel_data_alloc();
        rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
        for (auto& e : s.per_export) rte_tel_data_add_array_u64(a, e[k].second);
        rte_tel_data_add_dict_container(d, s.per_export[0][k].first.c_str(), a, 0);
    }
    return 0;
}

int tel_clients(const char*, const char*, rte_tel_data* d) {
    if (!g_rt) return -1;
    ClientsSnapshot cs = collect_clients(*g_rt);
    rte_tel_data_start_dict(d);
    rte_tel_data* macs = rte_tel_data_alloc();
    rte_tel_data_start_array(macs, RTE_TEL_STRING_VAL);
    rte_tel_data* cols[3];
    const char* names[3] = {"frames_in", "replies", "reply_bytes"};
    for (auto& c : cols) {
        c = rte_tel_data_alloc();
        rte_tel_data_start_array(c, RTE_TEL_U64_VAL);
    }
    std::size_t n = 0;
    for (const auto& r : cs.rows) {
        if (++n > RTE_TEL_MAX_ARRAY_ENTRIES - 1) break;
        rte_tel_data_add_array_string(macs, r.mac.c_str());
        rte_tel_data_add_array_u64(cols[0], r.frames_in);
        rte_tel_data_add_array_u64(cols[1], r.replies);
        rte_tel_data_add_array_u64(cols[2], r.reply_bytes);
    }
    rte_tel_data_add_dict_container(d, "mac", macs, 0);
    for (int i = 0; i < 3; ++i) rte_tel_data_add_dict_container(d, names[i], cols[i], 0);
    rte_tel_data_add_dict_u64(d, "other_frames_in", cs.overflow.frames_in);
    rte_tel_data_add_dict_u64(d, "other_replies", cs.overflow.replies);
    return 0;
}

} // namespace

ClientsSnapshot collect_clients(const Runtime& rt) {
    // Merge the per-lcore tables by MAC.
    std::map<std::uint64_t, std::array<std::uint64_t, 3>> by_mac;
    ClientsSnapshot cs;
    for (auto* l : rt.lcores) {
        for (auto& c : l->clients) {
            std::uint64_t k = c.key.load(std::memory_order_relaxed);
            if (!k) continue;
            auto& v = by_mac[k & ~(std::uint64_t{1} << 63)]; // the key, less the "used" marker
            v[0] += c.frames_in.get();
            v[1] += c.replies.get();
            v[2] += c.reply_bytes.get();
        }
        cs.overflow.frames_in += l->client_overflow.frames_in.get();
        cs.overflow.replies += l->client_overflow.replies.get();
        cs.overflow.reply_bytes += l->client_overflow.reply_bytes.get();
    }
    for (auto& [k, v] : by_mac) cs.rows.push_back({format_mac(aoe::key_mac(k)), v[0], v[1], v[2]});
    return cs;
}

NamedValues export_counter_values(const Runtime& rt, std::uint16_t index) {
    NamedValues v;
    for (auto* l : rt.lcores)
        for (std::size_t p = 0; p < rt.ports.size(); ++p)
            export_values(v, l->engine[p]->export_counters(index));
    return v;
}

StatsSnapshot collect_stats(const Runtime& rt) {
    StatsSnapshot s;
    for (auto* l : rt.lcores) {
        NamedValues q;
        std::vector<NamedValues> qp(rt.ports.size());
        for (std::size_t p = 0; p < rt.ports.size(); ++p) {
            engine_values(qp[p], *l->engine[p]);
            hal_values(qp[p], l->stats[p]);
            for (auto& [k, v] : qp[p]) add(q, k, v);
        }
        add(q, "idle_sleeps", l->idle_sleeps.load(std::memory_order_relaxed));
        for (auto& [k, v] : q) add(s.total, k, v);
        s.per_queue.push_back(std::move(q));
        s.per_queue_port.push_back(std::move(qp));
    }
    // Frames lost in af_packet kernel rings (the 22.11 PMD leaves imissed at 0 for them);
    // absent, not 0, when no port is af_packet.
    s.ring_drops = ring_drops();
    std::uint64_t imissed = 0, ierrors = 0, before_filter = 0;
    bool af_packet = false;
    for (auto& ps : rt.ports) {
        NamedValues pv;
        rte_eth_stats es{};
        if (rte_eth_stats_get(ps.port_id, &es) == 0) {
            imissed += es.imissed;
            ierrors += es.ierrors;
        }
        add(pv, "imissed", es.imissed);
        add(pv, "ierrors", es.ierrors);
        for (const auto& r : s.ring_drops)
            if (r.port_id == ps.port_id) add(pv, "rx_ring_dropped", r.dropped);
        if (ps.driver == "net_af_packet") {
            add(pv, "rx_before_filter", ps.rx_before_filter);
            before_filter += ps.rx_before_filter;
            af_packet = true;
        }
        s.per_port.push_back(std::move(pv));
    }
    if (af_packet) add(s.total, "rx_before_filter", before_filter);
    add(s.total, "imissed", imissed);
    add(s.total, "ierrors", ierrors);
    if (!s.ring_drops.empty()) {
        std::uint64_t ring = 0;
        for (const auto& r : s.ring_drops) ring += r.dropped;
        add(s.total, "rx_ring_dropped", ring);
    }
    add(s.total, "queues", rt.nq);
    add(s.total, "ports", rt.ports.size());
    std::lock_guard<std::mutex> lock(rt.exports_mu); // a reload may be changing the list
    for (auto& ex : rt.exports) {
        NamedValues v;
        add(v, "shelf", ex.exp->shelf);
        add(v, "slot", ex.exp->slot);
        add(v, "sectors", ex.exp->sectors);
        add(v, "writable", ex.exp->writable);
        // This export's own counts: its table index may have served a retired export before.
        for (auto& [k, x] : export_counter_values(rt, ex.index)) {
            std::uint64_t base = 0;
            for (auto& [bk, bx] : ex.counter_base)
                if (bk == k) base = bx;
            add(v, k, x - base);
        }
        s.per_export.push_back(std::move(v));
        s.export_names.push_back("e" + std::to_string(ex.exp->shelf) + "." +
                                 std::to_string(ex.exp->slot));
        std::string serial(ex.exp->serial, sizeof ex.exp->serial);
        while (!serial.empty() && (serial.back() == ' ' || serial.back() == '\0'))
            serial.pop_back();
        s.export_serials.push_back(std::move(serial));
    }
    return s;
}

void register_telemetry(Runtime& rt) {
    g_rt = &rt;
    start_ring_drop_counting(rt.ports);
    rte_telemetry_register_cmd("/aoe/stats", tel_stats, "aoe-target totals and per-queue counters");
    rte_telemetry_register_cmd("/aoe/exports", tel_exports, "aoe-target per-export counters");
    rte_telemetry_register_cmd("/aoe/clients", tel_clients,
                               "aoe-target per-client (source MAC) counters");
}

static std::uint64_t get(const NamedValues& v, const char* k) {
    for (auto& [name, val] : v)
        if (name == k) return val;
    return 0;
}

std::string summary_line(const Runtime& rt) {
    StatsSnapshot s = collect_stats(rt);
    std::uint64_t reads = 0, rbytes = 0, writes = 0;
    for (auto& e : s.per_export) {
        reads += get(e, "reads");
        rbytes += get(e, "read_bytes");
        writes += get(e, "writes");
    }
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "frames in %llu, replies %llu, dropped %llu, silent %llu, reads %llu (%llu MiB), writes "
        "%llu, "
        "zero-copy %llu, copy %llu, tx dropped %llu, imissed %llu, idle sleeps %llu",
        (unsigned long long)get(s.total, "frames_in"), (unsigned long long)get(s.total, "replies"),
        (unsigned long long)get(s.total, "dropped"), (unsigned long long)get(s.total, "silent"),
        (unsigned long long)reads, (unsigned long long)(rbytes >> 20), (unsigned long long)writes,
        (unsigned long long)get(s.total, "tx_zero_copy"),
        (unsigned long long)get(s.total, "tx_copy"),
        (unsigned long long)get(s.total, "drop_tx_full"),
        (unsigned long long)get(s.total, "imissed"),
        (unsigned long long)get(s.total, "idle_sleeps"));
    std::string line = buf;
    if (!s.ring_drops.empty()) // af_packet ports only: frames their kernel ring dropped
        line += ", ring dropped " + std::to_string(get(s.total, "rx_ring_dropped"));
    return line;
}

void print_stats(const Runtime& rt, FILE* out) {
    StatsSnapshot s = collect_stats(rt);
    for (auto& [k, v] : s.total)
        if (v) std::fprintf(out, "aoe-target: stat %s=%llu\n", k.c_str(), (unsigned long long)v);
    for (std::size_t q = 0; q < s.per_queue.size(); ++q)
        std::fprintf(out,
                     "aoe-target: stat queue%zu frames_in=%llu replies=%llu tx_zero_copy=%llu "
                     "tx_copy=%llu\n",
                     q, (unsigned long long)get(s.per_queue[q], "frames_in"),
                     (unsigned long long)get(s.per_queue[q], "replies"),
                     (unsigned long long)get(s.per_queue[q], "tx_zero_copy"),
                     (unsigned long long)get(s.per_queue[q], "tx_copy"));
    for (std::size_t i = 0; i < s.per_export.size(); ++i) {
        std::fprintf(out, "aoe-target: stat export %s", s.export_names[i].c_str());
        for (auto& [k, v] : s.per_export[i])
            std::fprintf(out, " %s=%llu", k.c_str(), (unsigned long long)v);
        std::fprintf(out, "\n");
    }
}

} // namespace aoehal
