// Two-thread stress test of the peer table (target/peers.cpp), built with -fsanitize=thread:
// the owner engine records peers, their IDENTIFY serials and verdicts while entries are reused;
// a control thread reads them with Engine::peer and must never see a torn entry (a serial that
// belongs to another MAC) or a data race.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "fixture.hpp"

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
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> reads{0}, decided{0};
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
        }
    });

    std::uint64_t now = 0;
    std::vector<std::uint8_t> buf(aoe::kMaxInlineReply);
    std::uint8_t mac[6] = {0x02, 0x20, 0, 0, 0, 0};
    for (int round = 0; round < 1000; ++round) {
        // 16 new peers per round; the previous round's are four intervals quiet by now.
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
    }
    done.store(true, std::memory_order_release);
    reader.join();
    CHECK_FALSE(torn.load());
    CHECK(f.c().peer_conflicts.get() == 1000 * aoe::kMaxPeers);
    CHECK(f.c().peer_table_full.get() == 0);
    MESSAGE("snapshots read: " << reads.load() << ", of decided entries: " << decided.load());
    CHECK(f.balanced());
}
