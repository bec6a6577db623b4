// Frame-level rules: Ethernet/VLAN parsing, addressing, flags, version, unknown and vendor
// commands, truncation (docs/aoe-protocol.md §3, the first action of each row), reply hygiene.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace t;
using aoe::DropReason;
using aoe::SilentReason;
using aoe::Verdict;

TEST_CASE("EtherType other than 0x88A2 is dropped, also behind a VLAN tag") {
    Fixture f;
    Req r = read28(0, 1);
    r.ethertype = 0x0800;
    CHECK(f.send(r).v == Verdict::drop);
    Req q = read28(0, 1);
    q.tags = {0x8100, 0x0000};
    q.ethertype = 0x88A3;
    CHECK(f.send(q).v == Verdict::drop);
    CHECK(f.dropped(DropReason::not_aoe) == 2);
    CHECK(f.balanced());
}

TEST_CASE("frames shorter than Ethernet + AoE header are dropped") {
    Fixture f;
    Req r = read28(0, 1);
    r.pad = false;
    Bytes b = r.bytes();
    for (std::size_t len : {0u, 5u, 13u, 14u, 23u}) {
        Bytes s(b.begin(), b.begin() + static_cast<long>(len));
        CHECK(f.send(s).v == Verdict::drop);
    }
    CHECK(f.dropped(DropReason::runt) == 5); // 14 bytes with EtherType 0x88A2 is still a runt
    CHECK(f.dropped(DropReason::not_aoe) == 0);
    CHECK(f.c().frames_in.get() == 5);
    CHECK(f.balanced());
}

TEST_CASE("R flag set: never answered, counted silent") {
    Fixture f;
    Req r = discover();
    r.verflags = 0x18;
    CHECK(f.send(r).v == Verdict::silent);
    CHECK(f.silent(SilentReason::response) == 1);
}

TEST_CASE("E and MBZ flag bits in a request are ignored") {
    Fixture f;
    Req r = read28(0, 1);
    r.verflags = 0x17;
    Sent s = f.send(r);
    REQUIRE(s.v == Verdict::reply);
    CHECK(s.frames[0][14] == 0x18); // response: version 1, R, no E
    CHECK(s.frames[0][27] == 0x40);
}

TEST_CASE("version other than 1 gets E, Error 5") {
    Fixture f;
    Req r = read28(0, 1);
    r.verflags = 0x20;
    Sent s = f.send(r);
    REQUIRE(s.v == Verdict::reply);
    REQUIRE(s.frames.size() == 1);
    CHECK(s.frames[0][14] == 0x1C); // our version 1, R and E
    CHECK(s.frames[0][15] == 5);
    CHECK(s.frames[0].size() == 60);
    CHECK(f.c().aoe_errors[5].get() == 1);
}

TEST_CASE("multicast or broadcast source MAC is dropped") {
    Fixture f;
    Req r = discover();
    r.src[0] = 0x01;
    CHECK(f.send(r).v == Verdict::drop);
    std::memcpy(r.src, kBcast, 6);
    CHECK(f.send(r).v == Verdict::drop);
    CHECK(f.dropped(DropReason::group_src) == 2);
}

TEST_CASE("destination neither ours nor broadcast is dropped; multicast too") {
    Fixture f;
    Req r = read28(0, 1);
    r.dst[5] = 0x99;
    CHECK(f.send(r).v == Verdict::drop);
    r.dst[0] = 0x01; // multicast, not broadcast
    CHECK(f.send(r).v == Verdict::drop);
    CHECK(f.dropped(DropReason::foreign_dst) == 2);
    Req b = read28(0, 1);
    std::memcpy(b.dst, kBcast, 6); // broadcast MAC with our exact shelf.slot (iPXE style)
    CHECK(f.send(b).v == Verdict::reply);
}

TEST_CASE("shelf.slot not ours is silent") {
    Fixture f;
    Req r = read28(0, 1);
    r.slot = 9;
    CHECK(f.send(r).v == Verdict::silent);
    r.slot = 1;
    r.shelf = 2;
    CHECK(f.send(r).v == Verdict::silent);
    CHECK(f.silent(SilentReason::not_ours) == 2);
}

TEST_CASE("broadcast shelf/slot is dropped for everything but Query Config") {
    Fixture f;
    for (auto mk :
         {+[] { return read28(0, 1); }, +[] { return mask(0); }, +[] { return reserve(0); }}) {
        Req r = mk();
        r.shelf = 0xFFFF;
        CHECK(f.send(r).v == Verdict::drop);
        Req q = mk();
        q.slot = 0xFF;
        CHECK(f.send(q).v == Verdict::drop);
    }
    CHECK(f.dropped(DropReason::broadcast_ata) == 6);
}

TEST_CASE("broadcast Query Config: each matching export answers with its real shelf.slot") {
    Fixture f;
    Sent s = f.send(discover());
    REQUIRE(s.v == Verdict::reply);
    REQUIRE(s.frames.size() == 2);
    CHECK(be16(s.frames[0], 16) == 1);
    CHECK(s.frames[0][18] == 1);
    CHECK(be16(s.frames[1], 16) == 1);
    CHECK(s.frames[1][18] == 2);
    CHECK(s.replies[1].export_index == 1);
    // Slot wildcard with a specific shelf, and shelf wildcard with a specific slot.
    Req r = discover();
    r.shelf = 1;
    CHECK(f.send(r).frames.size() == 2);
    r.shelf = 0xFFFF;
    r.slot = 2;
    Sent one = f.send(r);
    REQUIRE(one.frames.size() == 1);
    CHECK(one.frames[0][18] == 2);
    r.shelf = 7;
    r.slot = 0xFF;
    CHECK(f.send(r).v == Verdict::silent);
    CHECK(f.c().replied.get() == 3);
    CHECK(f.c().replies.get() == 5);
    CHECK(f.balanced());
}

TEST_CASE("unknown commands 4..0xEF get E, Error 1; vendor commands 0xF0-0xFF are dropped") {
    Fixture f;
    for (int cmd : {4, 0x7F, 0xEF}) {
        Req r;
        r.cmd = static_cast<std::uint8_t>(cmd);
        Sent s = f.send(r);
        REQUIRE(s.v == Verdict::reply);
        CHECK(s.frames[0][14] == 0x1C);
        CHECK(s.frames[0][15] == 1);
        CHECK(s.frames[0][19] == cmd); // command copied
    }
    for (int cmd : {0xF0, 0xFF}) {
        Req r;
        r.cmd = static_cast<std::uint8_t>(cmd);
        CHECK(f.send(r).v == Verdict::drop);
    }
    CHECK(f.dropped(DropReason::vendor) == 2);
    CHECK(f.c().aoe_errors[1].get() == 3);
}

TEST_CASE("truncated arguments are dropped (ATA < 36, Config < 32, Mask < 28, Reserve < 26)") {
    Fixture f;
    struct Case {
        Req r;
        std::size_t min;
    } cases[] = {{read28(0, 1), 36}, {config(0), 32}, {mask(0), 28}, {reserve(0), 26}};
    for (auto& c : cases) {
        c.r.pad = false;
        Bytes b = c.r.bytes();
        REQUIRE(b.size() >= c.min);
        Bytes shortf(b.begin(), b.begin() + static_cast<long>(c.min - 1));
        CHECK(f.send(shortf).v == Verdict::drop);
        Bytes exact(b.begin(), b.begin() + static_cast<long>(c.min));
        CHECK(f.send(exact).v == Verdict::reply);
    }
    CHECK(f.dropped(DropReason::truncated) == 4);
    CHECK(f.balanced());
}

TEST_CASE("802.1Q: served VLAN only; reply on the same VLAN with the same TCI") {
    aoe::TargetOptions o;
    o.vlan = 42;
    Fixture f(o);
    Req r = read28(0, 1);
    r.tags = {0x8100, static_cast<std::uint16_t>((5u << 13) | 42)}; // PCP 5, VID 42
    Sent s = f.send(r);
    REQUIRE(s.v == Verdict::reply);
    const Bytes& g = s.frames[0];
    CHECK(be16(g, 12) == 0x8100);
    CHECK(be16(g, 14) == ((5u << 13) | 42));
    CHECK(be16(g, 16) == 0x88A2);
    CHECK(g[18] == 0x18);
    CHECK(g.size() == 18 + 22 + 512);
    Req other = read28(0, 1);
    other.tags = {0x8100, 43};
    CHECK(f.send(other).v == Verdict::drop);
    CHECK(f.send(read28(0, 1)).v == Verdict::drop); // untagged while serving VLAN 42
    CHECK(f.dropped(DropReason::wrong_vlan) == 2);
}

TEST_CASE("untagged service accepts priority tags (VID 0), refuses other VLANs; QinQ echoed") {
    Fixture f;
    Req p = read28(0, 1);
    p.tags = {0x8100, 0x6000}; // PCP 3, VID 0
    Sent s = f.send(p);
    REQUIRE(s.v == Verdict::reply);
    CHECK(be16(s.frames[0], 14) == 0x6000);
    Req v = read28(0, 1);
    v.tags = {0x8100, 7};
    CHECK(f.send(v).v == Verdict::drop);

    aoe::TargetOptions o;
    o.vlan = 100;
    Fixture q(o);
    Req r = identify();
    r.tags = {0x88A8, 0x0BCD, 0x8100, 100}; // 802.1ad outer, 802.1Q inner
    Sent qs = q.send(r);
    REQUIRE(qs.v == Verdict::reply);
    const Bytes& g = qs.frames[0];
    CHECK(be16(g, 12) == 0x88A8);
    CHECK(be16(g, 14) == 0x0BCD);
    CHECK(be16(g, 16) == 0x8100);
    CHECK(be16(g, 18) == 100);
    CHECK(be16(g, 20) == 0x88A2);
    CHECK(g.size() == 22 + 22 + 512);
}

TEST_CASE("reply hygiene: tag and command copied, R, our shelf.slot, MACs, zero padding to 60") {
    Fixture f;
    Req r = ata(0, 1, 0xE5, 0); // CHECK POWER MODE: a 36-byte reply
    r.tag = 0xDEADBEEF;
    Sent s = f.send(r);
    REQUIRE(s.frames.size() == 1);
    const Bytes& g = s.frames[0];
    REQUIRE(g.size() == 60);
    CHECK(std::memcmp(g.data(), kClientMac, 6) == 0);
    CHECK(std::memcmp(g.data() + 6, kTargetMac, 6) == 0);
    CHECK(g[14] == 0x18);
    CHECK(be16(g, 20) == 0xDEAD);
    CHECK(be16(g, 22) == 0xBEEF);
    for (std::size_t i = 36; i < 60; ++i) CHECK(g[i] == 0); // never 0xAA (stale)
}

TEST_CASE("static allow-list: other sources dropped") {
    aoe::Mac allow[1];
    std::memcpy(allow[0].b, kOtherMac, 6);
    aoe::TargetOptions o;
    o.allow = allow;
    o.allow_count = 1;
    Fixture f(o);
    CHECK(f.send(read28(0, 1)).v == Verdict::drop);
    CHECK(f.dropped(DropReason::not_allowed) == 1);
    Req r = read28(0, 1);
    std::memcpy(r.src, kOtherMac, 6);
    CHECK(f.send(r).v == Verdict::reply);
}

TEST_CASE("route: ATA to any engine, control commands to the owner; workers forward") {
    Bytes a = read28(0, 1).bytes(), c = config(0).bytes(), m = mask(0).bytes(),
          r = reserve(0).bytes();
    CHECK(aoe::Engine::route(a.data(), 60) == aoe::Role::worker);
    CHECK(aoe::Engine::route(c.data(), 60) == aoe::Role::owner);
    CHECK(aoe::Engine::route(m.data(), 60) == aoe::Role::owner);
    CHECK(aoe::Engine::route(r.data(), 60) == aoe::Role::owner);
    Req tagged = config(0);
    tagged.tags = {0x8100, 1};
    Bytes tb = tagged.bytes();
    CHECK(aoe::Engine::route(tb.data(), static_cast<std::uint32_t>(tb.size())) == aoe::Role::owner);
    CHECK(aoe::Engine::route(a.data(), 10) == aoe::Role::worker);

    Fixture w({}, 1500, aoe::Role::worker);
    CHECK(w.send(c).v == Verdict::forward);
    CHECK(w.send(a).v == Verdict::reply);
    CHECK(w.c().forwarded.get() == 1);
    CHECK(w.balanced());
    std::uint16_t cur = 0;
    std::uint8_t buf[aoe::kMaxInlineReply];
    aoe::Reply rep;
    CHECK_FALSE(w.eng->tick(0, cur, buf, sizeof buf, rep)); // adverts are the owner's
}

TEST_CASE("a reply buffer smaller than kMaxInlineReply is refused and counted") {
    Fixture f;
    Bytes b = read28(0, 1).bytes();
    REQUIRE(f.eng->accept(b.data(), 60, 0, f.st) == Verdict::reply);
    std::uint8_t small[100];
    aoe::Reply r;
    CHECK_FALSE(f.eng->next_reply(f.st, small, sizeof small, r));
    CHECK(f.dropped(DropReason::no_buffer) == 1);
}

TEST_CASE("Reply.last: set on the last reply of a frame only") {
    Fixture f;
    Sent one = f.send(read48(0, 1));
    REQUIRE(one.replies.size() == 1);
    CHECK(one.replies[0].last);
    Sent s = f.send(discover());
    REQUIRE(s.replies.size() == 2);
    CHECK_FALSE(s.replies[0].last);
    CHECK(s.replies[1].last);
    CHECK(f.balanced());
}

TEST_CASE("unicast lookup: the last-hit cache follows retire and re-publish") {
    Fixture f;
    Req r1 = read48(0, 1); // 1.1 at index 0
    Req r2 = read48(0, 1);
    r2.slot = 2; // 1.2 at index 1
    CHECK(f.send(r2).replies.at(0).export_index == 1);
    CHECK(f.send(r1).replies.at(0).export_index == 0);
    CHECK(f.send(r2).replies.at(0).export_index == 1);
    // 1.2 retired while it is the cached hit: silent, then served again once re-published.
    REQUIRE(f.table.retire(1) == &f.rw);
    CHECK(f.send(r2).v == Verdict::silent);
    CHECK(f.send(r1).replies.at(0).export_index == 0);
    // Another export takes index 0: the cache must check shelf.slot, not trust the index.
    REQUIRE(f.table.retire(0) == &f.ro);
    f.rw.slot = 3;
    std::uint16_t idx = 99;
    REQUIRE(f.table.publish(&f.rw, &idx));
    CHECK(idx == 0);
    CHECK(f.send(r1).v == Verdict::silent);
    Req r3 = read48(0, 1);
    r3.slot = 3;
    Sent s = f.send(r3);
    REQUIRE(s.replies.size() == 1);
    CHECK(s.replies[0].export_index == 0);
    CHECK(s.frames[0][18] == 3);
    CHECK(f.balanced());
}
