#include "grub_cfg.hpp"

#include "text_util.hpp"

namespace aoe::pxe {

namespace {

// "($root)/boot/x86_64/loader/linux" -> "/boot/x86_64/loader/linux"
std::string strip_device(std::string_view p) {
    if (!p.empty() && p.front() == '(') {
        auto close = p.find(')');
        if (close != std::string_view::npos) p.remove_prefix(close + 1);
    }
    return std::string(p);
}

bool unresolved(std::string_view p) {
    return p.find('$') != std::string_view::npos;
}

// Quoted or bare first argument of a menuentry line.
std::string entry_title(std::string_view rest) {
    rest = text::trim(rest);
    if (!rest.empty() && (rest.front() == '\'' || rest.front() == '"')) {
        char q = rest.front();
        auto end = rest.find(q, 1);
        return std::string(
            rest.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
    }
    return std::string(text::split_word(rest).first);
}

} // namespace

std::vector<BootEntry> parse_grub_cfg(std::string_view input) {
    std::vector<BootEntry> out;
    BootEntry cur;
    bool in_entry = false;
    int depth = 0;       // brace depth, to find the end of a menuentry
    int entry_depth = 0; // depth at which the current menuentry's body lives
    auto flush = [&] {
        if (!cur.kernel.empty()) out.push_back(cur);
        cur = BootEntry{};
    };
    for (auto raw : text::lines(input)) {
        auto line = text::trim(raw);
        if (line.empty() || line.front() == '#') continue;
        auto [kw_raw, rest] = text::split_word(line);
        const std::string kw(kw_raw);
        if (kw == "menuentry") {
            flush();
            in_entry = true;
            cur.label = entry_title(rest);
            entry_depth = depth + 1;
        } else if (kw == "linux" || kw == "linuxefi" || kw == "linux16") {
            auto ws = text::words(rest);
            if (!ws.empty() && !unresolved(strip_device(ws[0]))) {
                if (!in_entry) flush(); // loose lines (loopback.cfg style) form their own entry
                cur.kernel = strip_device(ws[0]);
                std::string args;
                for (std::size_t i = 1; i < ws.size(); ++i) {
                    if (!args.empty()) args += ' ';
                    args += ws[i];
                }
                cur.args = args;
            }
        } else if (kw == "initrd" || kw == "initrdefi" || kw == "initrd16") {
            auto ws = text::words(rest);
            std::vector<std::string> paths;
            bool ok = !ws.empty();
            for (const auto& w : ws) {
                paths.push_back(strip_device(w));
                if (unresolved(paths.back())) ok = false;
            }
            if (ok) cur.initrds = paths;
        }
        for (char c : line) {
            if (c == '{') ++depth;
            if (c == '}') {
                if (depth > 0) --depth;
                if (in_entry && depth < entry_depth) {
                    flush();
                    in_entry = false;
                }
            }
        }
    }
    flush();
    return out;
}

} // namespace aoe::pxe
