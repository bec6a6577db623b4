#include "bench/loadgen/replay.hpp"

#include "bench/loadgen/linux_window.hpp"

#include <unistd.h>

#include <rte_cycles.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace aoebench {
namespace {

constexpr unsigned kGenBits = 12;
constexpr std::uint32_t kGenMask = (1u << kGenBits) - 1;

struct Slot {
    std::uint64_t sent_tsc = 0;  // last transmission
    std::uint64_t first_tsc = 0; // first transmission (aoe_deadsecs)
    std::uint32_t frame = 0;     // index into the plan
    std::uint16_t gen = 0;
    std::uint8_t tries = 0;
    bool busy = false;   // taken by a frame not yet answered
    bool resend = false; // timed out: waits for room in the window to go again
};

struct Client {
    std::uint64_t start_tsc = 0, done_tsc = 0, next_tick_tsc = 0;
    std::uint32_t next_frame = 0; // next plan frame not yet sent
    std::uint32_t done_frames = 0;
    unsigned nout = 0;        // frames on the wire
    LinuxWindow win;          // window and rto (linux_window.hpp)
    unsigned busy = 0;        // slots taken (on the wire or waiting to be resent)
    unsigned resend_wait = 0; // slots waiting to be resent
    std::uint64_t retransmits = 0;
    bool started = false, done = false, failed = false, queued = false;
};

class Replay {
  public:
    Replay(BenchPort& p, const ReplayConfig& c, const std::atomic<bool>& stop, ReplayResult& r)
        : p_(p), c_(c), stop_(stop), r_(r), plan_(*c.plan) {
        hz_ = rte_get_tsc_hz();
        w_ = std::clamp(c.window, 1u, 64u);
        n_ = static_cast<unsigned>(c.clients.size());
        clients_.resize(n_);
        slots_.resize(std::size_t{n_} * w_);
        ready_.resize(n_);
        rd_ = c.lba48 ? aoe::ata::kCmdReadSectorsExt : aoe::ata::kCmdReadSectors;
        tick_tsc_ = static_cast<std::uint64_t>(LinuxWindow::kTickS * static_cast<double>(hz_));
        tty_ = isatty(2);
        r_.completion_s.reserve(n_);
        r_.finish_at_s.assign(n_, 0);
        r_.client_retransmits.assign(n_, 0);
        r_.min_window_seen = w_;
    }

    bool run() {
        const std::uint64_t t0 = rte_rdtsc();
        t0_ = t0;
        for (unsigned i = 0; i < n_; ++i) {
            Client& cl = clients_[i];
            const double at = start_offset(i, n_, c_.ramp_s);
            cl.start_tsc = t0 + static_cast<std::uint64_t>(at * static_cast<double>(hz_));
            cl.win.reset(w_); // a fresh target: window 1, threshold half the frames
        }
        unsigned next_start = 0; // clients start in index order
        std::uint64_t next_scan = t0, next_progress = t0 + hz_;
        unsigned live = n_;
        while (live) {
            const std::uint64_t now = rte_rdtsc();
            if (stop_.load(std::memory_order_relaxed)) break;
            while (next_start < n_ && clients_[next_start].start_tsc <= now) {
                Client& cl = clients_[next_start];
                cl.started = true;
                cl.next_tick_tsc = now + tick_tsc_;
                push_ready(next_start);
                ++next_start;
            }
            send_some();
            live -= receive();
            if (now >= next_scan) {
                live -= timers(rte_rdtsc());
                next_scan = now + hz_ / 1000;
            }
            if (c_.progress && now >= next_progress) {
                progress(now, next_start);
                next_progress = now + hz_;
            }
        }
        if (c_.progress && tty_) std::fputs("\n", stderr);
        // Stopped early: the storm lasted at least until now (unfinished clients are reported).
        std::uint64_t last = live ? rte_rdtsc() : t0;
        for (unsigned i = 0; i < n_; ++i) {
            Client& cl = clients_[i];
            r_.client_retransmits[i] = cl.retransmits;
            if (cl.done && !cl.failed) {
                ++r_.finished;
                r_.completion_s.push_back(secs(cl.done_tsc - cl.start_tsc));
                r_.finish_at_s[i] = secs(cl.done_tsc - t0);
                last = std::max(last, cl.done_tsc);
            } else if (cl.failed) {
                ++r_.failed;
                last = std::max(last, cl.done_tsc);
            }
        }
        r_.total_s = secs(last - t0);
        return true;
    }

  private:
    double secs(std::uint64_t tsc) const {
        return static_cast<double>(tsc) / static_cast<double>(hz_);
    }

    void progress(std::uint64_t now, unsigned started) {
        std::fprintf(stderr,
                     "%saoe-bench: replay %5.1f s  clients started %u, finished %u of %u  "
                     "%8.1f MB  rexmit %llu  errors %llu%s",
                     tty_ ? "\r" : "", secs(now - t0_), started, finished_, n_,
                     static_cast<double>(r_.bytes) / 1e6,
                     static_cast<unsigned long long>(r_.retransmits),
                     static_cast<unsigned long long>(r_.errors), tty_ ? "   " : "\n");
    }

    void push_ready(unsigned i) {
        Client& cl = clients_[i];
        if (cl.queued) return;
        cl.queued = true;
        ready_[rtail_] = i;
        rtail_ = rtail_ + 1 == n_ ? 0 : rtail_ + 1;
        ++nready_;
    }
    unsigned pop_ready() {
        unsigned i = ready_[rhead_];
        rhead_ = rhead_ + 1 == n_ ? 0 : rhead_ + 1;
        --nready_;
        clients_[i].queued = false;
        return i;
    }

    // Whether client i may put a frame on the wire now.
    bool can_send(const Client& cl) const {
        if (!cl.started || cl.done || cl.nout >= cl.win.maxout) return false;
        return cl.resend_wait || (cl.next_frame < plan_.frames.size() && cl.busy < w_);
    }

    // One frame of client i into `m`: a waiting retransmission first (as rexmit_deferred), else
    // the next frame of the plan in a free slot.
    bool build(unsigned i, rte_mbuf*& m) {
        Client& cl = clients_[i];
        Slot* base = &slots_[std::size_t{i} * w_];
        unsigned k = w_;
        if (cl.resend_wait) {
            for (unsigned j = 0; j < w_; ++j)
                if (base[j].busy && base[j].resend) {
                    k = j;
                    break;
                }
        } else {
            for (unsigned j = 0; j < w_; ++j)
                if (!base[j].busy) {
                    k = j;
                    break;
                }
        }
        if (k == w_) return false;
        m = rte_pktmbuf_alloc(p_.pool);
        if (!m) return false;
        Slot& s = base[k];
        if (cl.resend_wait && s.resend) {
            s.resend = false; // counted as a retransmit once the port takes it (send_some)
            --cl.resend_wait;
        } else {
            s.busy = true;
            s.frame = cl.next_frame++;
            s.tries = 0;
            ++cl.busy;
        }
        s.gen = static_cast<std::uint16_t>((s.gen + 1) & kGenMask);
        const std::uint32_t slot = i * w_ + k;
        const std::uint32_t tag = (slot << kGenBits) | s.gen;
        const ReplayFrame& f = plan_.frames[s.frame];
        std::size_t len = aoeclient::build_ata(rte_pktmbuf_mtod(m, std::uint8_t*), c_.clients[i],
                                               c_.target.mac, c_.target.shelf, c_.target.slot, tag,
                                               rd_, f.lba, f.sectors, c_.lba48);
        m->data_len = static_cast<std::uint16_t>(len);
        m->pkt_len = static_cast<std::uint32_t>(len);
        ++cl.nout;
        pending_[npending_] = slot;
        return true;
    }

    void send_some() {
        rte_mbuf* tx[kBurst];
        npending_ = 0;
        for (unsigned budget = nready_; budget && npending_ < kBurst; --budget) {
            unsigned i = pop_ready();
            Client& cl = clients_[i];
            while (npending_ < kBurst && can_send(cl)) {
                if (!build(i, tx[npending_])) break;
                ++npending_;
            }
            if (can_send(cl)) push_ready(i); // more next time: round-robin over the clients
        }
        if (!npending_) return;
        const std::uint64_t now = rte_rdtsc();
        std::uint16_t sent =
            rte_eth_tx_burst(p_.port_id, 0, tx, static_cast<std::uint16_t>(npending_));
        r_.frames_tx += sent;
        for (unsigned k = 0; k < npending_; ++k) {
            const std::uint32_t slot = pending_[k];
            Slot& s = slots_[slot];
            Client& cl = clients_[slot / w_];
            if (k < sent) {
                if (s.tries++ == 0) {
                    s.first_tsc = now;
                } else { // on the wire again: a retransmission
                    ++cl.retransmits;
                    ++r_.retransmits;
                }
                s.sent_tsc = now;
            } else {
                // The port did not take it: not on the wire; it goes again as a resend of the
                // same frame, counted as a retransmit only if it had been on the wire before.
                --cl.nout;
                if (!s.resend) {
                    s.resend = true;
                    ++cl.resend_wait;
                }
                if (s.tries == 0) s.first_tsc = now;
                push_ready(slot / w_);
            }
        }
        if (sent < npending_) {
            ++r_.tx_busy;
            rte_pktmbuf_free_bulk(tx + sent, npending_ - sent);
        }
    }

    void fail(const char* what, unsigned client, std::uint64_t lba, unsigned a = 0,
              unsigned b = 0) {
        ++r_.errors;
        if (r_.first_error.empty()) {
            char m[200];
            std::snprintf(m, sizeof m, "client %u: %s at LBA %llu (0x%02x 0x%02x)", client, what,
                          static_cast<unsigned long long>(lba), a, b);
            r_.first_error = m;
        }
    }

    // Returns how many clients finished (or failed) in this burst.
    unsigned receive() {
        rte_mbuf* rx[kBurst];
        std::uint16_t n = rte_eth_rx_burst(p_.port_id, 0, rx, kBurst);
        if (!n) return 0;
        const std::uint64_t now = rte_rdtsc();
        unsigned ended = 0;
        for (std::uint16_t k = 0; k < n; ++k) {
            if (k + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(rx[k + 1], void*));
            ended += handle(rx[k], now);
        }
        rte_pktmbuf_free_bulk(rx, n);
        return ended;
    }

    void finish_client(Client& cl, std::uint64_t now, bool failed) {
        cl.done = true;
        cl.failed = failed;
        cl.done_tsc = now;
        ++finished_;
    }

    unsigned handle(rte_mbuf* m, std::uint64_t now) {
        if (m->nb_segs != 1) {
            ++r_.stray;
            return 0;
        }
        const auto* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
        aoeclient::Response r = aoeclient::parse_response(f, m->data_len);
        if (!r.ok || r.command != 0 || r.shelf != c_.target.shelf || r.slot != c_.target.slot) {
            ++r_.stray;
            return 0;
        }
        const std::uint32_t slot = r.tag >> kGenBits;
        if (slot >= slots_.size() || !slots_[slot].busy || slots_[slot].tries == 0 ||
            (r.tag & kGenMask) != slots_[slot].gen) {
            ++r_.stray; // a late reply to a superseded tag ("unexpected rsp")
            return 0;
        }
        const unsigned ci = slot / w_;
        Client& cl = clients_[ci];
        if (std::memcmp(f, c_.clients[ci].b, 6) != 0) {
            ++r_.stray; // not addressed to the client that owns the tag
            return 0;
        }
        Slot& s = slots_[slot];
        ++r_.frames_rx;
        const ReplayFrame& fr = plan_.frames[s.frame];
        if (s.tries == 1) cl.win.rtt_sample(secs(now - s.sent_tsc)); // Karn: first sends only
        cl.win.on_reply(cl.nout);
        if (r.error) {
            ++r_.aoe_errors;
            fail("AoE error", ci, fr.lba, r.aoe_error);
        } else if (r.ata_status & 0xA9) {
            ++r_.ata_errors;
            fail("ATA error (status, error)", ci, fr.lba, r.ata_status, r.ata_error);
        } else {
            const std::size_t want = std::size_t{fr.sectors} * aoe::ata::kSectorSize;
            if (r.data_len < want) {
                ++r_.runts;
                fail("runt read reply", ci, fr.lba, static_cast<unsigned>(r.data_len));
            } else if (c_.image) {
                const std::uint64_t off = fr.lba * aoe::ata::kSectorSize;
                if (off + want > c_.image_len || std::memcmp(r.data, c_.image + off, want) != 0) {
                    ++r_.mismatches;
                    fail("data differs from the --verify file", ci, fr.lba);
                } else {
                    r_.verified_bytes += want;
                }
            }
        }
        r_.bytes += std::uint64_t{fr.sectors} * aoe::ata::kSectorSize;
        ++r_.frames_done;
        s.busy = false;
        --cl.busy;
        if (s.resend) { // timed out, then answered before its resend (Linux takes it too)
            s.resend = false;
            --cl.resend_wait;
        } else {
            --cl.nout;
        }
        ++cl.done_frames;
        if (cl.done_frames == plan_.frames.size()) {
            finish_client(cl, now, false);
            return 1;
        }
        if (can_send(cl)) push_ready(ci);
        return 0;
    }

    // Each client's 100 ms timer: frames older than its rto go to the resend list and the
    // window drops to 1. Returns how many clients failed (aoe_deadsecs).
    unsigned timers(std::uint64_t now) {
        unsigned ended = 0;
        for (unsigned i = 0; i < n_; ++i) {
            Client& cl = clients_[i];
            if (!cl.started || cl.done || now < cl.next_tick_tsc) continue;
            cl.next_tick_tsc += tick_tsc_;
            if (cl.next_tick_tsc <= now) cl.next_tick_tsc = now + tick_tsc_;
            const auto rto_tsc =
                static_cast<std::uint64_t>(cl.win.rto() * static_cast<double>(hz_));
            const auto dead_tsc = static_cast<std::uint64_t>(c_.dead_s * static_cast<double>(hz_));
            Slot* base = &slots_[std::size_t{i} * w_];
            bool expired = false;
            for (unsigned k = 0; k < w_; ++k) {
                Slot& s = base[k];
                if (!s.busy || s.resend || now - s.sent_tsc < rto_tsc) continue;
                if (now - s.first_tsc > dead_tsc) {
                    ++r_.lost;
                    fail("no reply within aoe_deadsecs", i, plan_.frames[s.frame].lba, s.tries);
                    finish_client(cl, now, true);
                    ++ended;
                    break;
                }
                expired = true;
                cl.win.on_timeout();
                r_.min_window_seen = 1;
                s.resend = true;
                ++cl.resend_wait;
                --cl.nout;
            }
            if (expired && !cl.done) push_ready(i);
        }
        return ended;
    }

    BenchPort& p_;
    const ReplayConfig& c_;
    const std::atomic<bool>& stop_;
    ReplayResult& r_;
    const ReplayPlan& plan_;
    std::uint64_t hz_ = 0, t0_ = 0, tick_tsc_ = 0;
    unsigned w_ = 1, n_ = 0, finished_ = 0;
    std::vector<Client> clients_;
    std::vector<Slot> slots_;
    std::vector<unsigned> ready_;
    unsigned rhead_ = 0, rtail_ = 0, nready_ = 0;
    std::uint32_t pending_[kBurst]{};
    unsigned npending_ = 0;
    std::uint8_t rd_ = 0;
    bool tty_ = false;
};

} // namespace

bool run_replay(BenchPort& port, const ReplayConfig& cfg, const std::atomic<bool>& stop,
                ReplayResult& out, std::string& error) {
    if (!cfg.plan || cfg.plan->frames.empty() || cfg.clients.empty()) {
        error = "nothing to replay (no frames or no clients)";
        return false;
    }
    if (cfg.clients.size() * std::size_t{std::clamp(cfg.window, 1u, 64u)} >
        (std::size_t{1} << (31 - kGenBits))) {
        error = "too many clients for the tag space";
        return false;
    }
    Replay r(port, cfg, stop, out);
    return r.run();
}

} // namespace aoebench
