// Boot traces and the replay scheduler's arithmetic (bench/loadgen/trace.*, linux_window.hpp):
// the reader (plain and gzip, every malformed field named with file and line), the replay plan
// (one client's reads merged into requests and cut into frames for the MTU, prefixes), the
// Linux window and rto step by step, the ramp, and the completion-time quantiles.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "bench/loadgen/linux_window.hpp"
#include "bench/loadgen/trace.hpp"

using namespace aoebench;

namespace {

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text, bool gz = false) {
        char tmpl[] = "/tmp/aoe-trace-test.XXXXXX";
        int fd = mkstemp(tmpl);
        REQUIRE(fd >= 0);
        close(fd);
        path = std::string(tmpl) + (gz ? ".gz" : "");
        std::rename(tmpl, path.c_str());
        if (gz) {
            gzFile f = gzopen(path.c_str(), "wb");
            REQUIRE(f);
            gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
            gzclose(f);
        } else {
            std::ofstream(path) << text;
        }
    }
    ~TempFile() { std::remove(path.c_str()); }
};

const char* kHeader = "# aoeboot-trace 1\n"
                      "# recorded-by aoe-target 0.1.0 --trace at 2026-12-04T00:00:00Z\n"
                      "# columns: offset_us client_mac cmd lba sectors\n";

bool mentions(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

std::string read_error(const std::string& body) {
    TempFile f(std::string(kHeader) + body);
    Trace t;
    std::string err;
    CHECK_FALSE(read_trace(f.path, t, err));
    return err.substr(err.find(':') + 0); // keep ":LINE: why"
}

} // namespace

TEST_CASE("reader: plain and gzip give the same commands, header kept") {
    const std::string body = "0 52:54:00:ae:28:01 ec 0 1\n"
                             "15 52:54:00:ae:28:01 24 0 2\n"
                             "15 52:54:00:ae:28:01 24 2 2\n"
                             "900 02:ae:b0:00:00:01 20 100 1\n";
    for (bool gz : {false, true}) {
        TempFile f(std::string(kHeader) + body, gz);
        Trace t;
        std::string err;
        REQUIRE_MESSAGE(read_trace(f.path, t, err), err);
        CHECK(t.version == 1);
        REQUIRE(t.header.size() == 2);
        CHECK(t.header[0].rfind("recorded-by aoe-target", 0) == 0);
        REQUIRE(t.commands.size() == 4);
        CHECK(t.commands[0].cmd == 0xec);
        CHECK(t.commands[1].offset_us == 15);
        CHECK(t.commands[2].lba == 2);
        CHECK(t.commands[2].sectors == 2);
        CHECK(t.commands[2].line == 6);
        CHECK(t.commands[3].mac.b[5] == 0x01);
        CHECK(t.commands[3].cmd == 0x20);
    }
}

TEST_CASE("reader: errors name the file, the line and the field") {
    CHECK(mentions(read_error("0 52:54:00:ae:28:01 24 0\n"), ":4: expected 5 fields"));
    CHECK(mentions(read_error("x 52:54:00:ae:28:01 24 0 2\n"), ":4: offset 'x'"));
    CHECK(mentions(read_error("0 52:54:00:ae:28 24 0 2\n"), "is not a MAC address"));
    CHECK(mentions(read_error("0 52:54:00:ae:28:01 zz 0 2\n"), "command 'zz'"));
    CHECK(mentions(read_error("0 52:54:00:ae:28:01 124 0 2\n"), "command '124'"));
    CHECK(mentions(read_error("0 52:54:00:ae:28:01 24 281474976710656 2\n"), "48-bit"));
    CHECK(mentions(read_error("0 52:54:00:ae:28:01 24 0 256\n"), "0..255"));
    CHECK(mentions(read_error("0 52:54:00:ae:28:01 24 -1 2\n"), "LBA '-1'"));

    TempFile bad("hello\n");
    Trace t;
    std::string err;
    CHECK_FALSE(read_trace(bad.path, t, err));
    CHECK(mentions(err, bad.path + ":1: not an aoeboot trace"));
    TempFile v2("# aoeboot-trace 2\n");
    CHECK_FALSE(read_trace(v2.path, t, err));
    CHECK(mentions(err, "version '2'"));
    TempFile empty("");
    CHECK_FALSE(read_trace(empty.path, t, err));
    CHECK(mentions(err, "empty file"));
    CHECK_FALSE(read_trace("/nonexistent/trace.gz", t, err));
    CHECK(mentions(err, "/nonexistent/trace.gz: cannot open"));
}

TEST_CASE("plan: contiguous reads merge into requests and are cut for the MTU") {
    Trace t;
    t.path = "t";
    const aoe::Mac mac{{0x52, 0x54, 0, 0xae, 0x28, 1}};
    auto add = [&](std::uint8_t cmd, std::uint64_t lba, unsigned n, aoe::Mac m) {
        TraceCommand c;
        c.mac = m;
        c.cmd = cmd;
        c.lba = lba;
        c.sectors = n;
        c.line = static_cast<std::uint32_t>(t.commands.size() + 5);
        t.commands.push_back(c);
    };
    aoe::Mac other{{2, 0xae, 0xb0, 0, 0, 9}};
    add(0xec, 0, 1, mac);                                            // IDENTIFY: skipped
    for (unsigned i = 0; i < 8; ++i) add(0x24, 100 + 2 * i, 2, mac); // 16 sectors at 100
    add(0x24, 500, 2, other);                                        // another client: ignored
    add(0x24, 40, 2, mac);                                           // a new request
    add(0x24, 42, 1, mac);                                           // odd tail, merged

    PlanOptions o;
    o.sectors_per_frame = 17; // MTU 9000
    ReplayPlan p;
    std::string err;
    REQUIRE_MESSAGE(build_plan(t, o, p, err), err);
    CHECK(p.client == mac); // the client with the most reads
    CHECK(p.skipped == 1);
    CHECK(p.trace_reads == 10);
    CHECK(p.trace_reads_total == 10);
    CHECK(p.requests == 2);
    REQUIRE(p.frames.size() == 2);
    CHECK(p.frames[0].lba == 100);
    CHECK(p.frames[0].sectors == 16);
    CHECK(p.frames[1].lba == 40);
    CHECK(p.frames[1].sectors == 3);
    CHECK(p.bytes == 19 * 512);
    CHECK(p.max_lba_end == 116);

    o.sectors_per_frame = 2; // MTU 1500: 16 -> 8 frames, 3 -> 2 + 1
    REQUIRE(build_plan(t, o, p, err));
    REQUIRE(p.frames.size() == 10);
    CHECK(p.frames[7].lba == 114);
    CHECK(p.frames[8].sectors == 2);
    CHECK(p.frames[9].lba == 42);
    CHECK(p.frames[9].sectors == 1);

    o.max_request = 4; // requests at most 4 sectors: 16 -> 4 requests
    REQUIRE(build_plan(t, o, p, err));
    CHECK(p.requests == 5);

    o = PlanOptions{};
    o.sectors_per_frame = 2;
    o.prefix_bytes = 5 * 512; // cut inside the first request: 3 frames, 3 of its reads
    REQUIRE(build_plan(t, o, p, err));
    CHECK(p.prefix);
    CHECK(p.frames.size() == 3);
    CHECK(p.bytes == 6 * 512);
    CHECK(p.trace_reads == 3);
    CHECK(p.trace_reads_total == 10);

    o = PlanOptions{};
    o.client = other;
    REQUIRE(build_plan(t, o, p, err));
    REQUIRE(p.frames.size() == 1);
    CHECK(p.frames[0].lba == 500);

    o.client = aoe::Mac{{2, 0, 0, 0, 0, 1}};
    CHECK_FALSE(build_plan(t, o, p, err));
    CHECK(mentions(err, "no read of client 02:00:00:00:00:01"));
    Trace none;
    none.path = "empty.trace";
    CHECK_FALSE(build_plan(none, PlanOptions{}, p, err));
    CHECK(mentions(err, "empty.trace: the trace has no read command"));
}

TEST_CASE("sectors per frame as the Linux driver computes them") {
    CHECK(linux_sectors_per_frame(1500, 2) == 2);
    CHECK(linux_sectors_per_frame(9000, 17) == 17);
    CHECK(linux_sectors_per_frame(9000, 2) == 2);  // the target's advertised count caps it
    CHECK(linux_sectors_per_frame(9000, 0) == 17); // none advertised: the MTU decides
    CHECK(linux_sectors_per_frame(500, 2) == 2);   // below one sector: DEFAULTBCNT (1 KiB)
}

TEST_CASE("Linux window: slow start, congestion avoidance, collapse on timeout") {
    LinuxWindow w;
    w.reset(64);
    CHECK(w.maxout == 1);
    CHECK(w.ssthresh == 32);
    for (int i = 0; i < 31; ++i) w.on_reply(1); // one per reply below the threshold
    CHECK(w.maxout == 32);
    w.on_reply(10); // window not full: no growth above the threshold
    CHECK(w.maxout == 32);
    // Full window: grows by one after next_cwnd (64, its initial value) + 1 full-window replies.
    for (int i = 0; i < 64; ++i) w.on_reply(32);
    CHECK(w.maxout == 32);
    w.on_reply(32);
    CHECK(w.maxout == 33);
    w.on_timeout();
    CHECK(w.maxout == 1);
    CHECK(w.ssthresh == 16);
    w.on_timeout(); // already 1: the threshold stays
    CHECK(w.ssthresh == 16);
    for (int i = 0; i < 100; ++i) w.on_reply(1);
    CHECK(w.maxout == 16); // slow start ends at the threshold; full windows only grow it

    LinuxWindow small;
    small.reset(200); // aoe_maxout caps the frames at 64
    CHECK(small.frames == 64);
    small.reset(1);
    CHECK(small.ssthresh == 1);
    small.on_reply(1);
    CHECK(small.maxout == 1); // never above the target's frames
}

TEST_CASE("Linux rto: 2 * avg + 8 * dev, slow average, fast deviation") {
    LinuxWindow w;
    w.reset(64);
    CHECK(w.rto() == doctest::Approx(2 * 0.25 + 8 * 2.0)); // the driver's first rto: 16.5 s
    for (int i = 0; i < 60; ++i) w.rtt_sample(0.0001);
    // The deviation follows the error of the average within tens of replies (from 2 s to
    // ~0.2 s); the average falls only slowly, so the rto stays above a second for a while.
    CHECK(w.dev < 0.3);
    CHECK(w.dev > 0.15);
    CHECK(w.avg > 0.15);
    CHECK(w.rto() > 1.0);
    for (int i = 0; i < 1940; ++i) w.rtt_sample(0.0001); // 2000 replies of 100 us in all
    CHECK(w.avg < 0.001);
    CHECK(w.dev < 0.0005); // follows the (slowly shrinking) error of the average
    CHECK(w.rto() < 0.002);
    LinuxWindow one;
    one.reset(64);
    one.rtt_sample(0.25 + 256 * 0.001); // one sample moves the average by 1/256 of the error
    CHECK(one.avg == doctest::Approx(0.251));
}

TEST_CASE("ramp: clients spread evenly, all at once without one") {
    CHECK(start_offset(0, 10, 5) == 0);
    CHECK(start_offset(5, 10, 5) == doctest::Approx(2.5));
    CHECK(start_offset(9, 10, 5) == doctest::Approx(4.5));
    CHECK(start_offset(7, 10, 0) == 0);
    CHECK(start_offset(0, 1, 5) == 0);
}

TEST_CASE("completion spread: nearest-rank quantiles") {
    std::vector<double> v;
    for (int i = 100; i >= 1; --i) v.push_back(i);
    Spread s = spread(v);
    CHECK(s.min == 1);
    CHECK(s.median == 50);
    CHECK(s.p90 == 90);
    CHECK(s.p99 == 99);
    CHECK(s.max == 100);
    CHECK(spread({}).max == 0);
    CHECK(spread({3.0}).median == 3.0);
}
