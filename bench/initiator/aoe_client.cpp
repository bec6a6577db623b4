// AoE r11 request building and response parsing for the test client (docs/aoe-protocol.md §1).
#include "bench/initiator/aoe_client.hpp"

namespace aoeclient {
using namespace aoe;

namespace {
constexpr std::size_t kAoe = kEthHeaderLen; // the client sends untagged frames

std::size_t common(std::uint8_t* out, const Mac& src, const Mac& dst, std::uint16_t shelf,
                   std::uint8_t slot, std::uint8_t cmd, std::uint32_t tag) {
    store_mac(out, dst);
    store_mac(out + 6, src);
    store_be16(out + 12, kEtherTypeAoe);
    std::uint8_t* a = out + kAoe;
    a[hdr::kVerFlags] = static_cast<std::uint8_t>(kVersion << 4); // AoE r11: Ver 1, no flags
    a[hdr::kError] = 0;
    store_be16(a + hdr::kMajor, shelf);
    a[hdr::kMinor] = slot;
    a[hdr::kCommand] = cmd;
    store_be32(a + hdr::kTag, tag);
    return kAoe + hdr::kLen;
}

std::size_t pad(std::uint8_t* out, std::size_t n) {
    while (n < kMinFrameLen) out[n++] = 0;
    return n;
}

std::string ata_string(const std::uint8_t* words, std::size_t nwords) {
    // ATA strings: two characters per little-endian word, the first in the high byte.
    std::string s;
    for (std::size_t i = 0; i < nwords; ++i) {
        s.push_back(static_cast<char>(words[2 * i + 1]));
        s.push_back(static_cast<char>(words[2 * i]));
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}
} // namespace

std::size_t build_config_query(std::uint8_t* out, const Mac& src, const Mac& dst,
                               std::uint16_t shelf, std::uint8_t slot, std::uint32_t tag) {
    std::size_t n =
        common(out, src, dst, shelf, slot, static_cast<std::uint8_t>(Command::query_config), tag);
    for (std::size_t i = 0; i < 8; ++i) out[n + i] = 0; // AoE r11 config arg: all zero = read
    return pad(out, n + 8);
}

std::size_t build_ata(std::uint8_t* out, const Mac& src, const Mac& dst, std::uint16_t shelf,
                      std::uint8_t slot, std::uint32_t tag, std::uint8_t cmd, std::uint64_t lba,
                      std::uint8_t count, bool lba48, const std::uint8_t* data,
                      std::size_t data_len) {
    std::size_t n =
        common(out, src, dst, shelf, slot, static_cast<std::uint8_t>(Command::ata), tag);
    std::uint8_t* a = out + kAoe;
    std::uint8_t aflags = 0;
    if (lba48) aflags |= ata::kAFlagExtended;
    if (data) aflags |= ata::kAFlagWrite;
    a[ata::kAFlags] = aflags;
    a[ata::kErrFeature] = 0;
    a[ata::kSectorCount] = count;
    a[ata::kCmdStatus] = cmd;
    if (lba48) {
        store_lba48(a + ata::kLba, lba);
    } else {
        // Like Linux: LBA28 with lba3 = (lba3 & 0x0f) | 0xE0.
        store_lba48(a + ata::kLba, lba & ata::kLba28Mask);
        a[ata::kLba + 3] = static_cast<std::uint8_t>((a[ata::kLba + 3] & 0x0f) | 0xE0);
        a[ata::kLba + 4] = a[ata::kLba + 5] = 0;
    }
    a[ata::kLba + 6] = a[ata::kLba + 7] = 0; // reserved
    n = kAoe + ata::kArgEnd;
    if (data && data_len) {
        std::memcpy(out + n, data, data_len);
        n += data_len;
    }
    return pad(out, n);
}

Response parse_response(const std::uint8_t* f, std::size_t len) {
    Response r;
    if (len < kAoe + hdr::kLen || load_be16(f + 12) != kEtherTypeAoe) return r;
    const std::uint8_t* a = f + kAoe;
    if ((a[hdr::kVerFlags] >> 4) != kVersion || !(a[hdr::kVerFlags] & kFlagResponse)) return r;
    r.ok = true;
    r.error = (a[hdr::kVerFlags] & kFlagError) != 0;
    r.aoe_error = a[hdr::kError];
    r.shelf = load_be16(a + hdr::kMajor);
    r.slot = a[hdr::kMinor];
    r.command = a[hdr::kCommand];
    r.tag = load_be32(a + hdr::kTag);
    if (r.command == 0 && len >= kAoe + ata::kArgEnd) {
        r.ata_error = a[ata::kErrFeature];
        r.ata_status = a[ata::kCmdStatus];
        r.data = a + ata::kData;
        r.data_len = len - (kAoe + ata::kArgEnd);
    }
    return r;
}

bool parse_config_response(const std::uint8_t* f, std::size_t len, TargetInfo& out) {
    Response r = parse_response(f, len);
    if (!r.ok || r.error || r.command != static_cast<std::uint8_t>(Command::query_config) ||
        len < kAoe + cfg::kArgEnd)
        return false;
    const std::uint8_t* a = f + kAoe;
    out.mac = load_mac(f + 6);
    out.shelf = r.shelf;
    out.slot = r.slot;
    out.buffer_count = load_be16(a + cfg::kBufferCount);
    out.firmware = load_be16(a + cfg::kFirmwareVersion);
    out.sectors_per_request = a[cfg::kSectorCount];
    std::size_t slen = load_be16(a + cfg::kStringLen);
    if (slen > cfg::kMaxString || kAoe + cfg::kString + slen > len) return false;
    out.config.assign(reinterpret_cast<const char*>(a + cfg::kString), slen);
    return true;
}

IdentifyInfo parse_identify(const std::uint8_t* d) {
    IdentifyInfo id;
    auto word = [&](int w) { return static_cast<std::uint16_t>(d[2 * w] | (d[2 * w + 1] << 8)); };
    id.serial = ata_string(d + 20, 10);
    id.firmware = ata_string(d + 46, 4);
    id.model = ata_string(d + 54, 20);
    id.lba48 = (word(83) & (1u << 10)) != 0;
    if (id.lba48) {
        for (int i = 3; i >= 0; --i) id.sectors = (id.sectors << 16) | word(100 + i);
    } else {
        id.sectors = (std::uint64_t{word(61)} << 16) | word(60);
    }
    return id;
}

} // namespace aoeclient
