// What the HAL configures: the port an engine answers from (PortInfo), the options every
// engine shares (TargetOptions) and the bundle of shared state handed to each engine (Target).
#pragma once

#include <cstdint>

#include "wire.hpp"

namespace aoe {

class ExportTable; // export_table.hpp

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

// ---- the ranges of the options every platform takes -----------------------------------------
// aoe-target's --vlan, --advertise-interval, --peer-interval and --mtu, and aoe-firmware's
// words of the same names, accept the same values; each platform reads the number in its own
// syntax (aoe-target: fractional seconds; aoe-firmware: whole seconds) and words its message
// from these. The largest MTU is the platform's (its buffers), not the protocol's.
struct OptionRange {
    std::uint32_t min, max;
    // A whole or (on a hosted platform) fractional number; no floating point is used in
    // aoe-firmware (built -mgeneral-regs-only), which only asks about whole numbers.
    template <class T> constexpr bool holds(T v) const {
        return v >= static_cast<T>(min) && v <= static_cast<T>(max);
    }
};
inline constexpr OptionRange kVlanRange{1, 4094}; // 802.1Q: VID 0 is untagged, 4095 reserved
inline constexpr OptionRange kAdvertIntervalRange{0, 3600}; // seconds; 0: no adverts
// Seconds between checks for other targets; or 0: off. Under a second the owner would flood
// the segment with discovery queries.
inline constexpr OptionRange kPeerIntervalRange{1, 3600};
// The smallest MTU: every IPv4 link carries 576 bytes, and IDENTIFY's 512-byte reply (534 with
// its headers) must fit in one frame.
inline constexpr std::uint32_t kMtuMin = 576;

// Everything shared between engines.
struct Target {
    ExportTable* exports;
    TargetOptions options;
};

} // namespace aoe
