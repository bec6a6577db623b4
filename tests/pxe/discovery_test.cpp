// Kernel/initrd discovery on ISOs of every supported layout, built at test time.
#include "discovery.hpp"
#include "fixtures.hpp"
#include "image.hpp"

#include <doctest/doctest.h>

using namespace aoe::pxe;
namespace fx = fixtures;
namespace fs = std::filesystem;

namespace {

struct Found {
    std::string layout, kernel, initrd;
    bool kernel_only = false;
    std::string source; // config_source(): "/isolinux.cfg, label x"
};

Found discover(const fx::Tree& t, const std::string& arch = "x86_64",
               const std::vector<std::string>& extra = {}) {
    fx::TempDir d;
    fx::make_tree(d / "src", t);
    auto img = aoe::iso::Image::open(fx::xorriso_iso(d / "x.iso", d / "src", "DISC", extra));
    auto bf = find_boot_files(img, arch);
    return {bf.layout, bf.kernel.resolved_path, bf.initrd.resolved_path, bf.kernel_only,
            config_source(bf)};
}

fx::Tree with(std::initializer_list<const char*> paths) {
    fx::Tree t;
    std::uint32_t seed = 1;
    for (const char* p : paths) t.files[p] = fx::random_bytes(3000 + seed, seed), ++seed;
    return t;
}

} // namespace

TEST_CASE("KIWI layout for the chosen architecture") {
    fx::Tree t = fx::kiwi_tree("x86_64", 1);
    auto a = fx::kiwi_tree("aarch64", 2);
    t.files.insert(a.files.begin(), a.files.end());
    auto x = discover(t, "x86_64");
    CHECK(x.layout == "kiwi x86_64");
    CHECK(x.kernel == "/boot/x86_64/loader/linux");
    CHECK(x.initrd == "/boot/x86_64/loader/initrd");
    CHECK(discover(t, "aarch64").kernel == "/boot/aarch64/loader/linux");
    CHECK(discover(fx::kiwi_tree("aarch64", 3), "aarch64").layout == "kiwi aarch64");
}

TEST_CASE("other distributions' layouts") {
    CHECK(discover(
              with({"images/pxeboot/vmlinuz", "images/pxeboot/initrd.img", "LiveOS/squashfs.img"}))
              .layout == "fedora");
    auto c = discover(with({"casper/vmlinuz", "casper/initrd", "casper/filesystem.squashfs"}));
    CHECK(c.layout == "casper");
    CHECK(c.initrd == "/casper/initrd");
    CHECK(discover(with({"casper/vmlinuz", "casper/initrd.lz"})).initrd == "/casper/initrd.lz");
    CHECK(discover(with({"live/vmlinuz", "live/initrd.img", "live/filesystem.squashfs"})).layout ==
          "debian-live");
    auto v = discover(with({"live/vmlinuz-6.1.0-13-amd64", "live/initrd.img-6.1.0-13-amd64"}));
    CHECK(v.layout == "debian-live");
    CHECK(v.kernel == "/live/vmlinuz-6.1.0-13-amd64");
    CHECK(discover(with({"arch/boot/x86_64/vmlinuz-linux", "arch/boot/x86_64/initramfs-linux.img"}))
              .layout == "arch");
}

TEST_CASE("kernel and initrd as Rock Ridge symlinks") {
    fx::Tree t;
    t.files["data/vmlinuz-6.1"] = fx::random_bytes(4000, 1);
    t.files["data/initrd-6.1"] = fx::random_bytes(5000, 2);
    t.links["boot/x86_64/loader/linux"] = "../../../data/vmlinuz-6.1";
    t.links["boot/x86_64/loader/initrd"] = "/data/initrd-6.1";
    auto f = discover(t);
    CHECK(f.layout == "kiwi x86_64");
    CHECK(f.kernel == "/data/vmlinuz-6.1");
    CHECK(f.initrd == "/data/initrd-6.1");
}

TEST_CASE("only clue: an isolinux.cfg next to the El Torito boot image") {
    fx::Tree t = with({"mykernels/bzImage-custom", "mykernels/root.cpio.gz", "syslx/isolinux.bin"});
    t.files["syslx/isolinux.cfg"] = "DEFAULT go\nLABEL go\n  KERNEL ../mykernels/bzImage-custom\n"
                                    "  APPEND initrd=../mykernels/root.cpio.gz console=ttyS0\n";
    // isolinux resolves relative paths against isolinux.bin's directory; "::" would be absolute.
    auto f = discover(t, "x86_64",
                      {"-b", "syslx/isolinux.bin", "-c", "syslx/boot.cat", "-no-emul-boot"});
    CHECK(f.layout == "isolinux /syslx/isolinux.cfg");
    CHECK(f.kernel == "/mykernels/bzImage-custom");
    CHECK(f.initrd == "/mykernels/root.cpio.gz");
}

TEST_CASE("only clue: a GRUB config") {
    fx::Tree t = with({"k/vm", "k/ird"});
    t.files["boot/grub/grub.cfg"] =
        "menuentry 'a' {\n linux ($root)/k/missing\n initrd /k/ird\n}\n"
        "menuentry 'b' {\n linux ($root)/k/vm quiet\n initrd /k/ird\n}\n";
    auto f = discover(t);
    CHECK(f.layout == "grub /boot/grub/grub.cfg");
    CHECK(f.kernel == "/k/vm");
}

TEST_CASE("nothing found: the error lists what was looked for and the candidates") {
    fx::Tree t = with({"stuff/vmlinuz-weird", "README"});
    auto a = fx::kiwi_tree("aarch64", 4);
    t.files.insert(a.files.begin(), a.files.end());
    fx::TempDir d;
    fx::make_tree(d / "src", t);
    auto img = aoe::iso::Image::open(fx::xorriso_iso(d / "n.iso", d / "src", "NONE"));
    try {
        find_boot_files(img, "x86_64");
        FAIL("found something");
    } catch (const NotFoundError& e) {
        std::string m = e.what();
        CHECK(m.find("/boot/x86_64/loader/{linux,initrd} (KIWI)") != std::string::npos);
        CHECK(m.find("/casper/vmlinuz") != std::string::npos);
        CHECK(m.find("/stuff/vmlinuz-weird") != std::string::npos);
        CHECK(m.find("KIWI layout for aarch64 (use --arch)") != std::string::npos);
    }
}

namespace {

// The isolinux.cfg of Debian's ipxe.iso (package ipxe), to the letter.
const char* kIpxeCfg = "SAY iPXE ISO boot image\nTIMEOUT 0\nDEFAULT ipxe.lkrn\nLABEL ipxe.lkrn\n"
                       " KERNEL ipxe.krn\n";
const std::vector<std::string> kRootBoot{"-b", "isolinux.bin", "-c", "boot.cat", "-no-emul-boot"};

} // namespace

TEST_CASE("kernel only: what the boot configuration says when no entry has an initrd") {
    fx::Tree t = with({"ipxe.krn", "isolinux.bin", "ldlinux.c32"});
    t.files["isolinux.cfg"] = kIpxeCfg;
    auto f = discover(t, "x86_64", kRootBoot);
    CHECK(f.kernel_only);
    CHECK(f.layout == "isolinux /isolinux.cfg");
    CHECK(f.kernel == "/ipxe.krn");
    CHECK(f.initrd.empty());
    CHECK(f.source == "/isolinux.cfg, label ipxe.lkrn");

    // The DEFAULT label's entry is the one reported; COM32 modules are not kernels.
    t.files["isolinux.cfg"] = "DEFAULT mt\nLABEL menu\n KERNEL menu.c32\nLABEL other\n"
                              " KERNEL ldlinux.c32\nLABEL first\n KERNEL ipxe.krn\n"
                              "LABEL mt\n LINUX memtest\n APPEND console=ttyS0\n";
    t.files["memtest"] = fx::random_bytes(2000, 7);
    f = discover(t, "x86_64", kRootBoot);
    CHECK(f.kernel_only);
    CHECK(f.kernel == "/memtest");
    CHECK(f.source == "/isolinux.cfg, label mt");

    // A GRUB menuentry without initrd (memtest86+ on casper ISOs).
    fx::Tree g = with({"boot/memtest86+x64.bin"});
    g.files["boot/grub/grub.cfg"] =
        "menuentry 'Test memory' {\n linux16 /boot/memtest86+x64.bin\n}\n";
    f = discover(g);
    CHECK(f.kernel_only);
    CHECK(f.layout == "grub /boot/grub/grub.cfg");
    CHECK(f.source == "/boot/grub/grub.cfg, menuentry 'Test memory'");
}

TEST_CASE("kernel only never wins over a kernel/initrd pair, wherever the pair is") {
    // memtest first in the same config: the live entry after it is the answer.
    fx::Tree t = with({"live/vmlinuz-x", "live/initrd-x", "live/memtest", "isolinux.bin"});
    t.files["isolinux.cfg"] =
        "DEFAULT memtest\nLABEL memtest\n KERNEL /live/memtest\n"
        "LABEL live\n KERNEL /live/vmlinuz-x\n APPEND initrd=/live/initrd-x\n";
    auto f = discover(t, "x86_64", kRootBoot);
    CHECK_FALSE(f.kernel_only);
    CHECK(f.kernel == "/live/vmlinuz-x");
    CHECK(f.initrd == "/live/initrd-x");
    CHECK(f.source == "/isolinux.cfg, label live");

    // A kernel-only isolinux entry, the pair only in GRUB's config: the pair.
    fx::Tree u = with({"ipxe.krn", "isolinux.bin", "k/vm", "k/ird"});
    u.files["isolinux.cfg"] = kIpxeCfg;
    u.files["boot/grub/grub.cfg"] = "menuentry 'live' {\n linux /k/vm\n initrd /k/ird\n}\n";
    f = discover(u, "x86_64", kRootBoot);
    CHECK_FALSE(f.kernel_only);
    CHECK(f.layout == "grub /boot/grub/grub.cfg");
    CHECK(f.source == "/boot/grub/grub.cfg, menuentry 'live'");

    // A known layout says nothing about configs.
    CHECK(discover(with({"casper/vmlinuz", "casper/initrd"})).source.empty());
}

TEST_CASE("kernel only: COM32 modules, boot sectors and missing kernels are not candidates") {
    fx::Tree t = with({"isolinux.bin", "hdt.c32", "chain.c32", "pxe.0", "disk.img"});
    t.files["isolinux.cfg"] = "LABEL hdt\n KERNEL hdt.c32\nLABEL c\n KERNEL chain.c32\n"
                              "LABEL p\n KERNEL pxe.0\nLABEL f\n KERNEL disk.img\n"
                              "LABEL gone\n KERNEL missing.krn\n";
    fx::TempDir d;
    fx::make_tree(d / "src", t);
    auto img = aoe::iso::Image::open(fx::xorriso_iso(d / "n.iso", d / "src", "NONE", kRootBoot));
    CHECK_THROWS_AS(find_boot_files(img, "x86_64"), NotFoundError);
}

TEST_CASE("Debian's ipxe.iso (package ipxe): the kernel its isolinux.cfg names, no initrd") {
    const fs::path iso = "/usr/lib/ipxe/ipxe.iso";
    REQUIRE_MESSAGE(fs::exists(iso), "/usr/lib/ipxe/ipxe.iso is missing: install the Debian "
                                     "package ipxe (apt-get install ipxe; scripts/setup lists it)");
    auto img = aoe::iso::Image::open(iso);
    auto bf = find_boot_files(img, "x86_64");
    CHECK(bf.kernel_only);
    CHECK(bf.layout == "isolinux /isolinux.cfg");
    CHECK(bf.kernel.resolved_path == "/ipxe.krn");
    CHECK(bf.kernel.size > 0);
    CHECK(bf.initrd.path.empty());
    CHECK(config_source(bf) == "/isolinux.cfg, label ipxe.lkrn");
    CHECK(img.read_text("/isolinux.cfg").find("KERNEL ipxe.krn") != std::string::npos);
}
