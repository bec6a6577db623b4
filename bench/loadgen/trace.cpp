#include "bench/loadgen/trace.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "hal/address.hpp"

namespace aoebench {

namespace {

bool parse_u64(const std::string& s, int base, std::uint64_t& out) {
    if (s.empty() || s[0] == '-' || s[0] == '+') return false;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(s.c_str(), &end, base);
    if (errno || *end) return false;
    out = v;
    return true;
}

std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> f;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
        if (j > i) f.push_back(line.substr(i, j - i));
        i = j;
    }
    return f;
}

bool is_read(std::uint8_t cmd) {
    return cmd == aoe::ata::kCmdReadSectors || cmd == aoe::ata::kCmdReadSectorsExt;
}

} // namespace

bool parse_trace_line(const std::string& line, TraceCommand& out, std::string& why) {
    auto f = fields(line);
    if (f.size() != 5) {
        why = "expected 5 fields (offset_us client_mac cmd lba sectors), found " +
              std::to_string(f.size());
        return false;
    }
    std::uint64_t v = 0;
    if (!parse_u64(f[0], 10, out.offset_us)) {
        why = "offset '" + f[0] + "' is not a whole number of microseconds";
        return false;
    }
    auto mac = aoehal::parse_mac(f[1]);
    if (!mac) {
        why = "'" + f[1] + "' is not a MAC address";
        return false;
    }
    out.mac = *mac;
    if (!parse_u64(f[2], 16, v) || v > 0xff) {
        why = "command '" + f[2] + "' is not an ATA command byte in hex";
        return false;
    }
    out.cmd = static_cast<std::uint8_t>(v);
    if (!parse_u64(f[3], 10, out.lba) || out.lba > 0xFFFFFFFFFFFFull) {
        why = "LBA '" + f[3] + "' is not a 48-bit number";
        return false;
    }
    if (!parse_u64(f[4], 10, v) || v > 255) {
        why = "sector count '" + f[4] + "' is not 0..255";
        return false;
    }
    out.sectors = static_cast<unsigned>(v);
    return true;
}

bool read_trace(const std::string& path, Trace& out, std::string& error) {
    out = Trace{};
    out.path = path;
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) {
        error = path + ": cannot open (" + std::strerror(errno ? errno : ENOENT) + ")";
        return false;
    }
    std::string line;
    char buf[4096];
    std::uint32_t n = 0;
    bool ok = true;
    bool first = true;
    while (gzgets(f, buf, sizeof buf)) {
        line.assign(buf);
        if (!line.empty() && line.back() != '\n' && !gzeof(f)) {
            error = path + ":" + std::to_string(n + 1) + ": line longer than 4095 bytes";
            ok = false;
            break;
        }
        ++n;
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        if (first) {
            first = false;
            if (line.rfind("# aoeboot-trace ", 0) != 0) {
                error = path + ":1: not an aoeboot trace (the first line must be '# aoeboot-trace "
                               "VERSION')";
                ok = false;
                break;
            }
            std::uint64_t v = 0;
            if (!parse_u64(line.substr(16), 10, v) || v != 1) {
                error = path + ":1: trace format version '" + line.substr(16) +
                        "' is not one this aoe-bench reads (1)";
                ok = false;
                break;
            }
            out.version = 1;
            continue;
        }
        if (line.empty()) continue;
        if (line[0] == '#') {
            out.header.push_back(line.size() > 2 && line[1] == ' ' ? line.substr(2)
                                                                   : line.substr(1));
            continue;
        }
        TraceCommand c;
        std::string why;
        if (!parse_trace_line(line, c, why)) {
            error = path + ":" + std::to_string(n) + ": " + why;
            ok = false;
            break;
        }
        c.line = n;
        out.commands.push_back(c);
    }
    int errnum = 0;
    const char* zmsg = gzerror(f, &errnum);
    if (ok && errnum != Z_OK && errnum != Z_STREAM_END) {
        error = path + ": cannot read (" + (zmsg ? zmsg : "zlib error") + ")";
        ok = false;
    }
    gzclose(f);
    if (ok && first) {
        error = path + ": empty file (not an aoeboot trace)";
        ok = false;
    }
    return ok;
}

bool build_plan(const Trace& t, const PlanOptions& o, ReplayPlan& out, std::string& error) {
    out = ReplayPlan{};
    aoe::Mac who{};
    if (o.client) {
        who = *o.client;
    } else {
        std::map<std::uint64_t, std::uint64_t> reads; // MAC key -> reads (ties: lowest MAC)
        for (const auto& c : t.commands)
            if (is_read(c.cmd)) ++reads[aoe::load_mac_key(c.mac.b)];
        std::uint64_t best = 0, best_key = 0;
        for (auto [k, n] : reads)
            if (n > best) best = n, best_key = k;
        if (best == 0) {
            error = t.path + ": the trace has no read command";
            return false;
        }
        for (const auto& c : t.commands)
            if (aoe::load_mac_key(c.mac.b) == best_key) {
                who = c.mac;
                break;
            }
    }
    out.client = who;
    const unsigned spf = std::clamp(o.sectors_per_frame, 1u, 255u);
    const unsigned maxreq = std::max(o.max_request, spf);
    // Contiguous runs of reads -> requests -> frames.
    std::uint64_t run_lba = 0, run_len = 0;
    std::uint32_t run_line = 0;
    std::vector<unsigned> run_reads; // sector counts of the reads merged into the run
    bool stop = false;
    auto emit_run = [&]() {
        std::uint64_t lba = run_lba, left = run_len;
        if (left == 0) return;
        ++out.requests;
        // The reads of this run that get at least their first sector sent (a prefix may cut it).
        auto count_reads = [&](std::uint64_t sent) {
            std::uint64_t at = 0;
            for (unsigned n : run_reads) {
                if (at >= sent) break;
                ++out.trace_reads;
                at += n;
            }
        };
        while (left && !stop) {
            unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(left, spf));
            out.frames.push_back({lba, static_cast<std::uint8_t>(n)});
            out.bytes += std::uint64_t{n} * aoe::ata::kSectorSize;
            if (lba + n > out.max_lba_end) {
                out.max_lba_end = lba + n;
                out.max_lba_line = run_line;
            }
            lba += n;
            left -= n;
            if (o.prefix_bytes && out.bytes >= o.prefix_bytes) {
                stop = true;
                out.prefix = true;
            }
        }
        count_reads(run_len - left);
        run_len = 0;
        run_reads.clear();
    };
    for (const auto& c : t.commands) {
        if (!(c.mac == who)) continue;
        if (!is_read(c.cmd)) {
            ++out.skipped;
            continue;
        }
        ++out.trace_reads_total;
        if (stop) continue;
        // r11: a sector count of 0 on a read means nothing to transfer; skip it like Linux
        // would never send it.
        if (c.sectors == 0) {
            ++out.trace_reads;
            continue;
        }
        if (run_len && c.lba == run_lba + run_len && run_len + c.sectors <= maxreq) {
            run_len += c.sectors;
        } else {
            emit_run();
            if (stop) continue;
            run_lba = c.lba;
            run_len = c.sectors;
        }
        run_reads.push_back(c.sectors);
        run_line = c.line;
    }
    if (!stop) emit_run();
    if (out.frames.empty()) {
        error = t.path + ": no read of client " + aoehal::format_mac(who) + " in the trace";
        return false;
    }
    return true;
}

unsigned linux_sectors_per_frame(std::uint32_t mtu, unsigned target_scnt) {
    // Ethernet (14) + AoE (10) + ATA (12) headers, as the driver counts them against the MTU.
    unsigned n = mtu > 36 ? (mtu - 36) / aoe::ata::kSectorSize : 0;
    if (target_scnt && n > target_scnt) n = target_scnt;
    return n ? n : 2;
}

Spread spread(std::vector<double> v) {
    Spread s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto q = [&](double p) {
        std::size_t k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
        return v[k ? k - 1 : 0];
    };
    s.min = v.front();
    s.median = q(0.5);
    s.p90 = q(0.9);
    s.p99 = q(0.99);
    s.max = v.back();
    return s;
}

} // namespace aoebench
