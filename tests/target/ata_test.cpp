// Command 0: every ATA command and every ATA error path (docs/aoe-protocol.md §1.2, §3).
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace t;
using aoe::Verdict;

namespace {
// ATA registers of a reply (untagged): 36 = err, 38 = count, 39 = status at frame offsets
// 24 AFlags, 25 Err, 26 Count, 27 Status.
struct Regs {
    std::uint8_t aflags, err, count, status;
};
Regs regs(const Bytes& g) {
    return {g[24], g[25], g[26], g[27]};
}
void check_abrt(const Sent& s) {
    REQUIRE(s.v == Verdict::reply);
    REQUIRE(s.frames.size() == 1);
    CHECK(s.frames[0][14] == 0x18); // ATA failures never use the E flag
    CHECK(regs(s.frames[0]).status == 0x41);
    CHECK(regs(s.frames[0]).err == 0x04);
    CHECK(s.replies[0].data == nullptr);
}
Bytes sectors(std::size_t n, std::uint8_t v) {
    return Bytes(n * 512, v);
}
} // namespace

TEST_CASE("READ SECTORS (LBA28, Linux lba3 0xE0) returns a pointer into the image, no copy") {
    Fixture f;
    Sent s = f.send(read28(10, 2));
    REQUIRE(s.v == Verdict::reply);
    const aoe::Reply& r = s.replies[0];
    CHECK(r.header_len == 36);
    CHECK(r.data == f.img_ro.data() + 10 * 512);
    CHECK(r.data_len == 1024);
    CHECK(r.zero_copy_ok);
    CHECK_FALSE(r.needs_flush);
    Regs g = regs(s.frames[0]);
    CHECK(g.status == 0x40);
    CHECK(g.err == 0);
    CHECK(g.count == 0);
    CHECK(s.frames[0].size() == 36 + 1024);
    CHECK(f.eng->export_counters(0).reads.get() == 1);
    CHECK(f.eng->export_counters(0).read_bytes.get() == 1024);
}

TEST_CASE("READ SECTORS EXT (LBA48)") {
    Fixture f;
    Sent s = f.send(read48(999, 1));
    REQUIRE(s.replies.size() == 1);
    CHECK(s.replies[0].data == f.img_ro.data() + 999 * 512);
    CHECK(regs(s.frames[0]).status == 0x40);
}

TEST_CASE("LBA28 is masked with 0x0FFFFFFF; LBA48 is not") {
    Fixture f;
    // 0x20 with junk in the top nibble of lba3 and in lba4/lba5: only 28 bits count.
    Sent s = f.send(ata(0, 1, 0x20, 0xFFFF'F000'0005ull));
    REQUIRE(s.replies.size() == 1);
    CHECK(s.replies[0].data == f.img_ro.data() + 5 * 512);
    // The same LBA with READ EXT is far out of range.
    Sent x = f.send(ata(0x40, 1, 0x24, 0xFFFF'F000'0005ull));
    CHECK(regs(x.frames[0]).status == 0x41);
    CHECK(regs(x.frames[0]).err == 0x10);
}

TEST_CASE("range check: LBA + count beyond capacity -> status 0x41, IDNF") {
    Fixture f;
    Sent ok = f.send(read48(998, 2));
    CHECK(regs(ok.frames[0]).status == 0x40);
    for (auto r :
         {read48(999, 2), read48(1000, 1), read28(5000, 1), read48(0xFFFFFFFFFFFFull, 2)}) {
        Sent s = f.send(r);
        REQUIRE(s.v == Verdict::reply);
        CHECK(s.frames[0][14] == 0x18);
        CHECK(regs(s.frames[0]).status == 0x41);
        CHECK(regs(s.frames[0]).err == 0x10);
        CHECK(regs(s.frames[0]).count == r.arg[2]); // registers left as asked (vblade)
        CHECK(s.replies[0].data == nullptr);
        CHECK(s.frames[0].size() == 60);
    }
    CHECK(f.eng->export_counters(0).ata_errors.get() == 4);
}

TEST_CASE("count 0 and count above what fits the MTU -> ABRT") {
    Fixture f; // MTU 1500: (1500 - 22) / 512 = 2
    check_abrt(f.send(read48(0, 0)));
    check_abrt(f.send(read48(0, 3)));
    check_abrt(f.send(write48(0, 0, {})));
    Fixture j({}, 9000); // 17 sectors
    Sent s = j.send(read48(0, 17));
    CHECK(regs(s.frames[0]).status == 0x40);
    CHECK(s.replies[0].data_len == 17 * 512);
    check_abrt(j.send(read48(0, 18)));
}

TEST_CASE("trailing bytes on READ (Linux probes) and IDENTIFY (sancheck) are ignored") {
    Fixture f;
    Sent s = f.send(ata(0x40, 2, 0x24, 4, sectors(2, 0)));
    REQUIRE(s.replies.size() == 1);
    CHECK(s.replies[0].data_len == 1024); // exactly count x 512, not more
    Req id = identify();
    id.arg.resize(id.arg.size() + 700, 0x77);
    Sent i = f.send(id);
    CHECK(i.frames[0].size() == 36 + 512);
    CHECK(regs(i.frames[0]).status == 0x40);
}

TEST_CASE("W flag inconsistent with the opcode -> ABRT") {
    Fixture f;
    check_abrt(f.send(ata(0x01, 1, 0x20, 0))); // read with W
    check_abrt(f.send(ata(0x41, 1, 0x24, 0))); // read ext with W
    Bytes before = f.img_rw;
    Req w = ata(0x40, 1, 0x34, 0, sectors(1, 1)); // write without W
    w.slot = 2;
    check_abrt(f.send(w));
    Req w28 = ata(0x00, 1, 0x30, 0, sectors(1, 1));
    w28.slot = 2;
    check_abrt(f.send(w28));
    CHECK(f.img_rw == before);
}

TEST_CASE("WRITE SECTORS / EXT on a writable export copy into the image") {
    Fixture f;
    Req w = write48(3, 2, sectors(2, 0xC3));
    w.slot = 2;
    Sent s = f.send(w);
    REQUIRE(s.v == Verdict::reply);
    CHECK(regs(s.frames[0]).status == 0x40);
    CHECK(regs(s.frames[0]).count == 0);
    CHECK(s.frames[0].size() == 60); // no data in a write reply
    for (std::size_t i = 0; i < f.img_rw.size(); ++i)
        if (f.img_rw[i] != ((i >= 3 * 512 && i < 5 * 512) ? 0xC3 : 0x5A)) FAIL("byte " << i);
    Req w28 = ata(0x01, 1, 0x30, (std::uint64_t{0xE0} << 24) | 63, sectors(1, 0x11));
    w28.slot = 2;
    CHECK(regs(f.send(w28).frames[0]).status == 0x40);
    CHECK(f.img_rw[63 * 512] == 0x11);
    CHECK(f.eng->export_counters(1).writes.get() == 2);
    CHECK(f.eng->export_counters(1).write_bytes.get() == 3 * 512);
    // A read from a writable export must go through the copy path.
    Req r = read48(3, 1);
    r.slot = 2;
    Sent rs = f.send(r);
    CHECK_FALSE(rs.replies[0].zero_copy_ok);
    CHECK(rs.frames[0][36] == 0xC3);
}

TEST_CASE("write data shorter than count x 512 -> ABRT, never padded") {
    Fixture f;
    Bytes before = f.img_rw;
    Req w = write48(0, 2, sectors(1, 0xEE));
    w.slot = 2;
    check_abrt(f.send(w));
    CHECK(f.img_rw == before);
}

TEST_CASE("write to a read-only export -> 0x41/ABRT without E, image never modified") {
    Fixture f;
    Bytes before = f.img_ro;
    check_abrt(f.send(write48(0, 1, sectors(1, 0))));
    check_abrt(f.send(ata(0x01, 2, 0x30, 0, sectors(2, 0))));
    CHECK(f.img_ro == before);
}

TEST_CASE("write range check -> IDNF, image unchanged") {
    Fixture f;
    Bytes before = f.img_rw;
    Req w = write48(63, 2, sectors(2, 1));
    w.slot = 2;
    Sent s = f.send(w);
    CHECK(regs(s.frames[0]).status == 0x41);
    CHECK(regs(s.frames[0]).err == 0x10);
    CHECK(f.img_rw == before);
}

TEST_CASE("FLUSH CACHE / FLUSH CACHE EXT: ok; writable exports ask the HAL to sync first") {
    Fixture f;
    for (std::uint8_t op : std::initializer_list<std::uint8_t>{0xE7, 0xEA}) {
        Sent ro = f.send(ata(0, 0, op, 0));
        CHECK(regs(ro.frames[0]).status == 0x40); // vblade sends status 0 here; 0x40 is right
        CHECK_FALSE(ro.replies[0].needs_flush);
        Req w = ata(0x40, 0, op, 0);
        w.slot = 2;
        Sent rw = f.send(w);
        CHECK(regs(rw.frames[0]).status == 0x40);
        CHECK(rw.replies[0].needs_flush);
    }
    CHECK(f.eng->export_counters(1).flushes.get() == 2);
}

TEST_CASE("CHECK POWER MODE -> status 0x40, count 0xFF") {
    Fixture f;
    Sent s = f.send(ata(0, 0, 0xE5, 0));
    CHECK(regs(s.frames[0]).status == 0x40);
    CHECK(regs(s.frames[0]).count == 0xFF);
}

TEST_CASE("unknown ATA opcodes (SMART, NOP, ...) -> 0x41/ABRT") {
    Fixture f;
    for (std::uint8_t op : std::initializer_list<std::uint8_t>{0xB0, 0x00, 0xC8, 0xFF})
        check_abrt(f.send(ata(0, 1, op, 0)));
}

TEST_CASE("IDENTIFY with count != 1 is answered anyway with 512 bytes") {
    Fixture f;
    for (std::uint8_t n : std::initializer_list<std::uint8_t>{0, 2, 255}) {
        Sent s = f.send(ata(0, n, 0xEC, 0));
        CHECK(regs(s.frames[0]).status == 0x40);
        CHECK(s.frames[0].size() == 36 + 512);
        CHECK(s.replies[0].header_len == 36 + 512);
        CHECK(s.replies[0].data == nullptr);
    }
}

TEST_CASE("IDENTIFY data: capacity words, LBA48 bits, swapped strings") {
    Fixture f;
    aoe::Export big;
    Fixture::setup(big, 3, 0, false, f.img_ro.data(), 0x1'2345'6789ull, "serial-big");
    std::uint16_t idx;
    REQUIRE(f.table.publish(&big, &idx));
    Req r = identify();
    r.shelf = 3;
    r.slot = 0;
    Sent s = f.send(r);
    const std::uint8_t* id = s.frames[0].data() + 36;
    auto w = [&](int n) { return static_cast<std::uint16_t>(id[2 * n] | id[2 * n + 1] << 8); };
    CHECK(w(60) == 0xFFFF);
    CHECK(w(61) == 0x0FFF); // capped at 0x0FFFFFFF
    CHECK(w(100) == 0x6789);
    CHECK(w(101) == 0x2345);
    CHECK(w(102) == 0x0001);
    CHECK(w(103) == 0);
    CHECK((w(83) & 0x0400) != 0);
    CHECK((w(86) & 0x0400) != 0);
    CHECK(w(49) == 0x0200);
    // "serial-big" in ATA order: "es" "ir" "la" "b-" "gi" then spaces.
    CHECK(id[20] == 'e');
    CHECK(id[21] == 's');
    CHECK(id[28] == 'g');
    CHECK(id[29] == 'i');
    CHECK(id[30] == ' ');
    CHECK(id[39] == ' ');
}

TEST_CASE("an MTU too small for 512 bytes of IDENTIFY data -> ABRT, never an oversize frame") {
    Fixture f({}, 500);
    Sent s = f.send(identify());
    check_abrt(s);
    check_abrt(f.send(read48(0, 1)));
}

TEST_CASE("retransmits seen: the same LBA asked again by the same client") {
    Fixture f;
    f.send(read48(7, 1));
    f.send(read48(8, 1));
    CHECK(f.eng->export_counters(0).retransmits_seen.get() == 0);
    Req again = read48(7, 1);
    again.tag = 0x99; // Linux retransmits with a new tag
    f.send(again);
    CHECK(f.eng->export_counters(0).retransmits_seen.get() == 1);
    Req other = read48(8, 1);
    std::memcpy(other.src, kOtherMac, 6);
    f.send(other);
    CHECK(f.eng->export_counters(0).retransmits_seen.get() == 1);
}

TEST_CASE("reserved export: ATA from non-members gets E + Error 6, except IDENTIFY") {
    aoe::TargetOptions o;
    o.remote_admin = true;
    Fixture f(o);
    Req set = reserve(1, {kOtherMac});
    std::memcpy(set.src, kOtherMac, 6);
    REQUIRE(f.send(set).frames[0][14] == 0x18);
    Sent s = f.send(read48(0, 1));
    REQUIRE(s.v == Verdict::reply);
    CHECK(s.frames[0][14] == 0x1C);
    CHECK(s.frames[0][15] == 6);
    CHECK(s.replies[0].data == nullptr);
    Bytes before = f.img_ro;
    CHECK(f.send(ata(0, 1, 0xE5, 0)).frames[0][15] == 6);
    Sent id = f.send(identify());
    CHECK(id.frames[0][14] == 0x18);
    CHECK(id.frames[0].size() == 36 + 512);
    Req mine = read48(0, 1);
    std::memcpy(mine.src, kOtherMac, 6);
    CHECK(f.send(mine).frames[0][27] == 0x40);
    // Other exports are not reserved.
    Req rw = read48(0, 1);
    rw.slot = 2;
    CHECK(f.send(rw).frames[0][27] == 0x40);
    CHECK(f.c().aoe_errors[6].get() == 2);
}

TEST_CASE("LBA48: the reserved arg bytes after LBA5 never leak into the LBA; echoed as sent") {
    Fixture f;
    Req r = read48(3, 1);
    r.arg[10] = 0xFF; // reserved bytes right after LBA0..5
    r.arg[11] = 0xFF;
    Sent s = f.send(r);
    REQUIRE(s.frames.size() == 1);
    CHECK(s.frames[0][27] == 0x40); // status DRDY: LBA 3 read, not some huge LBA
    CHECK(s.replies[0].data == f.img_ro.data() + 3 * 512);
    CHECK(s.frames[0][14 + 10 + 10] == 0xFF); // the arg is echoed byte for byte
    CHECK(s.frames[0][14 + 10 + 11] == 0xFF);
    // LBA bytes 4 and 5 do count: beyond the image -> IDNF.
    Sent far = f.send(read48(std::uint64_t{1} << 40, 1));
    REQUIRE(far.frames.size() == 1);
    CHECK(far.frames[0][27] == 0x41);
    CHECK(far.frames[0][25] == 0x10);
}

TEST_CASE("retransmits seen: export index and full LBA are part of the key") {
    Fixture f;
    f.send(read48(5, 1));
    Req rw = read48(5, 1);
    rw.slot = 2; // same client, same LBA, other export: not a retransmit
    f.send(rw);
    CHECK(f.eng->export_counters(0).retransmits_seen.get() == 0);
    CHECK(f.eng->export_counters(1).retransmits_seen.get() == 0);
    f.send(read48(5 + 256, 1)); // differs only in LBA1
    CHECK(f.eng->export_counters(0).retransmits_seen.get() == 0);
    f.send(read48(5 + 256, 1));
    CHECK(f.eng->export_counters(0).retransmits_seen.get() == 1);
}
