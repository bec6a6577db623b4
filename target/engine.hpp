// The AoE r11 target engine: one received frame in, zero or more reply frames out.
//
// Freestanding: no heap, no exceptions, no OS calls. All storage comes from the caller
// (carved from an Arena at start-up). The engine never copies sector data: a read reply is
// the header bytes written into the caller's buffer plus a (pointer, length) into the image.
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

#include "mac_list.hpp"
#include "wire.hpp"

namespace aoe {

// ---- exports -----------------------------------------------------------------------------
inline constexpr std::uint16_t kMaxMaskEntries = 32;     // vblade's Nmasks
inline constexpr std::uint16_t kMaxReserveEntries = 240; // fits a reply in a 1500-byte MTU

// Per-export r11 control state; written only by the owner engine.
struct ExportControl {
    // Owner-only (not atomic): Query Config frames and adverts are handled by the owner.
    std::uint16_t config_len = 0;
    char config[cfg::kMaxString]{}; // the config string belongs to the clients; starts empty
    MacList<kMaxMaskEntries> mask;
    MacList<kMaxReserveEntries> reserve;
};

// One exported image. Filled in by the HAL control thread, then published; immutable while
// published except for the writable image bytes and `control`.
struct Export {
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    bool writable = false;         // rw exports: served through the copy path, writes accepted
    std::uint8_t* image = nullptr; // base of the image in memory
    std::uint64_t sectors = 0;     // served capacity in 512-byte sectors
    // IDENTIFY strings in reading order (the engine byte-swaps them into ATA order); a NUL
    // ends the string early and the rest is sent as spaces.
    char serial[20]{};  // words 10-19: image identity (hash prefix)
    char firmware[8]{}; // words 23-26
    char model[40]{};   // words 27-46
    ExportControl control;
};

// Fixed-capacity table of published exports. Slots are atomic pointers; the per-frame path
// does acquire loads only.
class ExportTable {
  public:
    static constexpr std::uint16_t kMaxCapacity = 255;
    // `slots` is caller storage for `capacity` pointers (from the arena).
    ExportTable(std::atomic<Export*>* slots, std::uint16_t capacity);
    std::uint16_t capacity() const { return capacity_; }
    // Control thread only. Returns false if the table is full or shelf.slot is taken.
    bool publish(Export* e, std::uint16_t* index_out);
    // Control thread only. After it returns, the HAL waits for every engine to pass a
    // quiescent point before it unmaps the image.
    Export* retire(std::uint16_t index);
    Export* at(std::uint16_t index) const { return slots_[index].load(std::memory_order_acquire); }
    // Per-frame lookup of an exact shelf.slot; nullptr if not exported.
    Export* find(std::uint16_t shelf, std::uint8_t slot, std::uint16_t* index_out) const;

  private:
    std::atomic<Export*>* slots_;
    std::uint16_t capacity_;
};

// ---- configuration -------------------------------------------------------------------------
struct PortInfo {
    Mac mac;                  // replies are sent from this MAC
    std::uint16_t mtu = 1500; // the verified MTU: sector count and reply size follow from it
                              // (IDENTIFY needs >= 534 and a full config string 1042;
                              // below that the engine answers ABRT / clamps, never overruns)
};

struct TargetOptions {
    std::uint16_t buffer_count = 64; // Query Config: Buffer Count; values below 64 are
                                     // raised to 64 (Linux's window, docs/aoe-protocol.md §4)
    std::uint16_t firmware_version = 0x4000 | 1;
    // 0: untagged (or priority-tagged, VID 0) frames only; else only this 802.1Q VID (the
    // innermost tag; an outer 802.1ad tag is accepted and echoed).
    std::uint16_t vlan = 0;
    bool remote_admin = false;  // let clients set config / edit mask / reserve
    const Mac* allow = nullptr; // static allow-list (vblade -m); empty = everyone
    std::uint16_t allow_count = 0;
    std::uint64_t advert_interval_ns = 1'000'000'000; // 0: no periodic adverts; else >= 100 ms
    // Broadcast config queries: at most `cfg_burst` replies per source MAC per window.
    std::uint64_t cfg_rate_window_ns = 100'000'000;
    std::uint16_t cfg_burst = 8;
    std::uint16_t cfg_rate_sources = 64;  // rate-limiter table entries per engine (power of 2)
    std::uint16_t retransmit_memo = 1024; // retransmit memo entries per engine (power of 2)
    // Other targets answering for our shelf.slots (peers.cpp): the owner asks for them with
    // a broadcast Query Config at start and then every interval, IDENTIFYs each one it sees
    // (in a reply or an advert) and compares its serial with ours. 0: off.
    std::uint64_t peer_interval_ns = 30'000'000'000;
};

// Everything shared between engines.
struct Target {
    ExportTable* exports;
    TargetOptions options;
};

// ---- results -----------------------------------------------------------------------------
enum class Verdict : std::uint8_t {
    reply,   // at least one reply; call Engine::next_reply until it returns false
    drop,    // dropped and counted by reason
    silent,  // no reply by the spec (R set, config test mismatch, not our shelf.slot, ...)
    forward, // Role::worker only: this frame must be handled by the owner (Engine::route)
};

enum class DropReason : std::uint8_t {
    runt,          // shorter than Ethernet + AoE header
    not_aoe,       // EtherType (after VLAN tags) is not 0x88A2
    wrong_vlan,    // tagged when we serve untagged, or a VID we do not serve
    foreign_dst,   // destination neither our MAC nor broadcast
    group_src,     // multicast/broadcast source MAC (reflection/amplification)
    not_allowed,   // source not in the static allow-list
    masked,        // source not in the export's non-empty Mac Mask List
    truncated,     // argument shorter than the command needs
    broadcast_ata, // broadcast shelf/slot on a non-config command
    vendor,        // vendor command 0xF0-0xFF
    rate_limited,  // broadcast config query over the per-source budget
    no_buffer,     // the HAL had no reply buffer (counted by the HAL via count_no_buffer)
    count_
};

enum class SilentReason : std::uint8_t {
    response,        // R flag set (another target's advert or reply; peers.cpp reads them)
    not_ours,        // shelf.slot not exported here
    config_mismatch, // Query Config test / prefix test did not match
    looped,          // a frame from our own port MAC (a loop, a MAC clash): never answered
    count_
};

// What the HAL transmits for one reply: `header_len` bytes at the caller's buffer, then
// `data_len` bytes at `data` (sector data inside an image, or nullptr). A reply without data
// is already zero-padded to kMinFrameLen (header_len >= 60): the HAL sends it as it is.
struct Reply {
    std::uint16_t header_len = 0;
    const std::uint8_t* data = nullptr;
    std::uint32_t data_len = 0;
    std::uint16_t export_index = 0;
    bool zero_copy_ok = false; // false for writable exports: the HAL must copy `data`
    bool needs_flush = false;  // FLUSH on a writable export: sync the image, then send
    bool last = false; // no more replies for this frame: the HAL may skip the next next_reply()
};

// Largest header_len a reply can have: Ethernet + two VLAN tags (802.1ad + 802.1Q) + the
// largest inline AoE payload: a full reserve list (12 + 240 * 6 = 1452), a config string
// (18 + 1024), IDENTIFY (22 + 512) or a mask list (14 + 32 * 8).
inline constexpr std::size_t kMaxInlineAoe = rsv::kArgEnd + 6u * kMaxReserveEntries;
static_assert(kMaxInlineAoe >= cfg::kArgEnd + cfg::kMaxString);
static_assert(kMaxInlineAoe >= ata::kArgEnd + ata::kSectorSize);
static_assert(kMaxInlineAoe >= mask::kArgEnd + mask::kDirectiveLen * kMaxMaskEntries);
static_assert(kMaxInlineAoe <= 1500, "a full reserve list must fit a 1500-byte MTU");
inline constexpr std::size_t kMaxInlineReply = kEthHeaderLen + 2 * kVlanTagLen + kMaxInlineAoe;

// ---- counters ----------------------------------------------------------------------------
// One writer (the owning lcore), read by the telemetry thread: relaxed atomics, no RMW.
struct Counter {
    std::atomic<std::uint64_t> v{0};
    void add(std::uint64_t n = 1) {
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct ExportCounters {
    Counter reads, writes, identify, flushes, other_ata;
    Counter read_bytes, write_bytes;
    Counter ata_errors;       // ATA status ERR replies (ABRT, IDNF)
    Counter retransmits_seen; // same LBA asked again by the same client (Linux retransmit)
};

// Every frame counts once in frames_in and exactly once in one of: replied, dropped[],
// silent[], forwarded (dropped[no_buffer] is counted by the HAL on top, after the fact).
struct EngineCounters {
    Counter frames_in;
    Counter replied;              // frames that got one or more replies
    Counter replies, reply_bytes; // reply frames built (a broadcast query may get several)
    Counter dropped[static_cast<int>(DropReason::count_)];
    Counter silent[static_cast<int>(SilentReason::count_)];
    Counter aoe_errors[7]; // replies sent with the E flag, by AoE error code
    Counter config_cmds, mask_cmds, reserve_cmds;
    Counter adverts;
    Counter forwarded; // workers: frames routed to the owner
    // peers.cpp (owner only): discovery queries and IDENTIFY probes sent; verdicts that
    // turned to "differs"; peers not tracked because the table was full of live entries.
    Counter peer_probes, peer_conflicts, peer_table_full;
};

// ---- other targets serving our shelf.slots ---------------------------------------------------
// Two hosts exporting one shelf.slot are fine (Linux multipath) only if they serve the same
// bytes; a client mixes blocks from both. Identity is the IDENTIFY serial (docs/decisions.md).
inline constexpr std::uint16_t kMaxPeers = 16;
// Tags of the frames the owner sends to find and identify peers: high half 0xAE0B, low half
// the peer-table index (0xFFFF for discovery queries). Only our own requests carry them.
inline constexpr std::uint32_t kPeerTagBase = 0xAE0B'0000u;
inline constexpr std::uint16_t kPeerProbeTries = 3; // IDENTIFYs before "no identity"

enum class PeerVerdict : std::uint8_t {
    pending = 0,     // seen; IDENTIFY sent, no answer yet
    same = 1,        // its serial equals ours: same image, multipath is safe
    differs = 2,     // another serial: a client would mix data from two images
    no_identity = 3, // it answered config queries but not IDENTIFY (error, or no reply)
};

// A consistent copy of one entry, for the control thread.
struct PeerSnapshot {
    Mac mac{};
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    PeerVerdict verdict = PeerVerdict::pending;
    char serial[20]{}; // spaces as sent; empty unless it answered IDENTIFY
    std::uint64_t seen = 0;
    std::uint64_t last_seen_ns = 0; // the engine's clock (the now_ns passed to accept/tick)
};

// ---- the engine --------------------------------------------------------------------------
enum class Role : std::uint8_t { owner, worker };

// Scratch state the engine keeps between accept() and next_reply() for one frame.
// The frame must stay valid and unchanged until the last next_reply().
struct FrameState {
    const std::uint8_t* frame = nullptr;
    std::uint32_t len = 0;
    std::uint32_t aoe = 0; // offset of the AoE header (14, 18 or 22 with tags)
    std::uint16_t tci = 0; // innermost VLAN TCI (PCP and VID); tags are echoed verbatim
    bool tagged = false;
    std::uint16_t next_export = 0; // index of the next export to answer for
    std::uint16_t replies = 0;     // replies built so far for this frame
    // Filled in by accept() for next_reply():
    Mac src{}; // the requester (replies go back to it)
    std::uint8_t command = 0;
    std::uint8_t pending_error = 0; // AoE error answered for every matching export (1, 5)
    bool broadcast = false;         // shelf 0xFFFF or slot 0xFF (Query Config only)
    bool done = true;
};

struct EngineStorage; // per-engine arrays carved from the arena (rate limiter, retransmit memo)

class Engine {
  public:
    // Bytes of arena storage one engine needs; pass a block of that size (any alignment) to
    // the constructor. The block must outlive the engine.
    static std::size_t storage_bytes(const TargetOptions& opts);
    Engine(const Target& target, const PortInfo& port, Role role, void* storage);

    // Validate one frame. On Verdict::reply, call next_reply() until it returns false.
    Verdict accept(const std::uint8_t* frame, std::uint32_t len, std::uint64_t now_ns,
                   FrameState& st);
    // Build the next reply for `st` into `out` (at least kMaxInlineReply bytes).
    bool next_reply(FrameState& st, std::uint8_t* out, std::uint32_t out_cap, Reply& reply);

    // Periodic work (adverts, then peer discovery and probes). Owner only (adverts carry the
    // owner-only config string).
    // Every advert_interval_ns a round starts: each call returns one advert (a Query Config
    // response, R set, tag 0, to broadcast or to each allow-list MAC) for export `cursor`
    // and advances the cursor; false when the round is over (cursor back to 0) or nothing
    // is due. Call after each poll: `while (e.tick(now, cur, buf, cap, r)) send(...)`.
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
    const PortInfo& port() const { return port_; }

  private:
    bool evaluate(const Export& e, const FrameState& st, int& why) const;
    bool find_match(FrameState& st, std::uint32_t from, int& why) const;
    bool rate_ok(const Mac& src, std::uint64_t now_ns);
    // peers.cpp
    void observe_peer(const FrameState& st, std::uint64_t now_ns);
    bool peer_tick(std::uint64_t now_ns, std::uint8_t* out, std::uint32_t out_cap, Reply& reply);

    const Target& target_;
    PortInfo port_;
    Role role_;
    EngineStorage* storage_;
    EngineCounters counters_;
    std::atomic<std::uint64_t> quiescent_epoch_{0};
};

} // namespace aoe
