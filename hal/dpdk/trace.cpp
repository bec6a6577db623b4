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

namespace {
void push(TraceTap* tap, const TraceRecord& r) {
    if (!tap->ring->push(r))
        tap->lost.store(tap->lost.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}
std::uint64_t lba48(const std::uint8_t* a) { // the ATA arguments' 6 LBA bytes, little-endian
    std::uint64_t lba = 0;
    for (int i = 5; i >= 0; --i) lba = (lba << 8) | a[aoe::ata::kLba + static_cast<unsigned>(i)];
    return lba;
}
} // namespace

void trace_served_slow(TraceTap* tap, std::uint64_t now_ns, const std::uint8_t* f,
                       const aoe::FrameState& st) {
    if (st.command != static_cast<std::uint8_t>(aoe::Command::ata) || st.aoe == 0) return;
    const std::uint8_t* a = f + st.aoe;
    TraceRecord r;
    r.t_ns = now_ns;
    r.aflags = a[aoe::ata::kAFlags];
    std::uint64_t lba = lba48(a);
    if (!(r.aflags & aoe::ata::kAFlagExtended)) lba &= aoe::ata::kLba28Mask;
    r.lba = lba | (std::uint64_t{a[aoe::ata::kCmdStatus]} << 48) |
            (std::uint64_t{a[aoe::ata::kSectorCount]} << 56);
    __builtin_memcpy(r.mac, f + 6, 6);
    r.slot = a[aoe::hdr::kMinor];
    push(tap, r);
}

void trace_read_slow(TraceTap* tap, std::uint64_t now_ns, const std::uint8_t* f,
                     std::uint32_t header_len, std::uint32_t data_len) {
    const std::uint8_t* a = f + header_len - aoe::ata::kArgEnd; // the AoE header
    TraceRecord r;
    r.t_ns = now_ns;
    r.aflags = a[aoe::ata::kAFlags];
    // The reply keeps the LBA and AFlags as sent; its command byte is the status now, so the
    // command is the one Linux sends with that E flag, and the count is the data's length.
    const bool ext = r.aflags & aoe::ata::kAFlagExtended;
    std::uint64_t lba = lba48(a);
    if (!ext) lba &= aoe::ata::kLba28Mask;
    const std::uint64_t cmd = ext ? aoe::ata::kCmdReadSectorsExt : aoe::ata::kCmdReadSectors;
    r.lba = lba | (cmd << 48) | (std::uint64_t{data_len / aoe::ata::kSectorSize} << 56);
    __builtin_memcpy(r.mac, f, 6); // the reply goes to the requester
    r.slot = a[aoe::hdr::kMinor];
    push(tap, r);
}

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
