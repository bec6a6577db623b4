// CLI11 options whose values are checked as they are read, for the command lines of aoe-client
// and aoe-bench. Whole numbers go through one reader, aoehal::parse_ulong (strtoul's syntax:
// decimal, 0x hex, 0 octal; no sign), not CLI11 2.1's integer conversion: that one takes "-1"
// as 2^64-1 and an overflow as the maximum for a 64-bit option. Every value of a repeated option
// is checked, and the last one wins.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hal/address.hpp"

namespace aoeclient {

// `check` stores a good value and returns "", or returns the message that refuses it.
inline CLI::Option* add_checked(CLI::App& app, const std::string& name, const std::string& type,
                                std::function<std::string(const std::string&)> check) {
    return app
        .add_option(name,
                    [check = std::move(check)](const CLI::results_t& values) {
                        for (const auto& v : values) {
                            std::string error = check(v);
                            if (!error.empty()) throw CLI::ValidationError(error);
                        }
                        return true;
                    })
        ->type_name(type)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// A whole number lo..hi into `out`; anything else is refused with `error`.
template <class T>
CLI::Option* add_whole(CLI::App& app, const std::string& name, T& out, unsigned long lo,
                       unsigned long hi, const std::string& error) {
    return add_checked(app, name, "N", [&out, lo, hi, error](const std::string& s) {
        unsigned long v = 0;
        if (!aoehal::parse_ulong(s, hi, v) || v < lo) return error;
        out = static_cast<T>(v);
        return std::string();
    });
}

// CLI11 takes "-5" for a negative number, so with no option to give it to it becomes a positional
// argument; getopt and aoe-bench's own loop refused it as an unknown option, and so does this
// (with CLI11's message for one). "-" alone stays a positional argument, as before.
inline std::string dashed_positional(const std::vector<std::string>& positional) {
    for (const auto& p : positional)
        if (p.size() > 1 && p[0] == '-') return CLI::ExtrasError({p}).what();
    return "";
}

} // namespace aoeclient
