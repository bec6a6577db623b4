// Test fixture for the core: a table with a read-only and a writable export, one engine,
// and a request builder that writes AoE r11 frames from the spec's offsets (docs/aoe-protocol.md
// §1), independently of target/wire.hpp's helpers.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "target/engine.hpp"

namespace t {

using Bytes = std::vector<std::uint8_t>;

inline const std::uint8_t kTargetMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline const std::uint8_t kClientMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xAA};
inline const std::uint8_t kOtherMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xBB};
inline const std::uint8_t kBcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

// One request frame. Defaults: untagged, to the target MAC, from the client, shelf 1 slot 1,
// tag 0x12345678, Ethernet-padded to 60 bytes.
struct Req {
    std::uint8_t dst[6];
    std::uint8_t src[6];
    std::vector<std::uint16_t> tags; // TPID, TCI pairs, outermost first
    std::uint16_t ethertype = 0x88A2;
    std::uint8_t verflags = 0x10;
    std::uint8_t error = 0;
    std::uint16_t shelf = 1;
    std::uint8_t slot = 1;
    std::uint8_t cmd = 0;
    std::uint32_t tag = 0x12345678;
    Bytes arg;
    bool pad = true;

    Req() {
        std::memcpy(dst, kTargetMac, 6);
        std::memcpy(src, kClientMac, 6);
    }
    Bytes bytes() const {
        Bytes f(dst, dst + 6);
        f.insert(f.end(), src, src + 6);
        auto be16 = [&f](std::uint16_t v) {
            f.push_back(static_cast<std::uint8_t>(v >> 8));
            f.push_back(static_cast<std::uint8_t>(v));
        };
        for (auto v : tags) be16(v);
        be16(ethertype);
        f.push_back(verflags);
        f.push_back(error);
        be16(shelf);
        f.push_back(slot);
        f.push_back(cmd);
        be16(static_cast<std::uint16_t>(tag >> 16));
        be16(static_cast<std::uint16_t>(tag));
        f.insert(f.end(), arg.begin(), arg.end());
        if (pad && f.size() < 60) f.resize(60, 0);
        return f;
    }
};

// Command 0 arg: AFlags, Feature, Count, Cmd, LBA0..5 (little-endian), 2 reserved; data.
inline Req ata(std::uint8_t aflags, std::uint8_t scnt, std::uint8_t op, std::uint64_t lba,
               const Bytes& data = {}) {
    Req r;
    r.cmd = 0;
    r.arg = {aflags, 0, scnt, op};
    for (int i = 0; i < 6; ++i) r.arg.push_back(static_cast<std::uint8_t>(lba >> (8 * i)));
    r.arg.push_back(0);
    r.arg.push_back(0);
    r.arg.insert(r.arg.end(), data.begin(), data.end());
    return r;
}
// Linux's LBA28 read: lba3 = (lba3 & 0x0f) | 0xE0.
inline Req read28(std::uint64_t lba, std::uint8_t scnt) {
    return ata(0x00, scnt, 0x20, (lba & 0x0FFFFFFF) | (std::uint64_t{0xE0} << 24));
}
inline Req read48(std::uint64_t lba, std::uint8_t scnt) {
    return ata(0x40, scnt, 0x24, lba);
}
inline Req write48(std::uint64_t lba, std::uint8_t scnt, const Bytes& d) {
    return ata(0x41, scnt, 0x34, lba, d);
}
inline Req identify() {
    return ata(0x00, 1, 0xEC, std::uint64_t{0xA0} << 24);
}

// Command 1 arg: Buffer Count, Firmware, Sector Count, AoE/CCmd, String Length, string.
inline Req config(std::uint8_t ccmd, const std::string_view s = {}, int len_override = -1) {
    Req r;
    r.cmd = 1;
    const std::uint16_t len =
        static_cast<std::uint16_t>(len_override >= 0 ? len_override : static_cast<int>(s.size()));
    r.arg = {
        0, 0, 0, 0, 0, ccmd, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
    for (char ch : s)
        r.arg.push_back(static_cast<std::uint8_t>(
            ch)); // (insert() trips a GCC 12 -Warray-bounds false positive)
    return r;
}
inline Req discover() { // Linux: broadcast MAC, shelf 0xFFFF, slot 0xFF, all-zero arg, tag 0
    Req r = config(0);
    std::memcpy(r.dst, kBcast, 6);
    r.shelf = 0xFFFF;
    r.slot = 0xFF;
    r.tag = 0;
    return r;
}
// Command 2 arg: reserved, MCmd, MError, Dir Count; directives (reserved, DCmd, MAC).
struct Dir {
    std::uint8_t dcmd;
    const std::uint8_t* mac;
};
inline Req mask(std::uint8_t mcmd, std::initializer_list<Dir> dirs = {}, int count_override = -1) {
    Req r;
    r.cmd = 2;
    r.arg = {0, mcmd, 0,
             static_cast<std::uint8_t>(count_override >= 0 ? count_override
                                                           : static_cast<int>(dirs.size()))};
    for (const auto& d : dirs) {
        r.arg.push_back(0);
        r.arg.push_back(d.dcmd);
        r.arg.insert(r.arg.end(), d.mac, d.mac + 6);
    }
    return r;
}
// Command 3 arg: RCmd, NMacs, MACs.
inline Req reserve(std::uint8_t rcmd, std::initializer_list<const std::uint8_t*> macs = {},
                   int n_override = -1) {
    Req r;
    r.cmd = 3;
    r.arg = {rcmd, static_cast<std::uint8_t>(n_override >= 0 ? n_override
                                                             : static_cast<int>(macs.size()))};
    for (auto m : macs) r.arg.insert(r.arg.end(), m, m + 6);
    return r;
}

inline std::uint8_t pattern(std::uint64_t byte_index) {
    return static_cast<std::uint8_t>((byte_index * 131 + (byte_index >> 9) * 7) & 0xFF);
}

// Result of sending one frame: the verdict and every reply frame, header and data joined.
struct Sent {
    aoe::Verdict v;
    std::vector<Bytes> frames;
    std::vector<aoe::Reply> replies;
    std::vector<Bytes> headers;
};

struct Fixture {
    static constexpr std::uint64_t kRoSectors = 1000;
    static constexpr std::uint64_t kRwSectors = 64;
    Bytes img_ro, img_rw;
    std::atomic<aoe::Export*> slots[8];
    aoe::ExportTable table{slots, 8};
    aoe::Export ro, rw;
    aoe::Target target{&table, {}};
    aoe::PortInfo port;
    std::vector<std::uint8_t> storage;
    std::unique_ptr<aoe::Engine> eng;
    aoe::FrameState st;

    explicit Fixture(aoe::TargetOptions o = {}, std::uint16_t mtu = 1500,
                     aoe::Role role = aoe::Role::owner) {
        target.options = o;
        img_ro.resize(kRoSectors * 512);
        for (std::size_t i = 0; i < img_ro.size(); ++i) img_ro[i] = pattern(i);
        img_rw.assign(kRwSectors * 512, 0x5A);
        setup(ro, 1, 1, false, img_ro.data(), kRoSectors, "ro-serial");
        setup(rw, 1, 2, true, img_rw.data(), kRwSectors, "rw-serial");
        std::uint16_t idx;
        table.publish(&ro, &idx);
        table.publish(&rw, &idx);
        std::memcpy(port.mac.b, kTargetMac, 6);
        port.mtu = mtu;
        storage.resize(aoe::Engine::storage_bytes(o));
        eng = std::make_unique<aoe::Engine>(target, port, role, storage.data());
    }
    static void setup(aoe::Export& e, std::uint16_t shelf, std::uint8_t slot, bool w,
                      std::uint8_t* img, std::uint64_t sectors, const char* serial) {
        e.shelf = shelf;
        e.slot = slot;
        e.writable = w;
        e.image = img;
        e.sectors = sectors;
        std::strncpy(e.serial, serial, sizeof e.serial);
        std::memcpy(e.firmware, "0.1", 3);
        std::memcpy(e.model, "aoeboot", 7);
    }

    Sent send(const Bytes& f, std::uint64_t now = 0) {
        Sent s;
        s.v = eng->accept(f.data(), static_cast<std::uint32_t>(f.size()), now, st);
        std::vector<std::uint8_t> out(aoe::kMaxInlineReply + 64, 0xAA); // stale bytes must not leak
        aoe::Reply r;
        while (eng->next_reply(st, out.data(), static_cast<std::uint32_t>(out.size()), r)) {
            Bytes h(out.begin(), out.begin() + r.header_len);
            Bytes fr = h;
            if (r.data) fr.insert(fr.end(), r.data, r.data + r.data_len);
            s.headers.push_back(h);
            s.frames.push_back(fr);
            s.replies.push_back(r);
            std::fill(out.begin(), out.end(), 0xAA);
        }
        return s;
    }
    Sent send(const Req& r, std::uint64_t now = 0) { return send(r.bytes(), now); }

    const aoe::EngineCounters& c() const { return eng->counters(); }
    std::uint64_t dropped(aoe::DropReason r) const {
        return c().dropped[static_cast<int>(r)].get();
    }
    std::uint64_t silent(aoe::SilentReason r) const {
        return c().silent[static_cast<int>(r)].get();
    }
    // Every frame counted exactly once.
    bool balanced() const {
        std::uint64_t sum = c().replied.get() + c().forwarded.get();
        for (int i = 0; i < static_cast<int>(aoe::DropReason::count_); ++i)
            if (i != static_cast<int>(aoe::DropReason::no_buffer)) sum += c().dropped[i].get();
        for (int i = 0; i < static_cast<int>(aoe::SilentReason::count_); ++i)
            sum += c().silent[i].get();
        return sum == c().frames_in.get();
    }
};

// Field access in a reply frame (untagged unless `off` says otherwise).
inline std::uint16_t be16(const Bytes& f, std::size_t o) {
    return static_cast<std::uint16_t>(f[o] << 8 | f[o + 1]);
}

// Every frame Engine::tick has to send at `now` (adverts, peer discovery and probes).
inline std::vector<Bytes> tick_all(Fixture& f, std::uint64_t now) {
    std::vector<Bytes> out;
    std::uint16_t cur = 0;
    std::vector<std::uint8_t> buf(aoe::kMaxInlineReply, 0xAA);
    aoe::Reply r;
    while (f.eng->tick(now, cur, buf.data(), static_cast<std::uint32_t>(buf.size()), r)) {
        out.emplace_back(buf.begin(), buf.begin() + r.header_len);
        CHECK(r.data == nullptr); // adverts and probes are header-only frames
        if (out.size() > 1000) break;
    }
    return out;
}

// The IDENTIFY response another target sends: ATA arg echoed with `status`, then 512 bytes
// whose words 10-19 hold `serial`, two characters per word, the first in the high byte.
inline Bytes identify_reply(const std::uint8_t* from, std::uint32_t tag, const char* serial,
                            std::uint8_t status = 0x40, std::uint16_t shelf = 1,
                            std::uint8_t slot = 1) {
    Req r = identify();
    std::memcpy(r.src, from, 6);
    r.verflags = 0x18;
    r.shelf = shelf;
    r.slot = slot;
    r.tag = tag;
    r.arg[3] = status;
    Bytes id(512, 0);
    bool ended = false;
    for (int i = 0; i < 20; ++i) {
        if (!ended && serial[i] == 0) ended = true;
        id[20 + (i ^ 1)] = ended ? ' ' : static_cast<std::uint8_t>(serial[i]);
    }
    r.arg.insert(r.arg.end(), id.begin(), id.end());
    return r.bytes();
}

} // namespace t
