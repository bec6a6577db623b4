// Parser for the kernel/initrd lines of GRUB configs found inside an ISO. Pure, never throws
// (fuzzed). Understands menuentry blocks, linux/linuxefi/linux16 and initrd/initrdefi/initrd16,
// strips device prefixes like "($root)" or "(cd0)", and skips lines whose path still holds an
// unresolved "${...}".
#pragma once

#include "boot_entry.hpp"

#include <string_view>
#include <vector>

namespace aoe::pxe {

std::vector<BootEntry> parse_grub_cfg(std::string_view text);

} // namespace aoe::pxe
