// The exports: one image with its r11 control state (Export), and the fixed-capacity table the
// control thread publishes them in and every lcore reads per frame (ExportTable,
// export_table.cpp).
#pragma once

#include <atomic>
#include <cstdint>

#include "mac_list.hpp"
#include "wire.hpp"

namespace aoe {

inline constexpr std::uint16_t kMaxMaskEntries = 32;     // vblade's Nmasks
inline constexpr std::uint16_t kMaxReserveEntries = 240; // fits a reply in a 1500-byte MTU

// Per-export r11 control state; written only by the owner engine.
struct ExportControl {
    // Owner-only (not atomic): Query Config frames and adverts are handled by the owner.
    std::uint16_t config_len = 0;
    char config[cfg::kMaxString]{}; // the config string belongs to the clients; starts empty
    MacList<kMaxMaskEntries> mask;
    MacList<kMaxReserveEntries> reserve;
};

// One exported image. Filled in by the HAL control thread, then published; immutable while
// published except for the writable image bytes and `control`.
struct Export {
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    bool writable = false;         // rw exports: served through the copy path, writes accepted
    std::uint8_t* image = nullptr; // base of the image in memory
    std::uint64_t sectors = 0;     // served capacity in 512-byte sectors
    // IDENTIFY strings in reading order (the engine byte-swaps them into ATA order); a NUL
    // ends the string early and the rest is sent as spaces.
    char serial[20]{};  // words 10-19: image identity (hash prefix)
    char firmware[8]{}; // words 23-26
    char model[40]{};   // words 27-46
    ExportControl control;
};

// Fixed-capacity table of published exports. Slots are atomic pointers; the per-frame path
// does acquire loads only.
class ExportTable {
  public:
    static constexpr std::uint16_t kMaxCapacity = 255;
    // `slots` is caller storage for `capacity` pointers (from the arena).
    ExportTable(std::atomic<Export*>* slots, std::uint16_t capacity);
    std::uint16_t capacity() const { return capacity_; }
    // Control thread only. Returns false if the table is full or shelf.slot is taken.
    bool publish(Export* e, std::uint16_t* index_out);
    // Control thread only. After it returns, the HAL waits for every engine to pass a
    // quiescent point before it unmaps the image.
    Export* retire(std::uint16_t index);
    Export* at(std::uint16_t index) const { return slots_[index].load(std::memory_order_acquire); }
    // Per-frame lookup of an exact shelf.slot; nullptr if not exported.
    Export* find(std::uint16_t shelf, std::uint8_t slot, std::uint16_t* index_out) const;

  private:
    std::atomic<Export*>* slots_;
    std::uint16_t capacity_;
};

} // namespace aoe
