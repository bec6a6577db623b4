// The state of a running aoe-target: ports, pools, rings, per-lcore contexts, engines.
// Everything here is created once at start-up (the functions of setup.hpp, called in order by
// aoe_target_main.cpp) and torn down once at exit, except the export slots a reload
// (exports.cpp, control thread) fills and retires; the lcore loop (datapath.cpp) only reads
// pointers from it.
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hal/dpdk/image.hpp"
#include "hal/dpdk/options.hpp"
#include "target/arena.hpp"
#include "target/engine.hpp"
#include "target/spsc_ring.hpp"

namespace aoehal {

inline constexpr std::uint16_t kMaxPorts = 8;
inline constexpr std::uint16_t kMaxLcores = 64;
inline constexpr std::uint16_t kBurst = 32;

// HAL counters of one (lcore, port): what happened around the engine. Single writer (the lcore),
// read by telemetry with relaxed loads.
struct QueueStats {
    aoe::Counter rx_frames;      // frames taken from this port's RX queue by this lcore
    aoe::Counter rx_dispatched;  // frames received from queue 0's dispatcher (workers)
    aoe::Counter dispatched_out; // frames this lcore (queue 0) handed to a worker
    aoe::Counter dispatch_full;  // dropped: the worker's ring was full
    aoe::Counter forward_full;   // dropped: the owner's ring was full
    aoe::Counter rx_segmented;   // dropped: a received frame spread over several mbufs
    aoe::Counter tx_frames, tx_bytes;
    aoe::Counter tx_zero_copy; // replies sent as header + external buffer in the image
    aoe::Counter tx_copy;      // replies whose sector data was copied into the mbuf
    aoe::Counter tx_dropped;   // dropped: our TX queue was full even after a flush (TxQueue)
    aoe::Counter tx_stalled;   // flushes the PMD took only part of (its TX ring was full)
    aoe::Counter rx_paused;    // polls that skipped RX on this port: replies still waiting
    aoe::Counter tx_abandoned; // queued replies freed: the ring took none for 500 ms, or exit
    aoe::Counter flushes;      // FLUSH replies that waited for msync on the control thread
    aoe::Counter flush_full;   // dropped: the flush ring was full
};

// What an mbuf carries when it changes threads (dispatcher -> worker, worker -> owner, lcore ->
// control thread for FLUSH and back): our port index, and for FLUSH the export to sync, in
// the mbuf's hash.usr (the RSS hash is not needed once the frame is received). One encoding.
struct MbufRoute {
    static void set(rte_mbuf* m, std::uint16_t port, std::uint16_t export_index = 0) {
        m->hash.usr = std::uint32_t{port} | (std::uint32_t{export_index} << 16);
    }
    static std::uint16_t port(const rte_mbuf* m) { return static_cast<std::uint16_t>(m->hash.usr); }
    static std::uint16_t export_index(const rte_mbuf* m) {
        return static_cast<std::uint16_t>(m->hash.usr >> 16);
    }
};

// Replies of one (lcore, port) waiting for the PMD. What a full TX ring does not take stays
// here, in order, for the next flush (never dropped); while more than kRxRoom wait, the
// lcore pulls no RX on that port, so the peer that stopped reading slows its own requests
// and nobody else's (docs/decisions.md, "Back-pressure").
struct TxQueue {
    static constexpr std::uint16_t kCap = 8 * kBurst;
    // New work (an RX burst, a ring of forwarded frames, adverts, FLUSH replies) is taken
    // only while at most kRxRoom wait: one step adds at most a burst's replies (one per ATA
    // frame), so the queue never overflows from ATA traffic; the second burst of margin is
    // for broadcast queries that several exports answer.
    static constexpr std::uint16_t kRxRoom = kCap - 2 * kBurst;
    // A ring that takes nothing for this long has no reader (peer gone, link down): the
    // queue is freed, so the lcore goes back to idling and passing quiescent points.
    static constexpr std::uint64_t kAbandonNs = 500'000'000;
    std::array<rte_mbuf*, kCap> pkts{};
    std::uint16_t n = 0;
    std::uint64_t stuck_since_ns = 0; // first flush that sent nothing (0: progressing)

    // Whether the port may take new work (kRxRoom).
    bool room() const { return n <= kRxRoom; }
    bool full() const { return n == kCap; }
    void push(rte_mbuf* h) { pkts[n++] = h; }

    // Frees what the queue holds: nobody reads that ring (counted tx_abandoned).
    void abandon(QueueStats& s) {
        s.tx_abandoned.add(n);
        rte_pktmbuf_free_bulk(pkts.data(), n);
        n = 0;
        stuck_since_ns = 0;
    }

    // Hands the queued replies to the PMD (port `port_id`, queue `queue`); what its ring does
    // not take stays queued, in order, until kAbandonNs without progress. True when nothing
    // is left.
    bool flush(std::uint16_t port_id, std::uint16_t queue, std::uint64_t now_ns, QueueStats& s) {
        if (n == 0) return true;
        const std::uint16_t sent = rte_eth_tx_burst(port_id, queue, pkts.data(), n);
        if (sent == n) {
            n = 0;
            stuck_since_ns = 0;
            return true;
        }
        s.tx_stalled.add();
        if (sent > 0) {
            stuck_since_ns = 0;
        } else if (stuck_since_ns == 0) {
            stuck_since_ns = now_ns;
        } else if (now_ns - stuck_since_ns > kAbandonNs) {
            abandon(s);
            return true;
        }
        std::memmove(pkts.data(), pkts.data() + sent, (n - sent) * sizeof(rte_mbuf*));
        n = static_cast<std::uint16_t>(n - sent);
        return false;
    }
};

// Per-client view (docs/decisions.md: statistics by client MAC). A fixed open-addressed table per
// lcore; one writer (the lcore), read by telemetry. Clients beyond its capacity are summed
// in `overflow`.
struct ClientSlot {
    std::atomic<std::uint64_t> key{0}; // MAC in the low 48 bits, bit 63 = used
    aoe::Counter frames_in, replies, reply_bytes;
};
inline constexpr std::uint32_t kClientSlots = 256;

struct PortState {
    std::uint16_t port_id = 0;
    std::string label; // "net_af_packet0 (veth0)" for messages
    std::string driver;
    std::string kernel_iface;   // af_packet: the kernel interface
    aoe::PortInfo info;         // MAC and verified MTU
    bool multi_seg = false;     // PMD offers RTE_ETH_TX_OFFLOAD_MULTI_SEGS
    bool zero_copy = false;     // multi_seg && !--copy && driver not af_xdp
    bool flow_steering = false; // rte_flow spreads AoE over the queues (untested here)
    // af_packet: frames that entered the PMD's kernel ring before the kernel filter was
    // attached, discarded unread at start-up (af_packet.hpp). Written once, before the lcores.
    std::uint64_t rx_before_filter = 0;
};

struct LcoreCtx;

struct ExportSlot {
    std::unique_ptr<Image> image;
    ExportSpec spec;            // what the configuration asked for (reload compares it)
    std::string origin;         // "FILE:LINE" when it came from a configuration file
    aoe::Export* exp = nullptr; // in the arena (Runtime::export_store)
    std::uint16_t index = 0;    // in the ExportTable
    std::uint16_t store = 0;    // in Runtime::export_store
    rte_iova_t iova_base = RTE_BAD_IOVA;
    bool dma_mapped = false;
    // The engines' per-export counters of `index` when this export was published: a table
    // index is reused after a reload, and telemetry shows this export's own counts.
    std::vector<std::pair<std::string, std::uint64_t>> counter_base;
};

struct Runtime {
    Options opt;
    Options cmdline; // as parsed from the command line: SIGHUP re-reads the files under it
    std::vector<PortState> ports;
    std::uint16_t nq = 1;           // queues (= lcores)
    bool software_dispatch = false; // nq > 1 and some port lacks flow steering

    rte_mempool* pkt_pool = nullptr; // RX and large copy replies
    rte_mempool* hdr_pool = nullptr; // reply headers (and small copy replies)
    rte_mempool* ext_pool = nullptr; // mbufs without data room, attached into images
    std::uint32_t pkt_data_room = 0;

    void* arena = nullptr; // one block: export table, exports, engines
    aoe::ExportTable* table = nullptr;
    aoe::Target target{};
    std::vector<aoe::Mac> allow;     // backing store of target.options.allow
    std::vector<ExportSlot> exports; // by ExportTable index
    // Export storage for the table's capacity (arena); a reload reuses freed entries.
    aoe::Export* export_store = nullptr;
    std::vector<bool> export_store_used;
    // Guards `exports` between the control thread (reload) and telemetry readers; never
    // taken by an lcore.
    mutable std::mutex exports_mu;
    // By table index: what to add to an image byte's address to get its IOVA (the image's
    // IOVA minus its address, modulo 2^64), RTE_BAD_IOVA when it has none. The image's address
    // itself is the Export's (`image`); the HAL keeps only what the core cannot know.
    std::array<rte_iova_t, aoe::ExportTable::kMaxCapacity> iova_delta{};
    std::array<Image*, aoe::ExportTable::kMaxCapacity> image_by_index{};

    std::vector<LcoreCtx*> lcores; // by queue
    std::atomic<bool> force_quit{false};
    std::uint64_t tsc_hz = 0;
};

// Per-lcore state, in the l2fwd shape: the queue it polls on every port, its TX queues,
// its engines (one per port), its rings.
struct alignas(64) LcoreCtx {
    Runtime* rt = nullptr;
    unsigned lcore_id = 0;
    std::uint16_t queue = 0;
    std::array<aoe::Engine*, kMaxPorts> engine{};
    std::array<TxQueue, kMaxPorts> txq{};
    std::array<QueueStats, kMaxPorts> stats{};
    // Lock-free SPSC rings from the core (target/spsc_ring.hpp), carved from the arena.
    using Ring = aoe::SpscRing<rte_mbuf*>;
    Ring* from_dispatcher = nullptr;   // queue 0 -> this worker (software dispatch)
    Ring* to_owner = nullptr;          // this worker -> queue 0 (Verdict::forward)
    Ring* flush_req = nullptr;         // this lcore -> control thread (FLUSH on rw exports)
    Ring* flush_done = nullptr;        // control thread -> this lcore (replies to send)
    rte_mbuf_ext_shared_info shinfo{}; // never freed: external buffers point into images
    std::uint16_t advert_cursor[kMaxPorts]{};
    std::array<ClientSlot, kClientSlots> clients{};
    ClientSlot client_overflow;
    std::atomic<std::uint64_t> idle_sleeps{0};
    std::atomic<bool> running{false};
    alignas(64) std::uint8_t scratch[aoe::kMaxInlineReply + 64]; // reply sink when out of mbufs
};

} // namespace aoehal
