// Reading the ISO: opening it (libisofs import under a watchdog), and the identity (path, size,
// mtime) the manifest records to tell whether an image changed.
#pragma once

#include "image.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace aoe::pxe {

struct IsoIdentity {
    std::string path;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
};
IsoIdentity identity_of(const std::filesystem::path& iso); // size and mtime 0 if it is gone

// iso::Error -> Failure. Ends the process (exit 1, with a message) when the import does not
// return within $STAGE_PXE_IMPORT_TIMEOUT seconds (default 120; 0: no limit).
iso::Image open_iso(const std::filesystem::path& p);

} // namespace aoe::pxe
