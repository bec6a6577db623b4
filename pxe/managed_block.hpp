// The managed-block editor: our entries live between marker comments in a config file that
// may also hold an admin's own lines. Pure functions on text (unit-tested and fuzzed):
// every byte outside our markers is kept as it was; "#" starts a comment in pxelinux, GRUB
// and iPXE alike, so the markers work in all three.
//
//   # BEGIN stage-pxe <id> (managed; do not edit)
//   ...
//   # END stage-pxe <id>
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aoe::pxe {

class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ManagedBlock {
    std::string id;
    std::size_t begin = 0; // byte offset of the BEGIN line
    std::size_t end = 0;   // byte offset just past the END line (and its newline)
    std::string body;      // the lines between the markers
};

std::string begin_marker(std::string_view id);
std::string end_marker(std::string_view id);

// Throws ConfigError for unbalanced, nested or duplicate markers, naming the line number.
std::vector<ManagedBlock> parse_managed_blocks(std::string_view text);

// Replaces block `id` in place, or inserts it at `insert_at` (a byte offset at a line start;
// npos = end of file). body must be whole lines ending in '\n'. Returns the new text.
std::string upsert_block(std::string_view text, std::string_view id, std::string_view body,
                         std::size_t insert_at = std::string_view::npos);
// Removes block `id` (markers included); text unchanged if absent.
std::string remove_block(std::string_view text, std::string_view id);
// Whether a line lies outside every managed block (offset of its first byte).
bool outside_blocks(const std::vector<ManagedBlock>& blocks, std::size_t offset);

} // namespace aoe::pxe
