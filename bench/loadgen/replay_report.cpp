// aoe-bench --replay's result: a readable summary, one JSON object (scripts/bench), and the
// per-client completion times (--clients-out) for the storm plots.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "aoeboot_version.hpp"
#include "bench/loadgen/replay_report.hpp"
#include "hal/address.hpp"

namespace aoebench {

namespace {
nlohmann::json spread_json(const Spread& s) {
    return {{"median", s.median}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}, {"min", s.min}};
}
} // namespace

void print_replay_text(FILE* out, const ReplayInfo& info, const ReplayConfig& c,
                       const ReplayResult& r) {
    const ReplayPlan& p = *c.plan;
    const Spread s = spread(r.completion_s);
    std::fprintf(out,
                 "target   e%u.%u at %s: %llu sectors, buffer count %u, sector count %u, "
                 "port %s mtu %u\n",
                 c.target.shelf, c.target.slot, info.target_mac.c_str(),
                 static_cast<unsigned long long>(c.capacity), c.target.buffer_count,
                 c.target.sectors_per_request, info.port_label.c_str(), info.mtu);
    std::fprintf(out,
                 "trace    %s: client %s, %llu of %llu reads%s, %llu requests -> %zu frames of "
                 "%u sectors, %.1f MB per client\n",
                 info.trace_path.c_str(), aoehal::format_mac(p.client).c_str(),
                 static_cast<unsigned long long>(p.trace_reads),
                 static_cast<unsigned long long>(p.trace_reads_total), p.prefix ? " (prefix)" : "",
                 static_cast<unsigned long long>(p.requests), p.frames.size(),
                 info.sectors_per_frame, static_cast<double>(p.bytes) / 1e6);
    std::fprintf(out, "storm    %zu clients, window %u each, ramp %.1f s\n", c.clients.size(),
                 c.window, c.ramp_s);
    std::fprintf(out, "time     total %.2f s, %.1f MB moved, %.1f MB/s\n", r.total_s,
                 static_cast<double>(r.bytes) / 1e6,
                 r.total_s > 0 ? static_cast<double>(r.bytes) / r.total_s / 1e6 : 0.0);
    std::fprintf(out,
                 "clients  finished %u, failed %u, unfinished %zu; completion median %.3f s, p90 "
                 "%.3f s, p99 %.3f "
                 "s, max %.3f s; slowest/median %.2f\n",
                 r.finished, r.failed, c.clients.size() - r.finished - r.failed, s.median, s.p90,
                 s.p99, s.max, s.median > 0 ? s.max / s.median : 0.0);
    std::fprintf(
        out,
        "counts   %llu frames, %llu retransmits, %llu errors (ata %llu, aoe %llu, runt "
        "%llu, mismatch %llu, given up %llu), %llu stray, %llu tx busy\n",
        static_cast<unsigned long long>(r.frames_done),
        static_cast<unsigned long long>(r.retransmits), static_cast<unsigned long long>(r.errors),
        static_cast<unsigned long long>(r.ata_errors),
        static_cast<unsigned long long>(r.aoe_errors), static_cast<unsigned long long>(r.runts),
        static_cast<unsigned long long>(r.mismatches), static_cast<unsigned long long>(r.lost),
        static_cast<unsigned long long>(r.stray), static_cast<unsigned long long>(r.tx_busy));
    std::fprintf(out, "verified %.1f MB against %s\n", static_cast<double>(r.verified_bytes) / 1e6,
                 c.image ? info.verify_path.c_str() : "nothing (no --verify)");
}

static nlohmann::json replay_json(const ReplayInfo& info, const ReplayConfig& c,
                                  const ReplayResult& r) {
    const ReplayPlan& p = *c.plan;
    nlohmann::json j;
    j["tool"] = std::string("aoe-bench ") + AOEBOOT_VERSION;
    j["mode"] = "replay";
    j["port"] = info.port_label;
    j["driver"] = info.driver;
    j["mtu"] = info.mtu;
    j["target"] = {{"shelf", c.target.shelf},
                   {"slot", c.target.slot},
                   {"mac", info.target_mac},
                   {"buffer_count", c.target.buffer_count},
                   {"sector_count", c.target.sectors_per_request},
                   {"sectors", c.capacity}};
    j["trace"] = {{"path", info.trace_path},    {"client", aoehal::format_mac(p.client)},
                  {"reads", p.trace_reads},     {"reads_total", p.trace_reads_total},
                  {"prefix", p.prefix},         {"requests", p.requests},
                  {"frames", p.frames.size()},  {"sectors_per_frame", info.sectors_per_frame},
                  {"bytes_per_client", p.bytes}};
    j["clients"] = c.clients.size();
    j["window"] = c.window;
    j["ramp_s"] = c.ramp_s;
    j["total_s"] = r.total_s;
    j["bytes"] = r.bytes;
    j["finished"] = r.finished;
    j["failed"] = r.failed;
    j["unfinished"] = c.clients.size() - r.finished - r.failed; // stopped (SIGTERM) before the end
    const Spread s = spread(r.completion_s);
    j["completion_s"] = spread_json(s);
    j["slowest_over_median"] = s.median > 0 ? s.max / s.median : 0.0;
    j["frames"] = r.frames_done;
    j["frames_tx"] = r.frames_tx;
    j["frames_rx"] = r.frames_rx;
    j["retransmits"] = r.retransmits;
    j["errors"] = r.errors;
    j["ata_errors"] = r.ata_errors;
    j["aoe_errors"] = r.aoe_errors;
    j["runts"] = r.runts;
    j["mismatches"] = r.mismatches;
    j["given_up"] = r.lost;
    j["stray"] = r.stray;
    j["tx_busy"] = r.tx_busy;
    j["verified_bytes"] = r.verified_bytes;
    j["min_window"] = r.min_window_seen;
    if (!r.first_error.empty()) j["first_error"] = r.first_error;
    return j;
}

void print_replay_json(FILE* out, const ReplayInfo& info, const ReplayConfig& c,
                       const ReplayResult& r) {
    std::fprintf(out, "%s\n", replay_json(info, c, r).dump(1).c_str());
}

bool write_clients_json(const std::string& path, const ReplayConfig& c, const ReplayResult& r,
                        std::string& error) {
    nlohmann::json j;
    j["clients"] = c.clients.size();
    j["completion_s"] = r.completion_s; // own start to last reply, finished clients
    j["finish_at_s"] = r.finish_at_s;   // storm start to last reply, by client index
    j["retransmits"] = r.client_retransmits;
    std::ofstream f(path);
    f << j.dump() << "\n";
    if (!f) {
        error = "--clients-out " + path + ": cannot write";
        return false;
    }
    return true;
}

} // namespace aoebench
