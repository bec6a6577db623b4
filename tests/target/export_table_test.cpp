#include <doctest/doctest.h>

#include <atomic>

#include "target/export_table.hpp"

TEST_CASE("export table: publish, duplicate, invalid addresses, full, retire, find") {
    std::atomic<aoe::Export*> slots[2];
    aoe::ExportTable t(slots, 2);
    aoe::Export a, b, c, bad;
    a.shelf = 0;
    a.slot = 1;
    b.shelf = 0;
    b.slot = 1;
    c.shelf = 5;
    c.slot = 9;
    std::uint16_t i = 99;
    CHECK(t.publish(&a, &i));
    CHECK(i == 0);
    CHECK_FALSE(t.publish(&b, &i)); // same shelf.slot
    for (auto [sh, sl] : {std::pair<int, int>{0xFFFF, 0}, {0x0FFF, 0}, {0, 0xFF}}) {
        bad.shelf = static_cast<std::uint16_t>(sh);
        bad.slot = static_cast<std::uint8_t>(sl);
        CHECK_FALSE(t.publish(&bad, &i)); // clients reject these addresses
    }
    CHECK(t.publish(&c, &i));
    CHECK(i == 1);
    b.slot = 2;
    CHECK_FALSE(t.publish(&b, &i)); // full
    std::uint16_t at = 0;
    CHECK(t.find(5, 9, &at) == &c);
    CHECK(at == 1);
    CHECK(t.find(5, 8, &at) == nullptr);
    CHECK(t.retire(0) == &a);
    CHECK(t.at(0) == nullptr);
    CHECK(t.publish(&b, &i));
    CHECK(i == 0);
    CHECK(t.retire(7) == nullptr);
}
