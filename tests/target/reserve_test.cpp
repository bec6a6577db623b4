// Command 3, Reserve/Release: read, set, force set, release, strict lengths, remote-admin
// switch (docs/aoe-protocol.md §1.5, §3). Enforcement on ATA is in ata_test.cpp.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace t;
using aoe::Verdict;

namespace {
aoe::TargetOptions admin() {
    aoe::TargetOptions o;
    o.remote_admin = true;
    return o;
}
} // namespace

TEST_CASE("read of an empty list") {
    Fixture f;
    Sent s = f.send(reserve(0));
    CHECK(s.frames[0][14] == 0x18);
    CHECK(s.frames[0][24] == 0);
    CHECK(s.frames[0][25] == 0);
    CHECK(s.frames[0].size() == 60);
}

TEST_CASE("remote admin off: set and force set -> E, Error 2; list unchanged") {
    Fixture f;
    for (std::uint8_t rc : std::initializer_list<std::uint8_t>{1, 2}) {
        Sent s = f.send(reserve(rc, {kClientMac}));
        CHECK(s.frames[0][14] == 0x1C);
        CHECK(s.frames[0][15] == 2);
        CHECK(s.frames[0][25] == 0);
    }
    CHECK(f.send(reserve(0)).frames[0][25] == 0);
}

TEST_CASE("set on an empty list, by a member, by a stranger (Error 6); force set; release") {
    Fixture f(admin());
    Sent s = f.send(reserve(1, {kClientMac, kOtherMac}));
    CHECK(s.frames[0][14] == 0x18);
    CHECK(s.frames[0][24] == 1);
    REQUIRE(s.frames[0][25] == 2);
    CHECK(std::memcmp(&s.frames[0][26], kClientMac, 6) == 0);
    CHECK(std::memcmp(&s.frames[0][32], kOtherMac, 6) == 0);
    // A member may change it.
    CHECK(f.send(reserve(1, {kClientMac})).frames[0][25] == 1);
    // A stranger may not.
    Req r = reserve(1, {kOtherMac});
    std::memcpy(r.src, kOtherMac, 6);
    Sent e = f.send(r);
    CHECK(e.frames[0][14] == 0x1C);
    CHECK(e.frames[0][15] == 6);
    CHECK(e.frames[0][25] == 1); // with the current list
    // Force set always works.
    Req fs = reserve(2, {kOtherMac});
    std::memcpy(fs.src, kOtherMac, 6);
    CHECK(f.send(fs).frames[0][14] == 0x18);
    // Release: set with NMacs 0, by the member.
    Req rel = reserve(1);
    std::memcpy(rel.src, kOtherMac, 6);
    CHECK(f.send(rel).frames[0][25] == 0);
    CHECK(f.send(read48(0, 1)).frames[0][27] == 0x40);
}

TEST_CASE("NMacs x 6 beyond the bytes present -> E, Error 2") {
    Fixture f(admin());
    Req r = reserve(2, {kOtherMac}, 3);
    r.pad = false;
    Sent s = f.send(r);
    CHECK(s.frames[0][14] == 0x1C);
    CHECK(s.frames[0][15] == 2);
    CHECK(f.send(reserve(0)).frames[0][25] == 0);
}

TEST_CASE("unknown RCmd -> E, Error 2") {
    Fixture f(admin());
    Sent s = f.send(reserve(7));
    CHECK(s.frames[0][15] == 2);
}

TEST_CASE("a full 240-entry list fits a 1500-byte reply; more is refused") {
    Fixture f(admin());
    Req r = reserve(2);
    r.arg[1] = 240;
    for (int i = 0; i < 240; ++i) {
        const std::uint8_t m[6] = {
            0x02, 0, 0, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
        r.arg.insert(r.arg.end(), m, m + 6);
    }
    Sent s = f.send(r);
    CHECK(s.frames[0][14] == 0x18);
    CHECK(s.frames[0][25] == 240);
    CHECK(s.frames[0].size() == 26 + 1440);
    CHECK(s.frames[0].size() - 14 <= 1500);
    Req big = reserve(2);
    big.arg[1] = 241;
    big.arg.resize(2 + 241 * 6, 0x02);
    CHECK(f.send(big).frames[0][15] == 2);
}
