// A KIWI KIS build (image type "kis": kernel, initrd, filesystem image; no ISO) as KIWI hands it
// to an admin: its output folder, its NAME.ARCH-VERSION.tar.xz bundle, or the three files named
// one by one. KIWI's names, for BASE = NAME.ARCH-VERSION:
//   BASE                  the filesystem image (no extension): what aoe-target exports
//   BASE-KVER.kernel      the kernel
//   BASE.initrd           the initrd (KIWI writes it 0600)
//   BASE + .md5 (KIWI's checksum), BASE.append (only for file systems with a UUID),
//   BASE.tar.xz (all of them)
// The kernel and initrd are read into memory (a few tens of MB); the bundle is read with
// libarchive, without root and without writing the filesystem image anywhere, except by
// unpack_image() when a run stages it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace aoe::pxe {

struct KisBuild {
    enum class From { Folder, Bundle, Files };
    From from = From::Folder;
    std::filesystem::path input; // the folder, the bundle, or the image (Files), absolute
    std::string base;            // NAME.ARCH-VERSION
    std::string kver;            // from the kernel's name ("" when named by hand)
    // Names as KIWI wrote them: file names in the folder, member names in the bundle.
    std::string kernel_name, initrd_name, image_name;
    // On disk (Folder, Files); for a bundle, kernel/initrd are members and image is empty.
    std::filesystem::path kernel_path, initrd_path, image_path;
    std::uint64_t image_size = 0;
    std::string kernel, initrd;       // the bytes
    std::string append, checksum;     // the .append and .md5 files' text, if present
    std::vector<std::string> members; // a bundle's member names, in order

    // "'/abs/BASE-KVER.kernel'" or "'/abs/BASE.tar.xz': BASE-KVER.kernel", for messages and
    // the manifest's source fields.
    std::string where(const std::string& name) const;
    const char* from_name() const; // "folder", "bundle", "files"
};

// Whether `input` is a KIS build rather than an ISO: a directory, a *.tar.xz / *.tar bundle, or
// a file BASE with BASE.initrd beside it (the filesystem image itself).
bool is_kis_input(const std::filesystem::path& input);

// Each throws Failure naming the file and what is wrong (missing file, two kernels or two
// builds in one folder, a bundle without initrd, a truncated bundle, a compressed image).
KisBuild open_kis(const std::filesystem::path& input);
KisBuild open_kis_files(const std::filesystem::path& kernel, const std::filesystem::path& initrd,
                        const std::filesystem::path& image);

// Writes a bundle's filesystem image to dest (temp file, fsync, rename; mode 0644), streaming it
// out of the bundle. Returns "unpacked", or "unchanged" when dest already holds those bytes
// (then nothing is written). Throws Failure.
std::string unpack_image(const KisBuild& k, const std::filesystem::path& dest, bool quiet,
                         std::ostream& err);

} // namespace aoe::pxe
