// Shelf.slot and MAC text for the hosted programs: aoe-target (hal/dpdk/options.cpp, hal/dpdk) and
// the tools in bench/ (aoe-client, aoe-bench). The rules (reserved shelf and slot numbers, the
// "e" prefix, the MAC text form) are target/address.hpp's; this adds the hosted text front end:
// std::string, strtoul's number syntax (decimal, 0x hex, 0 octal) and the messages around
// target/address.hpp's words for a refused shelf or slot.
// A library of its own (hal_address) so that the tools need not link aoe-target's options.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "target/wire.hpp"

namespace aoehal {

std::optional<aoe::Mac> parse_mac(const std::string& s);
std::string format_mac(const aoe::Mac& m);
// "SHELF.SLOT" (also "eSHELF.SLOT"); refuses values Linux rejects (0x0FFF, 0xFFFF, slot 0xFF).
std::optional<std::pair<std::uint16_t, std::uint8_t>> parse_address(const std::string& s,
                                                                    std::string& why);
bool valid_shelf(unsigned long shelf, std::string& why);
// A whole number in strtoul's syntax (decimal, 0x hex, 0 octal), no sign, at most `max`; the one
// number reader of aoe-target's options and of the address text.
bool parse_ulong(const std::string& s, unsigned long max, unsigned long& out);
bool valid_slot(unsigned long slot, std::string& why);

} // namespace aoehal
