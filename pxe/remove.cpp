// --remove: take one image out of every config, the TFTP root, the exports and the manifest.
#include "actions.hpp"

#include "atomic_file.hpp"
#include "boot_config.hpp"
#include "config_files.hpp"
#include "discovery.hpp"
#include "errors.hpp"
#include "generation.hpp"
#include "managed_block.hpp"
#include "manifest.hpp"
#include "quote.hpp"
#include "root_lock.hpp"
#include "sha256.hpp"

#include <algorithm>

namespace aoe::pxe {

namespace fs = std::filesystem;

namespace {

std::string first_other_label(const std::vector<ManagedBlock>& blocks, const std::string& except) {
    for (const auto& b : blocks)
        if (b.id != kDefaultBlockId && b.id != except) return b.id;
    return {};
}

} // namespace

int remove_image(const Options& o, const std::string& label, std::ostream& out, std::ostream&) {
    check_root_writable(o.tftp_root, false);
    std::optional<RootLock> lock;
    if (!o.dry_run) lock.emplace(o.tftp_root);
    const fs::path manifest_path = o.tftp_root / kManifestName;
    Manifest man = load_manifest(manifest_path);
    auto it = man.images.find(label);
    bool found = it != man.images.end();

    std::vector<std::pair<std::string, std::string>> states;
    for (auto kind : {ConfigKind::Pxelinux, ConfigKind::Grub, ConfigKind::Ipxe}) {
        const fs::path rel = config_rel(kind, o);
        std::string before;
        if (!read_file(o.tftp_root / rel, before)) continue;
        std::vector<ManagedBlock> blocks;
        try {
            blocks = parse_managed_blocks(before);
        } catch (const ConfigError& e) {
            throw Failure(in_quotes(o.tftp_root / rel) + ": " + e.what() +
                          "; fix the markers by hand");
        }
        if (std::none_of(blocks.begin(), blocks.end(),
                         [&](const ManagedBlock& b) { return b.id == label; }))
            continue;
        found = true;
        std::string t = remove_block(before, label);
        t = release_adopted(t, label);
        blocks = parse_managed_blocks(t);
        for (const auto& b : blocks) {
            if (b.id != kDefaultBlockId || default_label_of(kind, b.body) != label) continue;
            // Our default pointed at the removed entry: point it at another of ours, or give
            // the choice back to the admin's own lines.
            auto next = first_other_label(blocks, label);
            if (!next.empty())
                t = upsert_block(t, kDefaultBlockId, render_default(kind, next, b.body, false));
            else
                t = restore_foreign_defaults(remove_block(t, kDefaultBlockId));
        }
        states.emplace_back(rel.string(),
                            apply_text(o.tftp_root, rel, true, before, t, o.dry_run, out));
    }
    if (!found)
        throw Failure("nothing staged as '" + label + "' in " + in_quotes(o.tftp_root) +
                      " (see --list)");

    if (it != man.images.end()) {
        const auto& e = it->second;
        for (const auto* f : {&e.kernel, &e.initrd}) {
            if (f->path.empty()) continue; // a kernel-only entry's initrd
            std::error_code ec;
            if (!o.dry_run) fs::remove(o.tftp_root / f->path, ec);
            states.emplace_back(f->path, o.dry_run ? "would remove" : "removed");
        }
        if (!o.dry_run && label != kDefaultLabel) {
            std::error_code ec;
            fs::remove(o.tftp_root / "boot" / label, ec); // only if empty
        }
        if (!e.export_file.empty()) {
            std::error_code ec;
            if (!o.dry_run) fs::remove(e.export_file, ec);
            states.emplace_back(e.export_file, o.dry_run ? "would remove" : "removed");
        }
        // A KIS bundle's image that stage-pxe unpacked, unless another entry exports it too.
        if (e.image_unpacked &&
            std::none_of(man.images.begin(), man.images.end(), [&](const auto& kv) {
                return kv.first != label && kv.second.iso == e.iso;
            })) {
            std::error_code ec;
            if (!o.dry_run) fs::remove(e.iso, ec);
            states.emplace_back(e.iso, o.dry_run ? "would remove" : "removed");
        }
        // A versioned pair of a killed update that only this entry named.
        if (!o.dry_run) sweep_generations(o.tftp_root, config_texts(o));
        man.images.erase(it);
        if (!o.dry_run) write_file_atomic(manifest_path, dump_manifest(man), kManifestMode);
    }
    out << (o.dry_run ? "dry run, would remove '" : "removed '") << label << "'\n";
    for (const auto& [p, s] : states) out << "  " << p << "  " << s << "\n";
    return 0;
}

} // namespace aoe::pxe
