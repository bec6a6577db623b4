// The one trim of the project: the configuration readers of aoe-target (hal/dpdk/config_file.cpp),
// the export line (export_line.hpp) and stage-pxe's parsers (pxe/text_util.hpp) all cut
// characters off both ends of a line through it, so they agree on what a blank is.
// Freestanding like the rest of target/: constexpr, no library.
#pragma once

#include <cstddef>

namespace aoe {

// The blanks of aoe-target's files: space, tab and the \r of a CRLF line.
inline constexpr const char* kBlanks = " \t\r";

constexpr bool is_one_of(char c, const char* chars) {
    for (; *chars; ++chars)
        if (*chars == c) return true;
    return false;
}

// [s, s+n) without the leading and trailing characters that are in `chars` (NUL-terminated):
// moves `s` forward and returns the new length.
constexpr std::size_t trim(const char*& s, std::size_t n, const char* chars = kBlanks) {
    while (n > 0 && is_one_of(s[0], chars)) {
        ++s;
        --n;
    }
    while (n > 0 && is_one_of(s[n - 1], chars)) --n;
    return n;
}

} // namespace aoe
