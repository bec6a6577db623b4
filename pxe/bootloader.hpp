// The bootloader files a PXE client loads before any entry: pxelinux.0 and ldlinux.c32 in the
// TFTP root, and lpxelinux.0 when the entries fetch over HTTP (--http).
#pragma once

#include "stager.hpp"

#include <ostream>

namespace aoe::pxe {

// pxelinux.0, ldlinux.c32 (and lpxelinux.0 with --http) in the root: install (--install-bootloader)
// or say how to get them.
void check_bootloader(const Options& o, std::ostream& out, std::ostream& err);

} // namespace aoe::pxe
