#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "target/spsc_ring.hpp"

TEST_CASE("ring: capacity must be a power of two") {
    CHECK(aoe::SpscRing<int>::valid_capacity(2));
    CHECK(aoe::SpscRing<int>::valid_capacity(1024));
    CHECK_FALSE(aoe::SpscRing<int>::valid_capacity(0));
    CHECK_FALSE(aoe::SpscRing<int>::valid_capacity(1));
    CHECK_FALSE(aoe::SpscRing<int>::valid_capacity(100));
    std::vector<std::uint8_t> mem(4096);
    aoe::Arena a(mem.data(), mem.size());
    CHECK(aoe::SpscRing<int>::create(a, 100) == nullptr);
    CHECK(aoe::SpscRing<int>::create(a, 1u << 20) == nullptr); // arena too small
}

TEST_CASE("ring: producer and consumer indices live on separate cache lines") {
    CHECK(alignof(aoe::SpscRing<int>) >= aoe::kCacheLine);
    CHECK(sizeof(aoe::SpscRing<int>) >= 3 * aoe::kCacheLine);
}

TEST_CASE("ring: FIFO order, full, empty, partial bursts, wrap-around") {
    auto size = aoe::SpscRing<std::uint32_t>::arena_size(8);
    std::vector<std::uint8_t> mem(size.bytes);
    aoe::Arena a(mem.data(), mem.size());
    auto* r = aoe::SpscRing<std::uint32_t>::create(a, 8);
    REQUIRE(r != nullptr);
    CHECK(r->capacity() == 8);
    std::uint32_t v = 0;
    CHECK_FALSE(r->pop(v));
    std::uint32_t in[12], out[12];
    for (std::uint32_t i = 0; i < 12; ++i) in[i] = 100 + i;
    CHECK(r->push_burst(in, 12) == 8); // only what fits
    CHECK(r->size() == 8);
    CHECK_FALSE(r->push(1));
    CHECK(r->pop_burst(out, 3) == 3);
    CHECK(out[0] == 100);
    CHECK(out[2] == 102);
    CHECK(r->push_burst(in + 8, 4) == 3); // wraps around the slot array
    CHECK(r->pop_burst(out, 12) == 8);
    for (std::uint32_t i = 0; i < 8; ++i) CHECK(out[i] == 103 + i);
    CHECK(r->size() == 0);
    std::uint32_t next = 0, expect = 0;
    for (int round = 0; round < 1000; ++round) { // many laps of the index
        std::uint32_t burst[5];
        for (auto& b : burst) b = next++;
        std::uint32_t pushed = r->push_burst(burst, 5);
        next -= 5 - pushed;
        std::uint32_t got[8];
        std::uint32_t n = r->pop_burst(got, static_cast<std::uint32_t>(round % 7));
        for (std::uint32_t i = 0; i < n; ++i) CHECK(got[i] == expect++);
    }
}
