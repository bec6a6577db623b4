#include "boot_config.hpp"
#include "grub_cfg.hpp"
#include "isolinux_cfg.hpp"
#include "line_diff.hpp"
#include "managed_block.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace aoe::pxe;

namespace {

const std::string kAdmin = "# admin's file\r\n"
                           "DEFAULT local\r\n"
                           "TIMEOUT 100\r\n"
                           "LABEL local\r\n"
                           "    LOCALBOOT 0\r\n"
                           "LABEL memtest\r\n"
                           "    KERNEL memtest86+.bin"; // no final newline

const std::string kBody =
    "LABEL Live-Boot\n    kernel boot/linux\n    append initrd=boot/initrd x\n";

} // namespace

TEST_CASE("upsert appends, replaces in place, keeps every outside byte; remove restores") {
    auto once = upsert_block(kAdmin, "Live-Boot", kBody);
    CHECK(once.substr(0, kAdmin.size()) == kAdmin);
    CHECK(once == kAdmin + "\n" + begin_marker("Live-Boot") + "\n" + kBody +
                      end_marker("Live-Boot") + "\n");
    CHECK(upsert_block(once, "Live-Boot", kBody) == once); // idempotent
    auto changed = upsert_block(once, "Live-Boot", "LABEL Live-Boot\n    kernel other\n");
    CHECK(changed.substr(0, kAdmin.size()) == kAdmin);
    CHECK(changed.find("kernel other") != std::string::npos);
    CHECK(changed.find("boot/linux") == std::string::npos);
    CHECK(remove_block(once, "Live-Boot") == kAdmin + "\n"); // only the added newline remains
    CHECK(remove_block(kAdmin, "nothing") == kAdmin);
    auto two = upsert_block(once, "b", "LABEL b\n");
    auto blocks = parse_managed_blocks(two);
    REQUIRE(blocks.size() == 2);
    CHECK(blocks[0].id == "Live-Boot");
    CHECK(blocks[0].body == kBody);
    CHECK(blocks[1].id == "b");
    CHECK(remove_block(remove_block(two, "b"), "Live-Boot") == kAdmin + "\n");
    CHECK(upsert_block("", "x", "a\n", 0) == begin_marker("x") + "\na\n" + end_marker("x") + "\n");
}

TEST_CASE("broken markers are refused with a line number") {
    const std::string b = begin_marker("a") + "\n", e = end_marker("a") + "\n";
    CHECK_THROWS_WITH_AS(parse_managed_blocks("x\n" + b),
                         "block 'a' opened at line 2 has no END marker", ConfigError);
    CHECK_THROWS_AS(parse_managed_blocks(e), ConfigError);
    CHECK_THROWS_AS(parse_managed_blocks(b + begin_marker("c") + "\n"), ConfigError);
    CHECK_THROWS_AS(parse_managed_blocks(b + end_marker("c") + "\n"), ConfigError);
    CHECK_THROWS_AS(parse_managed_blocks(b + e + b + e), ConfigError);
    CHECK_THROWS_AS(upsert_block(b, "z", "x\n"), ConfigError);
}

TEST_CASE("foreign labels: only what the admin wrote, per format") {
    auto t = upsert_block(kAdmin, "Live-Boot", kBody);
    CHECK(foreign_labels(ConfigKind::Pxelinux, t) == std::vector<std::string>{"local", "memtest"});
    CHECK(foreign_labels(ConfigKind::Grub,
                         "menuentry 'Live X' --id live {\n}\nmenuentry other {\n}\n") ==
          std::vector<std::string>{"Live X", "live", "other"});
    CHECK(foreign_labels(ConfigKind::Ipxe, "#!ipxe\n:start\ngoto start\n :menu x\n") ==
          std::vector<std::string>{"start", "menu"});
}

TEST_CASE("--default disables the admin's choice reversibly; @default goes to the top") {
    auto t = upsert_block(kAdmin, "Live-Boot", kBody);
    auto d = disable_foreign_defaults(ConfigKind::Pxelinux, t);
    CHECK(d.find(std::string(kDisabledPrefix) + "DEFAULT local\r\n") != std::string::npos);
    CHECK(d.find("\nTIMEOUT 100\r\n") != std::string::npos); // only DEFAULT/ONTIMEOUT
    d = upsert_block(d, kDefaultBlockId,
                     render_default(ConfigKind::Pxelinux, "Live-Boot", "", false),
                     default_block_offset(ConfigKind::Pxelinux, d));
    CHECK(d.rfind(begin_marker(kDefaultBlockId), 0) == 0);
    auto blocks = parse_managed_blocks(d);
    CHECK(default_label_of(ConfigKind::Pxelinux, blocks[0].body) == "Live-Boot");
    auto back =
        restore_foreign_defaults(remove_block(remove_block(d, kDefaultBlockId), "Live-Boot"));
    CHECK(back == kAdmin + "\n");
    // iPXE: after the #!ipxe line.
    CHECK(default_block_offset(ConfigKind::Ipxe, "#!ipxe\nx\n") == 7);
    // Retargeting keeps the other settings of a block we created.
    auto fresh = render_default(ConfigKind::Pxelinux, "a", "", true);
    CHECK(fresh == "DEFAULT a\nPROMPT 0\nTIMEOUT 50\n");
    CHECK(render_default(ConfigKind::Pxelinux, "b", fresh, false) ==
          "DEFAULT b\nPROMPT 0\nTIMEOUT 50\n");
    CHECK(default_label_of(ConfigKind::Grub, render_default(ConfigKind::Grub, "x", "", true)) ==
          "x");
    CHECK(default_label_of(ConfigKind::Ipxe, render_default(ConfigKind::Ipxe, "y", "", true)) ==
          "y");
}

TEST_CASE("--adopt comments out exactly the admin's stanza, and remove gives it back") {
    const std::string admin = "DEFAULT Live-Boot\nLABEL Live-Boot\n  KERNEL old\n  APPEND "
                              "x\nPROMPT 1\nLABEL other\n  KERNEL o\n";
    auto a = adopt_foreign(ConfigKind::Pxelinux, admin, "Live-Boot");
    CHECK(foreign_labels(ConfigKind::Pxelinux, a) == std::vector<std::string>{"other"});
    CHECK(a.find("\nPROMPT 1\n") != std::string::npos);
    CHECK(a.find(adopted_prefix("Live-Boot") + "  APPEND x\n") != std::string::npos);
    CHECK(release_adopted(a, "Live-Boot") == admin);
    const std::string grub = "menuentry 'L' {\n  linux x\n}\nmenuentry 'M' {\n}\n";
    auto g = adopt_foreign(ConfigKind::Grub, grub, "L");
    CHECK(foreign_labels(ConfigKind::Grub, g) == std::vector<std::string>{"M"});
    CHECK(release_adopted(g, "L") == grub);
}

// In-process fuzzing of our own parsers: random line soup made of the tokens they react to.
// Nothing may crash or throw anything but ConfigError, and the editor's invariants must hold.
TEST_CASE("random inputs: parsers never crash, editor invariants hold") {
    const char* pieces[] = {"LABEL a",
                            "label b",
                            "  kernel /k",
                            "APPEND initrd=a,b,,c x",
                            "INITRD ,",
                            "menuentry 'x' {",
                            "}",
                            "{",
                            "linux ($root)/v",
                            "initrd ${x} y",
                            "DEFAULT a",
                            "set default=a",
                            ":a",
                            "#!ipxe",
                            "include y",
                            "# BEGIN stage-pxe a (managed; do not edit)",
                            "# END stage-pxe a",
                            "# BEGIN stage-pxe",
                            "# END stage-pxe b",
                            "",
                            "\r",
                            "\t\t",
                            "# stage-pxe --default: DEFAULT z",
                            "LABEL",
                            "menuentry",
                            "linux",
                            "initrd"};
    std::mt19937 rng(12345);
    const int rounds = 20000;
    int valid = 0;
    for (int r = 0; r < rounds; ++r) {
        std::string t;
        int n = static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            if (rng() % 8 == 0) {
                for (int k = static_cast<int>(rng() % 16); k > 0; --k)
                    t += static_cast<char>(rng() & 0xFF);
            } else {
                t += pieces[rng() % (sizeof pieces / sizeof *pieces)];
            }
            if (rng() % 10) t += '\n';
        }
        (void)parse_isolinux_cfg(t);
        (void)parse_grub_cfg(t);
        (void)unified_diff(t, t + "x\n", "f");
        for (auto k : {ConfigKind::Pxelinux, ConfigKind::Grub, ConfigKind::Ipxe}) {
            try {
                (void)foreign_labels(k, t);
                (void)adopt_foreign(k, t, "a");
                (void)disable_foreign_defaults(k, t);
            } catch (const ConfigError&) {
            }
        }
        try {
            parse_managed_blocks(t);
        } catch (const ConfigError&) {
            continue;
        }
        ++valid;
        auto added = upsert_block(t, "zz", "LABEL zz\n");
        REQUIRE(upsert_block(added, "zz", "LABEL zz\n") == added);
        auto removed = remove_block(added, "zz");
        std::string expect = t;
        if (!expect.empty() && expect.back() != '\n') expect += '\n';
        REQUIRE(removed == expect);
        if (t.find(kDisabledPrefix) == std::string::npos)
            REQUIRE(restore_foreign_defaults(disable_foreign_defaults(ConfigKind::Pxelinux, t)) ==
                    t);
    }
    CHECK(valid > rounds / 4); // the generator must also reach the editor
}
