#include "config_files.hpp"

#include "atomic_file.hpp"
#include "errors.hpp"
#include "line_diff.hpp"
#include "quote.hpp"

namespace aoe::pxe {

namespace fs = std::filesystem;

fs::path config_rel(ConfigKind k, const Options& o) {
    switch (k) {
    case ConfigKind::Pxelinux:
        return "pxelinux.cfg/default";
    case ConfigKind::Grub:
        return o.grub_cfg;
    case ConfigKind::Ipxe:
        return o.ipxe_script;
    }
    return {};
}

std::optional<ConfigKind> kind_from(const std::string& s) {
    if (s == "pxelinux") return ConfigKind::Pxelinux;
    if (s == "grub") return ConfigKind::Grub;
    if (s == "ipxe") return ConfigKind::Ipxe;
    return std::nullopt;
}

// Writes `after` over `path` (with a .bak of `before`) unless equal; dry-run prints the diff.
// Returns "unchanged", "created", "updated" or "would ...".
std::string apply_text(const fs::path& root, const fs::path& rel, bool existed,
                       const std::string& before, const std::string& after, bool dry_run,
                       std::ostream& out) {
    if (existed && before == after) return "unchanged";
    if (dry_run) {
        out << unified_diff(existed ? before : std::string(), after, rel.string());
        return existed ? "would update" : "would create";
    }
    write_config(root, rel, existed ? &before : nullptr, after);
    return existed ? "updated" : "created";
}

std::vector<std::string> config_texts(const Options& o) {
    std::vector<std::string> texts;
    for (auto kind : {ConfigKind::Pxelinux, ConfigKind::Grub, ConfigKind::Ipxe}) {
        std::string t;
        if (read_file(o.tftp_root / config_rel(kind, o), t)) texts.push_back(std::move(t));
    }
    return texts;
}

fs::path config_target(const fs::path& root, const fs::path& rel) {
    fs::path target = root / rel;
    if (std::error_code ec; fs::is_symlink(target, ec)) {
        target = fs::canonical(target, ec);
        if (ec)
            throw Failure("cannot resolve the symlink " + in_quotes(root / rel) + ": " +
                          ec.message());
    }
    return target;
}

void write_config(const fs::path& root, const fs::path& rel, const std::string* bak,
                  const std::string& text) {
    make_dirs(root, rel.parent_path());
    const fs::path target = config_target(root, rel);
    if (bak) write_file_atomic(target.string() + ".bak", *bak);
    write_file_atomic(target, text);
}

} // namespace aoe::pxe
