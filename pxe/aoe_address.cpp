#include "aoe_address.hpp"

#include <charconv>

namespace aoe::pxe {

std::string AoeAddress::client_name() const {
    return "e" + dotted();
}
std::string AoeAddress::dotted() const {
    return std::to_string(shelf) + "." + std::to_string(slot);
}

std::optional<AoeAddress> parse_aoe_address(std::string_view text, std::string* why) {
    auto fail = [&](std::string msg) -> std::optional<AoeAddress> {
        if (why) *why = std::move(msg);
        return std::nullopt;
    };
    std::string_view s = text;
    if (!s.empty() && (s[0] == 'e' || s[0] == 'E')) s.remove_prefix(1);
    auto dot = s.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size())
        return fail("expected eSHELF.SLOT or SHELF.SLOT (e.g. e0.1), got '" + std::string(text) +
                    "'");
    unsigned long shelf = 0, slot = 0;
    auto a = s.substr(0, dot), b = s.substr(dot + 1);
    auto r1 = std::from_chars(a.data(), a.data() + a.size(), shelf);
    auto r2 = std::from_chars(b.data(), b.data() + b.size(), slot);
    if (r1.ec != std::errc{} || r1.ptr != a.data() + a.size() || r2.ec != std::errc{} ||
        r2.ptr != b.data() + b.size())
        return fail("expected decimal numbers in '" + std::string(text) + "' (e.g. e0.1)");
    if (shelf >= 0xFFFF || shelf == 0x0FFF)
        return fail("shelf " + std::to_string(shelf) +
                    " is reserved for broadcast (use 0-65534, not 4095)");
    if (slot >= 0xFF) return fail("slot " + std::to_string(slot) + " is out of range (0-254)");
    return AoeAddress{static_cast<std::uint16_t>(shelf), static_cast<std::uint8_t>(slot)};
}

} // namespace aoe::pxe
