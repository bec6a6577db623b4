// Command 0, Issue ATA Command: the ATA emulation (docs/aoe-protocol.md §1.2, §3).
// ATA-level failures go in the ATA status/error registers with the AoE E flag clear: Linux
// drops E-flagged replies and would retry for 180 s; status ERR fails the I/O at once.
#include "detail.hpp"

namespace aoe::detail {

namespace {

constexpr std::uint8_t kStatusOk = ata::kStatusDrdy;                     // exactly 0x40
constexpr std::uint8_t kStatusFail = ata::kStatusDrdy | ata::kStatusErr; // 0x41

bool is_ext(std::uint8_t op) {
    return op == ata::kCmdReadSectorsExt || op == ata::kCmdWriteSectorsExt;
}

// READ/WRITE SECTORS (EXT), the request's command: its checks in the order of
// docs/aoe-protocol.md §3, then the transfer (a write copied into the image, a read pointed
// at in `reply`). Returns the ATA error to report (ABRT, IDNF), or 0.
std::uint8_t transfer(const Request& rq, Export& e, const AtaState& as, Reply& reply) {
    ExportCounters& ec = as.ec;
    const std::uint8_t* a = rq.a;
    const std::uint8_t aflags = a[ata::kAFlags];
    const std::uint8_t scnt = a[ata::kSectorCount];
    const std::uint8_t op = a[ata::kCmdStatus];
    const bool write = op == ata::kCmdWriteSectors || op == ata::kCmdWriteSectorsExt;
    // The opcode decides the addressing (ATA: 0x20/0x30 are 28-bit commands); Linux sets
    // AFlags E exactly for 0x24/0x34 and puts 0xE0 in lba3 for LBA28.
    const std::uint64_t lba =
        load_le48_wide(a + ata::kLba) & (is_ext(op) ? 0xFFFFFFFFFFFFull : ata::kLba28Mask);
    if (write)
        ec.writes.add();
    else
        ec.reads.add();
    if (write != ((aflags & ata::kAFlagWrite) != 0)) return ata::kErrorAbrt;
    if (write && !e.writable) return ata::kErrorAbrt; // never modified
    // Largest count whose reply (or request) fits the port MTU: (MTU - 22) / 512.
    if (scnt == 0 || scnt > as.max_sectors) return ata::kErrorAbrt;
    if (lba + scnt > e.sectors) return ata::kErrorIdnf;
    const std::uint32_t bytes = std::uint32_t{scnt} * ata::kSectorSize;
    if (write) {
        if (rq.n - ata::kData < bytes) return ata::kErrorAbrt; // never pad
        note_lba(as, mac_key(rq.src), lba);
        // The image memory is the writable mapping: the write is this copy.
        __builtin_memcpy(e.image + lba * ata::kSectorSize, a + ata::kData, bytes);
        ec.write_bytes.add(bytes);
    } else {
        note_lba(as, mac_key(rq.src), lba);
        // No copy: the HAL sends these bytes straight from the image. Writable exports take
        // the copy path (a write may be changing them).
        reply.data = e.image + lba * ata::kSectorSize;
        reply.data_len = bytes;
        reply.zero_copy_ok = !e.writable;
        ec.read_bytes.add(bytes);
    }
    return 0;
}

} // namespace

void ata(const Request& rq, Export& e, const AtaState& as, ReplyBody& out, Reply& reply) {
    ExportCounters& ec = as.ec;
    const std::uint8_t* a = rq.a;
    std::uint8_t* o = out.a;
    // Echo the 12-byte ATA arg (AFlags, LBA, reserved); registers are overwritten below.
    __builtin_memcpy(o + hdr::kLen, a + hdr::kLen, ata::kArgEnd - hdr::kLen);
    out.len = ata::kArgEnd;

    const std::uint8_t scnt = a[ata::kSectorCount];
    const std::uint8_t op = a[ata::kCmdStatus];

    // Reserve/Release (r11 §3.5): while the list is non-empty, ATA from other MACs gets
    // E + Error 6; IDENTIFY is exempt, as in vblade, so a client can still discover it.
    if (op != ata::kCmdIdentify && !e.control.reserve.empty() &&
        !e.control.reserve.contains(rq.src)) {
        out.error(AoeError::target_reserved);
        return;
    }

    std::uint8_t status = kStatusOk;
    std::uint8_t error = 0;
    std::uint8_t count = scnt;
    auto fail = [&](std::uint8_t err) {
        status = kStatusFail;
        error = err;
        ec.ata_errors.add();
    };
    switch (op) {
    case ata::kCmdIdentify:
        ec.identify.add();
        // Answered with 512 bytes whatever the count (Linux sends 1; sancheck pads the frame)
        // and whatever trails the arg.
        if (out.cap < ata::kArgEnd + ata::kSectorSize) {
            fail(ata::kErrorAbrt);
            break;
        }
        identify(e, o + ata::kData);
        out.len = ata::kArgEnd + ata::kSectorSize;
        count = 0; // vblade: no sectors left to transfer
        break;

    case ata::kCmdReadSectors:
    case ata::kCmdReadSectorsExt:
    case ata::kCmdWriteSectors:
    case ata::kCmdWriteSectorsExt:
        if (const std::uint8_t err = transfer(rq, e, as, reply))
            fail(err);
        else
            count = 0;
        break;

    case ata::kCmdFlushCache:
    case ata::kCmdFlushCacheExt:
        ec.flushes.add();
        reply.needs_flush = e.writable; // the HAL syncs the mapping before it sends this
        break;

    case ata::kCmdCheckPowerMode:
        ec.other_ata.add();
        count = 0xFF; // active or idle
        break;

    default: // SMART, NOP, everything else: ABRT like vblade and ggaoed
        ec.other_ata.add();
        fail(ata::kErrorAbrt);
        break;
    }
    o[ata::kErrFeature] = error;
    o[ata::kSectorCount] = count;
    o[ata::kCmdStatus] = status;
}

} // namespace aoe::detail
