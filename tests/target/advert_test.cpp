// Periodic unsolicited config adverts (Engine::tick): R set, tag 0, broadcast or unicast to
// each allow-list MAC, one round per interval (docs/aoe-protocol.md §1.6, §2.1).
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace t;

TEST_CASE("first round at once, then once per interval; one advert per export") {
    aoe::TargetOptions o;
    o.advert_interval_ns = 1'000'000'000;
    o.peer_interval_ns = 0; // peer discovery: peer_test.cpp
    Fixture f(o);
    auto a = tick_all(f, 5);
    REQUIRE(a.size() == 2);
    const Bytes& g = a[0];
    CHECK(std::memcmp(g.data(), kBcast, 6) == 0);
    CHECK(std::memcmp(g.data() + 6, kTargetMac, 6) == 0);
    CHECK(be16(g, 12) == 0x88A2);
    CHECK(g[14] == 0x18); // R set: an unsolicited response
    CHECK(be16(g, 16) == 1);
    CHECK(g[18] == 1);
    CHECK(g[19] == 1);       // Query Config
    CHECK(be16(g, 20) == 0); // tag 0
    CHECK(be16(g, 22) == 0);
    CHECK(be16(g, 24) == 64);
    CHECK(g[28] == 2);
    CHECK(g[29] == 0x10);
    CHECK(g.size() == 60);
    CHECK(a[1][18] == 2);
    CHECK(tick_all(f, 500'000'000).empty());
    CHECK(tick_all(f, 1'000'000'004).empty());
    CHECK(tick_all(f, 1'000'000'005).size() == 2);
    CHECK(f.c().adverts.get() == 4);
    CHECK(f.c().frames_in.get() == 0);
}

TEST_CASE("with an allow-list: unicast to each allowed MAC instead of broadcast") {
    aoe::Mac allow[2];
    std::memcpy(allow[0].b, kClientMac, 6);
    std::memcpy(allow[1].b, kOtherMac, 6);
    aoe::TargetOptions o;
    o.allow = allow;
    o.allow_count = 2;
    o.peer_interval_ns = 0;
    Fixture f(o);
    auto a = tick_all(f, 0);
    REQUIRE(a.size() == 4);
    CHECK(std::memcmp(a[0].data(), kClientMac, 6) == 0);
    CHECK(std::memcmp(a[1].data(), kOtherMac, 6) == 0);
    CHECK(a[1][18] == 1);
    CHECK(std::memcmp(a[2].data(), kClientMac, 6) == 0);
    CHECK(a[2][18] == 2);
}

TEST_CASE("adverts on the served VLAN; interval 0 disables; tiny intervals are rate-limited") {
    aoe::TargetOptions o;
    o.vlan = 12;
    o.peer_interval_ns = 0;
    Fixture f(o);
    auto a = tick_all(f, 0);
    REQUIRE(a.size() == 2);
    CHECK(be16(a[0], 12) == 0x8100);
    CHECK(be16(a[0], 14) == 12);
    CHECK(be16(a[0], 16) == 0x88A2);
    CHECK(a[0][18] == 0x18);

    aoe::TargetOptions off;
    off.advert_interval_ns = 0;
    off.peer_interval_ns = 0;
    Fixture g(off);
    CHECK(tick_all(g, 0).empty());

    aoe::TargetOptions fast;
    fast.advert_interval_ns = 1;
    fast.peer_interval_ns = 0;
    Fixture h(fast);
    CHECK(tick_all(h, 0).size() == 2);
    CHECK(tick_all(h, 50'000'000).empty());
    CHECK(tick_all(h, 100'000'000).size() == 2);
}

TEST_CASE("adverts carry the current config string") {
    aoe::TargetOptions o;
    o.remote_admin = true;
    o.peer_interval_ns = 0;
    Fixture f(o);
    f.send(config(4, "boot"));
    auto a = tick_all(f, 0);
    REQUIRE(a.size() == 2);
    CHECK(be16(a[0], 30) == 4);
    CHECK(std::memcmp(a[0].data() + 32, "boot", 4) == 0);
}
