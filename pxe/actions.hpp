// The stage-pxe actions (stage, remove, list, check, inspect) on a TFTP root. Everything that
// touches the file system lives here; the text work is in the pure modules it calls.
#pragma once

#include "aoe_address.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace aoe::pxe {

struct Options {
    std::filesystem::path iso;
    std::filesystem::path tftp_root = "/srv/tftpboot";
    std::string name; // empty: the seed's single image (boot/linux, Live-Boot)
    std::optional<AoeAddress> aoe;
    std::string append;
    bool kiwi_net = true;
    std::string arch; // empty: host
    bool make_default = false;
    bool adopt = false;
    bool dry_run = false;
    bool grub = false;
    bool ipxe = false;
    // Relative to the TFTP root: where Debian's signed network GRUB (grubnetx64.efi) looks, its
    // prefix being /grub on the TFTP server (grub-mknetdir setups use boot/grub: --grub-cfg).
    std::string grub_cfg = "grub/grub.cfg";
    std::string ipxe_script = "boot.ipxe";
    std::filesystem::path export_dir;
    std::string iface = "IFACE";
    std::string http_base; // e.g. http://10.0.0.1/tftp : kernel/initrd over HTTP
    bool install_bootloader = false;
    bool quiet = false;
    bool json = false; // --list / --inspect / --check as JSON
    // --kernel-only: stage an image whose boot config names a kernel and no initrd (iPXE,
    // memtest) as the kernel alone: no initrd, no root=live:AOEINTERFACE, no AoE export.
    bool kernel_only = false;
    // A KIWI KIS build named file by file (--kis-kernel, --kis-initrd, --kis-image); otherwise
    // `iso` may be a KIS build's folder, its bundle or its filesystem image (pxe/kis.hpp).
    std::filesystem::path kis_kernel, kis_initrd, kis_image;
    // --image-dir: where a KIS bundle's filesystem image is unpacked for aoe-target to map.
    std::filesystem::path image_dir;
    // --no-initrd-check: stage an entry whose root the initrd cannot mount (warn only).
    bool initrd_check = true;
    // --live-url: the entry is root=live:URL (dracut livenet downloads the ISO into RAM) instead
    // of AoE; no shelf.slot, no export.
    std::string live_url;
};

inline constexpr const char* kDefaultLabel = "Live-Boot";

// Each returns the exit code (0 ok, 1 failure found by --check); errors are thrown as
// Failure / UsageError. Normal output goes to `out`, warnings to `err` (prefixed).
int stage(const Options& o, std::ostream& out, std::ostream& err);
int remove_image(const Options& o, const std::string& label, std::ostream& out, std::ostream& err);
int list_images(const Options& o, std::ostream& out);
int check_images(const Options& o, std::ostream& out);
int inspect(const Options& o, std::ostream& out);

// A KIS build named by --kis-kernel/--kis-initrd/--kis-image.
bool names_kis_files(const Options& o);
// Usage checks of a KIS build's options (UsageError), before anything is read; `staging`: a
// bundle needs --image-dir.
void check_kis_usage(const Options& o, bool staging);

// Usage check of --name: letters, digits, '.', '_', '-'; not starting with '.' or '-'.
bool valid_name(const std::string& name);

} // namespace aoe::pxe
