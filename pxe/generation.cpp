#include "generation.hpp"

#include "atomic_file.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <span>

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
