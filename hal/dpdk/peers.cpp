#include "hal/dpdk/peers.hpp"

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include <cstdio>

#include "hal/dpdk/options.hpp"

namespace aoehal {
namespace {

const Runtime* g_rt = nullptr;

const char* verdict_name(aoe::PeerVerdict v) {
    switch (v) {
    case aoe::PeerVerdict::pending:
        return "pending";
    case aoe::PeerVerdict::same:
        return "same";
    case aoe::PeerVerdict::differs:
        return "differs";
    case aoe::PeerVerdict::no_identity:
        return "no_identity";
    }
    return "unknown";
}

std::string trimmed(const char* s, std::size_t n) {
    std::string out(s, n);
    while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    return out;
}

// The lcore loop's clock (datapath.cpp): TSC scaled to nanoseconds.
std::uint64_t engine_now_ns(const Runtime& rt) {
    __extension__ typedef unsigned __int128 u128;
    const std::uint64_t mult = static_cast<std::uint64_t>((u128{1000000000} << 32) / rt.tsc_hz);
    return static_cast<std::uint64_t>((u128{rte_rdtsc()} * mult) >> 32);
}

int tel_peers(const char*, const char*, rte_tel_data* d) {
    if (!g_rt) return -1;
    auto rows = collect_peers(*g_rt);
    rte_tel_data_start_dict(d);
    const char* text_cols[] = {"port", "mac", "export", "verdict", "serial", "ours"};
    for (const char* col : text_cols) {
        rte_tel_data* a = rte_tel_data_alloc();
        rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
        for (auto& r : rows) {
            const std::string& v = col == text_cols[0]   ? r.port
                                   : col == text_cols[1] ? r.mac
                                   : col == text_cols[2] ? r.export_name
                                   : col == text_cols[3] ? r.verdict
                                   : col == text_cols[4] ? r.serial
                                                         : r.ours;
            rte_tel_data_add_array_string(a, v.c_str());
        }
        rte_tel_data_add_dict_container(d, col, a, 0);
    }
    rte_tel_data* seen = rte_tel_data_alloc();
    rte_tel_data_start_array(seen, RTE_TEL_U64_VAL);
    rte_tel_data* age = rte_tel_data_alloc();
    rte_tel_data_start_array(age, RTE_TEL_U64_VAL);
    for (auto& r : rows) {
        rte_tel_data_add_array_u64(seen, r.seen);
        rte_tel_data_add_array_u64(age, static_cast<std::uint64_t>(r.last_seen_s));
    }
    rte_tel_data_add_dict_container(d, "seen", seen, 0);
    rte_tel_data_add_dict_container(d, "last_seen_s", age, 0);
    return 0;
}

} // namespace

std::vector<PeerRow> collect_peers(const Runtime& rt) {
    std::vector<PeerRow> rows;
    if (rt.lcores.empty()) return rows;
    const std::uint64_t now = engine_now_ns(rt);
    const LcoreCtx& owner = *rt.lcores[0]; // queue 0's engines are the owners
    std::lock_guard<std::mutex> lock(rt.exports_mu);
    for (std::size_t p = 0; p < rt.ports.size(); ++p) {
        for (std::uint16_t i = 0; i < aoe::kMaxPeers; ++i) {
            aoe::PeerSnapshot s;
            if (!owner.engine[p]->peer(i, s)) continue;
            PeerRow r;
            r.port = rt.ports[p].label;
            r.mac = format_mac(s.mac);
            r.export_name = "e" + std::to_string(s.shelf) + "." + std::to_string(s.slot);
            r.verdict = verdict_name(s.verdict);
            r.serial = trimmed(s.serial, sizeof s.serial);
            for (auto& ex : rt.exports)
                if (ex.exp->shelf == s.shelf && ex.exp->slot == s.slot)
                    r.ours = trimmed(ex.exp->serial, sizeof ex.exp->serial);
            r.seen = s.seen;
            r.last_seen_s = now > s.last_seen_ns ? double(now - s.last_seen_ns) / 1e9 : 0.0;
            rows.push_back(std::move(r));
        }
    }
    return rows;
}

void log_peer_changes(const Runtime& rt, std::map<std::string, std::string>& logged) {
    for (auto& r : collect_peers(rt)) {
        const std::string key = r.port + " " + r.mac + " " + r.export_name;
        std::string& was = logged[key];
        if (was == r.verdict || r.verdict == "pending") continue;
        was = r.verdict;
        if (r.verdict == "same")
            std::fprintf(stderr,
                         "aoe-target: %s is also served by %s on %s with the same image (serial "
                         "%s): clients may use both\n",
                         r.export_name.c_str(), r.mac.c_str(), r.port.c_str(), r.serial.c_str());
        else if (r.verdict == "differs")
            std::fprintf(stderr,
                         "aoe-target: warning: %s is also served by %s on %s with a DIFFERENT "
                         "image (its serial '%s', ours '%s'): a client that finds both mixes "
                         "blocks of two images; stop one or give it another shelf.slot\n",
                         r.export_name.c_str(), r.mac.c_str(), r.port.c_str(), r.serial.c_str(),
                         r.ours.c_str());
        else
            std::fprintf(stderr,
                         "aoe-target: warning: %s is also served by %s on %s, which did not "
                         "answer IDENTIFY: cannot tell whether it serves the same image\n",
                         r.export_name.c_str(), r.mac.c_str(), r.port.c_str());
    }
}

void register_peer_telemetry(Runtime& rt) {
    g_rt = &rt;
    rte_telemetry_register_cmd("/aoe/peers", tel_peers,
                               "other targets serving our shelf.slots, and whether their image "
                               "is ours");
}

} // namespace aoehal
