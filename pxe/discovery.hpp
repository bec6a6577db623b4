// Finding the kernel and initrd inside an ISO, in the order staging.md §2 recommends:
// KIWI /boot/<arch>/loader for the chosen arch, other distributions' known layouts, then the
// kernel/initrd lines of the ISO's own isolinux and GRUB configs. A kernel and its initrd always
// come from one layout or one config entry, never mixed.
#pragma once

#include "image.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace aoe::pxe {

struct BootFiles {
    std::string layout; // "kiwi x86_64", "fedora", "casper", "debian-live", "arch",
                        // "isolinux /isolinux/isolinux.cfg", "grub /boot/grub/grub.cfg"
    iso::FileInfo kernel;
    iso::FileInfo initrd;
    std::string iso_cmdline; // arguments the ISO's own config passes (informational)
    bool kiwi = false;       // KIWI layout: root=live:AOEINTERFACE is understood
};

class NotFoundError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// "x86_64", "aarch64", "ppc64le", "s390x", "ix86", "riscv64" for the running host.
std::string host_kiwi_arch();

// Throws NotFoundError listing what was looked for and the candidate files that exist.
BootFiles find_boot_files(const iso::Image& img, const std::string& arch);

} // namespace aoe::pxe
