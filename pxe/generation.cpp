#include "generation.hpp"

#include "atomic_file.hpp"
#include "manifest.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <set>
#include <span>
#include <sstream>

namespace aoe::pxe {

namespace fs = std::filesystem;

fs::path generation_rel(std::string_view label, std::string_view identity) {
    Sha256 h;
    h.update(std::as_bytes(std::span<const char>(identity.data(), identity.size())));
    return fs::path("boot") /
           (std::string(kGenerationTag) + std::string(label) + "." + h.hex().substr(0, 8));
}

void sweep_generations(const fs::path& root, const std::vector<std::string>& configs) {
    std::error_code ec;
    for (const auto& ent : fs::directory_iterator(root / "boot", ec)) {
        const auto name = ent.path().filename().string();
        if (!name.starts_with(kGenerationTag) || !ent.is_directory(ec)) continue;
        // A config that names it (a run killed between the two config writes) still boots from
        // it: keep it until a later run has pointed that config back at the final paths.
        const bool named = std::any_of(configs.begin(), configs.end(), [&](const std::string& t) {
            return t.find(name + "/") != std::string::npos;
        });
        if (named)
            remove_stale_temps(ent.path());
        else
            fs::remove_all(ent.path(), ec);
    }
}

void record_new_files(const fs::path& root, std::string_view label,
                      const std::vector<fs::path>& rels) {
    std::string text;
    for (const auto& r : rels) text += r.generic_string() + "\n";
    make_dirs(root, "boot");
    write_file_atomic(root / "boot" / (std::string(kNewFilesTag) + std::string(label)), text);
}

namespace {

// A recorded path as sweep_new_files accepts it: relative, below boot/, no "." or "..": the
// record sits in the TFTP root and is read back, so it may only ever name our own paths.
bool recordable(const fs::path& rel) {
    if (rel.empty() || rel.is_absolute()) return false;
    auto it = rel.begin();
    if (*it != "boot") return false;
    int n = 0;
    for (; it != rel.end(); ++it, ++n)
        if (*it == "." || *it == ".." || it->empty()) return false;
    return n >= 2;
}

} // namespace

void sweep_new_files(const fs::path& root, const std::vector<std::string>& configs) {
    std::error_code ec;
    std::vector<fs::path> records;
    for (const auto& ent : fs::directory_iterator(root / "boot", ec))
        if (ent.path().filename().string().starts_with(kNewFilesTag)) records.push_back(ent.path());
    if (records.empty()) return;
    // What entries name: the manifest's files, and any text of a config (an admin's entry, or
    // one whose manifest entry a killed run did not write yet: never delete what a config names).
    std::set<std::string> in_manifest;
    try {
        for (const auto& [label, e] : load_manifest(root / kManifestName).images)
            for (const auto* f : {&e.kernel, &e.initrd}) // a kernel-only entry has no initrd
                if (!f->path.empty())
                    in_manifest.insert(fs::path(f->path).lexically_normal().generic_string());
    } catch (...) {
        return; // cannot tell what is named: keep everything (and the records, for later)
    }
    auto named = [&](const std::string& rel) {
        return in_manifest.count(rel) ||
               std::any_of(configs.begin(), configs.end(),
                           [&](const std::string& t) { return t.find(rel) != std::string::npos; });
    };
    for (const auto& rec : records) {
        std::string text;
        try {
            if (!read_file(rec, text)) continue;
        } catch (...) {
            continue;
        }
        std::istringstream in(text);
        std::vector<fs::path> dirs;
        for (std::string line; std::getline(in, line);) {
            const fs::path rel = fs::path(line).lexically_normal();
            if (!recordable(rel) || named(rel.generic_string())) continue;
            const fs::path p = root / rel;
            if (fs::is_directory(fs::symlink_status(p, ec))) {
                dirs.push_back(p); // after its files
                continue;
            }
            if (fs::is_regular_file(fs::symlink_status(p, ec))) fs::remove(p, ec);
        }
        for (const auto& d : dirs) {
            remove_stale_temps(d); // a killed extract's temp file in a directory it created
            fs::remove(d, ec);     // only if empty
        }
        fs::remove(rec, ec);
    }
}

bool holds_only_pair(const fs::path& dir) {
    std::error_code ec;
    int seen = 0;
    for (const auto& ent : fs::directory_iterator(dir, ec)) {
        const auto name = ent.path().filename().string();
        if ((name != "linux" && name != "initrd") || !ent.is_regular_file(ec) || ent.is_symlink(ec))
            return false;
        ++seen;
    }
    return !ec && seen == 2;
}

} // namespace aoe::pxe
