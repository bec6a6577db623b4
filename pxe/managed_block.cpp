#include "managed_block.hpp"

#include "text_util.hpp"

#include <set>

namespace aoe::pxe {

namespace {
constexpr std::string_view kBegin = "# BEGIN stage-pxe ";
constexpr std::string_view kEnd = "# END stage-pxe ";
} // namespace

std::string begin_marker(std::string_view id) {
    return std::string(kBegin) + std::string(id) + " (managed; do not edit)";
}
std::string end_marker(std::string_view id) {
    return std::string(kEnd) + std::string(id);
}

std::vector<ManagedBlock> parse_managed_blocks(std::string_view text) {
    std::vector<ManagedBlock> out;
    std::set<std::string, std::less<>> seen;
    bool open = false;
    ManagedBlock cur;
    std::size_t body_start = 0;
    std::size_t pos = 0;
    std::size_t lineno = 0;
    std::size_t open_line = 0;
    while (pos < text.size()) {
        ++lineno;
        auto nl = text.find('\n', pos);
        std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
        auto line = text::trim(text.substr(pos, next - pos));
        auto where = " at line " + std::to_string(lineno);
        if (line.substr(0, kBegin.size()) == kBegin) {
            if (open)
                throw ConfigError("BEGIN marker" + where + " inside the block '" + cur.id +
                                  "' opened at line " + std::to_string(open_line));
            auto id = std::string(text::split_word(line.substr(kBegin.size())).first);
            if (id.empty()) throw ConfigError("BEGIN marker without a name" + where);
            if (seen.count(id)) throw ConfigError("second block named '" + id + "'" + where);
            cur = ManagedBlock{};
            cur.id = id;
            cur.begin = pos;
            body_start = next;
            open = true;
            open_line = lineno;
        } else if (line.substr(0, kEnd.size()) == kEnd) {
            auto id = std::string(text::split_word(line.substr(kEnd.size())).first);
            if (!open) throw ConfigError("END marker for '" + id + "'" + where + " without BEGIN");
            if (id != cur.id)
                throw ConfigError("END marker for '" + id + "'" + where + " closes block '" +
                                  cur.id + "' opened at line " + std::to_string(open_line));
            cur.body = std::string(text.substr(body_start, pos - body_start));
            cur.end = next;
            seen.insert(cur.id);
            out.push_back(cur);
            open = false;
        }
        pos = next;
    }
    if (open)
        throw ConfigError("block '" + cur.id + "' opened at line " + std::to_string(open_line) +
                          " has no END marker");
    return out;
}

std::string upsert_block(std::string_view text, std::string_view id, std::string_view body,
                         std::size_t insert_at) {
    auto blocks = parse_managed_blocks(text);
    std::string block = begin_marker(id) + "\n" + std::string(body);
    if (!block.empty() && block.back() != '\n') block += '\n';
    block += end_marker(id) + "\n";
    for (const auto& b : blocks) {
        if (b.id == id) {
            std::string out(text.substr(0, b.begin));
            out += block;
            out += text.substr(b.end);
            return out;
        }
    }
    std::string out(text);
    if (insert_at >= out.size()) {
        // Appending: finish an admin's unterminated last line first (adds, changes nothing).
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += block;
    } else {
        out.insert(insert_at, block);
    }
    return out;
}

std::string remove_block(std::string_view text, std::string_view id) {
    for (const auto& b : parse_managed_blocks(text)) {
        if (b.id == id) {
            std::string out(text.substr(0, b.begin));
            out += text.substr(b.end);
            return out;
        }
    }
    return std::string(text);
}

bool outside_blocks(const std::vector<ManagedBlock>& blocks, std::size_t offset) {
    for (const auto& b : blocks)
        if (offset >= b.begin && offset < b.end) return false;
    return true;
}

} // namespace aoe::pxe
