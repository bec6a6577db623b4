// The AoE r11 target engine: one received frame in, zero or more reply frames out.
//
// Freestanding: no heap, no exceptions, no OS calls. All storage comes from the caller
// (carved from an Arena at start-up). The engine never copies sector data: a read reply is
// the header bytes written into the caller's buffer plus a (pointer, length) into the image.
//
// This header is the HAL contract; it includes the rest of it, one concept per header:
// export_table.hpp (Export, ExportTable), options.hpp (PortInfo, TargetOptions, Target),
// frame_state.hpp (FrameState), verdict.hpp (Verdict and the drop/silent reasons), reply.hpp
// (Reply, kMaxInlineReply), counters.hpp (EngineCounters, ExportCounters) and peers.hpp
// (PeerSnapshot, PeerVerdict).
//
// Threading model (see ARCHITECTURE.md):
//  * A Target holds what every lcore shares: the export table and each export's r11 control
//    state (config string, Mac Mask List, reserve list).
//  * Each lcore owns one Engine (its counters, its rate limiter, its scratch state). Engines
//    never write to each other.
//  * Owner engines (Role::owner) execute the commands that change control state (config
//    set, mask edit, reserve set) and send adverts; the HAL routes such frames to an owner
//    (Engine::route). One owner per port is fine as long as all owners run on ONE thread
//    (e.g. each port's queue-0 engine on the queue-0 lcore): control state has one writer. Other
//    engines read the mask and reserve lists through a sequence counter over atomic words, so a
//    reader never sees a half-done edit and never waits on a lock.
//  * Exports are published by a control thread (not an lcore) with ExportTable::publish,
//    an atomic pointer swap; the HAL reclaims retired exports after a grace period
//    (Engine::quiescent marks each lcore's passes).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "counters.hpp"
#include "export_table.hpp"
#include "frame_state.hpp"
#include "options.hpp"
#include "peers.hpp"
#include "reply.hpp"
#include "verdict.hpp"
#include "wire.hpp"

namespace aoe {

enum class Role : std::uint8_t { owner, worker };

struct EngineStorage; // per-engine arrays carved from the arena (rate limiter, retransmit memo)

class Engine {
  public:
    // Bytes of arena storage one engine needs; pass a block of that size (any alignment) to
    // the constructor. The block must outlive the engine.
    static std::size_t storage_bytes(const TargetOptions& opts);
    Engine(const Target& target, const PortInfo& port, Role role, void* storage);

    // Validate one frame. On Verdict::reply, call next_reply() until it returns false
    // (reply_loop.hpp's send_frame_replies is that loop).
    Verdict accept(const std::uint8_t* frame, std::uint32_t len, std::uint64_t now_ns,
                   FrameState& st);
    // Build the next reply for `st` into `out` (at least kMaxInlineReply bytes).
    bool next_reply(FrameState& st, std::uint8_t* out, std::uint32_t out_cap, Reply& reply);

    // The unicast read fast path: one pass over a frame that is a READ SECTORS (EXT) addressed
    // to one of our exports, with every check accept() and the ATA handler make for it; the
    // reply header is written over the request in `frame` (the MACs swapped, R set, the ATA
    // status filled in; the rest of the request's header is the reply's) and `reply` points at
    // the sectors. The frame and its buffer must be the HAL's to overwrite. Returns false,
    // having changed and counted nothing, for every other frame (tagged twice, broadcast, an
    // error to answer, another command, a list that refuses the sender, ...): the HAL then takes
    // accept()/next_reply(), which decide and count it (docs/aoe-protocol.md §3.4).
    // Defined in serve_read.hpp (inline: the HAL includes it where it calls it).
    inline bool serve_read(std::uint8_t* frame, std::uint32_t len, Reply& reply);
    // serve_read() counts its reads in the engine, not yet in the counters telemetry reads:
    // call end_burst() after each burst (and before quiescent()) to add them there.
    void end_burst() {
        if (batch_.reads) publish_batch();
    }

    // Periodic work (adverts, then peer discovery and probes). Owner only (adverts carry the
    // owner-only config string).
    // Every advert_interval_ns a round starts: each call returns one advert (a Query Config
    // response, R set, tag 0, to broadcast or to each allow-list MAC) for export `cursor`
    // and advances the cursor; false when the round is over (cursor back to 0) or nothing
    // is due. Call after each poll until it returns false (reply_loop.hpp's send_tick_frames).
    bool tick(std::uint64_t now_ns, std::uint16_t& cursor, std::uint8_t* out, std::uint32_t out_cap,
              Reply& reply);

    // Which engine must handle this frame: owner-only commands return Role::owner.
    // Cheap (reads a few header bytes); used by the HAL's software dispatcher.
    static Role route(const std::uint8_t* frame, std::uint32_t len);

    // The HAL could not get a buffer for a reply it was given: count it as dropped.
    void count_no_buffer() { counters_.dropped[static_cast<int>(DropReason::no_buffer)].add(); }
    // Marks a quiescent point (after each burst) for export reclamation.
    void quiescent(std::uint64_t epoch) {
        quiescent_epoch_.store(epoch, std::memory_order_release);
    }
    std::uint64_t quiescent_epoch() const {
        return quiescent_epoch_.load(std::memory_order_acquire);
    }

    // Control thread: a consistent copy of peer-table entry `i` (< kMaxPeers); false if free.
    bool peer(std::uint16_t i, PeerSnapshot& out) const;

    const EngineCounters& counters() const { return counters_; }
    const ExportCounters& export_counters(std::uint16_t index) const;

  private:
    bool evaluate(const Export& e, const FrameState& st, int& why) const;
    bool find_match(FrameState& st, std::uint32_t from, int& why) const;
    bool rate_ok(const Mac& src, std::uint64_t now_ns);
    // peers.cpp
    void observe_peer(const FrameState& st, std::uint64_t now_ns);
    void note_identify_reply(const FrameState& st, const Export& e, std::uint64_t key,
                             std::uint32_t where, std::uint64_t now_ns);
    void note_config_reply(std::uint64_t key, std::uint32_t where, std::uint64_t now_ns);
    bool peer_tick(std::uint64_t now_ns, std::uint8_t* out, std::uint32_t out_cap, Reply& reply);
    bool next_discovery(std::uint64_t now_ns, std::uint8_t* out, Reply& reply);
    bool next_identify_probe(std::uint64_t now_ns, std::uint8_t* out, Reply& reply);

    void publish_batch();

    const Target& target_;
    PortInfo port_;
    Role role_;
    EngineStorage* storage_;
    EngineCounters counters_;
    std::atomic<std::uint64_t> quiescent_epoch_{0};
    // serve_read()'s counts since the last end_burst(), for export `index`: plain words the
    // lcore adds to (one instruction each), added to the atomic counters once per burst.
    struct ReadBatch {
        std::uint64_t reads = 0, reply_bytes = 0, read_bytes = 0;
        std::uint16_t index = 0;
    } batch_;
    std::uint8_t max_sectors_ = 0; // sectors_for_mtu(port MTU): the largest read a frame holds
};

} // namespace aoe
