// Two-thread stress tests, built with -fsanitize=thread: the SPSC ring (order, no loss, no
// duplication) and the seqlocked MacList (a reader never sees a half-done edit).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "target/mac_list.hpp"
#include "target/spsc_ring.hpp"

namespace {
struct Item {
    std::uint64_t seq;
    std::uint64_t check; // a function of seq: detects torn slots
};
} // namespace

TEST_CASE("ring stress: one producer, one consumer, bursts, every item once and in order") {
    constexpr std::uint64_t kItems = 2'000'000;
    auto size = aoe::SpscRing<Item>::arena_size(256);
    std::vector<std::uint8_t> mem(size.bytes);
    aoe::Arena arena(mem.data(), mem.size());
    auto* ring = aoe::SpscRing<Item>::create(arena, 256);
    REQUIRE(ring != nullptr);

    std::thread producer([ring] {
        std::uint64_t next = 0;
        Item burst[32];
        std::uint32_t rnd = 12345;
        while (next < kItems) {
            rnd = rnd * 1103515245u + 12345u;
            std::uint32_t n = 1 + (rnd >> 16) % 32;
            if (n > kItems - next) n = static_cast<std::uint32_t>(kItems - next);
            for (std::uint32_t i = 0; i < n; ++i) burst[i] = {next + i, ~(next + i) * 31};
            const std::uint32_t pushed = ring->push_burst(burst, n);
            next += pushed;
            if (pushed == 0) std::this_thread::yield();
        }
    });
    std::uint64_t expect = 0, bad = 0;
    Item got[64];
    std::uint32_t rnd = 777;
    while (expect < kItems) {
        rnd = rnd * 1103515245u + 12345u;
        const std::uint32_t n = ring->pop_burst(got, 1 + (rnd >> 16) % 64);
        for (std::uint32_t i = 0; i < n; ++i) {
            if (got[i].seq != expect || got[i].check != ~expect * 31) ++bad;
            ++expect;
        }
        if (n == 0) std::this_thread::yield();
    }
    producer.join();
    CHECK(bad == 0);
    CHECK(expect == kItems);
    CHECK(ring->size() == 0);
}

TEST_CASE("mac list stress: the owner edits while a reader scans") {
    aoe::MacList<8> list;
    const aoe::Mac a{{2, 0, 0, 0, 0, 1}}, b{{2, 0, 0, 0, 0, 2}}, c{{2, 0, 0, 0, 0, 3}},
        never{{2, 0, 0, 0, 0, 9}};
    list.add(a);
    list.add(b);
    std::atomic<bool> stop{false};
    std::uint64_t bad = 0, reads = 0;
    std::thread reader([&] {
        std::uint64_t keys[8];
        while (!stop.load(std::memory_order_relaxed)) {
            // `a` is never removed (but entries shift around it); `never` is never added.
            if (!list.contains(a) || list.contains(never)) ++bad;
            const std::uint16_t n = list.snapshot(keys);
            if (n < 1 || n > 3) ++bad;
            ++reads;
        }
    });
    for (int i = 0; i < 200'000; ++i) {
        list.add(c);
        list.remove(b); // shifts c down
        list.add(b);
        list.remove(c);
    }
    stop.store(true);
    reader.join();
    CHECK(bad == 0);
    CHECK(reads > 0);
}
