// Parser for isolinux/syslinux configs found inside an ISO. Pure: text in, entries out; never
// throws on odd input (it is fuzzed). Paths are returned as written; the caller resolves them
// relative to the directory of isolinux.bin.
#pragma once

#include "boot_entry.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace aoe::pxe {

struct IsolinuxConfig {
    std::vector<BootEntry> entries;    // only entries that name a kernel
    std::vector<std::string> includes; // INCLUDE / CONFIG targets, for the caller to follow
    std::string default_label;
};

IsolinuxConfig parse_isolinux_cfg(std::string_view text);

} // namespace aoe::pxe
