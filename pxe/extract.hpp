// Copying a boot file out of the ISO into the TFTP root, and checking a staged file against what
// the manifest recorded.
#pragma once

#include "image.hpp"
#include "manifest.hpp"

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

namespace aoe::pxe {

struct Extracted {
    StagedFile file;
    std::string state; // "written", "unchanged", "would write"
};
// Streams one file from the ISO to root/rel atomically, hashing on the way; leaves an
// identical existing file alone (no rename, no mtime change).
Extracted extract(const iso::Image& img, const iso::FileInfo& fi, const std::filesystem::path& root,
                  const std::filesystem::path& rel, bool dry_run, bool quiet, std::ostream& err);

// The same for bytes already in memory (a KIS build's kernel and initrd); `source` is what the
// manifest records as their origin. The copy is 0644 whatever the source's mode (KIWI writes its
// initrd 0600; a TFTP server running as its own user must read it).
Extracted extract_bytes(std::string_view bytes, const std::string& source,
                        const std::filesystem::path& root, const std::filesystem::path& rel,
                        bool dry_run);

// True if the staged file on disk still is what the manifest recorded.
bool staged_matches(const std::filesystem::path& root, const StagedFile& f);

} // namespace aoe::pxe
