// The loader files each kind of PXE client fetches before any entry, in the TFTP root under the
// names that client asks for, and the DHCP lines that hand each kind its file.
#pragma once

#include "actions.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace aoe::pxe {

// One loader file: its name in the TFTP root, where Debian installs it, the package.
struct Loader {
    const char* name;
    const char* debian_path;
    const char* package;
    const char* role;  // the client kind it is for, for messages
    bool uefi;         // needed by UEFI clients (installed always, checked with --grub)
    bool http = false; // needed only when entries fetch over HTTP (--http)
};

// Every loader stage-pxe knows, BIOS ones first.
const std::vector<Loader>& loaders();

// While staging: the loaders the entry's clients need (pxelinux.0 and ldlinux.c32; with --grub
// also shim and GRUB); installs the missing ones from Debian's packages with
// --install-bootloader (every loader then), else warns how to get them. Returns how many are
// still missing.
int check_bootloader(const Options& o, std::ostream& out, std::ostream& err);

// `stage-pxe --install-bootloader` without an ISO: installs every loader into the TFTP root,
// prints the DHCP lines. Exit code: 0, or 1 when a loader could not be installed (its Debian
// package is not installed here).
int install_bootloaders(const Options& o, std::ostream& out, std::ostream& err);

// dnsmasq configuration lines (one conf file's worth) that give BIOS PXE, UEFI PXE (with or
// without Secure Boot), UEFI HTTP Boot and, with --ipxe, iPXE clients their boot file.
std::string dnsmasq_lines(const Options& o);

} // namespace aoe::pxe
