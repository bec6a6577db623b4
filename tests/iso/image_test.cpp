// iso/ against real ISOs built here with xorriso and libisofs' writer.
#include "error.hpp"
#include "fixtures.hpp"
#include "image.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

using namespace aoe::iso;
namespace fx = fixtures;

namespace {

std::string extract(const Image& img, const std::string& path, std::size_t chunk = 1 << 20) {
    std::string out;
    img.stream_file(
        path,
        [&](std::span<const std::byte> c) {
            out.append(reinterpret_cast<const char*>(c.data()), c.size());
        },
        chunk);
    return out;
}

ErrorKind open_error(const fx::fs::path& p, std::string* msg = nullptr) {
    try {
        Image::open(p);
    } catch (const Error& e) {
        if (msg) *msg = e.what();
        return e.kind();
    }
    FAIL("opened " << p);
    return ErrorKind::Library;
}

} // namespace

TEST_CASE("KIWI layout: lookup, sizes and streamed content match the sources") {
    fx::TempDir d;
    auto tree = fx::kiwi_tree("x86_64", 7);
    tree.files["boot/x86_64/loader/initrd"] =
        fx::random_bytes(300 * 1024 + 17, 99); // several chunks
    fx::make_tree(d / "src", tree);
    auto iso = fx::xorriso_iso(d / "k.iso", d / "src", "KIWI_X");
    auto img = Image::open(iso);
    CHECK(img.volume_id() == "KIWI_X");
    CHECK(img.rock_ridge());
    CHECK(img.joliet());
    auto k = img.find_file("/boot/x86_64/loader/linux");
    REQUIRE(k);
    CHECK(k->size == tree.files["boot/x86_64/loader/linux"].size());
    CHECK_FALSE(k->via_symlink);
    CHECK_FALSE(img.find_file("/boot/x86_64/loader")); // a directory is not a file
    CHECK(img.is_directory("/boot/x86_64/loader"));
    CHECK_FALSE(img.find_file("/BOOT/X86_64/LOADER/LINUX")); // Rock Ridge names are exact
    for (const auto& [rel, data] : tree.files) {
        for (std::size_t chunk : {std::size_t{2048}, std::size_t{65536}, std::size_t{1} << 20})
            CHECK(fx::sha256(extract(img, "/" + rel, chunk)) == fx::sha256(data));
    }
    CHECK(img.read_text("/boot/x86_64/loader/linux", 1 << 20).size() == k->size);
    CHECK_THROWS_AS(img.read_text("/boot/x86_64/loader/initrd", 1000), Error);
    CHECK_THROWS_AS(extract(img, "/nope"), Error);
}

TEST_CASE("Rock Ridge symlinks are followed (relative and absolute)") {
    fx::TempDir d;
    fx::Tree t;
    t.files["real/vmlinuz-6.1"] = fx::random_bytes(5000, 3);
    t.files["real/initrd-6.1"] = fx::random_bytes(7000, 4);
    t.links["boot/x86_64/loader/linux"] = "../../../real/vmlinuz-6.1";
    t.links["boot/x86_64/loader/initrd"] = "/real/initrd-6.1";
    t.links["dead"] = "/nowhere";
    t.links["loop1"] = "loop2";
    t.links["loop2"] = "loop1";
    fx::make_tree(d / "src", t);
    auto img = Image::open(fx::xorriso_iso(d / "s.iso", d / "src", "SYMS"));
    auto k = img.find_file("/boot/x86_64/loader/linux");
    REQUIRE(k);
    CHECK(k->via_symlink);
    CHECK(k->resolved_path == "/real/vmlinuz-6.1");
    CHECK(fx::sha256(extract(img, "/boot/x86_64/loader/linux")) ==
          fx::sha256(t.files["real/vmlinuz-6.1"]));
    CHECK(fx::sha256(extract(img, "/boot/x86_64/loader/initrd")) ==
          fx::sha256(t.files["real/initrd-6.1"]));
    CHECK_THROWS_AS(img.find_file("/dead"), Error);
    try {
        img.find_file("/loop1");
        FAIL("loop not detected");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadSymlink);
    }
}

TEST_CASE("directory listing and walk") {
    fx::TempDir d;
    auto t = fx::kiwi_tree("aarch64", 5);
    t.links["boot/aarch64/loader/vmlinuz"] = "linux";
    fx::make_tree(d / "src", t);
    auto img = Image::open(fx::xorriso_iso(d / "w.iso", d / "src", "WALK"));
    auto entries = img.list_dir("/boot/aarch64/loader");
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e.path);
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"/boot/aarch64/loader/initrd",
                                            "/boot/aarch64/loader/linux",
                                            "/boot/aarch64/loader/vmlinuz"});
    auto link = std::find_if(entries.begin(), entries.end(),
                             [](const DirEntry& e) { return e.type == NodeType::Symlink; });
    REQUIRE(link != entries.end());
    CHECK(link->symlink_target == "linux");
    std::size_t files = 0, dirs = 0;
    img.walk([&](const DirEntry& e) {
        files += e.type == NodeType::File;
        dirs += e.type == NodeType::Directory;
    });
    CHECK(files == 3);
    CHECK(dirs == 4); // boot, boot/aarch64, boot/aarch64/loader, LiveOS
    CHECK_THROWS_AS(img.list_dir("/boot/aarch64/loader/linux"), Error);
    CHECK_THROWS_AS(img.list_dir("/nope"), Error);
}

TEST_CASE("El Torito boot catalog") {
    fx::TempDir d;
    fx::Tree t;
    t.files["isolinux/isolinux.bin"] = fx::random_bytes(4096, 8);
    t.files["isolinux/isolinux.cfg"] = "DEFAULT x\n";
    fx::make_tree(d / "src", t);
    auto img =
        Image::open(fx::xorriso_iso(d / "b.iso", d / "src", "BOOT",
                                    {"-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
                                     "-no-emul-boot", "-boot-load-size", "4"}));
    CHECK(img.el_torito());
    auto bc = img.boot_catalog();
    CHECK(bc.present);
    CHECK(bc.catalog_path == "/isolinux/boot.cat");
    REQUIRE(bc.images.size() == 1);
    CHECK(bc.images[0].platform_id == 0);
    CHECK(bc.images[0].path == "/isolinux/isolinux.bin");

    // No El Torito at all (libisofs 1.5.4 crashes in iso_image_get_bootcat here unless guarded).
    fx::make_tree(d / "plain", fx::kiwi_tree("x86_64", 1));
    auto plain = Image::open(fx::xorriso_iso(d / "p.iso", d / "plain", "PLAIN"));
    CHECK_FALSE(plain.boot_catalog().present);
}

TEST_CASE("an ISO written by libisofs' own writer API reads back") {
    fx::TempDir d;
    auto t = fx::kiwi_tree("x86_64", 11);
    t.links["boot/x86_64/loader/kernel"] = "linux";
    auto path = fx::libisofs_iso(d / "l.iso", t, "LIBISOFS_W"); // before any Image is open
    auto img = Image::open(path);
    CHECK(img.volume_id() == "LIBISOFS_W");
    for (const auto& [rel, data] : t.files)
        CHECK(fx::sha256(extract(img, "/" + rel)) == fx::sha256(data));
    auto k = img.find_file("/boot/x86_64/loader/kernel");
    REQUIRE(k);
    CHECK(k->via_symlink);
}

TEST_CASE("bad inputs get precise errors naming the file") {
    fx::TempDir d;
    fx::make_tree(d / "src", fx::kiwi_tree("x86_64", 2));
    auto iso = fx::xorriso_iso(d / "g.iso", d / "src", "GOOD");
    auto bytes = fx::read_file(iso);
    fx::write_file(d / "truncated.iso", bytes.substr(0, bytes.size() / 2));
    fx::write_file(d / "empty.iso", "");
    fx::write_file(d / "random.iso", fx::random_bytes(256 * 1024, 5));
    std::string msg;
    CHECK(open_error(d / "missing.iso", &msg) == ErrorKind::Missing);
    CHECK(msg.find("missing.iso") != std::string::npos);
    CHECK(open_error(d / "src") == ErrorKind::NotAFile);
    CHECK(open_error(d / "empty.iso") == ErrorKind::Empty);
    CHECK(open_error(d / "random.iso", &msg) == ErrorKind::NotIso);
    CHECK(msg.find("CD001") != std::string::npos);
    CHECK(open_error(d / "truncated.iso", &msg) == ErrorKind::Truncated);
    CHECK(msg.find("truncated") != std::string::npos);
}

TEST_CASE("libisofs is refused from a second thread while a session is open") {
    fx::TempDir d;
    fx::make_tree(d / "src", fx::kiwi_tree("x86_64", 3));
    auto iso = fx::xorriso_iso(d / "t.iso", d / "src", "THREAD");
    auto img = Image::open(iso);
    bool refused = false;
    std::thread th([&] {
        try {
            img.find_file("/boot/x86_64/loader/linux");
        } catch (const Error& e) {
            refused = e.kind() == ErrorKind::Thread;
        }
    });
    th.join();
    CHECK(refused);
    CHECK(img.find_file("/boot/x86_64/loader/linux")); // fine on the owning thread
}

TEST_CASE("zisofs: decompressed with Rock Ridge, refused clearly without; ECMA-119 names") {
    fx::TempDir d;
    fx::Tree t;
    t.files["boot/x86_64/loader/linux"] = std::string(200000, 'k'); // compressible
    fx::make_tree(d / "src", t);
    auto build = [&](const std::string& out, bool rr) {
        std::vector<std::string> argv{"xorriso"};
        if (!rr) argv.insert(argv.end(), {"-rockridge", "off"});
        argv.insert(argv.end(), {"-outdev", (d / out).string(), "-map", (d / "src").string(), "/",
                                 "-set_filter_r", "--zisofs", "/", "--"});
        auto r = fx::run(argv);
        REQUIRE_MESSAGE(r.status == 0, r.err);
        return d / out;
    };
    auto with_rr = Image::open(build("rr.iso", true));
    CHECK(with_rr.pvd().volume_blocks * 2048 < 200000); // it really is compressed
    CHECK(fx::sha256(extract(with_rr, "/boot/x86_64/loader/linux")) ==
          fx::sha256(t.files["boot/x86_64/loader/linux"]));
    auto plain = Image::open(build("plain.iso", false));
    CHECK_FALSE(plain.rock_ridge());
    REQUIRE(
        plain.find_file("/boot/x86_64/loader/linux")); // ECMA-119 "LINUX", matched ignoring case
    try {
        extract(plain, "/boot/x86_64/loader/linux");
        FAIL("compressed bytes came out");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("zisofs-compressed") != std::string::npos);
    }
}
