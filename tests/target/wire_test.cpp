// target/wire.hpp's MAC key and hash: the one representation every table and the HAL's
// dispatcher use. The order is fixed (telemetry decodes client keys, integration.sh picks a
// MAC by its hash), so it is pinned here.
#include <doctest/doctest.h>

#include "target/wire.hpp"

TEST_CASE("mac_key: the six bytes in the low 48 bits, first byte lowest; key_mac inverts it") {
    const aoe::Mac m{{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
    CHECK(aoe::mac_key(m) == 0x554433221102ull);
    CHECK(aoe::load_mac_key(m.b) == aoe::mac_key(m));
    CHECK(aoe::key_mac(aoe::mac_key(m)) == m);
    CHECK(aoe::key_mac(aoe::mac_key(m) | (std::uint64_t{1} << 63)) == m); // marker bits ignored
    const aoe::Mac bc{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    CHECK(aoe::mac_key(bc) == aoe::kMacKeyBroadcast);
}

TEST_CASE("mac_hash: Fibonacci hashing, 24 bits; the dispatcher's choice for the queues2 test") {
    CHECK(aoe::mac_hash(0) == 0);
    CHECK(aoe::mac_hash(~std::uint64_t{0}) < (1u << 24));
    // integration.sh (queues2) gives its client 02:00:00:00:00:02 to land on worker lcore 1.
    const aoe::Mac client{{0x02, 0, 0, 0, 0, 0x02}};
    CHECK(aoe::mac_hash(aoe::mac_key(client)) % 2 == 1);
    const aoe::Mac other{{0x02, 0, 0, 0, 0, 0x01}};
    CHECK(aoe::mac_hash(aoe::mac_key(other)) % 2 == 0);
}
