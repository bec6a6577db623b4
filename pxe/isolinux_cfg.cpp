#include "isolinux_cfg.hpp"

#include "text_util.hpp"

namespace aoe::pxe {

namespace {

// Splits "initrd=a,b" out of an APPEND line; the rest stays as kernel arguments.
void take_append(BootEntry& e, std::string_view rest) {
    std::string args;
    for (const auto& w : text::words(rest)) {
        if (text::lower(w.substr(0, 7)) == "initrd=") {
            std::string_view list(w);
            list.remove_prefix(7);
            while (!list.empty()) {
                auto comma = list.find(',');
                auto item = list.substr(0, comma);
                if (!item.empty()) e.initrds.emplace_back(item);
                if (comma == std::string_view::npos) break;
                list.remove_prefix(comma + 1);
            }
            continue;
        }
        if (!args.empty()) args += ' ';
        args += w;
    }
    e.args = args;
}

} // namespace

IsolinuxConfig parse_isolinux_cfg(std::string_view input) {
    IsolinuxConfig cfg;
    BootEntry cur;
    bool in_label = false;
    auto flush = [&] {
        if (in_label && !cur.kernel.empty()) cfg.entries.push_back(cur);
        cur = BootEntry{};
        in_label = false;
    };
    for (auto raw : text::lines(input)) {
        auto line = text::trim(raw);
        if (line.empty() || line.front() == '#') continue;
        auto [kw_raw, rest] = text::split_word(line);
        const std::string kw = text::lower(kw_raw);
        if (kw == "label") {
            flush();
            in_label = true;
            cur.label = std::string(rest);
        } else if (kw == "kernel" || kw == "linux") {
            // KERNEL may name a COM32 module (menu.c32) or a boot sector; only Linux kernels
            // matter here, and those are told apart later by existing in the ISO.
            if (in_label) cur.kernel = std::string(text::split_word(rest).first);
        } else if (kw == "append") {
            if (in_label) take_append(cur, rest);
        } else if (kw == "initrd") {
            if (in_label) {
                std::string_view list = text::split_word(rest).first;
                while (!list.empty()) {
                    auto comma = list.find(',');
                    if (comma != 0) cur.initrds.emplace_back(list.substr(0, comma));
                    if (comma == std::string_view::npos) break;
                    list.remove_prefix(comma + 1);
                }
            }
        } else if (kw == "include" || kw == "config") {
            auto target = text::split_word(rest).first;
            if (!target.empty()) cfg.includes.emplace_back(target);
        } else if (kw == "default") {
            // "DEFAULT vesamenu.c32" picks a UI, "DEFAULT linux" a label; keep the raw word.
            cfg.default_label = std::string(text::split_word(rest).first);
        }
    }
    flush();
    return cfg;
}

} // namespace aoe::pxe
