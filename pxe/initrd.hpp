// What an initrd can mount: read with libarchive (cpio archives, compressed or not, one after the
// other as the kernel reads them: dracut puts an uncompressed early-microcode cpio in front of
// the compressed main one). From the files it holds: whether dracut made it (its module list
// usr/lib/dracut/modules.txt, dracut-lib.sh), which network-root modules it has (KIWI's
// kiwi-live and kiwi-overlay, dracut's livenet), whether the aoe kernel module is in it, and
// which shell /bin/sh is (KIWI's scripts use bash-only syntax). Never throws on bad bytes: an
// initrd that is not a readable archive is a fact too ("cannot tell").
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace aoe::pxe {

struct InitrdArchive {
    std::uint64_t offset = 0;  // where it starts in the initrd file
    std::string compression;   // "uncompressed", or libarchive's filter name: "gzip", "xz", "zstd", "lz4"
    std::size_t entries = 0;
};

struct InitrdFacts {
    bool readable = false;       // at least one cpio archive was read to its end
    std::string unreadable_why;  // libarchive's message when not
    std::vector<InitrdArchive> archives;
    std::string later_error;     // an archive after a readable one that failed (named, not fatal)
    bool dracut = false;
    std::string dracut_evidence;             // "usr/lib/dracut/modules.txt", or the file seen
    std::vector<std::string> dracut_modules; // modules.txt in its order (empty if absent)
    bool kiwi_live = false, kiwi_overlay = false, livenet = false;
    bool aoe_module = false;
    std::string aoe_module_where; // "usr/lib/modules/6.1.0-13-amd64/.../aoe.ko", or "built in"
    std::vector<std::string> kernel_versions; // lib/modules/<version> directories
    std::string sh;          // what /bin/sh resolves to inside the initrd ("" if none)
    bool sh_is_bash = false;
    // Per KIWI module ("kiwi-live", "kiwi-overlay"): its shell scripts that use the bash-only
    // `function NAME` syntax; dracut sources hooks with /bin/sh, so under dash they fail.
    std::map<std::string, std::vector<std::string>> bash_only_scripts;
};

// Reads every cpio archive of the initrd (stopping after a compressed one: its raw end is not
// known); never throws for bad input.
InitrdFacts read_initrd(std::span<const std::byte> data);

// The AoE roots an entry can name, and dracut's download-to-RAM root.
enum class NetRoot {
    KiwiLiveAoe,    // root=live:AOEINTERFACE=eS.L (a live ISO)
    KiwiOverlayAoe, // root=overlay:aoe=eS.L (a KIS build)
    Livenet,        // root=live:URL (dracut livenet: the ISO downloaded into RAM)
};
const char* root_syntax(NetRoot r);

// Why this initrd cannot mount r (each reason a sentence); empty when it can, or when it cannot
// be told (not readable, or not made by dracut: see can_tell()).
std::vector<std::string> cannot_mount(const InitrdFacts& f, NetRoot r);
bool can_tell(const InitrdFacts& f);

// One line: "not a dracut initrd: cannot tell which roots it mounts", or the roots it mounts.
std::string roots_summary(const InitrdFacts& f);
// The lines --inspect prints (each without a newline), indented by the caller.
std::vector<std::string> describe_initrd(const InitrdFacts& f);

// The dracut.conf.d line that makes KIWI's scripts run (dracut's bash module as /bin/sh).
inline constexpr const char* kBashDracutLine = "add_dracutmodules+=\" bash \"";

} // namespace aoe::pxe
