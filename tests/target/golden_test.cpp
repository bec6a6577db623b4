// Golden reply frames, written out by hand from docs/aoe-protocol.md (never produced by our code).
// Each intended difference from vblade v25 is commented where it shows.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace t;

// The frames below are laid out field by field, as in the spec tables.
// clang-format off
namespace {
// Target 02:00:00:00:00:01, client 02:00:00:00:00:aa.
#define CLIENT 0x02, 0x00, 0x00, 0x00, 0x00, 0xAA
#define TARGET 0x02, 0x00, 0x00, 0x00, 0x00, 0x01

void check_bytes(const Bytes& got, const Bytes& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("offset " << i);
        CHECK(int(got[i]) == int(want[i]));
    }
}
} // namespace

TEST_CASE("golden: IDENTIFY reply to Linux's IDENTIFY (scnt 1, lba3 0xA0)") {
    Fixture f;
    Bytes req = {TARGET, CLIENT, 0x88, 0xA2,
                 0x10, 0x00, 0x00, 0x01, 0x01, 0x00, 0x12, 0x34, 0x56, 0x78, // ver 1, shelf 1, slot 1, ATA, tag
                 0x00, 0x00, 0x01, 0xEC, 0x00, 0x00, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x00};
    req.resize(60, 0);
    Bytes want = {CLIENT, TARGET, 0x88, 0xA2,
                  0x18, 0x00, 0x00, 0x01, 0x01, 0x00, 0x12, 0x34, 0x56, 0x78, // R set, tag echoed
                  0x00,                                  // AFlags echoed
                  0x00,                                  // error register
                  0x00,                                  // count: 0 left (as vblade)
                  0x40,                                  // status DRDY
                  0x00, 0x00, 0x00, 0xA0, 0x00, 0x00,    // LBA echoed
                  0x00, 0x00};
    Bytes id(512, 0);
    // Words 10-19, serial "ro-serial", ATA order (first character in the high byte).
    const char serial[] = "or" "s-" "re" "ai" " l" "  " "  " "  " "  " "  ";
    static_assert(sizeof serial == 21);
    for (int i = 0; i < 20; ++i) id[20 + i] = static_cast<std::uint8_t>(serial[i]);
    // Words 23-26, firmware "0.1".
    const char fw[] = ".0" " 1" "  " "  ";
    static_assert(sizeof fw == 9);
    for (int i = 0; i < 8; ++i) id[46 + i] = static_cast<std::uint8_t>(fw[i]);
    // Words 27-46, model "aoeboot" (vblade: "Coraid EtherDrive vblade").
    const char model[] = "oa" "be" "oo" " t" "                                ";
    static_assert(sizeof model == 41);
    for (int i = 0; i < 40; ++i) id[54 + i] = static_cast<std::uint8_t>(model[i]);
    id[95] = 0x80;                 // word 47 = 0x8000
    id[99] = 0x02;                 // word 49 = 0x0200, LBA
    id[101] = 0x40;                // word 50 = 0x4000
    id[120] = 0xE8; id[121] = 0x03; // words 60-61 = 1000 sectors
    id[160] = 0x40;                // word 80 = 0x0040 ATA/ATAPI-6 (vblade: 0)
    id[167] = 0x74;                // word 83 = 0x7400: + FLUSH EXT bit 13 (vblade: 0x5400)
    id[169] = 0x40;                // word 84 = 0x4000
    id[173] = 0x34;                // word 86 = 0x3400: + bit 13 (vblade: 0x1400)
    id[175] = 0x40;                // word 87 = 0x4000
    id[186] = 0x0B; id[187] = 0x40; // word 93 = 0x400B
    id[200] = 0xE8; id[201] = 0x03; // words 100-103 = 1000 sectors
    want.insert(want.end(), id.begin(), id.end());
    Sent s = f.send(req);
    REQUIRE(s.frames.size() == 1);
    check_bytes(s.frames[0], want);
}

TEST_CASE("golden: Query Config replies to Linux's broadcast discovery") {
    Fixture f; // MTU 1500, default options
    Bytes req = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, CLIENT, 0x88, 0xA2,
                 0x10, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00, 0x00, // broadcast, Config, tag 0
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};           // all-zero cfg arg
    req.resize(60, 0);
    auto want = [](std::uint8_t slot) {
        Bytes w = {CLIENT, TARGET, 0x88, 0xA2,
                   0x18, 0x00, 0x00, 0x01, slot, 0x01, 0x00, 0x00, 0x00, 0x00, // real shelf.slot
                   0x00, 0x40,  // Buffer Count 64 (vblade default: 16)
                   0x40, 0x01,  // Firmware Version 0x4001 (our default; vblade 0x4019)
                   0x02,        // Sector Count (1500 - 22) / 512 = 2 (vblade: (MTU-36)/512, same)
                   0x10,        // AoE version 1, CCmd read
                   0x00, 0x00}; // empty config string
        w.resize(60, 0);        // zero padding (vblade pads with whatever was in its buffer)
        return w;
    };
    Sent s = f.send(req);
    REQUIRE(s.frames.size() == 2);
    check_bytes(s.frames[0], want(0x01));
    check_bytes(s.frames[1], want(0x02));
}

TEST_CASE("golden: READ SECTORS reply (LBA28, 2 sectors)") {
    Fixture f;
    Bytes req = {TARGET, CLIENT, 0x88, 0xA2,
                 0x10, 0x00, 0x00, 0x01, 0x01, 0x00, 0xCA, 0xFE, 0xBA, 0xBE,
                 0x00, 0x00, 0x02, 0x20, 0x03, 0x00, 0x00, 0xE0, 0x00, 0x00, 0x00, 0x00}; // LBA 3
    req.resize(60, 0);
    Bytes want = {CLIENT, TARGET, 0x88, 0xA2,
                  0x18, 0x00, 0x00, 0x01, 0x01, 0x00, 0xCA, 0xFE, 0xBA, 0xBE,
                  0x00, 0x00, 0x00, 0x40, 0x03, 0x00, 0x00, 0xE0, 0x00, 0x00, 0x00, 0x00};
    for (std::size_t i = 3 * 512; i < 5 * 512; ++i) want.push_back(pattern(i));
    Sent s = f.send(req);
    REQUIRE(s.frames.size() == 1);
    CHECK(s.replies[0].header_len == 36);
    check_bytes(s.frames[0], want);
}
// clang-format on
