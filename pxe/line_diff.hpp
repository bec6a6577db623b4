// A unified diff of two texts, for --dry-run (pure).
#pragma once

#include <string>
#include <string_view>

namespace aoe::pxe {

// "" if equal; otherwise "--- a/<name>\n+++ b/<name>\n@@ ... @@\n..." with 3 lines of context.
std::string unified_diff(std::string_view before, std::string_view after, std::string_view name);

} // namespace aoe::pxe
