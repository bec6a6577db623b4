// Other targets serving our shelf.slots (peers.cpp): the table's bounds, the tags of our
// probes, and what the control thread reads of one entry (Engine::peer).
//
// Two hosts exporting one shelf.slot are fine (Linux multipath) only if they serve the same
// bytes; a client mixes blocks from both. Identity is the IDENTIFY serial (docs/decisions.md).
#pragma once

#include <cstdint>

#include "wire.hpp"

namespace aoe {

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

} // namespace aoe
