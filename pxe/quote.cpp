#include "quote.hpp"

#include <regex>

namespace aoe::pxe {

std::string in_quotes(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

// Quotes for a POSIX shell only when needed, so the common case stays copy-paste clean.
std::string shell_quote(const std::string& s) {
    static const std::regex plain("[A-Za-z0-9_./=:,+@%-]+");
    if (std::regex_match(s, plain)) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace aoe::pxe
