// Command 1, Query Config: read, test, prefix test, set, force set, remote-admin switch, strict
// lengths, rate limit (docs/aoe-protocol.md §1.3, §3; docs/decisions.md).
#include <doctest/doctest.h>

#include <string>

#include "fixture.hpp"

using namespace t;
using aoe::Verdict;

namespace {
std::string cfg_string(const Bytes& g) {
    const std::size_t len = be16(g, 30);
    return std::string(g.begin() + 32, g.begin() + 32 + static_cast<long>(len));
}
aoe::TargetOptions admin() {
    aoe::TargetOptions o;
    o.remote_admin = true;
    return o;
}
} // namespace

TEST_CASE("read: bufcnt, fwver, scnt from the MTU, version nibble, empty string at start") {
    aoe::TargetOptions o;
    o.firmware_version = 0x4019;
    Fixture f(o, 9000);
    Sent s = f.send(config(0, "ignored"));
    REQUIRE(s.v == Verdict::reply);
    const Bytes& g = s.frames[0];
    CHECK(g[14] == 0x18);
    CHECK(be16(g, 24) == 64);
    CHECK(be16(g, 26) == 0x4019);
    CHECK(g[28] == 17);   // (9000 - 22) / 512
    CHECK(g[29] == 0x10); // AoE version 1, CCmd 0
    CHECK(be16(g, 30) == 0);
    CHECK(g.size() == 60);
    CHECK(f.c().config_cmds.get() == 1);
}

TEST_CASE("buffer count below 64 is raised to 64; above is kept") {
    aoe::TargetOptions o;
    o.buffer_count = 16;
    Fixture f(o);
    CHECK(be16(f.send(config(0)).frames[0], 24) == 64);
    o.buffer_count = 256;
    Fixture g(o);
    CHECK(be16(g.send(config(0)).frames[0], 24) == 256);
}

TEST_CASE("remote admin off (default): set and force set -> E, Error 2; string unchanged") {
    Fixture f;
    for (std::uint8_t cc : std::initializer_list<std::uint8_t>{3, 4}) {
        Sent s = f.send(config(cc, "mine"));
        REQUIRE(s.v == Verdict::reply);
        CHECK(s.frames[0][14] == 0x1C);
        CHECK(s.frames[0][15] == 2);
        CHECK(s.frames[0][29] == (0x10 | cc));
        CHECK(cfg_string(s.frames[0]).empty());
    }
    CHECK(f.c().aoe_errors[2].get() == 2);
}

TEST_CASE("set: stores when empty, identical set is idempotent, different -> Error 4") {
    Fixture f(admin());
    Sent s = f.send(config(3, "host-a"));
    CHECK(s.frames[0][14] == 0x18);
    CHECK(cfg_string(s.frames[0]) == "host-a");
    CHECK(f.send(config(3, "host-a")).frames[0][14] == 0x18);
    Sent e = f.send(config(3, "host-b"));
    CHECK(e.frames[0][14] == 0x1C);
    CHECK(e.frames[0][15] == 4);
    CHECK(cfg_string(e.frames[0]) == "host-a"); // errors carry the current string
    CHECK(cfg_string(f.send(config(0)).frames[0]) == "host-a");
    // Only this export changed.
    Req other = config(0);
    other.slot = 2;
    CHECK(cfg_string(f.send(other).frames[0]).empty());
}

TEST_CASE("force set replaces unconditionally") {
    Fixture f(admin());
    f.send(config(3, "host-a"));
    Sent s = f.send(config(4, "host-b"));
    CHECK(s.frames[0][14] == 0x18);
    CHECK(cfg_string(s.frames[0]) == "host-b");
    f.send(config(4, ""));
    CHECK(cfg_string(f.send(config(0)).frames[0]).empty());
}

TEST_CASE("test and prefix test answer only on a match; otherwise silence") {
    Fixture f(admin());
    f.send(config(4, "abcdef"));
    CHECK(f.send(config(1, "abcdef")).v == Verdict::reply);
    CHECK(f.send(config(1, "abc")).v == Verdict::silent);
    CHECK(f.send(config(1, "abcdefg")).v == Verdict::silent);
    CHECK(f.send(config(2, "abc")).v == Verdict::reply);
    CHECK(f.send(config(2, "")).v == Verdict::reply);
    CHECK(f.send(config(2, "abd")).v == Verdict::silent);
    CHECK(f.send(config(2, "abcdefg")).v == Verdict::silent);
    CHECK(f.silent(aoe::SilentReason::config_mismatch) == 4);
    Sent s = f.send(config(2, "ab"));
    CHECK(s.frames[0][29] == 0x12);
    CHECK(cfg_string(s.frames[0]) == "abcdef");
    CHECK(f.balanced());
}

TEST_CASE("broadcast test: only the exports whose string matches answer") {
    Fixture f(admin());
    Req set = config(4, "x");
    set.slot = 2;
    f.send(set);
    Req t = config(1, "x");
    std::memcpy(t.dst, kBcast, 6);
    t.shelf = 0xFFFF;
    t.slot = 0xFF;
    Sent s = f.send(t);
    REQUIRE(s.frames.size() == 1);
    CHECK(s.frames[0][18] == 2);
}

TEST_CASE("string length above 1024 or above the bytes present -> E, Error 2") {
    Fixture f(admin());
    std::string big(1025, 'x');
    Sent a = f.send(config(4, big));
    CHECK(a.frames[0][15] == 2);
    Sent b = f.send(config(4, "abc", 10)); // says 10, carries 3 (+ Ethernet padding... see below)
    // 3 bytes + the Ethernet padding make 28 bytes after the arg: 10 fits in the frame
    // padding, so this one is legal as far as the frame goes. Unpadded, it is not:
    Req r = config(4, "abc", 10);
    r.pad = false;
    Sent c = f.send(r);
    CHECK(c.frames[0][14] == 0x1C);
    CHECK(c.frames[0][15] == 2);
    Req t = config(1, "abc", 10);
    t.pad = false;
    Sent d = f.send(t); // even a test with a bad length gets Error 2, not silence
    CHECK(d.frames[0][15] == 2);
    std::string max(1024, 'y');
    Sent m = f.send(config(4, max));
    CHECK(m.frames[0][14] == 0x18);
    CHECK(cfg_string(m.frames[0]) == max);
    CHECK(m.frames[0].size() == 32 + 1024);
    (void)b;
}

TEST_CASE("unknown CCmd -> E, Error 2 with the current string") {
    Fixture f(admin());
    f.send(config(4, "s"));
    Sent s = f.send(config(9));
    CHECK(s.frames[0][14] == 0x1C);
    CHECK(s.frames[0][15] == 2);
    CHECK(s.frames[0][29] == 0x19);
    CHECK(cfg_string(s.frames[0]) == "s");
}

TEST_CASE("broadcast config flood: per-source rate limit, budget renews each window") {
    aoe::TargetOptions o;
    o.cfg_burst = 3;
    o.cfg_rate_window_ns = 1000;
    Fixture f(o);
    int answered = 0;
    for (int i = 0; i < 10; ++i) answered += f.send(discover(), 100).v == Verdict::reply;
    CHECK(answered == 3);
    CHECK(f.dropped(aoe::DropReason::rate_limited) == 7);
    Req other = discover();
    std::memcpy(other.src, kOtherMac, 6);
    CHECK(f.send(other, 100).v == Verdict::reply); // another source has its own budget
    CHECK(f.send(discover(), 1200).v == Verdict::reply);
    // Unicast queries to our MAC and exact shelf.slot are not limited.
    for (int i = 0; i < 10; ++i) CHECK(f.send(config(0), 1300).v == Verdict::reply);
    CHECK(f.balanced());
}

TEST_CASE("Mac Mask List filters config queries too") {
    Fixture f(admin());
    f.send(mask(1, {{1, kOtherMac}})); // only kOtherMac may talk to 1.1 now...
    // ...but the edit came from kClientMac, which is now masked itself.
    CHECK(f.send(config(0)).v == Verdict::drop);
    CHECK(f.dropped(aoe::DropReason::masked) == 1);
    Sent s = f.send(discover()); // 1.2 has no mask and still answers
    REQUIRE(s.frames.size() == 1);
    CHECK(s.frames[0][18] == 2);
}
