// AoE r11 wire format: offsets, constants and byte-order helpers.
// Header and argument offsets (hdr::, ata::, cfg::, ...) count from the start of the AoE
// header, the byte after the EtherType: add kEthHeaderLen (14) for an untagged frame and
// kVlanTagLen (4) more for an 802.1Q-tagged one. Shared by the target engine and by clients
// (aoe-bench, tests), so it holds no target policy.
#pragma once

#include <cstddef>
#include <cstdint>

namespace aoe {

// ---- byte order --------------------------------------------------------------------------
// __builtin_memcpy of a fixed size compiles to a plain load/store, never a call, even under
// -ffreestanding.
inline std::uint16_t load_be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}
inline void store_le16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}
// Six little-endian bytes (an LBA, a MAC key) with one 8-byte load and a mask, where two more
// bytes after them are readable (inside a frame: a MAC followed by more header, an ATA arg's
// LBA at +4 of 12 bytes accept() checked are present).
inline std::uint64_t load_le48_wide(const std::uint8_t* p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v & 0xFFFF'FFFF'FFFFull;
#else
    std::uint64_t v = 0;
    for (int i = 5; i >= 0; --i) v = (v << 8) | p[i];
    return v;
#endif
}
// AoE r11, ATA arg: LBA0..LBA5 is the one little-endian field of the protocol.
inline std::uint64_t load_lba48(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 5; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}
inline void store_lba48(std::uint8_t* p, std::uint64_t v) {
    for (int i = 0; i < 6; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// ---- MAC addresses -----------------------------------------------------------------------
struct Mac {
    std::uint8_t b[6];
    friend bool operator==(const Mac&, const Mac&) = default;
    bool is_group() const { return (b[0] & 0x01) != 0; } // I/G bit: multicast or broadcast
};
inline Mac load_mac(const std::uint8_t* p) {
    Mac m;
    __builtin_memcpy(m.b, p, 6);
    return m;
}
inline void store_mac(std::uint8_t* p, const Mac& m) {
    __builtin_memcpy(p, m.b, 6);
}

// A MAC as one 64-bit key: its six bytes in the low 48 bits, the first byte lowest (on a
// little-endian host one 6-byte copy), so the frame's bytes load straight into a key. The one
// key of the project: the engine's destination and loop tests, the mask and reserve lists,
// the rate limiter, the retransmit memo, the peer table, the HAL's per-client table and its
// software dispatch. Bit 63 is free for "slot used" markers.
inline std::uint64_t load_mac_key(const std::uint8_t* p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::uint32_t lo;
    std::uint16_t hi;
    __builtin_memcpy(&lo, p, 4);
    __builtin_memcpy(&hi, p + 4, 2);
    return lo | (std::uint64_t{hi} << 32);
#else
    std::uint64_t k = 0;
    for (int i = 5; i >= 0; --i) k = (k << 8) | p[i];
    return k;
#endif
}
// The same key from a frame's destination or source MAC (more header follows it):
// load_le48_wide.
inline std::uint64_t mac_key(const Mac& m) {
    return load_mac_key(m.b);
}
inline Mac key_mac(std::uint64_t k) {
    Mac m;
    for (int i = 0; i < 6; ++i) m.b[i] = static_cast<std::uint8_t>(k >> (8 * i));
    return m;
}
inline constexpr std::uint64_t kMacKeyBroadcast = 0xFFFF'FFFF'FFFFull; // ff:ff:ff:ff:ff:ff

// The one hash of a MAC key (Fibonacci hashing): 24 well-mixed bits for direct-mapped and
// open-addressed tables and for spreading clients over lcores.
inline constexpr std::uint32_t mac_hash(std::uint64_t key) {
    return static_cast<std::uint32_t>((key * 0x9E3779B97F4A7C15ull) >> 40);
}
inline constexpr Mac kBroadcastMac{{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}};

// ---- Ethernet ----------------------------------------------------------------------------
inline constexpr std::uint16_t kEtherTypeAoe = 0x88A2;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100; // 802.1Q
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88A8; // 802.1ad outer tag
inline constexpr std::size_t kEthHeaderLen = 14;
inline constexpr std::size_t kVlanTagLen = 4;
inline constexpr std::size_t kMinFrameLen = 60; // without FCS: replies are zero-padded to it

// ---- AoE common header (offsets relative to the start of the AoE header, i.e. after the
// EtherType; add 14 for an untagged frame) ---------------------------------------------------
namespace hdr {
inline constexpr std::size_t kVerFlags = 0; // Ver (high nibble) / Flags (low nibble)
inline constexpr std::size_t kError = 1;
inline constexpr std::size_t kMajor = 2; // shelf, 16 bits
inline constexpr std::size_t kMinor = 4; // slot, 8 bits
inline constexpr std::size_t kCommand = 5;
inline constexpr std::size_t kTag = 6;  // 32 bits, echoed unchanged
inline constexpr std::size_t kLen = 10; // AoE header proper; Arg follows
} // namespace hdr

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::uint8_t kFlagResponse = 0x08; // R
inline constexpr std::uint8_t kFlagError = 0x04;    // E

inline constexpr std::uint16_t kShelfBroadcast = 0xFFFF;
inline constexpr std::uint8_t kSlotBroadcast = 0xFF;
inline constexpr std::uint16_t kShelfInvalid = 0x0FFF; // Linux refuses it ("check dip switches")

enum class Command : std::uint8_t {
    ata = 0,
    query_config = 1,
    mac_mask = 2,
    reserve_release = 3,
};
inline constexpr std::uint8_t kVendorCommandMin = 0xF0;

// AoE r11 §2.4 error codes (sent with the E flag).
enum class AoeError : std::uint8_t {
    unrecognized_command = 1,
    bad_argument = 2,
    device_unavailable = 3,
    config_string_present = 4,
    unsupported_version = 5,
    target_reserved = 6,
};
// How many codes an error counter array holds: 0..6, indexed by the code itself (0 is never
// sent; a reply with the E flag always carries one of the six above).
inline constexpr std::uint8_t kAoeErrorCodes =
    static_cast<std::uint8_t>(AoeError::target_reserved) + 1;

// ---- Command 0: ATA (Arg = 12 bytes, then data) --------------------------------------------
namespace ata {
inline constexpr std::size_t kAFlags = hdr::kLen + 0;
inline constexpr std::size_t kErrFeature = hdr::kLen + 1;
inline constexpr std::size_t kSectorCount = hdr::kLen + 2;
inline constexpr std::size_t kCmdStatus = hdr::kLen + 3;
inline constexpr std::size_t kLba = hdr::kLen + 4; // 6 bytes, little-endian
inline constexpr std::size_t kArgEnd = hdr::kLen + 12;
inline constexpr std::size_t kData = kArgEnd;

inline constexpr std::uint8_t kAFlagExtended = 0x40; // E: LBA48
inline constexpr std::uint8_t kAFlagDevice = 0x10;   // D
// 0x02, A (asynchronous write), is not honoured: every write completes before its reply.
inline constexpr std::uint8_t kAFlagWrite = 0x01; // W

inline constexpr std::uint8_t kCmdReadSectors = 0x20;
inline constexpr std::uint8_t kCmdReadSectorsExt = 0x24;
inline constexpr std::uint8_t kCmdWriteSectors = 0x30;
inline constexpr std::uint8_t kCmdWriteSectorsExt = 0x34;
inline constexpr std::uint8_t kCmdCheckPowerMode = 0xE5;
inline constexpr std::uint8_t kCmdFlushCache = 0xE7;
inline constexpr std::uint8_t kCmdFlushCacheExt = 0xEA;
inline constexpr std::uint8_t kCmdIdentify = 0xEC;

inline constexpr std::uint8_t kStatusBsy = 0x80;
inline constexpr std::uint8_t kStatusDrdy = 0x40;
inline constexpr std::uint8_t kStatusDf = 0x20;
inline constexpr std::uint8_t kStatusDrq = 0x08;
inline constexpr std::uint8_t kStatusErr = 0x01;

inline constexpr std::uint8_t kErrorIcrc = 0x80;
inline constexpr std::uint8_t kErrorUnc = 0x40;
inline constexpr std::uint8_t kErrorIdnf = 0x10;
inline constexpr std::uint8_t kErrorAbrt = 0x04;

inline constexpr std::uint64_t kLba28Mask = 0x0FFFFFFF;
inline constexpr std::uint32_t kSectorSize = 512;
} // namespace ata

// ---- Command 1: Query Config (Arg = 8 bytes, then string) -----------------------------------
namespace cfg {
inline constexpr std::size_t kBufferCount = hdr::kLen + 0;
inline constexpr std::size_t kFirmwareVersion = hdr::kLen + 2;
inline constexpr std::size_t kSectorCount = hdr::kLen + 4;
inline constexpr std::size_t kAoeCCmd = hdr::kLen + 5; // AoE version (high) / CCmd (low)
inline constexpr std::size_t kStringLen = hdr::kLen + 6;
inline constexpr std::size_t kArgEnd = hdr::kLen + 8;
inline constexpr std::size_t kString = kArgEnd;
inline constexpr std::size_t kMaxString = 1024;

enum class CCmd : std::uint8_t { read = 0, test = 1, prefix_test = 2, set = 3, force_set = 4 };
} // namespace cfg

// ---- Command 2: Mac Mask List (Arg = 4 bytes + 8-byte directives) ---------------------------
namespace mask {
inline constexpr std::size_t kMCmd = hdr::kLen + 1;
inline constexpr std::size_t kMError = hdr::kLen + 2;
inline constexpr std::size_t kDirCount = hdr::kLen + 3;
inline constexpr std::size_t kArgEnd = hdr::kLen + 4;
inline constexpr std::size_t kDirectiveLen = 8; // +0 reserved, +1 DCmd, +2..+7 MAC

enum class MCmd : std::uint8_t { read = 0, edit = 1 };
enum class DCmd : std::uint8_t { none = 0, add = 1, remove = 2 };
enum class MError : std::uint8_t { unspecified = 1, bad_directive = 2, list_full = 3 };
} // namespace mask

// ---- Command 3: Reserve/Release (Arg = 2 bytes + 6-byte MACs) -------------------------------
namespace rsv {
inline constexpr std::size_t kRCmd = hdr::kLen + 0;
inline constexpr std::size_t kNMacs = hdr::kLen + 1;
inline constexpr std::size_t kArgEnd = hdr::kLen + 2;

enum class RCmd : std::uint8_t { read = 0, set = 1, force_set = 2 };
} // namespace rsv

// Largest sector count a port can carry in one response: (MTU - 22) / 512, where 22 is the
// AoE header (10) plus the ATA arg (12); the Ethernet header is not part of the MTU.
constexpr std::uint8_t sectors_for_mtu(std::uint32_t mtu) {
    if (mtu < 22 + ata::kSectorSize) return 0;
    std::uint32_t n = (mtu - 22) / ata::kSectorSize;
    return static_cast<std::uint8_t>(n > 255 ? 255 : n);
}
static_assert(sectors_for_mtu(1500) == 2);
static_assert(sectors_for_mtu(9000) == 17);

} // namespace aoe
