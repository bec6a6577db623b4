// What Engine::accept decides for one frame (Verdict), and why a frame got no reply
// (DropReason, SilentReason: each indexes a counter in counters.hpp).
#pragma once

#include <cstdint>

namespace aoe {

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

// The reasons' names, as telemetry, metrics and the firmware's console print them (drop_<name>,
// silent_<name>), indexed by the enums above.
inline constexpr const char* kDropReasonNames[] = {
    "runt",   "not_aoe",   "wrong_vlan",    "foreign_dst", "group_src",    "not_allowed",
    "masked", "truncated", "broadcast_ata", "vendor",      "rate_limited", "no_buffer"};
static_assert(sizeof kDropReasonNames / sizeof kDropReasonNames[0] ==
              static_cast<int>(DropReason::count_));
inline constexpr const char* kSilentReasonNames[] = {"response", "not_ours", "config_mismatch",
                                                     "looped"};
static_assert(sizeof kSilentReasonNames / sizeof kSilentReasonNames[0] ==
              static_cast<int>(SilentReason::count_));

} // namespace aoe
