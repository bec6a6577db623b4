// Command 2, Mac Mask List: read, edit (add, delete, errors), remote-admin switch, strict
// lengths, enforcement (docs/aoe-protocol.md §1.4, §3).
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
const std::uint8_t kM1[6] = {0x02, 1, 1, 1, 1, 1};
const std::uint8_t kM2[6] = {0x02, 2, 2, 2, 2, 2};
} // namespace

TEST_CASE("read of an empty list") {
    Fixture f;
    Sent s = f.send(mask(0));
    REQUIRE(s.v == Verdict::reply);
    const Bytes& g = s.frames[0];
    CHECK(g[14] == 0x18);
    CHECK(g[24] == 0);
    CHECK(g[25] == 0);
    CHECK(g[26] == 0);
    CHECK(g[27] == 0);
    CHECK(g.size() == 60);
}

TEST_CASE("remote admin off: edits get MError 1 and change nothing; reads still answered") {
    Fixture f;
    Sent s = f.send(mask(1, {{1, kM1}}));
    CHECK(s.frames[0][14] == 0x18);
    CHECK(s.frames[0][26] == 1);
    CHECK(s.frames[0][27] == 0);
    CHECK(f.send(mask(0)).frames[0][27] == 0);
    CHECK(f.c().mask_cmds.get() == 2);
}

TEST_CASE("edit: add, add duplicate, delete; the reply lists the whole mask") {
    Fixture f(admin());
    Sent s = f.send(mask(1, {{1, kClientMac}, {1, kM1}, {1, kM1}, {0, kM2}}));
    const Bytes& g = s.frames[0];
    CHECK(g[26] == 0);
    REQUIRE(g[27] == 2);
    CHECK(g[28] == 0);
    CHECK(g[29] == 0);
    CHECK(std::memcmp(&g[30], kClientMac, 6) == 0);
    CHECK(std::memcmp(&g[38], kM1, 6) == 0);
    Sent d = f.send(mask(1, {{2, kM1}, {2, kM2}}));
    CHECK(d.frames[0][27] == 1);
    CHECK(std::memcmp(&d.frames[0][30], kClientMac, 6) == 0);
}

TEST_CASE("non-empty mask: frames from other MACs are ignored (ATA too)") {
    Fixture f(admin());
    f.send(mask(1, {{1, kM1}}));
    CHECK(f.send(read48(0, 1)).v == Verdict::drop);
    Req r = read48(0, 1);
    std::memcpy(r.src, kM1, 6);
    CHECK(f.send(r).v == Verdict::reply);
    CHECK(f.dropped(aoe::DropReason::masked) == 1);
}

TEST_CASE("bad directive -> MError 2, Dir Count = index of the failing directive") {
    Fixture f(admin());
    Sent s = f.send(mask(1, {{1, kClientMac}, {7, kM1}, {1, kM2}}));
    const Bytes& g = s.frames[0];
    CHECK(g[14] == 0x18);
    CHECK(g[26] == 2);
    CHECK(g[27] == 1);
    Sent r = f.send(mask(0)); // the first directive stays applied, the third never ran
    CHECK(r.frames[0][27] == 1);
}

TEST_CASE("list full -> MError 3") {
    Fixture f(admin());
    f.send(mask(1, {{1, kClientMac}}));
    for (int i = 1; i < 32; ++i) {
        std::uint8_t m[6] = {0x02, 9, 9, 9, 9, static_cast<std::uint8_t>(i)};
        REQUIRE(f.send(mask(1, {{1, m}})).frames[0][26] == 0);
    }
    Sent s = f.send(mask(1, {{0, kM1}, {1, kM1}}));
    CHECK(s.frames[0][26] == 3);
    CHECK(s.frames[0][27] == 1);
    CHECK(f.send(mask(0)).frames[0][27] == 32);
}

TEST_CASE("Dir Count x 8 beyond the bytes present -> E, Error 2") {
    Fixture f(admin());
    Req r = mask(1, {{1, kM1}}, 5);
    r.pad = false;
    Sent s = f.send(r);
    CHECK(s.frames[0][14] == 0x1C);
    CHECK(s.frames[0][15] == 2);
    CHECK(f.send(mask(0)).frames[0][27] == 0);
}

TEST_CASE("unknown MCmd -> E, Error 2") {
    Fixture f(admin());
    Sent s = f.send(mask(5));
    CHECK(s.frames[0][14] == 0x1C);
    CHECK(s.frames[0][15] == 2);
}
