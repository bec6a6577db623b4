#include <doctest/doctest.h>

#include <cstdint>

#include "target/arena.hpp"

TEST_CASE("arena: aligned carving, exhaustion, value-initialised arrays") {
    alignas(64) std::uint8_t block[256];
    aoe::Arena a(block + 1, 200); // deliberately misaligned base
    void* p = a.carve(3, 1);
    REQUIRE(p == block + 1);
    void* q = a.carve(8, 8);
    REQUIRE(q != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(q) % 8 == 0);
    CHECK(static_cast<std::uint8_t*>(q) >= block + 4);
    void* r = a.carve(16, 64);
    REQUIRE(r != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(r) % 64 == 0);
    const std::size_t used = a.used();
    CHECK(a.carve(1000, 1) == nullptr);
    CHECK(a.used() == used); // a failed carve takes nothing
    block[150] = 0xFF;
    std::uint32_t* arr = nullptr;
    for (std::size_t n = 30; n && !arr; --n) arr = a.make_array<std::uint32_t>(n);
    REQUIRE(arr != nullptr);
    for (int i = 0; i < 5; ++i) CHECK(arr[i] == 0);
    CHECK(a.remaining() < 4 + 4);
    CHECK(a.make_array<std::uint64_t>(SIZE_MAX / 4) == nullptr); // no overflow
}

TEST_CASE("arena: ArenaSize is enough for the same carves at any base alignment") {
    struct alignas(32) Big {
        std::uint8_t b[40];
    };
    aoe::ArenaSize s;
    s.add<std::uint8_t>(3).add<Big>(2).add<std::uint64_t>(5).add_raw(7, 16);
    for (std::size_t shift = 0; shift < 64; ++shift) {
        alignas(64) static std::uint8_t block[1024];
        aoe::Arena a(block + shift, s.bytes);
        CHECK(a.make_array<std::uint8_t>(3) != nullptr);
        CHECK(a.make_array<Big>(2) != nullptr);
        CHECK(a.make_array<std::uint64_t>(5) != nullptr);
        CHECK(a.carve(7, 16) != nullptr);
    }
}

TEST_CASE("arena: null block carves nothing") {
    aoe::Arena a(nullptr, 100);
    CHECK(a.carve(1, 1) == nullptr);
    CHECK(a.capacity() == 0);
}
