// The stage-pxe binary on KIWI KIS builds the test makes: a folder with KIWI's names (a small
// ext4 image, a kernel, an initrd packed with cpio), its .tar.xz bundle, the three files named
// one by one; every bad input with its message and exit code; the initrd check on ISOs too.
#include "initrd_fixtures.hpp"

#include <doctest/doctest.h>

#include <map>
#include <sys/stat.h>

namespace fx = fixtures;
namespace ix = initrd_fx;
namespace fs = std::filesystem;

namespace {

const std::string kBin = STAGE_PXE_BIN;
const std::string kBase = "Demo.x86_64-1.0.1";
const std::string kKver = "6.1.0-13-amd64";

fx::RunResult stage(std::vector<std::string> args) {
    args.insert(args.begin(), kBin);
    return fx::run(args);
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

std::map<std::string, std::pair<std::string, long long>> snapshot(const fs::path& root) {
    std::map<std::string, std::pair<std::string, long long>> m;
    if (!fs::exists(root)) return m;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        struct stat st {};
        ::lstat(e.path().c_str(), &st);
        std::string data = e.is_regular_file() ? fx::read_file(e.path()) : std::string();
        m[fs::relative(e.path(), root).string()] = {data, st.st_mtim.tv_sec * 1'000'000'000LL +
                                                              st.st_mtim.tv_nsec};
    }
    return m;
}

// A KIS build as KIWI 9.24 writes it: BASE (ext4 image), BASE-KVER.kernel, BASE.initrd (0600),
// the .md5 file, and with `bundle` BASE.tar.xz of them in KIWI's order.
struct Kis {
    fs::path dir, image, kernel, initrd, bundle;
    std::string kernel_bytes, initrd_bytes;
};

Kis make_kis(const fx::TempDir& d, const std::string& name, const ix::Spec& spec,
             bool bundle = true) {
    Kis k;
    k.dir = d / name;
    fs::create_directories(k.dir);
    k.image = k.dir / kBase;
    ix::sh("truncate -s 2M '" + k.image.string() + "' && mkfs.ext4 -q -F -L demo '" +
           k.image.string() + "'");
    k.kernel = k.dir / (kBase + "-" + kKver + ".kernel");
    k.kernel_bytes = fx::random_bytes(5000, 11);
    fx::write_file(k.kernel, k.kernel_bytes);
    k.initrd = k.dir / (kBase + ".initrd");
    fs::copy_file(ix::pack(d, name + "-initrd", ix::tree(spec), "xz --check=crc32", true),
                  k.initrd);
    fs::permissions(k.initrd, fs::perms(0600));
    k.initrd_bytes = fx::read_file(k.initrd);
    ix::sh("cd '" + k.dir.string() + "' && md5sum '" + kBase + "' > '" + kBase + ".md5'");
    if (bundle) {
        k.bundle = d / (name + "-bundle") / (kBase + ".tar.xz");
        fs::create_directories(k.bundle.parent_path());
        ix::sh("cd '" + k.dir.string() + "' && tar -cJf '" + k.bundle.string() + "' '" + kBase +
               "-" + kKver + ".kernel' '" + kBase + ".md5' '" + kBase + ".initrd' '" + kBase + "'");
    }
    return k;
}

const ix::Spec kGood{.kiwi_overlay = true};

const std::string kArgs = "rd.driver.pre=aoe rd.neednet=1 ip=dhcp root=overlay:aoe=e0.1";

} // namespace

TEST_CASE("KIS folder: kernel and initrd 0644 in boot/, the overlay entry, the image exported; "
          "idempotent; --check, --list, --remove") {
    fx::TempDir d;
    auto k = make_kis(d, "build", kGood, false);
    const auto root = d / "tftp", exports = d / "exports";
    auto r =
        stage({k.dir.string(), "--tftp-root", root.string(), "--export-dir", exports.string()});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(fx::read_file(root / "boot/linux") == k.kernel_bytes);
    CHECK(fx::read_file(root / "boot/initrd") == k.initrd_bytes);
    CHECK(mode_of(k.initrd) == 0600);
    CHECK(mode_of(root / "boot/initrd") == 0644); // a TFTP server running as its own user
    CHECK(mode_of(root / "boot/linux") == 0644);
    CHECK(contains(fx::read_file(root / "pxelinux.cfg/default"),
                   "# BEGIN stage-pxe Live-Boot (managed; do not edit)\nLABEL Live-Boot\n"
                   "    kernel boot/linux\n    append initrd=boot/initrd " +
                       kArgs + "\n# END stage-pxe Live-Boot\n"));
    CHECK(fx::read_file(exports / "Live-Boot.conf") ==
          "# written by stage-pxe for entry 'Live-Boot'; same syntax as aoe-target --export\n"
          "0.1=" +
              k.image.string() + "\n"); // read-only: no ,rw
    CHECK(contains(r.out, "staged 'Live-Boot' from KIS build " + kBase + " (folder " +
                              k.dir.string() + ")\n"));
    CHECK(contains(r.out, "  initrd: dracut initrd; network roots: kiwi-overlay "
                          "(root=overlay:aoe=eS.L)\n"));
    CHECK(contains(r.out, "Serve the filesystem image (read-only) with:\n  aoe-target --export "
                          "0.1=" +
                              k.image.string() + " --iface IFACE\n"));

    const auto before = snapshot(root);
    const auto exp_before = snapshot(exports);
    auto r2 =
        stage({k.dir.string(), "--tftp-root", root.string(), "--export-dir", exports.string()});
    REQUIRE(r2.status == 0);
    CHECK(snapshot(root) == before);
    CHECK(snapshot(exports) == exp_before);
    CHECK(contains(r2.out, "boot/initrd  " + std::to_string(k.initrd_bytes.size()) +
                               " bytes  sha256 " + fx::sha256(k.initrd_bytes) + "  unchanged\n"));

    auto l = stage({"--list", "--tftp-root", root.string()});
    CHECK(contains(l.out, "Live-Boot\te0.1\tkis folder\tpxelinux\t" + k.image.string() + "\n"));
    auto c = stage({"--check", "--tftp-root", root.string()});
    CHECK(c.status == 0);
    // The test's kernel is not a PE file: --check notes that Secure Boot clients refuse it.
    CHECK(c.out == "Live-Boot (e0.1): ok\n"
                   "  note: boot/linux: UNSIGNED (not an EFI executable: no MZ header): a UEFI "
                   "client with Secure Boot on refuses it\n");

    // A rebuilt image (new mtime) is noticed, as a replaced ISO is.
    ix::sh("touch -d '2001-01-01' '" + k.image.string() + "'");
    c = stage({"--check", "--tftp-root", root.string()});
    CHECK(c.status == 1);
    CHECK(contains(c.out, "filesystem image '" + k.image.string() +
                              "' changed on disk since staging (re-run stage-pxe)"));

    // A new kernel in the build: the next run replaces it (through the versioned pair).
    fx::write_file(k.kernel, fx::random_bytes(5100, 12));
    r = stage({k.dir.string(), "--tftp-root", root.string(), "--export-dir", exports.string()});
    REQUIRE(r.status == 0);
    CHECK(fx::read_file(root / "boot/linux") == fx::read_file(k.kernel));
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);

    auto rm = stage({"--remove", "Live-Boot", "--tftp-root", root.string()});
    REQUIRE(rm.status == 0);
    CHECK_FALSE(fs::exists(root / "boot/linux"));
    CHECK_FALSE(fs::exists(root / "boot/initrd"));
    CHECK_FALSE(fs::exists(exports / "Live-Boot.conf"));
    CHECK(fs::exists(k.image)); // the build's own image is the admin's
}

TEST_CASE("KIS bundle: --inspect reads it without writing; staging unpacks the image into "
          "--image-dir once") {
    fx::TempDir d;
    auto k = make_kis(d, "build", kGood);
    const auto bundle_dir = k.bundle.parent_path();
    const auto root = d / "tftp", images = d / "images";
    const auto bundle_before = snapshot(bundle_dir);

    auto i = stage({"--inspect", k.bundle.string()});
    INFO(i.err);
    REQUIRE(i.status == 0);
    CHECK(contains(i.out, "KIS build:   " + kBase + " (bundle " + k.bundle.string() + ")\n"));
    CHECK(contains(i.out, "members:     " + kBase + "-" + kKver + ".kernel, " + kBase + ".md5, " +
                              kBase + ".initrd, " + kBase + "\n"));
    CHECK(contains(i.out, "kernel:      " + kBase + "-" + kKver + ".kernel (5000 bytes, sha256 " +
                              fx::sha256(k.kernel_bytes) + "), version " + kKver + "\n"));
    CHECK(contains(i.out, "  roots:     dracut initrd; network roots: kiwi-overlay "
                          "(root=overlay:aoe=eS.L)\n"));
    CHECK(contains(i.out, "  archives:  cpio (uncompressed, "));
    CHECK(contains(i.out, "cpio (xz, "));
    CHECK(contains(i.out, "  aoe:       usr/lib/modules/" + kKver +
                              "/kernel/drivers/block/aoe/aoe.ko.xz\n"));
    CHECK(contains(i.out, "image:       " + kBase +
                              " (2097152 bytes), in the bundle: staging "
                              "unpacks it into --image-dir\n"));
    CHECK(contains(i.out, "entry:       rd.driver.pre=aoe rd.neednet=1 ip=dhcp "
                          "root=overlay:aoe=eS.L\n"));
    CHECK(contains(i.out, "verdict:     stage-pxe stages it\n"));
    CHECK(snapshot(bundle_dir) == bundle_before); // nothing unpacked
    auto j = stage({"--inspect", "--json", k.bundle.string()});
    REQUIRE(j.status == 0);
    CHECK(contains(j.out, "\"kiwi_overlay\": true"));
    CHECK(contains(j.out, "\"aoe_module\": true"));
    CHECK(contains(j.out, "\"stages\": true"));

    // Staging needs a place for the image.
    auto u = stage({k.bundle.string(), "--tftp-root", root.string()});
    CHECK(u.status == 2);
    CHECK(contains(u.err, "stage-pxe: '" + k.bundle.string() +
                              "' is a KIS bundle: its filesystem image must be a file for "
                              "aoe-target to export. Give --image-dir DIR"));
    CHECK_FALSE(fs::exists(root));

    auto r = stage({k.bundle.string(), "--tftp-root", root.string(), "--image-dir", images.string(),
                    "--name", "demo", "--grub", "--ipxe"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto img = images / kBase;
    CHECK(fx::sha256_of_file(img) == fx::sha256_of_file(k.image));
    CHECK(mode_of(img) == 0644);
    CHECK(contains(r.out, "  " + img.string() +
                              "  2097152 bytes  unpacked (the filesystem image, "
                              "out of the bundle)\n"));
    CHECK(fx::read_file(root / "boot/demo/initrd") == k.initrd_bytes);
    CHECK(mode_of(root / "boot/demo/initrd") == 0644);
    CHECK(contains(fx::read_file(root / "pxelinux.cfg/default"),
                   "LABEL demo\n    kernel boot/demo/linux\n    append initrd=boot/demo/initrd " +
                       kArgs + "\n"));
    CHECK(contains(fx::read_file(root / "grub/grub.cfg"),
                   "    linux (tftp)/boot/demo/linux " + kArgs +
                       "\n    initrd (tftp)/boot/demo/initrd\n"));
    CHECK(contains(fx::read_file(root / "boot.ipxe"),
                   "/boot/demo/linux initrd=initrd " + kArgs + "\n"));
    CHECK(contains(r.out, "aoe-target --export 0.1=" + img.string() + " --iface IFACE\n"));

    const auto snap = snapshot(root);
    const auto isnap = snapshot(images);
    auto r2 = stage({k.bundle.string(), "--tftp-root", root.string(), "--image-dir",
                     images.string(), "--name", "demo"});
    REQUIRE(r2.status == 0);
    CHECK(contains(r2.out, "2097152 bytes  unchanged (the filesystem image"));
    CHECK(snapshot(root) == snap);
    CHECK(snapshot(images) == isnap);
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);

    // The bundle replaced on disk: --check says so.
    ix::sh("touch -d '2001-01-01' '" + k.bundle.string() + "'");
    auto c = stage({"--check", "--tftp-root", root.string()});
    CHECK(c.status == 1);
    CHECK(contains(c.out, "bundle '" + k.bundle.string() + "' changed on disk since staging"));
    // ...and the next run unpacks again (same bytes: the file is left alone).
    r2 = stage({k.bundle.string(), "--tftp-root", root.string(), "--image-dir", images.string(),
                "--name", "demo"});
    REQUIRE(r2.status == 0);
    CHECK(contains(r2.out, "2097152 bytes  unchanged (the filesystem image"));
    CHECK(snapshot(images) == isnap);
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);

    auto rm = stage({"--remove", "demo", "--tftp-root", root.string()});
    REQUIRE(rm.status == 0);
    CHECK(contains(rm.out, "  " + img.string() + "  removed\n"));
    CHECK_FALSE(fs::exists(img));
    CHECK_FALSE(fs::exists(root / "boot/demo"));
}

TEST_CASE("KIS files named one by one, the image path alone, --dry-run, --no-kiwi-net") {
    fx::TempDir d;
    auto k = make_kis(d, "build", kGood, false);
    const auto root = d / "tftp";
    auto dry = stage({"--kis-kernel", k.kernel.string(), "--kis-initrd", k.initrd.string(),
                      "--kis-image", k.image.string(), "--tftp-root", root.string(), "-n"});
    INFO(dry.err);
    REQUIRE(dry.status == 0);
    CHECK(contains(dry.out, "dry run, nothing written: 'Live-Boot' from KIS build " + kBase +
                                " (files " + k.image.string() + ")\n"));
    CHECK(contains(dry.out, "+    append initrd=boot/initrd " + kArgs + "\n"));
    CHECK_FALSE(fs::exists(root));

    auto r = stage({"--kis-kernel", k.kernel.string(), "--kis-initrd", k.initrd.string(),
                    "--kis-image", k.image.string(), "--tftp-root", root.string(), "--name",
                    "byhand", "--no-kiwi-net"});
    REQUIRE(r.status == 0);
    // KIWI's documented line to the letter, and what it costs
    CHECK(contains(fx::read_file(root / "pxelinux.cfg/default"),
                   "    append initrd=boot/byhand/initrd root=overlay:aoe=e0.1\n"));
    CHECK(contains(r.err, "stage-pxe: warning: --no-kiwi-net: the entry is KIWI's documented "
                          "line, root=overlay:aoe=e0.1 without 'rd.driver.pre=aoe rd.neednet=1 "
                          "ip=dhcp'"));
    CHECK(fx::read_file(root / "boot/byhand/linux") == k.kernel_bytes);

    // The filesystem image's own path (BASE, with BASE.initrd beside it) is the folder's build.
    auto i = stage({"--inspect", k.image.string()});
    REQUIRE(i.status == 0);
    CHECK(contains(i.out, "KIS build:   " + kBase + " (folder " + k.dir.string() + ")\n"));
}

TEST_CASE("KIS initrds that cannot mount root=overlay:aoe= are refused, nothing written") {
    fx::TempDir d;
    struct Case {
        std::string name;
        ix::Spec spec;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"noaoe",
         {.kiwi_overlay = true, .aoe = false},
         "it has no aoe kernel module (aoe.ko), so /dev/etherd/ never appears"},
        {"nooverlay",
         {},
         "it has no kiwi-overlay dracut module, which is what reads "
         "root=overlay:aoe="},
        {"dash",
         {.kiwi_overlay = true, .bash = false},
         "its kiwi-overlay scripts use bash-only syntax ('function NAME', in "},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto k = make_kis(d, c.name, c.spec, false);
        const auto root = d / ("tftp-" + c.name);
        auto r = stage({k.dir.string(), "--tftp-root", root.string()});
        CHECK(r.status == 1);
        CHECK(contains(r.err, "stage-pxe: '" + k.initrd.string() +
                                  "': this initrd cannot mount root=overlay:aoe=eS.L, the "
                                  "entry's root: " +
                                  c.reason));
        CHECK(contains(r.err, "Nothing was staged (--no-initrd-check stages it anyway"));
        CHECK_FALSE(fs::exists(root));
        auto i = stage({"--inspect", k.dir.string()});
        CHECK(i.status == 0);
        CHECK(contains(i.out, "verdict:     stage-pxe refuses it (--no-initrd-check stages it "
                              "anyway): this initrd cannot mount root=overlay:aoe=\n"
                              "             - " +
                                  c.reason));
        auto f = stage({k.dir.string(), "--tftp-root", root.string(), "--no-initrd-check"});
        CHECK(f.status == 0);
        CHECK(contains(f.err, "stage-pxe: warning: '" + k.initrd.string() +
                                  "': this initrd "
                                  "cannot mount root=overlay:aoe=eS.L"));
        CHECK(contains(f.err, "(staged anyway: --no-initrd-check)"));
        CHECK(fs::exists(root / "boot/initrd"));
    }
    // the dash case names the fix
    auto k = make_kis(d, "dash2", {.kiwi_overlay = true, .bash = false}, false);
    auto r = stage({k.dir.string(), "--tftp-root", (d / "t2").string()});
    CHECK(contains(r.err, "/bin/sh is /usr/bin/dash, not bash"));
    CHECK(contains(r.err, "a dracut.conf.d file with the line add_dracutmodules+=\" bash \""));
}

TEST_CASE("KIS bad inputs: message names the file, exit 1 (or 2 for usage)") {
    fx::TempDir d;
    auto k = make_kis(d, "build", kGood);
    const std::string root = (d / "tftp").string();

    // two kernels for one build
    auto two = make_kis(d, "two", kGood, false);
    fx::write_file(two.dir / (kBase + "-6.2.0.kernel"), "k2");
    // two builds in one folder
    auto both = make_kis(d, "both", kGood, false);
    fx::write_file(both.dir / "Other.x86_64-2.initrd", "i");
    // no initrd in the folder
    auto noinit = make_kis(d, "noinit", kGood, false);
    fs::remove(noinit.initrd);
    // no image
    auto noimg = make_kis(d, "noimg", kGood, false);
    fs::remove(noimg.image);
    // a compressed image (KIWI's compressed="true")
    auto xz = make_kis(d, "xz", kGood, false);
    ix::sh("xz '" + xz.image.string() + "'");
    // an empty initrd
    auto empty = make_kis(d, "empty", kGood, false);
    fx::write_file(empty.initrd, "");
    // a bundle without the initrd, a truncated bundle, a bundle that is not one
    const auto noinit_bundle = d / "noinit.tar.xz";
    ix::sh("cd '" + k.dir.string() + "' && tar -cJf '" + noinit_bundle.string() + "' '" + kBase +
           "-" + kKver + ".kernel' '" + kBase + "'");
    const std::string whole = fx::read_file(k.bundle);
    const auto truncated = d / "truncated.tar.xz";
    fx::write_file(truncated, whole.substr(0, whole.size() * 3 / 4));
    const auto junk = d / "junk.tar.xz";
    fx::write_file(junk, fx::random_bytes(4000, 3));

    struct Case {
        std::vector<std::string> args;
        int status;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{two.dir.string()},
         1,
         "'" + two.dir.string() + "': two kernels for " + kBase + ".initrd (" + kBase + "-" +
             kKver + ".kernel, " + kBase +
             "-6.2.0.kernel); name the one to stage with "
             "--kis-kernel"},
        {{both.dir.string()},
         1,
         "'" + both.dir.string() + "': more than one KIS build in it (" + kBase +
             ".initrd, Other.x86_64-2.initrd)"},
        {{noinit.dir.string()},
         1,
         "'" + noinit.dir.string() +
             "': is a directory, not an ISO image file, and no KIWI "
             "KIS build (no NAME.ARCH-VERSION.initrd in it)"},
        {{noimg.dir.string()},
         1,
         "'" + noimg.image.string() + "': no such file (the KIS filesystem image)"},
        {{xz.dir.string()},
         1,
         "'" + xz.image.string() + ".xz': the filesystem image is xz-compressed"},
        {{empty.dir.string()}, 1, "'" + empty.initrd.string() + "': empty file (the KIS initrd)"},
        {{noinit_bundle.string()},
         1,
         "'" + noinit_bundle.string() +
             "': no initrd in the bundle (KIWI names it "
             "NAME.ARCH-VERSION.initrd; members: " +
             kBase + "-" + kKver + ".kernel, " + kBase + ")"},
        {{truncated.string()}, 1, "'" + truncated.string() + "': "},
        {{junk.string()},
         1,
         "'" + junk.string() +
             "': cannot read the bundle (truncated, damaged, or not a tar "
             "archive)"},
        {{(d / "missing.tar.xz").string()},
         1,
         "'" + (d / "missing.tar.xz").string() + "': no such file"},
        {{"--kis-kernel", k.kernel.string()},
         2,
         "--kis-kernel, --kis-initrd and --kis-image go together"},
        {{k.dir.string(), "--kis-kernel", k.kernel.string(), "--kis-initrd", k.initrd.string(),
          "--kis-image", k.image.string()},
         2,
         "give either an image (ISO, KIS folder or bundle) or --kis-kernel"},
        {{k.dir.string(), "--kernel-only"}, 2, "--kernel-only is for ISOs"},
        {{k.dir.string(), "--arch", "aarch64"},
         2,
         "--arch chooses among a KIWI live ISO's "
         "kernels; a KIS build has one"},
        {{k.dir.string(), "--image-dir", (d / "i").string()}, 2, "--image-dir is for a KIS bundle"},
        {{"--kis-kernel", k.kernel.string(), "--kis-initrd", (d / "nope.initrd").string(),
          "--kis-image", k.image.string()},
         1,
         "'" + (d / "nope.initrd").string() + "': no such file (the KIS initrd)"},
    };
    for (const auto& c : cases) {
        auto args = c.args;
        args.insert(args.end(), {"--tftp-root", root});
        if (c.args[0].find("tar.xz") != std::string::npos)
            args.insert(args.end(), {"--image-dir", (d / "img").string()});
        auto r = stage(args);
        INFO("args: " << c.args[0] << "\nstderr: " << r.err);
        CHECK(r.status == c.status);
        CHECK(r.err.rfind("stage-pxe: ", 0) == 0);
        CHECK(contains(r.err, c.message));
        CHECK_FALSE(fs::exists(root)); // a refused run writes nothing
        CHECK_FALSE(fs::exists(d / "img" / kBase));
    }
    // the truncated bundle says what it is
    auto t = stage({"--inspect", truncated.string()});
    CHECK(t.status == 1);
    CHECK(contains(t.err, "truncated"));
}

TEST_CASE("ISOs: the initrd check (kiwi-live), a busybox initrd still stages") {
    fx::TempDir d;
    auto iso_with = [&](const std::string& name, const fs::path& initrd) {
        auto t = fx::kiwi_tree("x86_64", 5);
        t.files["boot/x86_64/loader/initrd"] = fx::read_file(initrd);
        fx::make_tree(d / ("src-" + name), t);
        return fx::xorriso_iso(d / (name + ".iso"), d / ("src-" + name), "KIWI_" + name);
    };
    const auto live = iso_with(
        "live", ix::pack(d, "live-initrd", ix::tree({.kiwi_live = true}), "zstd -q", true));
    const auto fedora = iso_with(
        "noklive", ix::pack(d, "fedora-initrd", ix::tree({.livenet = true}), "xz --check=crc32"));
    const auto busybox =
        iso_with("busybox", ix::pack(d, "bb-initrd", ix::tree({.dracut = false}), "gzip -n"));

    auto r = stage({live.string(), "--tftp-root", (d / "t1").string()});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "  initrd: dracut initrd; network roots: kiwi-live "
                          "(root=live:AOEINTERFACE=eS.L)\n"));
    auto i = stage({"--inspect", live.string()});
    CHECK(contains(i.out, "  roots:     dracut initrd; network roots: kiwi-live"));
    CHECK_FALSE(contains(i.out, "verdict:"));

    r = stage({fedora.string(), "--tftp-root", (d / "t2").string()});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "stage-pxe: '" + fedora.string() +
                              "': /boot/x86_64/loader/initrd: this initrd cannot mount "
                              "root=live:AOEINTERFACE=eS.L, the entry's root: it has no "
                              "kiwi-live dracut module"));
    // An initrd with livenet but no kiwi-live (KIWI's flags="dmsquash"): the refusal names the
    // option that writes the entry it can boot.
    CHECK(contains(r.err, ". It has dracut's livenet: --live-url URL writes the entry it can "
                          "boot (root=live:URL, each client downloads the whole ISO into its "
                          "RAM), with the ISO served at URL. Nothing was staged"));
    CHECK_FALSE(fs::exists(d / "t2"));
    i = stage({"--inspect", fedora.string()});
    CHECK(i.status == 0);
    CHECK(contains(i.out, "  roots:     dracut initrd; network roots: livenet (root=live:URL)\n"));
    CHECK(contains(i.out, "verdict:     stage-pxe refuses it"));

    r = stage({busybox.string(), "--tftp-root", (d / "t3").string()});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "  initrd: not a dracut initrd: cannot tell which roots it mounts\n"));

    // --live-url: dracut's livenet downloads the ISO into RAM; refused without livenet.
    const std::string url = "http://10.0.0.1/live/noklive.iso";
    r = stage({fedora.string(), "--tftp-root", (d / "t4").string(), "--live-url", url,
               "--export-dir", (d / "exp4").string()});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(fx::read_file(d / "t4/pxelinux.cfg/default"),
                   "    append initrd=boot/initrd rd.neednet=1 ip=dhcp root=live:" + url + "\n"));
    const auto iso_bytes = fs::file_size(fedora);
    CHECK(contains(r.out, "Download to RAM (dracut livenet): each client fetches " + url +
                              " and keeps the whole ISO in RAM: " + std::to_string(iso_bytes) +
                              " bytes ("));
    CHECK(contains(r.out, "MiB, the ISO's size) per client"));
    CHECK(contains(r.out, "no AoE export and no aoe-target command (--export-dir: nothing "
                          "written)"));
    CHECK_FALSE(fs::exists(d / "exp4/Live-Boot.conf"));
    CHECK_FALSE(contains(r.out, "aoe-target --export"));
    auto l = stage({"--list", "--tftp-root", (d / "t4").string()});
    CHECK(contains(l.out, "Live-Boot\t-\tkiwi x86_64 (livenet)\t"));
    CHECK(stage({"--check", "--tftp-root", (d / "t4").string()}).out ==
          "Live-Boot (livenet): ok\n"
          "  note: boot/linux: UNSIGNED (not an EFI executable: no MZ header): a UEFI client "
          "with Secure Boot on refuses it\n");

    r = stage({live.string(), "--tftp-root", (d / "t5").string(), "--live-url", url});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "this initrd cannot mount root=live:" + url +
                              ", the entry's root: it has no livenet dracut module"));
    CHECK_FALSE(fs::exists(d / "t5"));
    i = stage({"--inspect", live.string(), "--live-url", url});
    CHECK(contains(i.out, "verdict:     stage-pxe refuses it (--no-initrd-check stages it "
                          "anyway): this initrd cannot mount root=live:" +
                              url + "\n"));

    // An initrd with both kiwi-live and livenet: the AoE entry stays the default (the client
    // reads only the blocks it touches); the download to RAM is the explicit --live-url.
    const auto both =
        iso_with("both", ix::pack(d, "both-initrd", ix::tree({.kiwi_live = true, .livenet = true}),
                                  "zstd -q", true));
    r = stage({both.string(), "--tftp-root", (d / "t7").string()});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto cfg = fx::read_file(d / "t7/pxelinux.cfg/default");
    CHECK(contains(cfg, "root=live:AOEINTERFACE=e0.1"));
    CHECK_FALSE(contains(cfg, "root=live:http"));
    CHECK(contains(r.out, "aoe-target --export"));
    CHECK_FALSE(contains(r.out, "Download to RAM"));
    r = stage({both.string(), "--tftp-root", (d / "t8").string(), "--live-url", url});
    INFO(r.err);
    REQUIRE(r.status == 0);
    cfg = fx::read_file(d / "t8/pxelinux.cfg/default");
    CHECK(contains(cfg, "root=live:" + url));
    CHECK_FALSE(contains(cfg, "AOEINTERFACE"));
    CHECK(contains(r.out, "Download to RAM (dracut livenet)"));

    const std::vector<std::pair<std::vector<std::string>, std::string>> usage = {
        {{fedora.string(), "--live-url", "file:///srv/a.iso"},
         "--live-url 'file:///srv/a.iso': dracut's livenet downloads http://, https://, ftp:// "
         "or tftp:// URLs"},
        {{fedora.string(), "--live-url", url, "--aoe", "e0.2"},
         "--aoe and --live-url exclude each other"},
        {{fedora.string(), "--live-url", url, "--kernel-only"},
         "--kernel-only and --live-url exclude each other"},
        {{(d / "src-live").string(), "--live-url", url}, "--live-url is for live ISOs"},
    };
    for (const auto& [args, msg] : usage) {
        auto a = args;
        a.insert(a.end(), {"--tftp-root", (d / "t6").string()});
        auto u = stage(a);
        INFO(u.err);
        CHECK(u.status == 2);
        CHECK(contains(u.err, "stage-pxe: " + msg));
    }
    CHECK_FALSE(fs::exists(d / "t6"));
}
