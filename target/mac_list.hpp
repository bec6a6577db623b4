// A fixed-capacity list of MAC addresses with one writer and many lock-free readers.
// Used for the r11 Mac Mask List and the Reserve/Release list of each export: the owner
// engine edits them (rarely), every lcore scans them per frame.
#pragma once

#include <atomic>
#include <cstdint>

#include "wire.hpp"

namespace aoe {

// Entries are mac_key()s (wire.hpp), so an entry is one atomic word.

// Readers use a sequence counter (odd while an edit is in progress) and retry until they saw
// a consistent list; the writer never waits. All fields are atomics, so a concurrent read is
// never a data race, only (rarely) a retry. No standalone fences (ThreadSanitizer cannot
// model them): the writer's entry stores are release, so they cannot pass the odd `seq`
// store; the reader's entry loads are acquire, so its second `seq` load cannot pass them.
template <std::uint16_t Capacity> struct MacList {
    std::atomic<std::uint32_t> seq{0};
    std::atomic<std::uint16_t> count{0};
    std::atomic<std::uint64_t> entries[Capacity]{};

    static constexpr std::uint16_t capacity() { return Capacity; }

    // ---- readers (any thread) ----
    // A momentary value; exact for the writer. Cheap fast path for "no list set".
    bool empty() const { return count.load(std::memory_order_acquire) == 0; }

    bool contains(const Mac& m) const {
        const std::uint64_t k = mac_key(m);
        for (;;) {
            const std::uint32_t s1 = seq.load(std::memory_order_acquire);
            if (s1 & 1u) continue; // the owner is mid-edit (a few stores): retry
            std::uint16_t n = count.load(std::memory_order_acquire);
            if (n > Capacity) n = Capacity;
            bool found = false;
            for (std::uint16_t i = 0; i < n && !found; ++i)
                found = entries[i].load(std::memory_order_acquire) == k;
            if (seq.load(std::memory_order_relaxed) == s1) return found;
        }
    }

    // Copies a consistent list into `out` (room for Capacity keys); returns its length.
    std::uint16_t snapshot(std::uint64_t* out) const {
        for (;;) {
            const std::uint32_t s1 = seq.load(std::memory_order_acquire);
            if (s1 & 1u) continue;
            std::uint16_t n = count.load(std::memory_order_acquire);
            if (n > Capacity) n = Capacity;
            for (std::uint16_t i = 0; i < n; ++i)
                out[i] = entries[i].load(std::memory_order_acquire);
            if (seq.load(std::memory_order_relaxed) == s1) return n;
        }
    }

    // ---- the single writer (the owner engine, or the control thread before publishing) ----
    // Returns false only when the list is full; adding a present MAC is a no-op.
    bool add(const Mac& m) {
        const std::uint64_t k = mac_key(m);
        const std::uint16_t n = count.load(std::memory_order_relaxed);
        for (std::uint16_t i = 0; i < n; ++i)
            if (entries[i].load(std::memory_order_relaxed) == k) return true;
        if (n >= Capacity) return false;
        begin_write();
        entries[n].store(k, std::memory_order_release);
        count.store(static_cast<std::uint16_t>(n + 1), std::memory_order_release);
        end_write();
        return true;
    }

    void remove(const Mac& m) {
        const std::uint64_t k = mac_key(m);
        const std::uint16_t n = count.load(std::memory_order_relaxed);
        for (std::uint16_t i = 0; i < n; ++i) {
            if (entries[i].load(std::memory_order_relaxed) != k) continue;
            begin_write();
            for (std::uint16_t j = i; j + 1 < n; ++j)
                entries[j].store(entries[j + 1].load(std::memory_order_relaxed),
                                 std::memory_order_release);
            count.store(static_cast<std::uint16_t>(n - 1), std::memory_order_release);
            end_write();
            return;
        }
    }

    // Replaces the whole list with `n` MACs stored back to back (6 bytes each, wire order).
    // The caller checked n <= Capacity.
    void assign_wire(const std::uint8_t* macs, std::uint16_t n) {
        if (n > Capacity) n = Capacity;
        begin_write();
        for (std::uint16_t i = 0; i < n; ++i)
            entries[i].store(mac_key(load_mac(macs + 6u * i)), std::memory_order_release);
        count.store(n, std::memory_order_release);
        end_write();
    }

  private:
    void begin_write() {
        seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    void end_write() {
        seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
};

} // namespace aoe
