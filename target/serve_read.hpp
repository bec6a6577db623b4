// Engine::serve_read, the unicast read fast path, defined here so that the HAL's per-frame
// loop inlines it (include this header in the one translation unit that calls it; declared in
// engine.hpp). The conditions it checks, and why a frame that fails one takes the general
// path: docs/aoe-protocol.md §3.4.
#pragma once

#include "detail.hpp"

namespace aoe {

// The rows of docs/aoe-protocol.md §3 that a served read passes, in one pass, and the ATA
// handler's read case (ata.cpp): a frame this function answers gets byte for byte the reply
// accept() + next_reply() would build, and the same counts.
[[gnu::always_inline]] inline bool Engine::serve_read(std::uint8_t* f, std::uint32_t len,
                                                      Reply& reply) {
    const TargetOptions& o = target_.options;
    // Ethernet: untagged, or one 802.1Q tag (its VID the service VLAN; VID 0 is untagged).
    if (len < kEthHeaderLen + ata::kArgEnd) return false;
    std::uint8_t* a = f + kEthHeaderLen; // the AoE header
    std::uint16_t type = load_be16(f + 12);
    std::uint16_t vid = 0;
    if (type == kEtherTypeVlan) {
        if (len < kEthHeaderLen + kVlanTagLen + ata::kArgEnd) return false;
        a += kVlanTagLen;
        vid = load_be16(f + 14) & 0x0FFF;
        type = load_be16(f + 16);
    }
    if (type != kEtherTypeAoe || vid != o.vlan) return false;
    // A version-1 request (R clear) of command 0 to us, from a unicast MAC that is not ours.
    if ((a[hdr::kVerFlags] & 0xF8) != (kVersion << 4) || a[hdr::kCommand] != 0) return false;
    const std::uint64_t src = load_le48_wide(f + 6); // the MAC keys (wire.hpp)
    if (load_le48_wide(f) != storage_->port_mac || (src & 1) || src == storage_->port_mac)
        return false;
    if (o.allow_count) {
        bool ok = false;
        for (std::uint16_t i = 0; i < o.allow_count && !ok; ++i) ok = mac_key(o.allow[i]) == src;
        if (!ok) return false;
    }
    // READ SECTORS (EXT) that fits the MTU, inside the image (ata.cpp's read case).
    const std::uint8_t op = a[ata::kCmdStatus];
    const std::uint8_t scnt = a[ata::kSectorCount];
    const bool ext = op == ata::kCmdReadSectorsExt;
    if ((!ext && op != ata::kCmdReadSectors) || (a[ata::kAFlags] & ata::kAFlagWrite) || scnt == 0 ||
        scnt > max_sectors_)
        return false;
    // The export: an exact shelf.slot (a broadcast address matches none), the last hit first.
    const ExportTable& t = *target_.exports;
    const std::uint16_t shelf = load_be16(a + hdr::kMajor);
    const std::uint8_t slot = a[hdr::kMinor];
    std::uint16_t idx = storage_->last_index;
    Export* e = idx < t.capacity() ? t.at(idx) : nullptr;
    if (!e || e->shelf != shelf || e->slot != slot) {
        e = t.find(shelf, slot, &idx);
        if (!e) return false;
        storage_->last_index = idx;
    }
    const std::uint64_t lba =
        load_le48_wide(a + ata::kLba) & (ext ? 0xFFFFFFFFFFFFull : ata::kLba28Mask);
    if (lba + scnt > e->sectors) return false;
    // The Mac Mask List and the reserve list, when set, must name the sender.
    if (!e->control.mask.empty() && !e->control.mask.contains(load_mac(f + 6))) return false;
    if (!e->control.reserve.empty() && !e->control.reserve.contains(load_mac(f + 6))) return false;

    // Served: from here on nothing fails.
    if (batch_.index != idx) {
        if (batch_.reads) publish_batch();
        batch_.index = idx;
    }
    detail::note_lba(
        {idx, storage_->exports[idx], storage_->memo, storage_->memo_mask, max_sectors_}, src, lba);
    __builtin_memcpy(f, f + 6, 6); // to the requester
    store_mac(f + 6, port_.mac);
    a[hdr::kVerFlags] = static_cast<std::uint8_t>((kVersion << 4) | kFlagResponse);
    a[hdr::kError] = 0;
    // Shelf, slot (the export's: they matched), command, tag, AFlags and LBA stay as sent.
    a[ata::kErrFeature] = 0;
    a[ata::kSectorCount] = 0; // vblade: no sectors left to transfer
    a[ata::kCmdStatus] = ata::kStatusDrdy;
    const std::uint32_t bytes = std::uint32_t{scnt} * ata::kSectorSize;
    reply.header_len = static_cast<std::uint16_t>(a - f + ata::kArgEnd);
    reply.data = e->image + lba * ata::kSectorSize;
    reply.data_len = bytes;
    reply.export_index = idx;
    reply.zero_copy_ok = !e->writable;
    reply.needs_flush = false;
    reply.last = true;
    ++batch_.reads;
    batch_.read_bytes += bytes;
    batch_.reply_bytes += reply.header_len + bytes;
    return true;
}

} // namespace aoe
