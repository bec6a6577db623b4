// Finding the kernel and initrd inside an ISO, in the order docs/staging.md §2 recommends:
// KIWI /boot/<arch>/loader for the chosen arch, other distributions' known layouts, then the
// kernel/initrd lines of the ISO's own isolinux and GRUB configs. A kernel and its initrd always
// come from one layout or one config entry, never mixed. Only when nothing gives a pair, a config
// entry that names a kernel without an initrd (iPXE, memtest) is reported as kernel-only: what
// the image's boot configuration says, for --inspect and for --kernel-only staging.
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
    iso::FileInfo initrd;    // empty (path "") when kernel_only
    std::string iso_cmdline; // arguments the ISO's own config passes (informational)
    bool kiwi = false;       // KIWI layout: root=live:AOEINTERFACE is understood
    // The boot config inside the ISO that named the files ("/isolinux.cfg") and its entry's
    // label (isolinux LABEL, GRUB menuentry title; may be empty); both empty for the layouts,
    // whose aggregate initialisers leave them out (hence the {}: -Wmissing-field-initializers).
    std::string config{};
    std::string entry{};
    bool kernel_only = false; // the config entry names a kernel and no initrd
};

class NotFoundError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// "x86_64", "aarch64", "ppc64le", "s390x", "ix86", "riscv64" for the running host.
std::string host_kiwi_arch();

// Throws NotFoundError listing what was looked for and the candidate files that exist. A
// kernel-only entry is returned (kernel_only set) only when no layout and no config entry gives
// a pair; COM32 modules, boot sectors and disk images (.c32, .com, .cbt, .0, .bs, .bss, .img)
// are not kernels.
BootFiles find_boot_files(const iso::Image& img, const std::string& arch);

// Where a config inside the ISO names the files, for messages: "/isolinux.cfg, label x",
// "/boot/grub/grub.cfg, menuentry 'x'", or "" for a known layout.
std::string config_source(const BootFiles& bf);

} // namespace aoe::pxe
