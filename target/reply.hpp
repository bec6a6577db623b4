// One reply as the HAL transmits it (Reply), and the largest header a reply can have
// (kMaxInlineReply: the size of the buffer the HAL passes to Engine::next_reply and tick).
#pragma once

#include <cstddef>
#include <cstdint>

#include "export_table.hpp"
#include "wire.hpp"

namespace aoe {

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
    // next_reply() only: no more replies for this frame, so the HAL may skip the next call.
    // tick()'s frames leave it false (a tick goes on until tick() returns false).
    bool last = false;
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

} // namespace aoe
