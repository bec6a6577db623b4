// Shelf.slot and MAC text (see address.hpp): the hosted front end of target/address.hpp.
#include "hal/address.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "target/address.hpp"

namespace aoehal {

bool parse_ulong(const std::string& s, unsigned long max, unsigned long& out) {
    // strtoul would skip blanks and take a sign (" -1" is ULONG_MAX): a digit must come first.
    if (s.empty() || s[0] < '0' || s[0] > '9') return false;
    errno = 0;
    char* end = nullptr;
    unsigned long v = std::strtoul(s.c_str(), &end, 0);
    if (errno != 0 || *end != '\0' || v > max) return false;
    out = v;
    return true;
}

// The rules and their words are target/address.hpp's.
bool valid_shelf(unsigned long shelf, std::string& why) {
    const aoe::AddressFault f = aoe::check_shelf(shelf);
    if (f == aoe::AddressFault::none) return true;
    why = aoe::describe(f);
    return false;
}

bool valid_slot(unsigned long slot, std::string& why) {
    const aoe::AddressFault f = aoe::check_slot(slot);
    if (f == aoe::AddressFault::none) return true;
    why = aoe::describe(f);
    return false;
}

std::optional<std::pair<std::uint16_t, std::uint8_t>> parse_address(const std::string& in,
                                                                    std::string& why) {
    aoe::AddressText t;
    unsigned long shelf = 0, slot = 0;
    if (!aoe::split_address(in.data(), in.size(), t) ||
        !parse_ulong(std::string(t.shelf, t.shelf_len), 0xFFFFFFFF, shelf) ||
        !parse_ulong(std::string(t.slot, t.slot_len), 0xFFFFFFFF, slot)) {
        why = "'" + in + "' is not SHELF.SLOT";
        return std::nullopt;
    }
    if (!valid_shelf(shelf, why) || !valid_slot(slot, why)) return std::nullopt;
    return std::pair{static_cast<std::uint16_t>(shelf), static_cast<std::uint8_t>(slot)};
}

// sscanf's %x keeps what aoe-target has always accepted (one or two digits per byte).
std::optional<aoe::Mac> parse_mac(const std::string& s) {
    aoe::Mac m{};
    unsigned v[6];
    char tail = 0;
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                    &tail) != 6)
        return std::nullopt;
    for (int i = 0; i < 6; ++i) {
        if (v[i] > 0xFF) return std::nullopt;
        m.b[i] = static_cast<std::uint8_t>(v[i]);
    }
    return m;
}

std::string format_mac(const aoe::Mac& m) {
    char buf[aoe::kMacTextLen + 1];
    aoe::format_mac(m, buf);
    return buf;
}

} // namespace aoehal
