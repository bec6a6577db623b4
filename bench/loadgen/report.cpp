#include "bench/loadgen/report.hpp"

#include <nlohmann/json.hpp>

#include "aoeboot_version.hpp"
#include "hal/address.hpp"

namespace aoebench {
namespace {

double per_s(std::uint64_t v, double s) {
    return s > 0 ? static_cast<double>(v) / s : 0.0;
}
double us(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e3;
}

} // namespace

void print_text(FILE* out, const RunInfo& info, const LoadConfig& c, const LoadResult& r) {
    std::fprintf(out, "target   e%u.%u at %s: %s, %llu sectors, buffer count %u, sector count %u\n",
                 c.target.shelf, c.target.slot, info.target_mac.c_str(), info.model.c_str(),
                 static_cast<unsigned long long>(c.capacity), c.target.buffer_count,
                 c.target.sectors_per_request);
    std::fprintf(
        out, "load     %s %s, %u sectors per request, depth %u, %zu client%s, port %s mtu %u\n",
        c.random ? "random" : "sequential", c.write ? "writes" : "reads", c.sectors, c.depth,
        c.clients.size(), c.clients.size() > 1 ? "s" : "", info.port_label.c_str(), info.mtu);
    std::fprintf(out, "time     %.2f s\n", r.seconds);
    std::fprintf(
        out, "rate     %.0f cmds/s, %.0f frames/s (replies), %.0f frames/s (requests), %.1f MB/s\n",
        per_s(r.commands, r.seconds), per_s(r.frames_rx, r.seconds), per_s(r.frames_tx, r.seconds),
        per_s(r.bytes, r.seconds) / 1e6);
    std::fprintf(out,
                 "latency  p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us, mean %.1f us\n",
                 us(r.latency.quantile(0.5)), us(r.latency.quantile(0.99)),
                 us(r.latency.quantile(0.999)), us(r.latency.max()), r.latency.mean() / 1e3);
    std::fprintf(out,
                 "counts   %llu commands (%llu with drain), %llu retransmits, %llu errors, %llu "
                 "stray, rto %.1f ms\n",
                 static_cast<unsigned long long>(r.commands),
                 static_cast<unsigned long long>(r.commands_total),
                 static_cast<unsigned long long>(r.retransmits),
                 static_cast<unsigned long long>(r.errors),
                 static_cast<unsigned long long>(r.stray), r.final_rto_ms);
    if (c.image && !c.write)
        std::fprintf(out, "verify   %llu bytes identical, %llu mismatches\n",
                     static_cast<unsigned long long>(r.verified_bytes),
                     static_cast<unsigned long long>(r.mismatches));
    if (r.errors)
        std::fprintf(
            out, "errors   ata %llu, aoe %llu, runt %llu, mismatch %llu, lost %llu; first: %s\n",
            static_cast<unsigned long long>(r.ata_errors),
            static_cast<unsigned long long>(r.aoe_errors), static_cast<unsigned long long>(r.runts),
            static_cast<unsigned long long>(r.mismatches), static_cast<unsigned long long>(r.lost),
            r.first_error.c_str());
}

void print_json(FILE* out, const RunInfo& info, const LoadConfig& c, const LoadResult& r) {
    nlohmann::json j;
    j["version"] = AOEBOOT_VERSION;
    j["target"] = {{"shelf", c.target.shelf},
                   {"slot", c.target.slot},
                   {"mac", info.target_mac},
                   {"model", info.model},
                   {"serial", info.serial},
                   {"sectors", c.capacity},
                   {"buffer_count", c.target.buffer_count},
                   {"sector_count", c.target.sectors_per_request}};
    j["config"] = {{"port", info.port_label},
                   {"driver", info.driver},
                   {"mtu", info.mtu},
                   {"depth", c.depth},
                   {"depth_requested", info.depth_requested},
                   {"sectors", c.sectors},
                   {"pattern", c.random ? "random" : "sequential"},
                   {"op", c.write ? "write" : "read"},
                   {"clients", c.clients.size()},
                   {"verify", c.image != nullptr}};
    j["seconds"] = r.seconds;
    j["commands"] = r.commands;
    j["commands_total"] = r.commands_total;
    j["cmds_per_s"] = per_s(r.commands, r.seconds);
    j["reply_frames_per_s"] = per_s(r.frames_rx, r.seconds);
    j["request_frames_per_s"] = per_s(r.frames_tx, r.seconds);
    j["frames_per_s"] = per_s(r.frames_rx + r.frames_tx, r.seconds);
    j["mb_per_s"] = per_s(r.bytes, r.seconds) / 1e6;
    j["bytes"] = r.bytes;
    j["latency_us"] = {{"p50", us(r.latency.quantile(0.5))},
                       {"p99", us(r.latency.quantile(0.99))},
                       {"p999", us(r.latency.quantile(0.999))},
                       {"max", us(r.latency.max())},
                       {"min", us(r.latency.min())},
                       {"mean", r.latency.mean() / 1e3}};
    j["retransmits"] = r.retransmits;
    j["errors"] = r.errors;
    j["error_detail"] = {{"ata", r.ata_errors}, {"aoe", r.aoe_errors},
                         {"runt", r.runts},     {"mismatch", r.mismatches},
                         {"lost", r.lost},      {"first", r.first_error}};
    j["verified_bytes"] = r.verified_bytes;
    j["stray"] = r.stray;
    j["unanswered_at_end"] = r.unanswered_at_end;
    j["tx_busy"] = r.tx_busy;
    j["rto_ms"] = r.final_rto_ms;
    std::fprintf(out, "%s\n", j.dump(1).c_str());
}

} // namespace aoebench
