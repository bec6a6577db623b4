#include "discovery.hpp"

#include "error.hpp"
#include "grub_cfg.hpp"
#include "isolinux_cfg.hpp"
#include "text_util.hpp"

#include <algorithm>
#include <regex>
#include <set>
#include <sys/utsname.h>

namespace aoe::pxe {

namespace {

struct Pair {
    const char* layout;
    const char* kernel;
    const char* initrd;
};

// docs/staging.md §2.1, first match wins.
const Pair kKnown[] = {
    {"fedora", "/images/pxeboot/vmlinuz", "/images/pxeboot/initrd.img"},
    {"fedora", "/isolinux/vmlinuz", "/isolinux/initrd.img"},
    {"casper", "/casper/vmlinuz", "/casper/initrd"},
    {"casper", "/casper/vmlinuz", "/casper/initrd.img"},
    {"casper", "/casper/vmlinuz", "/casper/initrd.gz"},
    {"casper", "/casper/vmlinuz", "/casper/initrd.lz"},
    {"casper", "/casper/vmlinuz.efi", "/casper/initrd.lz"},
    {"casper", "/casper/hwe-vmlinuz", "/casper/hwe-initrd"},
    {"debian-live", "/live/vmlinuz", "/live/initrd.img"},
    {"arch", "/arch/boot/x86_64/vmlinuz-linux", "/arch/boot/x86_64/initramfs-linux.img"},
    {"arch", "/arch/boot/x86_64/vmlinuz", "/arch/boot/x86_64/archiso.img"},
};

const char* kKiwiArches[] = {"x86_64", "aarch64", "ppc64le", "s390x", "ix86", "riscv64"};

const char* kIsolinuxCfgs[] = {
    "/isolinux/isolinux.cfg", "/boot/isolinux/isolinux.cfg", "/isolinux.cfg",
    "/syslinux/syslinux.cfg", "/boot/syslinux/syslinux.cfg", "/syslinux.cfg"};
const char* kGrubCfgs[] = {"/boot/grub2/grub.cfg", "/boot/grub/grub.cfg", "/EFI/BOOT/grub.cfg",
                           "/boot/grub/loopback.cfg"};

std::string dirname(const std::string& p) {
    auto s = p.rfind('/');
    return s == std::string::npos || s == 0 ? "/" : p.substr(0, s);
}

// Folds "." and ".." (libisofs looks up literal names only); ".." at the root stays at the root.
std::string normalize(const std::string& p) {
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i <= p.size()) {
        auto j = p.find('/', i);
        if (j == std::string::npos) j = p.size();
        auto part = p.substr(i, j - i);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = j + 1;
    }
    std::string out;
    for (const auto& part : parts) out += "/" + part;
    return out.empty() ? "/" : out;
}

// isolinux: relative paths are relative to isolinux.bin's directory, "::/x" is absolute.
std::string resolve(const std::string& base_dir, std::string p) {
    if (p.empty()) return p;
    if (p.rfind("::", 0) == 0) return normalize(p.substr(2));
    if (p[0] == '/') return normalize(p);
    return normalize(base_dir + "/" + p);
}

// Debian live: /live/vmlinuz-<ver> with /live/initrd.img-<ver>.
std::optional<BootFiles> debian_versioned(const iso::Image& img) {
    if (!img.is_directory("/live")) return std::nullopt;
    for (const auto& e : img.list_dir("/live")) {
        auto name = e.path.substr(e.path.rfind('/') + 1);
        if (name.rfind("vmlinuz-", 0) != 0) continue;
        auto ver = name.substr(8);
        auto k = img.find_file(e.path);
        auto i = img.find_file("/live/initrd.img-" + ver);
        if (k && i) return BootFiles{"debian-live", *k, *i, {}, false};
    }
    return std::nullopt;
}

// The first config entry whose kernel and initrd both exist as files in the image.
std::optional<BootFiles> from_entries(const iso::Image& img, const std::vector<BootEntry>& entries,
                                      const std::string& base, const std::string& layout,
                                      const std::string& cfg_path) {
    for (const auto& e : entries) {
        if (e.initrds.empty()) continue;
        auto k = img.find_file(resolve(base, e.kernel));
        // The last initrd is the real one; earlier ones are microcode prefixes.
        auto i = img.find_file(resolve(base, e.initrds.back()));
        if (!k || !i) continue;
        BootFiles bf{layout, *k, *i, e.args, false};
        bf.config = cfg_path;
        bf.entry = e.label;
        return bf;
    }
    return std::nullopt;
}

// A file a KERNEL line may name that is not a kernel (syslinux picks the type by extension):
// COM32/COMBOOT modules, PXE bootstraps, boot sectors, floppy images.
bool not_a_kernel(const std::string& p) {
    static const std::regex re(R"(\.(c32|com|cbt|0|bs|bss|img)$)", std::regex::icase);
    return std::regex_search(p, re);
}

// A config entry that names a kernel (existing in the image) and no initrd: `preferred` (the
// config's DEFAULT label) if it is one, else the first.
std::optional<BootFiles> kernel_only_entry(const iso::Image& img,
                                           const std::vector<BootEntry>& entries,
                                           const std::string& base, const std::string& layout,
                                           const std::string& cfg_path,
                                           const std::string& preferred = {}) {
    std::optional<BootFiles> first;
    for (const auto& e : entries) {
        if (!e.initrds.empty() || not_a_kernel(e.kernel)) continue;
        auto k = img.find_file(resolve(base, e.kernel));
        if (!k) continue;
        BootFiles bf{layout, *k, {}, e.args, false};
        bf.config = cfg_path;
        bf.entry = e.label;
        bf.kernel_only = true;
        if (!preferred.empty() && e.label == preferred) return bf;
        if (!first) first = bf;
    }
    return first;
}

// A pair from the config (or what it includes); else remembers the first kernel-only entry in
// *kernel_only, for when no pair turns up anywhere.
std::optional<BootFiles> from_isolinux(const iso::Image& img, const std::string& cfg_path,
                                       const std::string& base, int depth,
                                       std::optional<BootFiles>& kernel_only) {
    if (depth > 8 || !img.find_file(cfg_path)) return std::nullopt;
    auto cfg = parse_isolinux_cfg(img.read_text(cfg_path));
    const std::string layout = "isolinux " + cfg_path;
    if (auto bf = from_entries(img, cfg.entries, base, layout, cfg_path)) return bf;
    if (!kernel_only)
        kernel_only =
            kernel_only_entry(img, cfg.entries, base, layout, cfg_path, cfg.default_label);
    for (const auto& inc : cfg.includes)
        if (auto bf = from_isolinux(img, resolve(base, inc), base, depth + 1, kernel_only))
            return bf;
    return std::nullopt;
}

} // namespace

std::string config_source(const BootFiles& bf) {
    if (bf.config.empty()) return {};
    if (bf.entry.empty()) return bf.config;
    const bool grub = bf.layout.rfind("grub ", 0) == 0;
    return bf.config + (grub ? ", menuentry '" + bf.entry + "'" : ", label " + bf.entry);
}

std::string host_kiwi_arch() {
    struct utsname u {};
    if (::uname(&u) != 0) return "x86_64";
    std::string m = u.machine;
    if (m == "i386" || m == "i486" || m == "i586" || m == "i686") return "ix86";
    if (m == "arm64") return "aarch64";
    return m;
}

BootFiles find_boot_files(const iso::Image& img, const std::string& arch) {
    std::vector<std::string> looked;

    // 1. KIWI, for the chosen architecture only (a client boots one arch).
    const std::string kiwi_dir = "/boot/" + arch + "/loader";
    looked.push_back(kiwi_dir + "/{linux,initrd} (KIWI)");
    {
        auto k = img.find_file(kiwi_dir + "/linux");
        auto i = img.find_file(kiwi_dir + "/initrd");
        if (k && i) return BootFiles{"kiwi " + arch, *k, *i, {}, true};
    }
    // 2. Known layouts of other distributions.
    for (const auto& p : kKnown) {
        looked.push_back(std::string(p.kernel) + " + " + p.initrd + " (" + p.layout + ")");
        auto k = img.find_file(p.kernel);
        auto i = img.find_file(p.initrd);
        if (k && i) return BootFiles{p.layout, *k, *i, {}, false};
    }
    looked.push_back("/live/vmlinuz-<ver> + /live/initrd.img-<ver> (debian-live)");
    if (auto bf = debian_versioned(img)) return *bf;

    // 3. The ISO's boot configs: isolinux next to the El Torito BIOS image first.
    std::vector<std::pair<std::string, std::string>> iso_cfgs; // (cfg, base dir)
    auto bc = img.boot_catalog();
    for (const auto& b : bc.images) {
        if (b.platform_id != 0 || b.path.empty()) continue;
        auto dir = dirname(b.path);
        iso_cfgs.emplace_back(resolve(dir, "isolinux.cfg"), dir);
        iso_cfgs.emplace_back(resolve(dir, "syslinux.cfg"), dir);
    }
    for (const char* c : kIsolinuxCfgs) iso_cfgs.emplace_back(c, dirname(c));
    std::set<std::string> done;
    std::optional<BootFiles> kernel_only; // the first config entry without an initrd
    for (const auto& [cfg, base] : iso_cfgs) {
        if (!done.insert(cfg).second) continue;
        looked.push_back("kernel/initrd lines of " + cfg);
        if (auto bf = from_isolinux(img, cfg, base, 0, kernel_only)) return *bf;
    }
    for (const char* c : kGrubCfgs) {
        looked.push_back("linux/initrd lines of " + std::string(c));
        if (!img.find_file(c)) continue;
        const auto entries = parse_grub_cfg(img.read_text(c));
        if (auto bf = from_entries(img, entries, "/", "grub " + std::string(c), c)) return *bf;
        if (!kernel_only)
            kernel_only = kernel_only_entry(img, entries, "/", "grub " + std::string(c), c);
    }
    // No pair anywhere: what the boot configuration says, a kernel alone (iPXE, memtest).
    if (kernel_only) return *kernel_only;

    // Nothing: say what was looked for and what looks like a kernel or initrd.
    static const std::regex cand(
        R"((^|/)(vmlinu[xz][^/]*|linux[^/]*|bzimage[^/]*|initrd[^/]*|initramfs[^/]*|[^/]*\.efi)$)",
        std::regex::icase);
    std::vector<std::string> candidates;
    std::vector<std::string> other_arches;
    img.walk([&](const iso::DirEntry& e) {
        if (e.type != iso::NodeType::File && e.type != iso::NodeType::Symlink) return;
        if (std::regex_search(e.path, cand) && candidates.size() < 20) candidates.push_back(e.path);
    });
    for (const char* a : kKiwiArches)
        if (a != arch && img.find_file("/boot/" + std::string(a) + "/loader/linux"))
            other_arches.push_back(a);
    std::string msg = "'" + img.file().string() + "': no kernel/initrd pair found. Looked for:";
    for (const auto& l : looked) msg += "\n  " + l;
    if (!other_arches.empty()) {
        msg += "\nThe image has a KIWI layout for";
        for (const auto& a : other_arches) msg += " " + a;
        msg += " (use --arch).";
    }
    msg += candidates.empty() ? "\nNo candidate kernel or initrd files in the image."
                              : "\nCandidate files in the image:";
    for (const auto& c : candidates) msg += "\n  " + c;
    throw NotFoundError(msg);
}

} // namespace aoe::pxe
