#include "bench/loadgen/loadgen.hpp"

#include <unistd.h>

#include <rte_cycles.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace aoebench {
namespace {

using namespace aoe;
__extension__ typedef unsigned __int128 u128;

// One request in flight. The tag is (slot index << 16) | generation: bit 31 stays clear (Linux
// leaves it to userland tools), and every (re)transmission gets a new generation, so a late
// reply to a superseded tag is recognised and ignored, like Linux's "unexpected rsp".
struct Slot {
    std::uint64_t lba = 0;
    std::uint64_t sent_tsc = 0;
    std::uint16_t gen = 0;
    std::uint8_t n = 0;
    std::uint8_t tries = 0;
    bool busy = false;   // a request is outstanding (or about to be sent)
    bool queued = false; // in the ready queue: to be (re)sent with a fresh tag
};

struct Rng { // xorshift64*
    std::uint64_t s;
    std::uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 2685821657736338717ull;
    }
};

class Loop {
  public:
    Loop(BenchPort& p, const LoadConfig& c, const std::atomic<bool>& stop, LoadResult& r)
        : p_(p), c_(c), stop_(stop), r_(r), slots_(c.depth), rng_{c.seed ? c.seed : 1} {
        hz_ = rte_get_tsc_hz();
        ns_mult_ = static_cast<std::uint64_t>((u128{1000000000} << 32) / hz_);
        unit_ = c.sectors ? c.sectors : 2;
        if (unit_ > c.capacity) unit_ = static_cast<unsigned>(c.capacity);
        rd_ = c.lba48 ? ata::kCmdReadSectorsExt : ata::kCmdReadSectors;
        wr_ = c.lba48 ? ata::kCmdWriteSectorsExt : ata::kCmdWriteSectors;
        if (c.write && !c.image) {
            pattern_.resize(255 * ata::kSectorSize);
            for (std::size_t i = 0; i < pattern_.size(); ++i)
                pattern_[i] = static_cast<std::uint8_t>(i * 7 + 1);
        }
        fixed_rto_ = c.rto_ms > 0;
        rto_tsc_ = static_cast<std::uint64_t>((fixed_rto_ ? c.rto_ms : 500.0) * 1e-3 *
                                              static_cast<double>(hz_));
        tty_ = isatty(2);
        ready_.resize(slots_.size());
        for (unsigned i = 0; i < slots_.size(); ++i) push_ready(i);
    }

    bool run(std::string& error) {
        const std::uint64_t t0 = rte_rdtsc();
        const std::uint64_t end_tsc =
            c_.bytes ? ~std::uint64_t{0}
                     : t0 + static_cast<std::uint64_t>(c_.duration * static_cast<double>(hz_));
        std::uint64_t next_scan = t0 + hz_ / 1000, next_progress = t0 + hz_;
        std::uint64_t stop_tsc = 0, drain_deadline = 0;
        bool stopping = false;
        Snapshot last{t0, 0, 0};
        for (;;) {
            std::uint64_t now = rte_rdtsc();
            if (!stopping && (now >= end_tsc || stop_.load(std::memory_order_relaxed) ||
                              (c_.bytes && r_.bytes >= c_.bytes))) {
                stopping = true;
                stop_tsc = now;
                r_.commands = completed_;
                r_.seconds = static_cast<double>(now - t0) / static_cast<double>(hz_);
                measured_bytes_ = r_.bytes;
                r_.frames_tx = frames_tx_;
                r_.frames_rx = frames_rx_;
                std::uint64_t d = std::max<std::uint64_t>(2 * rto_tsc_, hz_ / 2);
                drain_deadline = now + std::min<std::uint64_t>(d, 3 * hz_);
            }
            if (stopping && (busy_ == 0 || now >= drain_deadline ||
                             (stop_.load(std::memory_order_relaxed) && now >= stop_tsc + hz_ / 10)))
                break;

            if (c_.stall_ms && !stalled_ && now >= t0 + hz_ / 2) {
                // A peer that stops reading: requests stay in flight, the target's replies
                // fill the link and wait in its TX queue (back-pressure tests).
                stalled_ = true;
                rte_delay_us_sleep(c_.stall_ms * 1000u);
                continue;
            }
            if (!fill_and_send(stopping, error)) return false;
            receive();
            if (now >= next_scan) {
                scan_timeouts(rte_rdtsc()); // fresh: requests sent above are newer than `now`
                next_scan = now + hz_ / 1000;
            }
            if (c_.progress && now >= next_progress && !stopping) {
                progress(now, t0, last);
                next_progress = now + hz_;
            }
        }
        if (c_.progress && tty_) std::fputs("\n", stderr);
        for (auto& s : slots_) r_.unanswered_at_end += s.busy;
        r_.commands_total = completed_;
        r_.bytes = measured_bytes_;
        r_.final_rto_ms = static_cast<double>(rto_tsc_) * 1e3 / static_cast<double>(hz_);
        return true;
    }

  private:
    struct Snapshot {
        std::uint64_t tsc, commands, bytes;
    };

    void progress(std::uint64_t now, std::uint64_t t0, Snapshot& last) {
        double dt = static_cast<double>(now - last.tsc) / static_cast<double>(hz_);
        double cps = static_cast<double>(completed_ - last.commands) / dt;
        double mbs = static_cast<double>(r_.bytes - last.bytes) / dt / 1e6;
        std::fprintf(stderr,
                     "%saoe-bench: %5.1f s  %9.0f cmds/s  %8.1f MB/s  p99 %7.1f us  rexmit %llu  "
                     "errors %llu%s",
                     tty_ ? "\r" : "", static_cast<double>(now - t0) / static_cast<double>(hz_),
                     cps, mbs, static_cast<double>(r_.latency.quantile(0.99)) / 1e3,
                     static_cast<unsigned long long>(r_.retransmits),
                     static_cast<unsigned long long>(r_.errors), tty_ ? "   " : "\n");
        last = {now, completed_, r_.bytes};
    }

    // Next LBA for a new request: sequential (wrapping) or random, aligned to the request size.
    std::uint64_t next_lba(std::uint8_t& n) {
        std::uint64_t cap = c_.capacity;
        if (c_.random) {
            std::uint64_t units = cap / unit_;
            std::uint64_t lba = (rng_.next() % (units ? units : 1)) * unit_;
            n = static_cast<std::uint8_t>(std::min<std::uint64_t>(unit_, cap - lba));
            return lba;
        }
        if (seq_ >= cap) seq_ = 0;
        std::uint64_t lba = seq_;
        n = static_cast<std::uint8_t>(std::min<std::uint64_t>(unit_, cap - lba));
        seq_ += n;
        return lba;
    }

    // Builds the request of slot i into a fresh mbuf and queues it for TX.
    bool build(unsigned i, rte_mbuf*& m) {
        Slot& s = slots_[i];
        m = rte_pktmbuf_alloc(p_.pool);
        if (!m) return false;
        ++s.gen;
        std::uint32_t tag = (static_cast<std::uint32_t>(i) << 16) | s.gen;
        const std::uint8_t* data = nullptr;
        std::size_t dlen = 0;
        if (c_.write) {
            dlen = std::size_t{s.n} * ata::kSectorSize;
            data = c_.image ? c_.image + s.lba * ata::kSectorSize : pattern_.data();
        }
        std::size_t len = aoeclient::build_ata(
            rte_pktmbuf_mtod(m, std::uint8_t*), c_.clients[i % c_.clients.size()], c_.target.mac,
            c_.target.shelf, c_.target.slot, tag, c_.write ? wr_ : rd_, s.lba, s.n, c_.lba48, data,
            dlen);
        m->data_len = static_cast<std::uint16_t>(len);
        m->pkt_len = static_cast<std::uint32_t>(len);
        return true;
    }

    // Ready queue: slot indices to (re)send; each slot is in it at most once, so a ring of
    // depth entries never overflows.
    void push_ready(unsigned i) {
        if (slots_[i].queued) return;
        slots_[i].queued = true;
        ready_[rtail_] = i;
        rtail_ = rtail_ + 1 == ready_.size() ? 0 : rtail_ + 1;
        ++nready_;
    }
    unsigned pop_ready() {
        unsigned i = ready_[rhead_];
        rhead_ = rhead_ + 1 == ready_.size() ? 0 : rhead_ + 1;
        --nready_;
        slots_[i].queued = false;
        return i;
    }

    bool fill_and_send(bool stopping, std::string& error) {
        rte_mbuf* tx[kBurst];
        unsigned idx[kBurst];
        unsigned n = 0;
        for (unsigned budget = nready_; budget && n < kBurst; --budget) {
            unsigned i = pop_ready();
            Slot& s = slots_[i];
            if (!s.busy) {
                // A free slot: a new request, unless we are done.
                if (stopping || (c_.bytes && issued_bytes_ >= c_.bytes)) continue;
                s.lba = next_lba(s.n);
                s.tries = 0;
                s.busy = true;
                ++busy_;
                issued_bytes_ += std::uint64_t{s.n} * ata::kSectorSize;
            }
            if (!build(i, tx[n])) { // pool empty for now: try again on the next pass
                push_ready(i);
                break;
            }
            idx[n++] = i;
        }
        if (n == 0) return true;
        // Latency counts from before the send call: af_packet's send is a syscall that can
        // take longer than the target needs to answer.
        std::uint64_t now = rte_rdtsc();
        std::uint16_t sent = rte_eth_tx_burst(p_.port_id, 0, tx, static_cast<std::uint16_t>(n));
        for (unsigned k = 0; k < sent; ++k) {
            Slot& s = slots_[idx[k]];
            if (s.tries++) ++r_.retransmits;
            s.sent_tsc = now;
        }
        frames_tx_ += sent;
        if (sent < n) {
            ++r_.tx_busy;
            rte_pktmbuf_free_bulk(tx + sent, n - sent);
            for (unsigned k = sent; k < n; ++k) push_ready(idx[k]);
        }
        (void)error;
        return true;
    }

    void receive() {
        rte_mbuf* rx[kBurst];
        std::uint16_t n = rte_eth_rx_burst(p_.port_id, 0, rx, kBurst);
        if (!n) return;
        std::uint64_t now = rte_rdtsc();
        for (std::uint16_t k = 0; k < n; ++k) {
            if (k + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(rx[k + 1], void*));
            handle(rx[k], now);
        }
        rte_pktmbuf_free_bulk(rx, n);
    }

    void fail(const char* what, std::uint64_t lba, unsigned a = 0, unsigned b = 0) {
        ++r_.errors;
        if (r_.first_error.empty()) {
            char m[160];
            std::snprintf(m, sizeof m, "%s at LBA %llu (0x%02x 0x%02x)", what,
                          static_cast<unsigned long long>(lba), a, b);
            r_.first_error = m; // once per run: not on the per-frame path in a healthy run
        }
    }

    void handle(rte_mbuf* m, std::uint64_t now) {
        if (m->nb_segs != 1) {
            ++r_.stray;
            return;
        }
        const auto* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
        std::size_t len = m->data_len;
        aoeclient::Response r = aoeclient::parse_response(f, len);
        if (!r.ok || r.command != 0 || r.shelf != c_.target.shelf || r.slot != c_.target.slot) {
            ++r_.stray; // adverts, config replies, our own requests looped back, other targets
            return;
        }
        unsigned i = r.tag >> 16;
        if (i >= slots_.size() || !slots_[i].busy || (r.tag & 0xffff) != slots_[i].gen) {
            ++r_.stray; // late reply to a superseded tag
            return;
        }
        Slot& s = slots_[i];
        ++frames_rx_;
        std::uint64_t rtt = now - s.sent_tsc;
        r_.latency.record(
            static_cast<std::uint64_t>((u128{rtt} * ns_mult_) >> 32)); // no division per reply
        if (s.tries == 1) update_rto(rtt);
        if (r.error) {
            ++r_.aoe_errors;
            fail("AoE error", s.lba, r.aoe_error);
        } else if (r.ata_status & 0xA9) { // BSY|DF|DRQ|ERR: what Linux counts as failed
            ++r_.ata_errors;
            fail("ATA error (status, error)", s.lba, r.ata_status, r.ata_error);
        } else if (!c_.write) {
            std::size_t want = std::size_t{s.n} * ata::kSectorSize;
            if (r.data_len < want) {
                ++r_.runts;
                fail("runt read reply", s.lba, static_cast<unsigned>(r.data_len));
            } else if (c_.image) {
                std::uint64_t off = s.lba * ata::kSectorSize;
                if (off + want > c_.image_len || std::memcmp(r.data, c_.image + off, want) != 0) {
                    ++r_.mismatches;
                    fail("data differs from the --verify file", s.lba);
                } else {
                    r_.verified_bytes += want;
                }
            }
        }
        r_.bytes += std::uint64_t{s.n} * ata::kSectorSize;
        ++completed_;
        s.busy = false;
        --busy_;
        push_ready(i);
    }

    // Jacobson/Karels as in Linux aoe (calc_rttavg): rto = 2 * avg + 8 * dev, from replies to
    // requests that were sent once. Linux checks its frames every TIMERTICK (100 ms), so no
    // retransmission happens sooner than that there; we use the same floor, which also keeps a
    // target that the scheduler pauses on a busy 2-core machine from looking lossy.
    void update_rto(std::uint64_t rtt) {
        if (fixed_rto_) return;
        double x = static_cast<double>(rtt);
        if (!have_rtt_) {
            avg_ = x;
            dev_ = x / 2;
            have_rtt_ = true;
        } else {
            double err = x - avg_;
            avg_ += err / 8;
            dev_ += (std::fabs(err) - dev_) / 4;
        }
        double rto = 2 * avg_ + 8 * dev_;
        double lo = 0.1 * static_cast<double>(hz_), hi = 5.0 * static_cast<double>(hz_);
        rto_tsc_ = static_cast<std::uint64_t>(std::clamp(rto, lo, hi));
    }

    void scan_timeouts(std::uint64_t now) {
        for (auto& s : slots_) {
            if (!s.busy || s.queued || now < s.sent_tsc + rto_tsc_) continue;
            unsigned i = static_cast<unsigned>(&s - slots_.data());
            if (s.tries >= c_.max_tries) {
                ++r_.lost;
                fail("no reply after retransmits", s.lba, s.tries);
                s.busy = false;
                --busy_;
                ++completed_;
            }
            push_ready(i); // a retransmission with a fresh tag, or the free slot's next request
        }
    }

    BenchPort& p_;
    const LoadConfig& c_;
    const std::atomic<bool>& stop_;
    LoadResult& r_;
    std::vector<Slot> slots_;
    std::vector<std::uint8_t> pattern_;
    Rng rng_;
    std::uint64_t ns_mult_ = 0; // TSC ticks -> ns as a 32.32 fixed-point factor
    std::uint64_t hz_ = 0, seq_ = 0, issued_bytes_ = 0, completed_ = 0, measured_bytes_ = 0;
    std::uint64_t frames_tx_ = 0, frames_rx_ = 0;
    std::vector<unsigned> ready_;
    unsigned rhead_ = 0, rtail_ = 0, nready_ = 0;
    unsigned unit_ = 2, busy_ = 0;
    std::uint8_t rd_ = 0, wr_ = 0;
    bool fixed_rto_ = false, have_rtt_ = false, tty_ = false, stalled_ = false;
    std::uint64_t rto_tsc_ = 0;
    double avg_ = 0, dev_ = 0;
};

} // namespace

bool run_load(BenchPort& port, const LoadConfig& cfg, const std::atomic<bool>& stop,
              LoadResult& out, std::string& error) {
    if (cfg.depth == 0 || cfg.clients.empty() || cfg.capacity == 0) {
        error = "nothing to do (depth, clients or capacity is zero)";
        return false;
    }
    Loop loop(port, cfg, stop, out);
    return loop.run(error);
}

} // namespace aoebench
