// The bootloader files a PXE client loads before any entry: pxelinux.0 and ldlinux.c32 in the
// TFTP root.
#pragma once

#include "stager.hpp"

#include <ostream>

namespace aoe::pxe {

// pxelinux.0 and ldlinux.c32 in the root: install (--install-bootloader) or say how to get them.
void check_bootloader(const Options& o, std::ostream& out, std::ostream& err);

} // namespace aoe::pxe
