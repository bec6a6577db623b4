// The per-frame scratch state of Engine::accept and Engine::next_reply; the HAL declares one
// per received frame and passes it to both.
#pragma once

#include <cstdint>

#include "wire.hpp"

namespace aoe {

// Scratch state the engine keeps between accept() and next_reply() for one frame.
// The frame must stay valid and unchanged until the last next_reply().
struct FrameState {
    const std::uint8_t* frame = nullptr;
    std::uint32_t len = 0;
    std::uint32_t aoe = 0; // offset of the AoE header (14, 18 or 22 with tags); 0: not AoE
    std::uint16_t tci = 0; // innermost VLAN TCI (PCP and VID); tags are echoed verbatim
    bool tagged = false;
    std::uint16_t next_export = 0; // index of the next export to answer for
    // Filled in by accept() for next_reply():
    Mac src{}; // the requester (replies go back to it)
    std::uint8_t command = 0;
    std::uint8_t pending_error = 0; // AoE error answered for every matching export (1, 5)
    bool broadcast = false;         // shelf 0xFFFF or slot 0xFF (Query Config only)
    bool done = true;
};

} // namespace aoe
