// The control side of aoe-target --trace (trace.hpp): rings made at start-up, a writer thread
// that drains them every millisecond, the text format of docs/trace-format.md.
#include "hal/dpdk/trace.hpp"

#include <zlib.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace aoehal {

namespace {
gzFile gz(void* p) {
    return static_cast<gzFile>(p);
}
bool ends_with(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}
} // namespace

bool TraceWriter::open(const std::string& path, const std::vector<std::string>& header,
                       std::string& error) {
    path_ = path;
    // "T": transparent (plain text) unless the name asks for gzip.
    gzFile f = gzopen(path.c_str(), ends_with(path, ".gz") ? "wb6" : "wbT");
    if (!f) {
        error = "--trace " + path + ": cannot create the file (" + std::strerror(errno) + ")";
        return false;
    }
    gz_ = f;
    gzprintf(f, "# aoeboot-trace 1\n");
    for (const auto& h : header) gzprintf(f, "# %s\n", h.c_str());
    gzprintf(f, "# columns: offset_us client_mac cmd lba sectors\n");
    return true;
}

void TraceWriter::attach(std::uint16_t lcores) {
    using Ring = aoe::SpscRing<TraceRecord>;
    const std::size_t bytes = Ring::arena_size(kRingRecords).bytes;
    for (std::uint16_t q = 0; q < lcores && q < kMaxLcores; ++q) {
        storage_.emplace_back(new std::uint8_t[bytes]);
        aoe::Arena arena(storage_.back().get(), bytes);
        auto tap = std::make_unique<TraceTap>();
        tap->ring = Ring::create(arena, kRingRecords);
        if (!tap->ring) continue; // cannot happen: the arena is sized for it
        g_trace_taps[q] = tap.get();
        taps_.push_back(std::move(tap));
    }
    std::atomic_thread_fence(std::memory_order_seq_cst); // published before the lcores launch
}

void TraceWriter::start() {
    thread_ = std::thread([this] {
        while (!stop_.load(std::memory_order_acquire))
            if (drain() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
}

void TraceWriter::write_record(const TraceRecord& r) {
    if (!have_t0_) {
        t0_ns_ = r.t_ns;
        have_t0_ = true;
    }
    // Records of different lcores may come a little out of order: clamp at 0 rather than wrap.
    const std::uint64_t off_us = r.t_ns > t0_ns_ ? (r.t_ns - t0_ns_) / 1000 : 0;
    const unsigned cmd = static_cast<unsigned>((r.lba >> 48) & 0xff);
    const unsigned n = static_cast<unsigned>(r.lba >> 56);
    const std::uint64_t lba = r.lba & 0xFFFFFFFFFFFFull;
    gzprintf(gz(gz_), "%" PRIu64 " %02x:%02x:%02x:%02x:%02x:%02x %02x %" PRIu64 " %u\n", off_us,
             r.mac[0], r.mac[1], r.mac[2], r.mac[3], r.mac[4], r.mac[5], cmd, lba, n);
    ++written_;
}

unsigned TraceWriter::drain() {
    unsigned total = 0;
    TraceRecord buf[256];
    for (auto& tap : taps_) {
        unsigned n;
        while ((n = tap->ring->pop_burst(buf, 256)) != 0) {
            for (unsigned i = 0; i < n; ++i) write_record(buf[i]);
            total += n;
        }
    }
    return total;
}

std::uint64_t TraceWriter::lost() const {
    std::uint64_t n = 0;
    for (const auto& tap : taps_) n += tap->lost.load(std::memory_order_relaxed);
    return n;
}

void TraceWriter::finish() {
    if (!gz_) return;
    for (auto& p : g_trace_taps) p = nullptr;
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
    drain();
    gzprintf(gz(gz_), "# end: %" PRIu64 " commands written, %" PRIu64 " lost (ring full)\n",
             written_, lost());
    if (gzclose(gz(gz_)) != Z_OK)
        std::fprintf(stderr, "aoe-target: --trace %s: error while closing the file\n",
                     path_.c_str());
    gz_ = nullptr;
}

TraceWriter::~TraceWriter() {
    finish();
}

} // namespace aoehal
