// Small string helpers shared by the config parsers (pure, header-only).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "target/text.hpp"

namespace aoe::pxe::text {

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// What trim() removes unless told otherwise: is_space() and line ends.
inline constexpr const char* kTrimmed = " \t\r\f\v\n";

// s without the leading and trailing characters that are in `chars` (the project's one trim,
// target/text.hpp, on string_view).
inline std::string_view trim(std::string_view s, const char* chars = kTrimmed) {
    const char* p = s.data();
    std::size_t n = aoe::trim(p, s.size(), chars);
    return {p, n};
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
    return lower(a) == lower(b);
}

// Splits into lines, each without its "\n" (a trailing "\r" is kept; callers trim).
inline std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto j = text.find('\n', i);
        if (j == std::string_view::npos) j = text.size();
        out.push_back(text.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

// First whitespace-separated word and the rest (trimmed).
inline std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    s = trim(s);
    std::size_t i = 0;
    while (i < s.size() && !is_space(s[i])) ++i;
    return {s.substr(0, i), trim(s.substr(i))};
}

inline std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    while (true) {
        auto [w, rest] = split_word(s);
        if (w.empty()) break;
        out.emplace_back(w);
        s = rest;
    }
    return out;
}

} // namespace aoe::pxe::text
