// The export table: published by the control thread, read per frame by every lcore.
#include "export_table.hpp"

namespace aoe {

ExportTable::ExportTable(std::atomic<Export*>* slots, std::uint16_t capacity)
    : slots_(slots), capacity_(capacity > kMaxCapacity ? kMaxCapacity : capacity) {
    for (std::uint16_t i = 0; i < capacity_; ++i)
        slots_[i].store(nullptr, std::memory_order_relaxed);
}

bool ExportTable::publish(Export* e, std::uint16_t* index_out) {
    // Clients reject these addresses (docs/aoe-protocol.md §1.6): never publish them.
    if (!e || e->shelf == kShelfBroadcast || e->shelf == kShelfInvalid || e->slot == kSlotBroadcast)
        return false;
    std::uint16_t free_index = capacity_;
    for (std::uint16_t i = 0; i < capacity_; ++i) {
        const Export* x = slots_[i].load(std::memory_order_relaxed);
        if (!x) {
            if (free_index == capacity_) free_index = i;
        } else if (x->shelf == e->shelf && x->slot == e->slot) {
            return false;
        }
    }
    if (free_index == capacity_) return false;
    // Release: an lcore that sees the pointer sees the fully initialised export.
    slots_[free_index].store(e, std::memory_order_release);
    if (index_out) *index_out = free_index;
    return true;
}

Export* ExportTable::retire(std::uint16_t index) {
    if (index >= capacity_) return nullptr;
    return slots_[index].exchange(nullptr, std::memory_order_acq_rel);
}

Export* ExportTable::find(std::uint16_t shelf, std::uint8_t slot, std::uint16_t* index_out) const {
    for (std::uint16_t i = 0; i < capacity_; ++i) {
        Export* x = slots_[i].load(std::memory_order_acquire);
        if (x && x->shelf == shelf && x->slot == slot) {
            if (index_out) *index_out = i;
            return x;
        }
    }
    return nullptr;
}

} // namespace aoe
