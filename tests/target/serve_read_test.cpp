// Engine::serve_read, the unicast read fast path (docs/aoe-protocol.md §3.4): every frame it
// answers gets byte for byte the reply that accept() + next_reply() build, with the same
// counts; every frame it declines is left untouched and uncounted, for the general path.
// Checked on hand-made frames for each condition and on 20,000 random mutations of a read.
#include <doctest/doctest.h>

#include <random>

#include "fixture.hpp"
#include "target/serve_read.hpp"

using namespace t;

namespace {

// A second engine over the fixture's target (same exports, same images, same lists) that only
// ever takes the general path: the reference for the fast one.
struct Twin {
    Fixture& f;
    std::vector<std::uint8_t> storage;
    std::unique_ptr<aoe::Engine> general;
    std::uint64_t served = 0, declined = 0;

    explicit Twin(Fixture& fx) : f(fx) {
        storage.resize(aoe::Engine::storage_bytes(f.target.options));
        general = std::make_unique<aoe::Engine>(f.target, f.port, aoe::Role::owner, storage.data());
    }

    static Sent run_general(aoe::Engine& e, const Bytes& frame) {
        Sent s;
        aoe::FrameState st;
        s.v = e.accept(frame.data(), static_cast<std::uint32_t>(frame.size()), 0, st);
        std::vector<std::uint8_t> out(aoe::kMaxInlineReply + 64, 0xAA);
        aoe::Reply r;
        while (e.next_reply(st, out.data(), static_cast<std::uint32_t>(out.size()), r)) {
            s.headers.emplace_back(out.begin(), out.begin() + r.header_len);
            s.replies.push_back(r);
        }
        return s;
    }

    // The HAL's order: serve_read first, the general path for what it declines.
    void frame(const Bytes& frame) {
        Bytes buf = frame;
        aoe::Reply fast;
        const bool ok = f.eng->serve_read(buf.data(), static_cast<std::uint32_t>(buf.size()), fast);
        f.eng->end_burst();
        Sent ref = run_general(*general, frame);
        if (ok) {
            ++served;
            REQUIRE(ref.v == aoe::Verdict::reply);
            REQUIRE(ref.replies.size() == 1);
            const aoe::Reply& g = ref.replies[0];
            REQUIRE(fast.header_len == g.header_len);
            CHECK(Bytes(buf.begin(), buf.begin() + fast.header_len) == ref.headers[0]);
            CHECK(fast.data == g.data);
            CHECK(fast.data_len == g.data_len);
            CHECK(fast.export_index == g.export_index);
            CHECK(fast.zero_copy_ok == g.zero_copy_ok);
            CHECK(fast.needs_flush == g.needs_flush);
            CHECK(fast.last);
        } else {
            ++declined;
            REQUIRE(buf == frame); // untouched
            run_general(*f.eng, frame);
        }
        same_counts();
    }

    void same_counts() {
        const aoe::EngineCounters& a = f.eng->counters();
        const aoe::EngineCounters& b = general->counters();
        REQUIRE(a.frames_in.get() == b.frames_in.get());
        REQUIRE(a.replied.get() == b.replied.get());
        REQUIRE(a.replies.get() == b.replies.get());
        REQUIRE(a.reply_bytes.get() == b.reply_bytes.get());
        for (int i = 0; i < static_cast<int>(aoe::DropReason::count_); ++i)
            REQUIRE(a.dropped[i].get() == b.dropped[i].get());
        for (int i = 0; i < static_cast<int>(aoe::SilentReason::count_); ++i)
            REQUIRE(a.silent[i].get() == b.silent[i].get());
        for (std::uint16_t x = 0; x < 2; ++x) {
            const aoe::ExportCounters& p = f.eng->export_counters(x);
            const aoe::ExportCounters& q = general->export_counters(x);
            REQUIRE(p.reads.get() == q.reads.get());
            REQUIRE(p.read_bytes.get() == q.read_bytes.get());
            REQUIRE(p.ata_errors.get() == q.ata_errors.get());
            REQUIRE(p.retransmits_seen.get() == q.retransmits_seen.get());
        }
    }
};

Req tagged(Req r, std::uint16_t tpid, std::uint16_t tci) {
    r.tags.push_back(tpid);
    r.tags.push_back(tci);
    return r;
}

} // namespace

TEST_CASE("serve_read answers plain reads exactly as the general path, counts included") {
    Fixture f;
    Twin t(f);
    t.frame(read48(0, 1).bytes());
    t.frame(read48(10, 2).bytes());
    t.frame(read28(998, 2).bytes()); // the last two sectors
    t.frame(read48(10, 2).bytes());  // the same LBA again: a retransmit seen
    Req rw = read48(3, 2);
    rw.slot = 2; // the writable export: copy path
    t.frame(rw.bytes());
    Req err = read48(5, 1);
    err.verflags = 0x14; // E set on a request: ignored, as accept() does
    t.frame(err.bytes());
    t.frame(tagged(read48(7, 1), 0x8100, 0x2000).bytes()); // priority tag (VID 0, PCP 1)
    CHECK(t.served == 7);
    CHECK(t.declined == 0);
    CHECK(f.eng->export_counters(0).retransmits_seen.get() == 1);
}

TEST_CASE("serve_read declines, untouched, every frame the general path must decide") {
    Fixture f(aoe::TargetOptions{});
    Twin t(f);
    std::vector<Req> reqs;
    Req r = read48(0, 1);
    std::memcpy(r.dst, kBcast, 6);
    reqs.push_back(r); // broadcast destination
    r = read48(0, 1);
    std::memcpy(r.dst, kOtherMac, 6);
    reqs.push_back(r); // another target's MAC
    r = read48(0, 1);
    r.src[0] = 0x03;
    reqs.push_back(r); // group source
    r = read48(0, 1);
    std::memcpy(r.src, kTargetMac, 6);
    reqs.push_back(r); // our own frame looped back
    r = read48(0, 1);
    r.verflags = 0x18;
    reqs.push_back(r); // a response
    r = read48(0, 1);
    r.verflags = 0x20;
    reqs.push_back(r); // version 2: error 5
    r = read48(0, 1);
    r.cmd = 0xF0;
    reqs.push_back(r); // vendor
    reqs.push_back(identify());
    reqs.push_back(write48(0, 1, Bytes(512, 1)));
    reqs.push_back(ata(0x41, 1, 0x24, 0)); // read with the W flag: ABRT
    reqs.push_back(read48(0, 0));          // no sectors: ABRT
    reqs.push_back(read48(0, 3));          // more than the MTU holds: ABRT
    reqs.push_back(read48(999, 2));        // past the end: IDNF
    reqs.push_back(read48(0xFFFFFFFFFFFF, 1));
    r = read48(0, 1);
    r.shelf = 7;
    reqs.push_back(r); // not ours
    r = read48(0, 1);
    r.shelf = 0xFFFF;
    reqs.push_back(r); // broadcast ATA
    r = read48(0, 1);
    r.slot = 0xFF;
    reqs.push_back(r);
    r = read48(0, 1);
    r.ethertype = 0x0800;
    reqs.push_back(r);
    reqs.push_back(tagged(read48(0, 1), 0x8100, 5));                    // VLAN 5, we serve untagged
    reqs.push_back(tagged(tagged(read48(0, 1), 0x88A8, 0), 0x8100, 0)); // two tags
    reqs.push_back(config(0));
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        INFO("frame " << i);
        const std::uint64_t before = t.served;
        t.frame(reqs[i].bytes());
        CHECK(t.served == before);
    }
    Req shortr = read48(0, 1);
    shortr.pad = false;
    Bytes cut = shortr.bytes();
    cut.resize(35); // the ATA argument cut short (a read needs 36 bytes)
    t.frame(cut);
    CHECK(t.served == 0);
    CHECK(t.declined == reqs.size() + 1);
}

TEST_CASE("serve_read on a VLAN, with an allow-list, a mask list and a reserve list") {
    aoe::TargetOptions o;
    o.vlan = 42;
    o.remote_admin = true;
    aoe::Mac allow[2];
    std::memcpy(allow[0].b, kOtherMac, 6);
    std::memcpy(allow[1].b, kClientMac, 6);
    o.allow = allow;
    o.allow_count = 2;
    Fixture f(o);
    Twin t(f);
    auto v42 = [](Req q) { return tagged(q, 0x8100, 42); };
    t.frame(v42(read48(1, 1)).bytes());
    t.frame(read48(1, 1).bytes()); // untagged on a VLAN target: declined
    Req stranger = v42(read48(1, 1));
    stranger.src[5] = 0x77;
    t.frame(stranger.bytes()); // not on the allow-list
    // A mask list without the client, then with it; a reserve list without it, then with it.
    // The edits come from kOtherMac, which every list here names, so that both engines (they
    // share the exports) answer each edit alike whichever applies it first.
    auto admin = [&](Req q) {
        std::memcpy(q.src, kOtherMac, 6);
        return v42(q);
    };
    t.frame(admin(mask(1, {{1, kOtherMac}})).bytes());
    t.frame(v42(read48(2, 1)).bytes()); // masked
    t.frame(admin(mask(1, {{1, kClientMac}})).bytes());
    t.frame(v42(read48(2, 1)).bytes());
    t.frame(admin(reserve(2, {kOtherMac})).bytes());
    t.frame(v42(read48(3, 1)).bytes()); // reserved for another MAC: error 6
    t.frame(admin(reserve(2, {kOtherMac, kClientMac})).bytes());
    t.frame(v42(read48(3, 1)).bytes());
    CHECK(t.served == 3);
}

TEST_CASE("serve_read on 20,000 random mutations of a read agrees with the general path") {
    Fixture f;
    Twin t(f);
    std::mt19937 rng(1234);
    const Bytes base = read48(17, 2).bytes();
    const Bytes base_tagged = tagged(read48(17, 2), 0x8100, 0).bytes();
    // Bytes worth changing: Ethernet and tags, the AoE header and the ATA arg.
    const std::uint8_t interesting[] = {0x00, 0x01, 0x02, 0x03, 0x10, 0x14, 0x18, 0x20, 0x24, 0x34,
                                        0x40, 0x41, 0x81, 0x88, 0xA2, 0xA8, 0xE0, 0xEC, 0xFF};
    for (int i = 0; i < 20000; ++i) {
        Bytes fr = (i & 1) ? base_tagged : base;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < edits; ++k) {
            const std::size_t at = rng() % 54;
            fr[at] = (rng() & 1) ? interesting[rng() % sizeof interesting]
                                 : static_cast<std::uint8_t>(rng());
        }
        if (rng() % 16 == 0) fr.resize(rng() % fr.size());
        t.frame(fr);
    }
    MESSAGE("served " << t.served << ", declined " << t.declined);
    CHECK(t.served > 1000);
    CHECK(t.declined > 1000);
}
