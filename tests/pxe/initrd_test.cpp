// pxe/initrd: what an initrd mounts, read with libarchive from initrds the test packs with the
// real cpio and compressors (initrd_fixtures.hpp).
#include "initrd.hpp"
#include "initrd_fixtures.hpp"

#include <doctest/doctest.h>

namespace fx = fixtures;
namespace ix = initrd_fx;
using namespace aoe::pxe;

namespace {

InitrdFacts facts(const std::filesystem::path& p) {
    const std::string b = fx::read_file(p);
    return read_initrd(std::as_bytes(std::span<const char>(b.data(), b.size())));
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

const ix::Spec kKis{.kiwi_overlay = true};

} // namespace

TEST_CASE("a KIS initrd (kiwi-overlay, aoe, bash) in every compression dracut uses") {
    fx::TempDir d;
    const std::vector<std::pair<std::string, std::string>> ways = {{"cat", "uncompressed"},
                                                                   {"gzip -n", "gzip"},
                                                                   {"xz --check=crc32", "xz"},
                                                                   {"zstd -q", "zstd"},
                                                                   {"lz4 -l -q", "lz4"}};
    for (const auto& [cmd, name] : ways) {
        for (bool early : {false, true}) {
            CAPTURE(cmd);
            CAPTURE(early);
            const auto p = ix::pack(d, name + (early ? "-early" : ""), ix::tree(kKis), cmd, early);
            const auto f = facts(p);
            REQUIRE(f.readable);
            REQUIRE(f.archives.size() == (early ? 2u : 1u));
            if (early) {
                CHECK(f.archives[0].compression == "uncompressed");
                CHECK(f.archives[0].offset == 0);
                CHECK(f.archives[1].offset > 0);
                CHECK(f.archives[1].offset % 4 == 0);
            }
            CHECK(f.archives.back().compression == name);
            CHECK(f.dracut);
            CHECK(f.dracut_evidence == "usr/lib/dracut/modules.txt");
            CHECK(f.kiwi_overlay);
            CHECK_FALSE(f.kiwi_live);
            CHECK_FALSE(f.livenet);
            CHECK(f.aoe_module);
            CHECK(f.aoe_module_where ==
                  "usr/lib/modules/6.1.0-13-amd64/kernel/drivers/block/aoe/aoe.ko.xz");
            CHECK(f.kernel_versions == std::vector<std::string>{"6.1.0-13-amd64"});
            CHECK(f.sh == "usr/bin/bash"); // bin -> usr/bin, usr/bin/sh -> bash
            CHECK(f.sh_is_bash);
            CHECK(cannot_mount(f, NetRoot::KiwiOverlayAoe).empty());
            CHECK(roots_summary(f) ==
                  "dracut initrd; network roots: kiwi-overlay (root=overlay:aoe=eS.L)");
            // the live ISO's root is not one this initrd reads
            const auto live = cannot_mount(f, NetRoot::KiwiLiveAoe);
            REQUIRE(live.size() == 1);
            CHECK(contains(live[0], "it has no kiwi-live dracut module"));
        }
    }
}

TEST_CASE("a KIS initrd without the aoe module, without kiwi-overlay, or under dash") {
    fx::TempDir d;
    SUBCASE("no aoe") {
        auto s = kKis;
        s.aoe = false;
        const auto f = facts(ix::pack(d, "noaoe", ix::tree(s), "zstd -q", true));
        CHECK_FALSE(f.aoe_module);
        const auto why = cannot_mount(f, NetRoot::KiwiOverlayAoe);
        REQUIRE(why.size() == 1);
        CHECK(why[0] == "it has no aoe kernel module (aoe.ko), so /dev/etherd/ never appears");
        CHECK(joined(describe_initrd(f)).find("aoe:       no aoe kernel module") !=
              std::string::npos);
    }
    SUBCASE("no kiwi-overlay") {
        const auto f = facts(ix::pack(d, "nooverlay", ix::tree({}), "gzip -n"));
        CHECK(f.dracut);
        CHECK_FALSE(f.kiwi_overlay);
        const auto why = cannot_mount(f, NetRoot::KiwiOverlayAoe);
        REQUIRE(why.size() == 1);
        CHECK(contains(why[0], "it has no kiwi-overlay dracut module, which is what reads "
                               "root=overlay:aoe="));
        CHECK(contains(why[0], "add_dracutmodules+=\" kiwi-overlay \""));
        CHECK(roots_summary(f) == "dracut initrd with none of kiwi-live, kiwi-overlay, livenet");
    }
    SUBCASE("dash: KIWI's bash-only scripts cannot run") {
        auto s = kKis;
        s.bash = false;
        const auto f = facts(ix::pack(d, "dash", ix::tree(s), "xz --check=crc32", true));
        CHECK(f.sh == "usr/bin/dash");
        CHECK_FALSE(f.sh_is_bash);
        const auto why = cannot_mount(f, NetRoot::KiwiOverlayAoe);
        REQUIRE(why.size() == 1);
        CHECK(contains(why[0], "its kiwi-overlay scripts use bash-only syntax ('function NAME', in "
                               "usr/lib/kiwi-filesystem-lib.sh, "
                               "var/lib/dracut/hooks/pre-mount/30-kiwi-overlay-root.sh) but "
                               "/bin/sh is /usr/bin/dash, not bash"));
        CHECK(contains(why[0], "a dracut.conf.d file with the line add_dracutmodules+=\" bash \""));
        CHECK(roots_summary(f) ==
              "dracut initrd; network roots: kiwi-overlay (root=overlay:aoe=eS.L) [but cannot "
              "mount it]");
    }
    SUBCASE("no modules.txt: the hook scripts still tell") {
        auto s = kKis;
        s.modules_txt = false;
        const auto f = facts(ix::pack(d, "nolist", ix::tree(s), "zstd -q"));
        CHECK(f.dracut);
        CHECK(f.dracut_evidence == "usr/lib/dracut-lib.sh");
        CHECK(f.kiwi_overlay);
        CHECK(cannot_mount(f, NetRoot::KiwiOverlayAoe).empty());
    }
}

TEST_CASE("a live initrd: kiwi-live, livenet") {
    fx::TempDir d;
    const auto f =
        facts(ix::pack(d, "live", ix::tree({.kiwi_live = true, .livenet = true}), "zstd -q", true));
    CHECK(f.kiwi_live);
    CHECK(f.livenet);
    CHECK_FALSE(f.kiwi_overlay);
    CHECK(cannot_mount(f, NetRoot::KiwiLiveAoe).empty());
    CHECK(cannot_mount(f, NetRoot::Livenet).empty());
    CHECK(roots_summary(f) == "dracut initrd; network roots: kiwi-live "
                              "(root=live:AOEINTERFACE=eS.L), livenet (root=live:URL)");
    // livenet alone does not need aoe; the AoE roots do
    auto s = ix::Spec{.livenet = true, .aoe = false};
    const auto g = facts(ix::pack(d, "livenet", ix::tree(s), "gzip -n"));
    CHECK(cannot_mount(g, NetRoot::Livenet).empty());
    CHECK(cannot_mount(g, NetRoot::KiwiLiveAoe).size() == 2);
    // kiwi-live under dash: its library uses 'function' too
    const auto h =
        facts(ix::pack(d, "livedash", ix::tree({.kiwi_live = true, .bash = false}), "gzip -n"));
    const auto why = cannot_mount(h, NetRoot::KiwiLiveAoe);
    REQUIRE(why.size() == 1);
    CHECK(contains(why[0], "its kiwi-live scripts use bash-only syntax"));
}

TEST_CASE("not dracut, not an archive: cannot tell, no refusal") {
    fx::TempDir d;
    const auto f = facts(ix::pack(d, "busybox", ix::tree({.dracut = false}), "gzip -n"));
    CHECK(f.readable);
    CHECK_FALSE(f.dracut);
    CHECK(f.sh == "usr/bin/busybox");
    CHECK(roots_summary(f) == "not a dracut initrd: cannot tell which roots it mounts");
    for (NetRoot r : {NetRoot::KiwiLiveAoe, NetRoot::KiwiOverlayAoe, NetRoot::Livenet})
        CHECK(cannot_mount(f, r).empty());

    const std::string junk = fx::random_bytes(6000, 7);
    const auto g = read_initrd(std::as_bytes(std::span<const char>(junk.data(), junk.size())));
    CHECK_FALSE(g.readable);
    CHECK(contains(roots_summary(g), "not a readable cpio archive ("));
    CHECK(contains(roots_summary(g), "): cannot tell which roots it mounts"));
    CHECK(cannot_mount(g, NetRoot::KiwiOverlayAoe).empty());

    const auto e = read_initrd({});
    CHECK_FALSE(e.readable);

    // a truncated compressed archive is unreadable, not a crash
    const std::string whole = fx::read_file(ix::pack(d, "t", ix::tree(kKis), "zstd -q"));
    const std::string cut = whole.substr(0, whole.size() / 2);
    const auto t = read_initrd(std::as_bytes(std::span<const char>(cut.data(), cut.size())));
    CHECK_FALSE(t.readable);
    // an early cpio followed by garbage: the early one is read, the rest named
    const auto early_path = ix::pack(d, "e", ix::tree(kKis), "zstd -q", true);
    const auto two = facts(early_path);
    REQUIRE(two.archives.size() == 2);
    const auto cut_at = two.archives[1].offset; // where the compressed main archive starts
    const std::string mixed = fx::read_file(early_path).substr(0, cut_at) + junk;
    const auto m = read_initrd(std::as_bytes(std::span<const char>(mixed.data(), mixed.size())));
    CHECK(m.readable);
    CHECK(contains(m.later_error, "the archive at byte " + std::to_string(cut_at)));
    CHECK_FALSE(m.dracut);
}

TEST_CASE("aoe built into the kernel (modules.builtin)") {
    fx::TempDir d;
    auto s = kKis;
    s.aoe = false;
    auto t = ix::tree(s);
    t.files["usr/lib/modules/6.1.0-13-amd64/modules.builtin"] =
        "kernel/fs/ext4/ext4.ko\nkernel/drivers/block/aoe/aoe.ko\n";
    const auto f = facts(ix::pack(d, "builtin", t, "gzip -n"));
    CHECK(f.aoe_module);
    CHECK(contains(f.aoe_module_where, "built into the kernel"));
    CHECK(cannot_mount(f, NetRoot::KiwiOverlayAoe).empty());
}
