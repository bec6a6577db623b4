// IDENTIFY DEVICE data (ATA 256 little-endian words): only what AoE clients read
// (docs/aoe-protocol.md §1.2.1). Built per request from the export; nothing else is set.
#include "detail.hpp"

namespace aoe::detail {

namespace {

void word(std::uint8_t* id, int w, std::uint16_t v) {
    store_le16(id + 2 * w, v);
}

// ATA strings: two characters per word, the first in the high byte (vblade's setfld);
// a NUL ends the string and the rest is spaces.
void ata_string(std::uint8_t* id, int w, const char* s, int len) {
    bool ended = false;
    for (int i = 0; i < len; ++i) {
        if (!ended && s[i] == 0) ended = true;
        const std::uint8_t ch = ended ? ' ' : static_cast<std::uint8_t>(s[i]);
        id[2 * w + (i ^ 1)] = ch;
    }
}

} // namespace

void identify(const Export& e, std::uint8_t* id) {
    for (int i = 0; i < 512; ++i) id[i] = 0;
    ata_string(id, 10, e.serial, 20);  // words 10-19
    ata_string(id, 23, e.firmware, 8); // words 23-26
    ata_string(id, 27, e.model, 40);   // words 27-46
    word(id, 47, 0x8000);              // as vblade
    word(id, 49, 0x0200);              // capabilities: LBA supported
    word(id, 50, 0x4000);              // as vblade
    // Words 60-61: LBA28 capacity, capped at 0x0FFFFFFF (Linux without LBA48, iPXE).
    const std::uint64_t lba28 = e.sectors > ata::kLba28Mask ? ata::kLba28Mask : e.sectors;
    word(id, 60, static_cast<std::uint16_t>(lba28));
    word(id, 61, static_cast<std::uint16_t>(lba28 >> 16));
    word(id, 80, 0x0040); // major version: ATA/ATAPI-6 (LBA48); vblade leaves 0
    word(id, 82, 0x0000); // no SMART (aoeping -S checks bit 0), no NOP
    // Words 83/86: bit 14 "valid", bit 13 FLUSH CACHE EXT, bit 12 FLUSH CACHE, bit 10 LBA48.
    // Linux ORs 83 and 86 for LBA48; iPXE reads 83 only: set both, always. vblade sends
    // 0x5400/0x1400 (no FLUSH EXT); we implement 0xEA, so bit 13 is set too.
    word(id, 83, 0x7400);
    word(id, 84, 0x4000);
    word(id, 86, 0x3400);
    word(id, 87, 0x4000);
    word(id, 93, 0x400B); // hardware reset result, as vblade
    // Words 100-103: LBA48 capacity (Linux reads it as one little-endian u64).
    for (int i = 0; i < 4; ++i)
        word(id, 100 + i, static_cast<std::uint16_t>(e.sectors >> (16 * i)));
}

} // namespace aoe::detail
