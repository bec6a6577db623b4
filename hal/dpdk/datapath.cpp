#include "hal/dpdk/datapath.hpp"
#include "hal/dpdk/trace.hpp"

#include <sys/prctl.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>

#include "target/reply_loop.hpp"
#include "target/serve_read.hpp"

namespace aoehal {
namespace {

__extension__ typedef unsigned __int128 u128;

// One lcore's loop. A plain class resolved at build time: no virtual call per frame.
class Loop {
  public:
    explicit Loop(LcoreCtx& l) : l_(l), rt_(*l.rt) {
        nports_ = static_cast<std::uint16_t>(rt_.ports.size());
        ns_mult_ = static_cast<std::uint64_t>((u128{1000000000} << 32) / rt_.tsc_hz);
        drain_tsc_ = rt_.tsc_hz / 10000;     // 100 us TX drain, as in l2fwd
        idle_after_tsc_ = rt_.tsc_hz / 5000; // back off after 200 us without a frame
        max_sleep_ns_ = std::uint64_t{rt_.opt.idle_sleep_us} * 1000;
        dispatch_ = rt_.software_dispatch && rt_.nq > 1;
        trace_ = g_trace_taps[l.queue]; // --trace: this lcore's ring, or null (trace.hpp)
    }

    void run() {
        std::uint64_t last_drain = rte_rdtsc();
        std::uint64_t idle_since = 0;
        std::uint64_t sleep_ns = 0;
        std::uint64_t epoch = 0;
        while (!rt_.force_quit.load(std::memory_order_relaxed)) {
            std::uint64_t tsc = rte_rdtsc();
            now_ns_ = static_cast<std::uint64_t>((u128{tsc} * ns_mult_) >> 32);
            unsigned got = 0;

            for (std::uint16_t p = 0; p < nports_; ++p) {
                // Back-pressure: replies still waiting for this port's TX ring come first.
                if (!room(p)) (void)flush(p);
                if (!room(p)) {
                    l_.stats[p].rx_paused.add();
                    continue;
                }
                rte_mbuf* pkts[kBurst];
                std::uint16_t n = rte_eth_rx_burst(rt_.ports[p].port_id, l_.queue, pkts, kBurst);
                if (n == 0) continue;
                got += n;
                l_.stats[p].rx_frames.add(n);
                for (std::uint16_t i = 0; i < n; ++i) {
                    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
                    if (l_.queue == 0 && dispatch_)
                        dispatch(p, pkts[i]);
                    else
                        handle(p, pkts[i]);
                }
            }
            got += drain_rings();
            if (l_.queue == 0) adverts();
            got += drain_flush_done();

            publish_tallies();
            bool waiting = false; // replies a full TX ring has not taken yet
            if (got || tsc - last_drain > drain_tsc_) {
                for (std::uint16_t p = 0; p < nports_; ++p) waiting |= !flush(p);
                last_drain = tsc;
            } else {
                for (std::uint16_t p = 0; p < nports_; ++p) waiting |= l_.txq[p].n != 0;
            }
            // A quiescent point only with every reply handed to the PMD: a zero-copy reply
            // still queued here points into an image that a reload must not unmap yet.
            if (!waiting)
                for (std::uint16_t p = 0; p < nports_; ++p) l_.engine[p]->quiescent(++epoch);
            if (waiting) got = 1; // keep polling (and flushing) instead of backing off

            // Idle back-off (docs/decisions.md: sleep at most 1 ms between empty polls; return to
            // full-rate polling on the first frame).
            if (got) {
                idle_since = 0;
                sleep_ns = 0;
            } else if (idle_since == 0) {
                idle_since = tsc;
            } else if (max_sleep_ns_ && tsc - idle_since > idle_after_tsc_) {
                sleep_ns = sleep_ns ? sleep_ns * 2 : 16000;
                if (sleep_ns > max_sleep_ns_) sleep_ns = max_sleep_ns_;
                timespec ts{0, static_cast<long>(sleep_ns)};
                nanosleep(&ts, nullptr);
                l_.idle_sleeps.store(l_.idle_sleeps.load(std::memory_order_relaxed) + 1,
                                     std::memory_order_relaxed);
            }
        }
        for (std::uint16_t p = 0; p < nports_; ++p)
            if (!flush(p)) l_.txq[p].abandon(l_.stats[p]); // at exit, what the ring still refuses
        publish_tallies();
        if (spare_) rte_pktmbuf_free(spare_);
        spare_ = nullptr;
        if (ext_n_) rte_pktmbuf_free_bulk(ext_, ext_n_);
        ext_n_ = 0;
    }

  private:
    // Queue 0 without flow steering: owner-only frames stay here; ATA and the rest go to the
    // lcore chosen by a hash of the source MAC, so one client's frames keep their order.
    void dispatch(std::uint16_t p, rte_mbuf* m) {
        const auto* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
        std::uint32_t len = rte_pktmbuf_data_len(m);
        if (len < aoe::kEthHeaderLen || aoe::Engine::route(f, len) == aoe::Role::owner) {
            handle(p, m);
            return;
        }
        // The source MAC's one key and hash (target/wire.hpp), as the client table uses them.
        std::uint16_t w =
            static_cast<std::uint16_t>(aoe::mac_hash(aoe::load_mac_key(f + 6)) % rt_.nq);
        if (w == 0) {
            handle(p, m);
            return;
        }
        m->port = rt_.ports[p].port_id;
        MbufRoute::set(m, p);
        if (!rt_.lcores[w]->from_dispatcher->push(m)) {
            l_.stats[p].dispatch_full.add();
            rte_pktmbuf_free(m);
            return;
        }
        l_.stats[p].dispatched_out.add();
    }

    // Whether port `p` (every port) may take new work: see TxQueue::kRxRoom.
    bool room(std::uint16_t p) const { return l_.txq[p].room(); }
    bool room_all() const {
        for (std::uint16_t p = 0; p < nports_; ++p)
            if (!room(p)) return false;
        return true;
    }

    // Frames from the other lcores, a burst at a time while every port has room (their port
    // is known only once popped): a full ring upstream then counts dispatch_full/forward_full.
    unsigned drain_rings() {
        unsigned got = 0;
        rte_mbuf* objs[kBurst];
        if (!room_all()) return 0;
        if (l_.from_dispatcher) {
            unsigned n = l_.from_dispatcher->pop_burst(objs, kBurst);
            got += n;
            for (unsigned i = 0; i < n; ++i) {
                rte_mbuf* m = objs[i];
                const std::uint16_t p = MbufRoute::port(m);
                l_.stats[p].rx_dispatched.add();
                handle(p, m);
            }
        }
        if (l_.queue == 0) {
            for (std::uint16_t w = 1; w < rt_.lcores.size() && room_all(); ++w) {
                LcoreCtx::Ring* r = rt_.lcores[w]->to_owner;
                if (!r) continue;
                unsigned n = r->pop_burst(objs, kBurst);
                got += n;
                for (unsigned i = 0; i < n; ++i) {
                    rte_mbuf* m = objs[i];
                    handle(MbufRoute::port(m), m);
                }
            }
        }
        return got;
    }

    // Replies to FLUSH that the control thread has synced: send them now.
    unsigned drain_flush_done() {
        if (!room_all()) return 0; // they wait on their ring
        rte_mbuf* objs[kBurst];
        unsigned n = l_.flush_done->pop_burst(objs, kBurst);
        for (unsigned i = 0; i < n; ++i) {
            rte_mbuf* m = objs[i];
            transmit(MbufRoute::port(m), m);
        }
        return n;
    }

    void adverts() {
        if (now_ns_ < next_tick_ns_) return;
        next_tick_ns_ = now_ns_ + 1000000; // the engine keeps the real schedule; look each ms
        for (std::uint16_t p = 0; p < nports_; ++p) {
            // A round cut short (no room in the TX queue) resumes at its cursor next time.
            TxSink tx{*this, p, nullptr};
            aoe::send_tick_frames(*l_.engine[p], now_ns_, l_.advert_cursor[p], tx);
        }
    }

    // Where the engine's replies go (target/reply_loop.hpp): each into a header mbuf and out
    // through emit(), counted for `client` (adverts and probes have none). Without an mbuf the
    // engine still builds the reply (into scratch memory, so its state stays right) and the
    // drop is counted as no_buffer.
    struct TxSink {
        Loop& loop;
        std::uint16_t p;
        ClientSlot* client;
        rte_mbuf* h = nullptr;
        std::uint8_t* buffer(std::uint32_t& cap) {
            h = loop.spare();
            if (!h) {
                cap = static_cast<std::uint32_t>(sizeof loop.l_.scratch);
                return loop.l_.scratch;
            }
            cap = rte_pktmbuf_tailroom(h);
            return rte_pktmbuf_mtod(h, std::uint8_t*);
        }
        void send(const aoe::Reply& r) {
            if (!h) {
                loop.l_.engine[p]->count_no_buffer();
                return;
            }
            loop.spare_ = nullptr;
            loop.emit(p, h, r, client);
        }
        void unused() {} // the header mbuf stays the spare
        bool room() const { return loop.room(p); }
    };

    // The one reply to a unicast ATA frame, built over the request (in_place_ok): its mbuf is
    // the reply's buffer, so a read costs no header mbuf and no free. True when the mbuf is
    // the reply now (sent, queued for FLUSH, or freed by finish).
    bool reply_in_place(std::uint16_t p, rte_mbuf* m, aoe::FrameState& st, ClientSlot& client) {
        aoe::Reply r; // the whole buffer from the frame's start: data_len is the request's
        if (!l_.engine[p]->next_reply(st, rte_pktmbuf_mtod(m, std::uint8_t*),
                                      std::uint32_t{m->buf_len} - m->data_off, r))
            return false;
        m->ol_flags = 0; // a direct mbuf's RX flags mean nothing on TX
        emit(p, m, r, &client);
        return true;
    }

    // One built reply out through finish(), counted for its client (adverts have none).
    [[gnu::always_inline]] void emit(std::uint16_t p, rte_mbuf* h, const aoe::Reply& r,
                                     ClientSlot* client) {
        const std::uint32_t bytes = finish(p, h, r);
        if (bytes && client) {
            client->replies.add();
            client->reply_bytes.add(bytes);
        }
    }

    // A served read for client `mac` (its key), `bytes` sent (0: dropped), counted for it in
    // plain words: consecutive reads of one client cost no table lookup.
    [[gnu::always_inline]] void count_read(std::uint64_t mac, std::uint32_t bytes) {
        if (mac != read_client_key_ || !read_client_) {
            publish_client();
            read_client_ = &client_slot(mac);
            read_client_key_ = mac;
        }
        ++read_client_frames_;
        read_client_replies_ += bytes != 0;
        read_client_bytes_ += bytes;
    }
    void publish_client() {
        if (!read_client_frames_) return;
        read_client_->frames_in.add(read_client_frames_);
        read_client_->replies.add(read_client_replies_);
        read_client_->reply_bytes.add(read_client_bytes_);
        read_client_frames_ = read_client_replies_ = read_client_bytes_ = 0;
    }
    // Once per loop pass, before the quiescent point: what the per-read path counted in plain
    // words goes to the atomic counters telemetry reads (the engines' served reads, the TX
    // counters, the current client's), so they are exact whenever the lcore is between passes.
    void publish_tallies() {
        for (std::uint16_t p = 0; p < nports_; ++p) {
            l_.engine[p]->end_burst();
            Tally& t = tally_[p];
            if (!t.tx_frames && !t.tx_zero_copy) continue;
            QueueStats& s = l_.stats[p];
            s.tx_frames.add(t.tx_frames);
            s.tx_bytes.add(t.tx_bytes);
            s.tx_zero_copy.add(t.tx_zero_copy);
            t = Tally{};
        }
        publish_client();
    }

    // A header mbuf kept across frames so that "no more replies" costs no alloc/free pair.
    rte_mbuf* spare() {
        if (!spare_) spare_ = rte_pktmbuf_alloc(rt_.hdr_pool);
        return spare_;
    }

    // One received frame: the read fast path inline (in the RX loop), everything else in
    // handle_general().
    [[gnu::always_inline]] void handle(std::uint16_t p, rte_mbuf* m) {
        aoe::Engine& e = *l_.engine[p];
        // The read fast path: a frame in one direct buffer that only we hold, with its tag in
        // place, may become its own reply (Engine::serve_read); every other frame, and every
        // frame serve_read declines, takes the general path below.
        constexpr std::uint64_t kNotPlain =
            RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
        if (!(m->ol_flags & kNotPlain) && m->nb_segs == 1 && rte_mbuf_refcnt_read(m) == 1) {
            auto* f = rte_pktmbuf_mtod(m, std::uint8_t*);
            aoe::Reply r;
            if (e.serve_read(f, rte_pktmbuf_data_len(m), r)) {
                // --trace (trace.hpp): the served read, from the reply built in place
                trace_read(trace_, now_ns_, f, r);
                const std::uint64_t client =
                    aoe::load_le48_wide(f); // the reply's destination MAC key
                m->ol_flags = 0;            // a direct mbuf's RX flags mean nothing on TX
                count_read(client, finish(p, m, r));
                return;
            }
        }
        handle_general(p, m);
    }

    [[gnu::noinline]] void handle_general(std::uint16_t p, rte_mbuf* m) {
        aoe::Engine& e = *l_.engine[p];
        if (m->nb_segs != 1) { // the engine parses contiguous frames; pools are sized for the MTU
            l_.stats[p].rx_segmented.add();
            rte_pktmbuf_free(m);
            return;
        }
        if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
            // The PMD (af_packet: the kernel) took the 802.1Q tag off; put it back so the
            // engine can check the VLAN and echo the tag (in the headroom: no allocation).
            if (rte_vlan_insert(&m) != 0) {
                l_.stats[p].rx_segmented.add();
                rte_pktmbuf_free(m);
                return;
            }
        }
        aoe::FrameState st;
        const auto* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
        aoe::Verdict v = e.accept(f, rte_pktmbuf_data_len(m), now_ns_, st);
        if (v == aoe::Verdict::reply) trace_served(trace_, now_ns_, f, st); // --trace (trace.hpp)
        // Per-client statistics for AoE frames only (st.aoe is set once the EtherType is
        // 0x88A2): other traffic on the segment never takes a slot of the client table.
        ClientSlot& client = st.aoe ? client_slot(aoe::load_mac_key(f + 6)) : l_.client_overflow;
        if (st.aoe) client.frames_in.add();
        if (v == aoe::Verdict::forward && l_.to_owner) {
            MbufRoute::set(m, p);
            if (!l_.to_owner->push(m)) {
                l_.stats[p].forward_full.add();
                rte_pktmbuf_free(m);
            }
            return;
        }
        if (v == aoe::Verdict::reply) {
            if (in_place_ok(m, st)) {
                if (reply_in_place(p, m, st, client)) return; // m became the reply
            } else {
                TxSink tx{*this, p, &client};
                aoe::send_frame_replies(e, st, tx);
            }
        }
        rte_pktmbuf_free(m); // after the replies: the engine read (and wrote from) the frame
    }

    // The reply may overwrite the request: one reply (unicast ATA: the engine reads each field
    // of the request before it writes the same field of the reply, at the same offset), a
    // direct buffer only we hold, room for the largest inline reply (IDENTIFY).
    static bool in_place_ok(const rte_mbuf* m, const aoe::FrameState& st) {
        return st.command == static_cast<std::uint8_t>(aoe::Command::ata) && !st.broadcast &&
               RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
               std::uint32_t{m->buf_len} - m->data_off >= aoe::kMaxInlineReply;
    }

    // Attachable mbufs for zero-copy replies, taken from the pool a burst at a time.
    // Each one comes with its reference on the lcore's shared info (the image's external
    // buffer) already taken: a burst's worth in one update, not one atomic per read. A
    // reference taken for an mbuf never attached (freed at exit) only keeps the count above
    // zero, where it stays anyway (the shared info is never freed).
    [[gnu::always_inline]] rte_mbuf* ext_mbuf() {
        if (ext_n_ == 0) {
            // Raw, without rte_pktmbuf_reset: an mbuf goes back to this pool detached (no
            // flags, one segment, no next, refcnt 1) and chain() sets every field a second
            // segment carries.
            if (rte_mempool_get_bulk(rt_.ext_pool, reinterpret_cast<void**>(ext_), kBurst) != 0) {
                rte_mbuf* x = rte_pktmbuf_alloc(rt_.ext_pool); // the pool is nearly empty
                if (x) rte_mbuf_ext_refcnt_update(&l_.shinfo, 1);
                return x;
            }
            ext_n_ = kBurst;
            rte_mbuf_ext_refcnt_update(&l_.shinfo, kBurst);
        }
        return ext_[--ext_n_];
    }

    // The client's slot by its MAC key (first byte in the low bits: the order telemetry
    // decodes); the table is open-addressed over aoe::mac_hash, bit 63 marks a used slot.
    [[gnu::always_inline]] ClientSlot& client_slot(std::uint64_t mac) {
        const std::uint64_t key = mac | (std::uint64_t{1} << 63);
        const std::uint32_t h = aoe::mac_hash(key);
        for (std::uint32_t probe = 0; probe < 8; ++probe) {
            ClientSlot& c = l_.clients[(h + probe) % kClientSlots];
            std::uint64_t k = c.key.load(std::memory_order_relaxed);
            if (k == key) return c;
            if (k == 0) {
                c.key.store(key, std::memory_order_relaxed);
                return c;
            }
        }
        return l_.client_overflow;
    }

    // Turns an engine reply in header mbuf `h` into a frame: zero-copy chain, copy, or inline.
    // Returns the frame length handed to the TX path (0 when it was dropped). Inlined: the
    // zero-copy read is the per-read path; the copy and FLUSH cases are calls.
    [[gnu::always_inline]] std::uint32_t finish(std::uint16_t p, rte_mbuf* h, const aoe::Reply& r) {
        h->data_len = r.header_len;
        h->pkt_len = r.header_len;
        // A reply without data is already zero-padded to 60 bytes by the engine.
        if (r.data_len && !(r.zero_copy_ok && rt_.ports[p].zero_copy && chain(p, h, r))) {
            h = copy_data(p, h, r.header_len, r.data, r.data_len);
            if (!h) return 0;
        }
        if (r.needs_flush) return to_flush(p, h, r.export_index);
        const std::uint32_t len = h->pkt_len;
        transmit(p, h);
        return len;
    }

    // Chains the reply's sectors to header `h` as an external buffer in the image (no copy).
    // False when no attachable mbuf is left: the caller copies instead.
    [[gnu::always_inline]] bool chain(std::uint16_t p, rte_mbuf* h, const aoe::Reply& r) {
        rte_mbuf* x = ext_mbuf();
        if (!x) return false;
        auto* data = const_cast<std::uint8_t*>(r.data);
        rte_iova_t iova = rt_.iova_delta[r.export_index];
        if (iova != RTE_BAD_IOVA) iova += reinterpret_cast<rte_iova_t>(data);
        rte_pktmbuf_attach_extbuf(x, data, iova, static_cast<std::uint16_t>(r.data_len),
                                  &l_.shinfo);
        x->data_len = static_cast<std::uint16_t>(r.data_len);
        x->pkt_len = r.data_len;
        h->next = x;
        h->nb_segs = 2;
        h->pkt_len = r.header_len + r.data_len;
        ++tally_[p].tx_zero_copy;
        return true;
    }

    // The copy path: the sectors copied after the header, in `h` when they fit, else into a
    // packet mbuf that replaces it. Returns the frame, or nullptr when no buffer was left
    // (counted as the engine's no_buffer drop).
    [[gnu::noinline]] rte_mbuf* copy_data(std::uint16_t p, rte_mbuf* h, std::uint16_t header_len,
                                          const std::uint8_t* data, std::uint32_t data_len) {
        if (rte_pktmbuf_tailroom(h) >= data_len) {
            std::memcpy(rte_pktmbuf_mtod_offset(h, std::uint8_t*, header_len), data, data_len);
            h->data_len = static_cast<std::uint16_t>(header_len + data_len);
            h->pkt_len = h->data_len;
        } else {
            rte_mbuf* big = rte_pktmbuf_alloc(rt_.pkt_pool);
            if (!big || rte_pktmbuf_tailroom(big) < header_len + data_len) {
                if (big) rte_pktmbuf_free(big);
                rte_pktmbuf_free(h);
                l_.engine[p]->count_no_buffer();
                return nullptr;
            }
            auto* d = rte_pktmbuf_mtod(big, std::uint8_t*);
            std::memcpy(d, rte_pktmbuf_mtod(h, std::uint8_t*), header_len);
            std::memcpy(d + header_len, data, data_len);
            big->data_len = static_cast<std::uint16_t>(header_len + data_len);
            big->pkt_len = big->data_len;
            rte_pktmbuf_free(h);
            h = big;
        }
        l_.stats[p].tx_copy.add();
        return h;
    }

    // FLUSH on a writable export: the control thread runs msync and gives the reply back on
    // flush_done; this lcore never blocks.
    [[gnu::noinline]] std::uint32_t to_flush(std::uint16_t p, rte_mbuf* h,
                                             std::uint16_t export_index) {
        MbufRoute::set(h, p, export_index);
        if (!l_.flush_req->push(h)) {
            l_.stats[p].flush_full.add();
            rte_pktmbuf_free(h);
            return 0;
        }
        l_.stats[p].flushes.add();
        return h->pkt_len;
    }

    [[gnu::always_inline]] void transmit(std::uint16_t p, rte_mbuf* h) {
        TxQueue& q = l_.txq[p];
        if (q.full()) (void)flush(p);
        if (q.full()) {
            // Only more replies than one RX burst's worth can get here (a broadcast query
            // answered by many exports while the ring is stuck): the one loss left.
            l_.stats[p].tx_dropped.add();
            rte_pktmbuf_free(h);
            return;
        }
        ++tally_[p].tx_frames;
        tally_[p].tx_bytes += h->pkt_len;
        q.push(h);
        if (q.n >= kBurst) (void)flush(p);
    }

    // Port `p`'s TX queue to the PMD (TxQueue::flush); true when nothing is left.
    bool flush(std::uint16_t p) {
        return l_.txq[p].flush(rt_.ports[p].port_id, l_.queue, now_ns_, l_.stats[p]);
    }

    LcoreCtx& l_;
    Runtime& rt_;
    std::uint16_t nports_ = 0;
    bool dispatch_ = false;
    TraceTap* trace_ = nullptr;
    std::uint64_t ns_mult_ = 0, drain_tsc_ = 0, idle_after_tsc_ = 0, max_sleep_ns_ = 0;
    std::uint64_t now_ns_ = 0, next_tick_ns_ = 0;
    rte_mbuf* spare_ = nullptr;
    struct Tally { // per port, published by publish_tallies()
        std::uint64_t tx_frames = 0, tx_bytes = 0, tx_zero_copy = 0;
    };
    std::array<Tally, kMaxPorts> tally_{};
    ClientSlot* read_client_ = nullptr; // client_slot(read_client_key_)
    std::uint64_t read_client_key_ = 0;
    std::uint64_t read_client_frames_ = 0, read_client_replies_ = 0, read_client_bytes_ = 0;
    rte_mbuf* ext_[kBurst];
    unsigned ext_n_ = 0;
};

} // namespace

int lcore_main(void* arg) {
    auto* l = static_cast<LcoreCtx*>(arg);
    // Idle sleeps must wake on time: the default 50 us timer slack would add to first-reply
    // latency after idling.
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    Loop loop(*l);
    l->running.store(true);
    if (aoe_probe_thread_arm) aoe_probe_thread_arm(1);
    loop.run();
    if (aoe_probe_thread_arm) aoe_probe_thread_arm(0);
    l->running.store(false);
    return 0;
}

} // namespace aoehal
