#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
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

// What the layout is for: the bytes the producer writes (its index and its cached copy of the
// consumer's) and the bytes the consumer writes sit on different cache lines of a line-aligned
// object, and neither on the line of the slot pointer that both sides read on every call. The
// members are private, so the test finds them by what each call changes in the object's bytes.
TEST_CASE("ring: producer and consumer indices live on separate cache lines") {
    using Ring = aoe::SpscRing<std::uint32_t>;
    CHECK(alignof(Ring) >= aoe::kCacheLine);
    CHECK(sizeof(Ring) >= 3 * aoe::kCacheLine);
    auto size = Ring::arena_size(8);
    std::vector<std::uint8_t> mem(size.bytes);
    aoe::Arena a(mem.data(), mem.size());
    Ring* r = Ring::create(a, 8);
    REQUIRE(r != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(r) % aoe::kCacheLine == 0); // carved line-aligned

    const auto* obj = reinterpret_cast<const unsigned char*>(r);
    auto bytes = [obj] { return std::vector<unsigned char>(obj, obj + sizeof(Ring)); };
    // The cache line (by address) of byte `i` of the object.
    auto line = [obj](std::size_t i) {
        return (reinterpret_cast<std::uintptr_t>(obj) + i) / aoe::kCacheLine;
    };
    // Cache lines holding bytes of the object that differ from `was`.
    auto lines_changed = [&](const std::vector<unsigned char>& was,
                             std::set<std::uintptr_t>& into) {
        const auto now = bytes();
        for (std::size_t i = 0; i < now.size(); ++i)
            if (now[i] != was[i]) into.insert(line(i));
    };
    std::set<std::uintptr_t> producer, consumer;
    std::uint32_t in[8], out[8];
    for (std::uint32_t i = 0; i < 8; ++i) in[i] = 0xC0DE0000u + i;
    auto was = bytes();
    CHECK(r->push_burst(in, 8) == 8); // head
    lines_changed(was, producer);
    was = bytes();
    CHECK(r->pop_burst(out, 3) == 3); // tail, and the cached head (it looked empty)
    lines_changed(was, consumer);
    was = bytes();
    CHECK(r->push_burst(in, 3) == 3); // head, and the cached tail (it looked full)
    lines_changed(was, producer);
    was = bytes();
    CHECK(r->pop_burst(out, 8) == 8);
    lines_changed(was, consumer);
    REQUIRE(producer.size() == 1); // one line per side: index and cached copy together
    REQUIRE(consumer.size() == 1);
    CHECK(*producer.begin() != *consumer.begin());

    // The slot pointer: find the slot array in the arena by the values pushed first, then
    // that address inside the ring object.
    std::uintptr_t slots = 0;
    for (std::size_t o = 0; o + sizeof in <= mem.size() && !slots; o += alignof(std::uint32_t))
        if (std::memcmp(mem.data() + o, in, sizeof in) == 0)
            slots = reinterpret_cast<std::uintptr_t>(mem.data() + o);
    REQUIRE(slots != 0);
    std::size_t at = sizeof(Ring);
    for (std::size_t o = 0; o + sizeof slots <= sizeof(Ring); ++o)
        if (std::memcmp(obj + o, &slots, sizeof slots) == 0) at = o;
    REQUIRE(at < sizeof(Ring));
    const std::uintptr_t slots_line = line(at);
    CHECK(slots_line != *producer.begin());
    CHECK(slots_line != *consumer.begin());
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
