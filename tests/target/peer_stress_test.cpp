// Two-thread tests of the peer table (target/peers.cpp), built with -fsanitize=thread: the
// owner engine records peers, their IDENTIFY serials and verdicts while entries are reused; a
// control thread reads them with Engine::peer and must never see a torn entry (a serial that
// belongs to another MAC) or a data race, and must wait out an entry the owner is writing.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <new>
#include <pthread.h>
#include <thread>

#include "fixture.hpp"
#include "target/detail.hpp"

using namespace t;

namespace {

constexpr std::uint64_t kSec = 1'000'000'000;

void serial_for(std::uint8_t b, char* out) { // "peer-XX" for MAC ..:XX
    std::snprintf(out, 21, "peer-%02x", b);
}

} // namespace

TEST_CASE("peer table stress: entries reused under a concurrent reader, never torn") {
    aoe::TargetOptions o;
    o.advert_interval_ns = 0;
    o.peer_interval_ns = kSec;
    Fixture f(o);
    constexpr int kRounds = 1000;
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> reads{0}, decided{0}, scans{0};
    std::atomic<bool> torn{false};

    std::thread reader([&] {
        while (!done.load(std::memory_order_acquire)) {
            for (std::uint16_t i = 0; i < aoe::kMaxPeers; ++i) {
                aoe::PeerSnapshot p;
                if (!f.eng->peer(i, p)) continue;
                reads.fetch_add(1, std::memory_order_relaxed);
                if (p.verdict != aoe::PeerVerdict::differs) continue;
                decided.fetch_add(1, std::memory_order_relaxed);
                char want[21];
                serial_for(p.mac.b[5], want);
                if (std::memcmp(p.serial, want, std::strlen(want)) != 0) torn.store(true);
            }
            scans.fetch_add(1, std::memory_order_release);
        }
    });

    std::uint64_t now = 0;
    std::vector<std::uint8_t> buf(aoe::kMaxInlineReply);
    std::uint8_t mac[6] = {0x02, 0x20, 0, 0, 0, 0};
    for (int round = 0; round < kRounds; ++round) {
        // 16 new peers per round; the previous round's are four intervals quiet by now. The
        // reader scans all the while, so it reads entries as the owner rewrites them.
        now += 5 * kSec;
        for (int k = 0; k < aoe::kMaxPeers; ++k) {
            mac[5] = static_cast<std::uint8_t>((round * aoe::kMaxPeers + k) & 0xFF);
            Req adv = config(0);
            std::memcpy(adv.dst, kBcast, 6);
            std::memcpy(adv.src, mac, 6);
            adv.verflags = 0x18;
            adv.tag = 0;
            f.send(adv, now);
        }
        std::uint16_t cur = 0;
        aoe::Reply r;
        while (f.eng->tick(now, cur, buf.data(), static_cast<std::uint32_t>(buf.size()), r)) {
            if (buf[19] != 0) continue; // a discovery query
            const std::uint32_t tag =
                static_cast<std::uint32_t>(be16(buf, 20)) << 16 | be16(buf, 22);
            char s[21];
            serial_for(buf[5], s);
            f.send(identify_reply(buf.data(), tag, s), now);
        }
        // Whatever the scheduler does on a loaded machine, the reader makes progress in every
        // round: wait for a scan that started after this round's writes (the one running now
        // may have started before). That scan finds all 16 entries decided.
        const std::uint64_t s0 = scans.load(std::memory_order_acquire);
        while (scans.load(std::memory_order_acquire) < s0 + 2) std::this_thread::yield();
    }
    done.store(true, std::memory_order_release);
    reader.join();
    CHECK_FALSE(torn.load());
    CHECK(f.c().peer_conflicts.get() == kRounds * aoe::kMaxPeers);
    CHECK(f.c().peer_table_full.get() == 0);
    // The reader did read: every round's entries, decided, at least once each.
    CHECK(decided.load() >= std::uint64_t{kRounds} * aoe::kMaxPeers);
    CHECK(reads.load() >= decided.load());
    MESSAGE("snapshots read: " << reads.load() << ", of decided entries: " << decided.load());
    CHECK(f.balanced());
}

// The contested case made deterministic: this thread plays the owner stopped in the middle of
// an entry update (sequence odd, the MAC already new, the serial still the old one) while the
// control thread calls Engine::peer. The reader must keep retrying, not return the half-written
// entry, and return the whole new entry once the write ends. The owner's stores follow
// peers.cpp's begin_write/end_write.
TEST_CASE("peer table: a reader that finds the owner mid-write waits and returns the new entry") {
    aoe::TargetOptions o;
    o.advert_interval_ns = 0;
    o.peer_interval_ns = kSec;
    Fixture f(o);
    Req adv = config(0); // another target's advert for 1.1: peer entry 0
    std::memcpy(adv.dst, kBcast, 6);
    std::memcpy(adv.src, kOtherMac, 6);
    adv.verflags = 0x18;
    adv.tag = 0;
    f.send(adv, 10);
    aoe::PeerSnapshot before;
    REQUIRE(f.eng->peer(0, before));

    // The engine's storage is the first carve of the block the fixture gave it (Engine's
    // constructor): carving the same block the same way finds it without constructing anything.
    aoe::Arena same(f.storage.data(), f.storage.size());
    auto* s = std::launder(static_cast<aoe::EngineStorage*>(
        same.carve(sizeof(aoe::EngineStorage), alignof(aoe::EngineStorage))));
    REQUIRE(s != nullptr);
    aoe::detail::PeerEntry& p = s->peers[0];
    REQUIRE(p.mac.load() == (aoe::mac_key(before.mac) | aoe::detail::kValid));

    constexpr auto kRelaxed = std::memory_order_relaxed;
    constexpr auto kRelease = std::memory_order_release;
    const aoe::Mac next{{0x02, 0x20, 0, 0, 0, 0x77}};
    char next_serial[21] = {};
    serial_for(0x77, next_serial);
    std::uint64_t words[3] = {}; // the entry's packing: 8 characters a word, the first lowest
    for (int c = 0; c < 20; ++c)
        words[c / 8] |= std::uint64_t{static_cast<std::uint8_t>(next_serial[c])} << (8 * (c % 8));

    p.seq.store(p.seq.load(kRelaxed) + 1, kRelaxed); // begin_write: odd
    p.mac.store(aoe::mac_key(next) | aoe::detail::kValid, kRelease);

    std::atomic<bool> entered{false}, returned{false};
    aoe::PeerSnapshot got;
    bool found = false;
    std::thread reader([&] {
        entered.store(true, std::memory_order_release);
        found = f.eng->peer(0, got);
        returned.store(true, std::memory_order_release);
    });
    while (!entered.load(std::memory_order_acquire)) std::this_thread::yield();
    // The reader has entered peer(). Let it run 20 ms of its own CPU time: a peer() that did not
    // retry on the odd sequence would have returned within microseconds of it.
    clockid_t cpu;
    REQUIRE(pthread_getcpuclockid(reader.native_handle(), &cpu) == 0);
    auto cpu_ns = [cpu] {
        timespec ts{};
        clock_gettime(cpu, &ts);
        return std::uint64_t(ts.tv_sec) * kSec + std::uint64_t(ts.tv_nsec);
    };
    const std::uint64_t start = cpu_ns();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (cpu_ns() - start < 20'000'000 && !returned.load() &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const std::uint64_t spun = cpu_ns() - start;
    CHECK_FALSE(returned.load()); // never hands out the half-written entry
    CHECK(spun >= 20'000'000);    // it was running, inside peer(), all that time

    for (int w = 0; w < 3; ++w) p.serial[w].store(words[w], kRelease);
    p.verdict.store(static_cast<std::uint8_t>(aoe::PeerVerdict::differs), kRelease);
    p.seen.store(1, kRelease);
    p.last_seen_ns.store(20, kRelease);
    p.seq.store(p.seq.load(kRelaxed) + 1, kRelease); // end_write: even
    reader.join();

    CHECK(returned.load());
    REQUIRE(found);
    CHECK(got.mac == next);
    CHECK(got.verdict == aoe::PeerVerdict::differs);
    CHECK(std::memcmp(got.serial, next_serial, 20) == 0);
    CHECK(got.seen == 1);
    CHECK(got.last_seen_ns == 20);
    CHECK(got.shelf == 1);
    CHECK(got.slot == 1);
}
