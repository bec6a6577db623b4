#include "aoe_address.hpp"

#include <charconv>

#include "target/address.hpp"

namespace aoe::pxe {

std::string AoeAddress::client_name() const {
    return "e" + dotted();
}
std::string AoeAddress::dotted() const {
    return std::to_string(shelf) + "." + std::to_string(slot);
}

// The split and the reserved numbers are target/address.hpp's (what aoe-target refuses);
// the number syntax (decimal only) and the messages are stage-pxe's own.
std::optional<AoeAddress> parse_aoe_address(std::string_view text, std::string* why) {
    auto fail = [&](std::string msg) -> std::optional<AoeAddress> {
        if (why) *why = std::move(msg);
        return std::nullopt;
    };
    aoe::AddressText t;
    if (!aoe::split_address(text.data(), text.size(), t) || t.shelf_len == 0 || t.slot_len == 0)
        return fail("expected eSHELF.SLOT or SHELF.SLOT (e.g. e0.1), got '" + std::string(text) +
                    "'");
    unsigned long shelf = 0, slot = 0;
    auto r1 = std::from_chars(t.shelf, t.shelf + t.shelf_len, shelf);
    auto r2 = std::from_chars(t.slot, t.slot + t.slot_len, slot);
    if (r1.ec != std::errc{} || r1.ptr != t.shelf + t.shelf_len || r2.ec != std::errc{} ||
        r2.ptr != t.slot + t.slot_len)
        return fail("expected decimal numbers in '" + std::string(text) + "' (e.g. e0.1)");
    if (aoe::check_shelf(shelf) != aoe::AddressFault::none)
        return fail("shelf " + std::to_string(shelf) +
                    " is reserved for broadcast (use 0-65534, not 4095)");
    if (aoe::check_slot(slot) != aoe::AddressFault::none)
        return fail("slot " + std::to_string(slot) + " is out of range (0-254)");
    return AoeAddress{static_cast<std::uint16_t>(shelf), static_cast<std::uint8_t>(slot)};
}

} // namespace aoe::pxe
