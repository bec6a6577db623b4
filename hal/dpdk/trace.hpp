// aoe-target --trace FILE: a record of every ATA command served, per client MAC (time, command,
// LBA, sector count), for replaying real boots with aoe-bench --replay (docs/trace-format.md).
//
// The lcore side is one inline call on each of datapath.cpp's two ways to serve a command:
//   - trace_read(), in Loop::handle right after Engine::serve_read (the read fast path)
//     answered, reading the reply it built over the request (LBA and AFlags stay as sent,
//     the MACs are swapped, the count is the reply's data length);
//   - trace_served(), in Loop::handle_general right after Engine::accept returned
//     Verdict::reply, before any reply is built over the request.
// Both take the lcore's tap, which Loop caches from g_trace_taps when it starts (a member,
// `trace_`). With --trace off each is one test of that null pointer (callgrind: 303 instead of
// 298 instructions per fast-path read); the recording itself is out of line and cold
// (trace.cpp). With --trace on it pushes one 24-byte record into its lcore's lock-free SPSC
// ring (target/spsc_ring.hpp; ~95 instructions per read in all); a full ring adds one to that
// lcore's `lost` counter and nothing else. No allocation, no lock, no system call.
//
// The control side (TraceWriter, its own thread, never an lcore) creates the rings before the
// lcores start, drains them every millisecond and writes the text file (gzip when FILE ends in
// .gz), and at exit writes the trailer with the lost count.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hal/dpdk/runtime.hpp"
#include "target/frame_state.hpp"
#include "target/reply.hpp"
#include "target/spsc_ring.hpp"
#include "target/wire.hpp"

namespace aoehal {

// One served command. 24 bytes: a ring slot is copied bytewise.
struct TraceRecord {
    std::uint64_t t_ns = 0; // the lcore's clock (TSC in ns) when the command was accepted
    std::uint64_t lba = 0;  // low 48 bits: LBA; bits 48-55: ATA command; 56-63: sector count
    std::uint8_t mac[6]{};  // the client
    std::uint8_t aflags = 0;
    std::uint8_t slot = 0; // the export's slot (shelf is not kept)
};
static_assert(sizeof(TraceRecord) == 24);

// Per lcore: its ring to the writer and what a full ring lost. Written by one lcore only.
struct alignas(64) TraceTap {
    aoe::SpscRing<TraceRecord>* ring = nullptr;
    std::atomic<std::uint64_t> lost{0};
};

// By queue (= lcore index): set before the lcores start, cleared after they stop. A null entry
// means --trace is off.
inline std::array<TraceTap*, kMaxLcores> g_trace_taps{};

// The slow halves (trace.cpp), out of line and cold so that the lcore loop pays only the
// check below when --trace is off.
[[gnu::noinline, gnu::cold]] void trace_served_slow(TraceTap* tap, std::uint64_t now_ns,
                                                    const std::uint8_t* f,
                                                    const aoe::FrameState& st);
[[gnu::noinline, gnu::cold]] void trace_read_slow(TraceTap* tap, std::uint64_t now_ns,
                                                  const std::uint8_t* f, std::uint32_t header_len,
                                                  std::uint32_t data_len);

// The general path's hook. `f` is the received frame, `st` what Engine::accept filled in; call
// only for Verdict::reply and before any reply is written over `f`.
[[gnu::always_inline]] inline void trace_served(TraceTap* tap, std::uint64_t now_ns,
                                                const std::uint8_t* f, const aoe::FrameState& st) {
    if (__builtin_expect(tap != nullptr, 0)) trace_served_slow(tap, now_ns, f, st);
}

// The read fast path's hook: `f` is the reply Engine::serve_read built over the request, `r`
// its Reply (header_len ends at the ATA arguments; data_len is the sectors read).
[[gnu::always_inline]] inline void trace_read(TraceTap* tap, std::uint64_t now_ns,
                                              const std::uint8_t* f, const aoe::Reply& r) {
    if (__builtin_expect(tap != nullptr, 0))
        trace_read_slow(tap, now_ns, f, r.header_len, r.data_len); // by value: r stays in registers
}

// The control side: owns the taps and rings, runs the writer thread.
class TraceWriter {
  public:
    static constexpr std::uint32_t kRingRecords = 1u << 16; // per lcore: ~18 ms at 3.7 M reads/s

    // Opens FILE (gzip when it ends in .gz) and writes the header; `header` lines are written
    // after the format line, each prefixed with "# ". False with a message naming the file.
    bool open(const std::string& path, const std::vector<std::string>& header, std::string& error);
    // Creates one ring per lcore and publishes the taps (before the lcores start).
    void attach(std::uint16_t lcores);
    void start();
    // After the lcores stopped: unpublish, drain what is left, write the trailer, close.
    void finish();
    ~TraceWriter();

    std::uint64_t written() const { return written_; }
    std::uint64_t lost() const;
    const std::string& path() const { return path_; }

  private:
    unsigned drain();
    void write_record(const TraceRecord& r);

    std::string path_;
    void* gz_ = nullptr; // gzFile
    std::vector<std::unique_ptr<std::uint8_t[]>> storage_;
    std::vector<std::unique_ptr<TraceTap>> taps_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::uint64_t t0_ns_ = 0;
    bool have_t0_ = false;
    std::uint64_t written_ = 0;
};

} // namespace aoehal
