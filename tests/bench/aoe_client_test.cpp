// The test client's request frames, checked field by field against docs/aoe-protocol.md §1
// (offsets written out by hand, not produced by the target's code).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "bench/initiator/aoe_client.hpp"

using namespace aoeclient;

static const aoe::Mac kSrc{{0x52, 0x54, 0, 0, 0, 1}};
static const aoe::Mac kDst{{0x52, 0x54, 0, 0, 0, 2}};

TEST_CASE("broadcast config query: 60 bytes, all-zero arg, tag echoed") {
    std::uint8_t f[64];
    std::size_t n = build_config_query(f, kSrc, aoe::kBroadcastMac, 0xFFFF, 0xFF, 0x12345678);
    CHECK(n == 60);
    for (int i = 0; i < 6; ++i) CHECK(f[i] == 0xFF);
    CHECK(f[12] == 0x88);
    CHECK(f[13] == 0xA2);
    CHECK(f[14] == 0x10); // Ver 1, no flags
    CHECK(f[16] == 0xFF);
    CHECK(f[17] == 0xFF);
    CHECK(f[18] == 0xFF);
    CHECK(f[19] == 1); // Query Config
    CHECK(f[20] == 0x12);
    CHECK(f[23] == 0x78);
    for (int i = 24; i < 60; ++i) CHECK(f[i] == 0);
}

TEST_CASE("LBA48 read: AFlags E, 0x24, little-endian LBA") {
    std::uint8_t f[64];
    std::size_t n = build_ata(f, kSrc, kDst, 7, 3, 1, 0x24, 0x0000123456789AULL, 17, true);
    CHECK(n == 60);
    CHECK(f[19] == 0);    // ATA
    CHECK(f[24] == 0x40); // E
    CHECK(f[26] == 17);
    CHECK(f[27] == 0x24);
    CHECK(f[28] == 0x9A);
    CHECK(f[29] == 0x78);
    CHECK(f[30] == 0x56);
    CHECK(f[31] == 0x34);
    CHECK(f[32] == 0x12);
    CHECK(f[33] == 0x00);
}

TEST_CASE("LBA28 write: W flag, lba3 | 0xE0, data follows at 36") {
    std::uint8_t f[600], data[512];
    for (int i = 0; i < 512; ++i) data[i] = static_cast<std::uint8_t>(i);
    std::size_t n = build_ata(f, kSrc, kDst, 0, 1, 1, 0x30, 0x0ABCDEF, 1, false, data, 512);
    CHECK(n == 36 + 512);
    CHECK(f[24] == 0x01);
    CHECK(f[28] == 0xEF);
    CHECK(f[29] == 0xCD);
    CHECK(f[30] == 0xAB);
    CHECK(f[31] == 0xE0);
    CHECK(f[36 + 100] == 100);
}

TEST_CASE("response parsing and IDENTIFY strings") {
    std::uint8_t f[36 + 512] = {};
    f[12] = 0x88;
    f[13] = 0xA2;
    f[14] = 0x18; // Ver 1, R
    f[17] = 5;
    f[18] = 2;
    f[20] = 0xAB;
    f[27] = 0x40;
    std::uint8_t* id = f + 36;
    // model "AB" in words 27..: first character in the high byte
    id[54] = 'B';
    id[55] = 'A';
    id[83 * 2 + 1] = 0x04; // word 83 bit 10
    id[100 * 2] = 0x10;    // 16 sectors
    Response r = parse_response(f, sizeof f);
    CHECK(r.ok);
    CHECK_FALSE(r.error);
    CHECK(r.shelf == 5);
    CHECK(r.slot == 2);
    CHECK(r.tag == 0xAB000000u);
    CHECK(r.ata_status == 0x40);
    CHECK(r.data_len == 512);
    IdentifyInfo info = parse_identify(r.data);
    CHECK(info.model == "AB");
    CHECK(info.lba48);
    CHECK(info.sectors == 16);
}

// A transport that loses the first `lose` config queries it is asked to send and answers the
// others with one config response from kDst (the flood failure in CI: one query dropped in a
// full af_packet ring made the target look absent).
struct LossyTransport {
    int lose = 0;
    int sent = 0;
    std::vector<std::vector<std::uint8_t>> pending;
    const aoe::Mac& mac() const { return kSrc; }
    bool send(const std::uint8_t* f, std::size_t n) {
        ++sent;
        if (lose > 0) {
            --lose;
            return true;
        }
        std::vector<std::uint8_t> r(60, 0);
        std::memcpy(r.data(), f + 6, 6); // to the sender
        std::memcpy(r.data() + 6, kDst.b, 6);
        r[12] = 0x88;
        r[13] = 0xA2;
        r[14] = 0x18; // Ver 1, R
        r[16] = 0;    // shelf 0
        r[17] = 0;
        r[18] = 1;                             // slot 1
        r[19] = 1;                             // Query Config
        std::memcpy(r.data() + 20, f + 20, 4); // tag echoed
        r[24] = 0;
        r[25] = 64; // buffer count
        r[28] = 2;  // sector count
        r[29] = 0x10;
        (void)n;
        pending.push_back(r);
        return true;
    }
    long recv(std::uint8_t* buf, std::size_t cap, std::int64_t timeout_us) {
        if (pending.empty()) {
            usleep(static_cast<useconds_t>(std::min<std::int64_t>(timeout_us, 20000)));
            return 0;
        }
        auto r = pending.front();
        pending.erase(pending.begin());
        std::size_t n = std::min(cap, r.size());
        std::memcpy(buf, r.data(), n);
        return static_cast<long>(n);
    }
};

TEST_CASE("discover sends the query again when it (or its answer) is lost") {
    LossyTransport t;
    t.lose = 2;
    auto found = discover(t, 0, 1, 400000); // sent again every 100 ms
    REQUIRE(found.size() == 1);
    CHECK(found[0].mac == kDst);
    CHECK(found[0].shelf == 0);
    CHECK(found[0].slot == 1);
    CHECK(found[0].buffer_count == 64);
    CHECK(t.sent >= 3);
}

TEST_CASE("discover: answers to repeated queries count once") {
    LossyTransport t;
    auto found = discover(t, 0, 1, 400000);
    CHECK(t.sent >= 2); // it kept asking (another target might answer a later query)
    CHECK(found.size() == 1);
}

// A target slower than the retransmit timeout: the answer to each ATA request arrives only
// after the client has sent the next attempt (a FLUSH waiting for msync on a busy disk).
struct SlowTransport {
    int sent = 0;
    std::vector<std::uint8_t> last;  // the request whose answer is still "being computed"
    std::vector<std::uint8_t> ready; // an answer the client may now receive
    const aoe::Mac& mac() const { return kSrc; }
    bool send(const std::uint8_t* f, std::size_t n) {
        ++sent;
        if (!last.empty()) {
            ready.assign(60, 0);
            std::memcpy(ready.data(), last.data() + 6, 6);
            std::memcpy(ready.data() + 6, kDst.b, 6);
            std::memcpy(ready.data() + 12, last.data() + 12, 12); // type, ver, shelf.slot, cmd, tag
            ready[14] |= 0x08;                                    // R
            ready[27] = 0x40;                                     // ATA status DRDY
        }
        last.assign(f, f + n);
        return true;
    }
    long recv(std::uint8_t* buf, std::size_t cap, std::int64_t timeout_us) {
        if (ready.empty()) {
            usleep(static_cast<useconds_t>(timeout_us));
            return 0;
        }
        std::size_t n = std::min(cap, ready.size());
        std::memcpy(buf, ready.data(), n);
        ready.clear();
        return static_cast<long>(n);
    }
};

TEST_CASE("a late answer to an earlier attempt of a command is accepted") {
    SlowTransport t;
    TargetInfo ti;
    ti.mac = kDst;
    ti.slot = 1;
    Session<SlowTransport> s(t, ti);
    std::vector<std::uint8_t> reply;
    Response r;
    REQUIRE(s.command(0xEA, 0, 0, true, reply, r, nullptr, 0, 20000, 4)); // FLUSH CACHE EXT
    CHECK(t.sent == 2);
    CHECK(r.ata_status == 0x40);
    CHECK(s.stats.retransmits == 1);
}
