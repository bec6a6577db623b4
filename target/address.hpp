// The AoE address vocabulary every program shares: which shelf and slot numbers a target may
// use, how "eSHELF.SLOT" text splits, and the one text form of a MAC. aoe-target and the tools
// wrap it in hal/address.hpp (hosted: std::string, strtoul, sscanf); stage-pxe in
// pxe/aoe_address.cpp. The rules live here once, with the words for each fault (describe:
// aoe-target, the tools and the export line print them); each caller keeps its own number
// syntax, and stage-pxe its own messages for --aoe.
// Freestanding like the rest of target/: constexpr, no library, no std::string, no heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "target/wire.hpp"

namespace aoe {

// What makes a shelf or slot number unusable as a target's address, if anything.
enum class AddressFault : std::uint8_t {
    none,
    shelf_range,     // > 0xFFFF: does not fit the 16-bit Major field
    shelf_broadcast, // 0xFFFF (kShelfBroadcast)
    shelf_all_ones,  // 0x0FFF (kShelfInvalid): Linux refuses it ("shelf address is all ones")
    slot_range,      // > 0xFF: does not fit the 8-bit Minor field
    slot_broadcast,  // 0xFF (kSlotBroadcast)
};

constexpr AddressFault check_shelf(unsigned long shelf) {
    if (shelf > 0xFFFF) return AddressFault::shelf_range;
    if (shelf == kShelfBroadcast) return AddressFault::shelf_broadcast;
    if (shelf == kShelfInvalid) return AddressFault::shelf_all_ones;
    return AddressFault::none;
}

constexpr AddressFault check_slot(unsigned long slot) {
    if (slot > 0xFF) return AddressFault::slot_range;
    if (slot == kSlotBroadcast) return AddressFault::slot_broadcast;
    return AddressFault::none;
}

// The words every program prints for a fault ("" for none).
constexpr const char* describe(AddressFault f) {
    switch (f) {
    case AddressFault::none:
        return "";
    case AddressFault::shelf_range:
        return "shelf must be 0..65534";
    case AddressFault::shelf_broadcast:
        return "shelf 65535 (0xFFFF) is the broadcast address";
    case AddressFault::shelf_all_ones:
        return "shelf 4095 (0x0FFF) is refused by Linux clients (\"shelf address is all ones\")";
    case AddressFault::slot_range:
        return "slot must be 0..254";
    case AddressFault::slot_broadcast:
        return "slot 255 (0xFF) is the broadcast address";
    }
    return "bad address";
}

// "eSHELF.SLOT", "ESHELF.SLOT" or "SHELF.SLOT" (the client's device name or the bare pair)
// split at the first '.' after the optional 'e'. The number syntax is the caller's: the
// parts are returned as they are (possibly empty). False when there is no '.'.
struct AddressText {
    const char* shelf = nullptr;
    std::size_t shelf_len = 0;
    const char* slot = nullptr;
    std::size_t slot_len = 0;
};

constexpr bool split_address(const char* s, std::size_t n, AddressText& out) {
    if (n > 0 && (s[0] == 'e' || s[0] == 'E')) {
        ++s;
        --n;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] != '.') continue;
        out.shelf = s;
        out.shelf_len = i;
        out.slot = s + i + 1;
        out.slot_len = n - i - 1;
        return true;
    }
    return false;
}

// "52:54:00:12:34:56": lower-case hex, colons; what every program prints.
inline constexpr std::size_t kMacTextLen = 17;

// Writes kMacTextLen characters and a terminating NUL to out[0..kMacTextLen].
constexpr void format_mac(const Mac& m, char* out) {
    constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 6; ++i) {
        out[3 * i] = kHex[m.b[i] >> 4];
        out[3 * i + 1] = kHex[m.b[i] & 0x0F];
        out[3 * i + 2] = i < 5 ? ':' : '\0';
    }
}

} // namespace aoe
