// Copying a boot file out of the ISO into the TFTP root, and checking a staged file against what
// the manifest recorded.
#pragma once

#include "image.hpp"
#include "manifest.hpp"

#include <filesystem>
#include <ostream>
#include <string>

namespace aoe::pxe {

struct Extracted {
    StagedFile file;
    std::string state; // "written", "unchanged", "would write"
};
// Streams one file from the ISO to root/rel atomically, hashing on the way; leaves an
// identical existing file alone (no rename, no mtime change).
Extracted extract(const iso::Image& img, const iso::FileInfo& fi, const std::filesystem::path& root,
                  const std::filesystem::path& rel, bool dry_run, bool quiet, std::ostream& err);

// True if the staged file on disk still is what the manifest recorded.
bool staged_matches(const std::filesystem::path& root, const StagedFile& f);

} // namespace aoe::pxe
