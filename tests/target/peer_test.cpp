// Other targets answering for our shelf.slots (target/peers.cpp): discovery queries, the
// IDENTIFY probe, the serial comparison and the table's bounds. Frames are built here from
// the spec's offsets (docs/aoe-protocol.md §1), not with the core's helpers.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace t;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000;

aoe::TargetOptions peers_only(std::uint64_t interval = 30 * kSec) {
    aoe::TargetOptions o;
    o.advert_interval_ns = 0; // adverts have their own tests
    o.peer_interval_ns = interval;
    return o;
}

// Another target's advert (an unsolicited Query Config response) for shelf.slot.
Bytes advert_from(const std::uint8_t* mac, std::uint16_t shelf, std::uint8_t slot) {
    Req r = config(0);
    std::memcpy(r.dst, kBcast, 6);
    std::memcpy(r.src, mac, 6);
    r.verflags = 0x18;
    r.shelf = shelf;
    r.slot = slot;
    r.tag = 0;
    return r.bytes();
}

std::uint32_t tag_of(const Bytes& f) {
    return static_cast<std::uint32_t>(be16(f, 20)) << 16 | be16(f, 22);
}

} // namespace

TEST_CASE("discovery: one broadcast Query Config request per export, at once and per interval") {
    Fixture f(peers_only(30 * kSec));
    auto a = tick_all(f, 7);
    REQUIRE(a.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const Bytes& g = a[i];
        CHECK(std::memcmp(g.data(), kBcast, 6) == 0);
        CHECK(std::memcmp(g.data() + 6, kTargetMac, 6) == 0);
        CHECK(be16(g, 12) == 0x88A2);
        CHECK(g[14] == 0x10); // version 1, R clear: a request
        CHECK(g[15] == 0);
        CHECK(be16(g, 16) == 1);
        CHECK(g[18] == i + 1);
        CHECK(g[19] == 1); // Query Config
        CHECK(tag_of(g) == 0xAE0BFFFFu);
        for (std::size_t b = 24; b < 60; ++b) CHECK(g[b] == 0); // CCmd read, empty string, pad
        CHECK(g.size() == 60);
    }
    CHECK(tick_all(f, 29 * kSec).empty());
    CHECK(tick_all(f, 30 * kSec + 7).size() == 2);
    CHECK(f.c().peer_probes.get() == 4);
    CHECK(f.c().frames_in.get() == 0);
}

TEST_CASE("a peer's advert gets an IDENTIFY; the same serial is 'same', no conflict") {
    Fixture f(peers_only());
    tick_all(f, 0); // discovery
    auto s = f.send(advert_from(kOtherMac, 1, 1), 10);
    CHECK(s.v == aoe::Verdict::silent);
    CHECK(s.frames.empty());
    CHECK(f.silent(aoe::SilentReason::response) == 1);
    aoe::PeerSnapshot p;
    REQUIRE(f.eng->peer(0, p));
    CHECK(p.verdict == aoe::PeerVerdict::pending);
    CHECK(std::memcmp(p.mac.b, kOtherMac, 6) == 0);
    CHECK(p.shelf == 1);
    CHECK(p.slot == 1);
    CHECK(p.seen == 1);
    CHECK(p.last_seen_ns == 10);

    auto probe = tick_all(f, 11);
    REQUIRE(probe.size() == 1);
    const Bytes& g = probe[0];
    CHECK(std::memcmp(g.data(), kOtherMac, 6) == 0);
    CHECK(std::memcmp(g.data() + 6, kTargetMac, 6) == 0);
    CHECK(g[14] == 0x10);
    CHECK(be16(g, 16) == 1);
    CHECK(g[18] == 1);
    CHECK(g[19] == 0); // ATA
    CHECK(tag_of(g) == 0xAE0B0000u);
    CHECK(g[24] == 0);    // AFlags
    CHECK(g[26] == 1);    // sector count
    CHECK(g[27] == 0xEC); // IDENTIFY DEVICE
    CHECK(g.size() == 60);
    CHECK(tick_all(f, 12).empty()); // one probe, then a second's wait

    f.send(identify_reply(kOtherMac, tag_of(g), "ro-serial"), 20);
    REQUIRE(f.eng->peer(0, p));
    CHECK(p.verdict == aoe::PeerVerdict::same);
    CHECK(std::string(p.serial, 20) == "ro-serial           ");
    CHECK(f.c().peer_conflicts.get() == 0);
    CHECK(f.balanced());
    CHECK_FALSE(f.eng->peer(1, p));
}

TEST_CASE("another serial is a conflict, counted once per change; a reply to a query counts") {
    Fixture f(peers_only(30 * kSec));
    tick_all(f, 0);
    // A config reply (to our discovery) for 1.2, unicast to us, tag echoed.
    Req r = config(0);
    std::memcpy(r.src, kOtherMac, 6);
    r.verflags = 0x18;
    r.slot = 2;
    r.tag = 0xAE0BFFFF;
    f.send(r, 5);
    auto probe = tick_all(f, 6);
    REQUIRE(probe.size() == 1);
    CHECK(probe[0][18] == 2);
    f.send(identify_reply(kOtherMac, tag_of(probe[0]), "0123456789abcdef", 0x40, 1, 2), 7);
    aoe::PeerSnapshot p;
    REQUIRE(f.eng->peer(0, p));
    CHECK(p.verdict == aoe::PeerVerdict::differs);
    CHECK(std::string(p.serial, 16) == "0123456789abcdef");
    CHECK(f.c().peer_conflicts.get() == 1);

    // Still seen (its adverts): asked again after the interval; the same answer is not a
    // new conflict.
    f.send(advert_from(kOtherMac, 1, 2), 20 * kSec);
    auto again = tick_all(f, 30 * kSec + 8);
    REQUIRE(again.size() == 3); // two discovery queries and the IDENTIFY
    CHECK(again[2][27] == 0xEC);
    f.send(identify_reply(kOtherMac, tag_of(again[2]), "0123456789abcdef", 0x40, 1, 2),
           30 * kSec + 9);
    CHECK(f.c().peer_conflicts.get() == 1);
    // It restarts with our image: "same" now.
    f.send(advert_from(kOtherMac, 1, 2), 50 * kSec);
    auto third = tick_all(f, 60 * kSec + 9);
    REQUIRE(third.size() == 3);
    f.send(identify_reply(kOtherMac, tag_of(third[2]), "rw-serial", 0x40, 1, 2), 60 * kSec + 10);
    REQUIRE(f.eng->peer(0, p));
    CHECK(p.verdict == aoe::PeerVerdict::same);
    CHECK(f.c().peer_conflicts.get() == 1);
}

TEST_CASE("no IDENTIFY answer: three tries a second apart, then 'no identity'; errors too") {
    Fixture f(peers_only());
    tick_all(f, 0);
    f.send(advert_from(kOtherMac, 1, 1), 1);
    CHECK(tick_all(f, 2).size() == 1);
    CHECK(tick_all(f, 2 + kSec / 2).empty());
    CHECK(tick_all(f, 2 + kSec).size() == 1);
    CHECK(tick_all(f, 2 + 2 * kSec).size() == 1);
    CHECK(tick_all(f, 2 + 3 * kSec).empty()); // gives up
    aoe::PeerSnapshot p;
    REQUIRE(f.eng->peer(0, p));
    CHECK(p.verdict == aoe::PeerVerdict::no_identity);

    Fixture g(peers_only());
    tick_all(g, 0);
    g.send(advert_from(kOtherMac, 1, 1), 1);
    auto probe = tick_all(g, 2);
    REQUIRE(probe.size() == 1);
    g.send(identify_reply(kOtherMac, tag_of(probe[0]), "ro-serial", 0x41), 3); // ERR
    REQUIRE(g.eng->peer(0, p));
    CHECK(p.verdict == aoe::PeerVerdict::no_identity);
    CHECK(g.c().peer_conflicts.get() == 0);
}

TEST_CASE("what does not count: other shelf.slots, foreign tags, other MACs, errors, our MAC") {
    Fixture f(peers_only());
    tick_all(f, 0);
    f.send(advert_from(kOtherMac, 7, 1), 1); // not ours
    aoe::PeerSnapshot p;
    CHECK_FALSE(f.eng->peer(0, p));
    Bytes e = advert_from(kOtherMac, 1, 1);
    e[14] = 0x1C; // E set: an error response names no image
    f.send(e, 1);
    CHECK_FALSE(f.eng->peer(0, p));

    f.send(advert_from(kOtherMac, 1, 1), 2);
    auto probe = tick_all(f, 3);
    REQUIRE(probe.size() == 1);
    f.send(identify_reply(kOtherMac, 0x12345678, "zzz"), 4);           // not our tag
    f.send(identify_reply(kClientMac, tag_of(probe[0]), "zzz"), 4);    // not the probed MAC
    f.send(identify_reply(kOtherMac, tag_of(probe[0]) + 5, "zzz"), 4); // another entry
    REQUIRE(f.eng->peer(0, p));
    CHECK(p.verdict == aoe::PeerVerdict::pending);
    CHECK(f.c().peer_conflicts.get() == 0);

    // A request that claims to come from our own port MAC: a loop, never answered.
    Req own = read28(0, 1);
    std::memcpy(own.src, kTargetMac, 6);
    auto s = f.send(own, 5);
    CHECK(s.v == aoe::Verdict::silent);
    CHECK(f.silent(aoe::SilentReason::looped) == 1);
    // Nor is our own advert coming back taken for another target (found by fuzz.frame-long).
    f.send(advert_from(kTargetMac, 1, 2), 6);
    CHECK(f.silent(aoe::SilentReason::looped) == 2);
    aoe::PeerSnapshot q;
    CHECK_FALSE(f.eng->peer(1, q));
    CHECK(f.balanced());
}

TEST_CASE("the table is bounded: live peers stay, quiet ones are reused after four intervals") {
    Fixture f(peers_only(10 * kSec));
    tick_all(f, 0);
    std::uint8_t mac[6] = {0x02, 0x10, 0, 0, 0, 0};
    for (int i = 0; i < aoe::kMaxPeers; ++i) {
        mac[5] = static_cast<std::uint8_t>(i);
        f.send(advert_from(mac, 1, 1), 100 + static_cast<std::uint64_t>(i));
    }
    mac[5] = 0xEE;
    f.send(advert_from(mac, 1, 1), 200);
    CHECK(f.c().peer_table_full.get() == 1);
    f.send(advert_from(mac, 1, 1), 100 + 40 * kSec);
    CHECK(f.c().peer_table_full.get() == 1);
    aoe::PeerSnapshot p;
    REQUIRE(f.eng->peer(0, p)); // the oldest entry went to the new peer
    CHECK(p.mac.b[5] == 0xEE);
    CHECK(p.verdict == aoe::PeerVerdict::pending);
}

TEST_CASE("peer interval 0: no discovery, no tracking") {
    Fixture f(peers_only(0));
    CHECK(tick_all(f, 0).empty());
    f.send(advert_from(kOtherMac, 1, 1), 1);
    aoe::PeerSnapshot p;
    CHECK_FALSE(f.eng->peer(0, p));
    CHECK(tick_all(f, 2).empty());
}

TEST_CASE("responses are the owner's: route() and workers send them there") {
    Bytes rsp = identify_reply(kOtherMac, 0xAE0B0000u, "x");
    CHECK(aoe::Engine::route(rsp.data(), static_cast<std::uint32_t>(rsp.size())) ==
          aoe::Role::owner);
    Bytes rd = read28(0, 1).bytes();
    CHECK(aoe::Engine::route(rd.data(), static_cast<std::uint32_t>(rd.size())) ==
          aoe::Role::worker);
    Fixture w(peers_only(), 1500, aoe::Role::worker);
    CHECK(w.send(rsp).v == aoe::Verdict::forward);
}
