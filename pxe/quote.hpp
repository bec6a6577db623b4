// Quoting: a path inside a message, and a word on a shell command line stage-pxe prints.
#pragma once

#include <filesystem>
#include <string>

namespace aoe::pxe {

// 'path', for messages: always in single quotes, nothing escaped (not for a shell).
std::string in_quotes(const std::filesystem::path& p);

// Quotes for a POSIX shell only when needed, so the common case stays copy-paste clean.
std::string shell_quote(const std::string& s);

} // namespace aoe::pxe
