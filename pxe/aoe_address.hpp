// The AoE shelf.slot an image is exported as ("e0.1" on the client, "0 1" to vbladed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aoe::pxe {

struct AoeAddress {
    std::uint16_t shelf = 0; // AoE r11 header: Major (16 bits)
    std::uint8_t slot = 1;   // AoE r11 header: Minor (8 bits)
    friend bool operator==(const AoeAddress&, const AoeAddress&) = default;
    std::string client_name() const; // "e0.1", as in root=live:AOEINTERFACE=e0.1
    std::string dotted() const;      // "0.1", as in aoe-target --export 0.1=FILE
};

// Accepts "eS.L" and "S.L" (decimal). Refuses what clients treat as broadcast: shelf 0xFFFF,
// shelf 0x0FFF (some drivers' broadcast), slot 0xFF. On failure returns nullopt and sets why.
std::optional<AoeAddress> parse_aoe_address(std::string_view text, std::string* why = nullptr);

} // namespace aoe::pxe
