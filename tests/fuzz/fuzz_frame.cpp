// libFuzzer harness on the core's frame handler: accept + every next_reply + tick, over a
// table with two read-only exports and a writable one. Besides crashes (ASan/UBSan), it
// traps on broken invariants: a reply longer than the port MTU, reply data outside the image,
// zero-copy offered for a writable export, or a frame not counted exactly once.
//
// Input: byte 0 = options (bit 0 remote admin, bit 1 serve VLAN 5, bit 2 allow-list,
// bit 3 MTU 9000, bit 4 worker role, bit 5 tiny rate-limit budget), byte 1 = time step
// (x 10 ms), then frames as [length: 2 bytes big-endian][frame bytes].
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "target/engine.hpp"

namespace {

#define CHECK_OR_TRAP(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

struct Img {
    std::unique_ptr<std::uint8_t[]> bytes;
    std::size_t size;
};

void fill_export(aoe::Export& e, std::uint16_t shelf, std::uint8_t slot, bool w, Img& img,
                 std::uint64_t sectors) {
    img.size = sectors * 512;
    img.bytes.reset(new std::uint8_t[img.size]); // exact size: ASan sees any overrun
    std::memset(img.bytes.get(), slot, img.size);
    e.shelf = shelf;
    e.slot = slot;
    e.writable = w;
    e.image = img.bytes.get();
    e.sectors = sectors;
    std::memcpy(e.serial, "fuzz", 4);
    std::memcpy(e.model, "aoeboot fuzz", 12);
}

bool inside(const Img& img, const std::uint8_t* p, std::size_t n) {
    return p >= img.bytes.get() && n <= img.size && p + n <= img.bytes.get() + img.size;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t flags = data[0];
    const std::uint64_t step = std::uint64_t{data[1]} * 10'000'000;
    data += 2;
    size -= 2;

    static const aoe::Mac allow[2] = {{{0x02, 0, 0, 0, 0, 0xAA}}, {{0x02, 0, 0, 0, 0, 0xBB}}};
    aoe::TargetOptions o;
    o.remote_admin = flags & 1;
    o.vlan = (flags & 2) ? 5 : 0;
    if (flags & 4) {
        o.allow = allow;
        o.allow_count = 2;
    }
    if (flags & 32) {
        o.cfg_burst = 1;
        o.cfg_rate_sources = 2;
        o.retransmit_memo = 4;
    }
    o.advert_interval_ns = 100'000'000;
    o.peer_interval_ns = 200'000'000; // peer discovery and IDENTIFY probes (target/peers.cpp)

    std::atomic<aoe::Export*> slots[4];
    aoe::ExportTable table(slots, 4);
    auto ex = std::make_unique<aoe::Export[]>(3);
    Img img[3];
    fill_export(ex[0], 0, 1, false, img[0], 64);
    fill_export(ex[1], 0, 2, true, img[1], 16);
    fill_export(ex[2], 7, 0, false, img[2], 3);
    std::uint16_t idx;
    for (int i = 0; i < 3; ++i) CHECK_OR_TRAP(table.publish(&ex[i], &idx));

    aoe::Target target{&table, o};
    aoe::PortInfo port;
    port.mac = {{0x02, 0, 0, 0, 0, 0x01}};
    port.mtu = (flags & 8) ? 9000 : 1500;
    std::vector<std::uint8_t> storage(aoe::Engine::storage_bytes(o));
    aoe::Engine eng(target, port, (flags & 16) ? aoe::Role::worker : aoe::Role::owner,
                    storage.data());

    std::vector<std::uint8_t> out(aoe::kMaxInlineReply);
    std::uint64_t now = 0;
    std::uint16_t cursor = 0;
    volatile std::uint8_t sink = 0;
    while (size >= 2) {
        std::size_t len = std::size_t{data[0]} << 8 | data[1];
        data += 2;
        size -= 2;
        if (len > size) len = size;
        // A copy of exactly `len` bytes, so reading past the frame is caught.
        std::unique_ptr<std::uint8_t[]> frame(new std::uint8_t[len ? len : 1]);
        if (len) std::memcpy(frame.get(), data, len);
        data += len;
        size -= len;

        aoe::FrameState st;
        const aoe::Verdict v = eng.accept(frame.get(), static_cast<std::uint32_t>(len), now, st);
        aoe::Reply r;
        int replies = 0;
        while (eng.next_reply(st, out.data(), static_cast<std::uint32_t>(out.size()), r)) {
            ++replies;
            CHECK_OR_TRAP(v == aoe::Verdict::reply);
            CHECK_OR_TRAP(r.header_len >= 60 || r.data_len > 0);
            CHECK_OR_TRAP(r.header_len <= out.size());
            CHECK_OR_TRAP(r.header_len >= st.aoe + 10);
            // Never longer than the port MTU (the MTU excludes the Ethernet header and tags).
            CHECK_OR_TRAP(r.header_len - st.aoe + r.data_len <= port.mtu ||
                          r.header_len + r.data_len <= 60);
            CHECK_OR_TRAP((out[st.aoe] & 0x08) != 0); // R set
            CHECK_OR_TRAP(r.export_index < 3);
            if (r.data_len) {
                CHECK_OR_TRAP(inside(img[r.export_index], r.data, r.data_len));
                CHECK_OR_TRAP(!(r.zero_copy_ok && ex[r.export_index].writable));
                std::uint8_t x = 0;
                for (std::uint32_t i = 0; i < r.data_len; i += 97) x ^= r.data[i];
                sink = static_cast<std::uint8_t>(sink ^ x ^ r.data[r.data_len - 1]);
            }
            CHECK_OR_TRAP(replies <= 3);
        }
        CHECK_OR_TRAP((v == aoe::Verdict::reply) == (replies > 0));
        while (eng.tick(now, cursor, out.data(), static_cast<std::uint32_t>(out.size()), r)) {
            CHECK_OR_TRAP(r.header_len <= out.size() && r.header_len >= 60);
            CHECK_OR_TRAP(r.data == nullptr && r.export_index < 3);
            // Our own frames never claim to come from elsewhere.
            CHECK_OR_TRAP(std::memcmp(out.data() + 6, port.mac.b, 6) == 0);
        }
        // The peer table names only our exports, with a defined verdict.
        for (std::uint16_t i = 0; i < aoe::kMaxPeers; ++i) {
            aoe::PeerSnapshot p;
            if (!eng.peer(i, p)) continue;
            bool ours = false;
            for (int k = 0; k < 3; ++k) ours |= ex[k].shelf == p.shelf && ex[k].slot == p.slot;
            CHECK_OR_TRAP(ours && static_cast<int>(p.verdict) <= 3 && !(p.mac == port.mac));
        }
        now += step;
    }
    // Every frame counted exactly once.
    const aoe::EngineCounters& c = eng.counters();
    std::uint64_t sum = c.replied.get() + c.forwarded.get();
    for (int i = 0; i < static_cast<int>(aoe::DropReason::count_); ++i)
        if (i != static_cast<int>(aoe::DropReason::no_buffer)) sum += c.dropped[i].get();
    for (int i = 0; i < static_cast<int>(aoe::SilentReason::count_); ++i) sum += c.silent[i].get();
    CHECK_OR_TRAP(sum == c.frames_in.get());
    CHECK_OR_TRAP(ex[0].control.config_len <= 1024);
    return 0;
}
