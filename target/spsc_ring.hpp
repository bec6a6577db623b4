// Lock-free single-producer single-consumer ring: one per worker lcore, fed by the dispatching
// lcore (queue 0) when NIC steering cannot spread AoE frames over queues.
//
// Power-of-two capacity with free-running 32-bit indices; the producer publishes with a
// release store of `head`, the consumer with a release store of `tail`, each reads the other
// with acquire. Each side keeps a cached copy of the other's index so that it touches the
// shared line only when the cache says the ring looks full (or empty). The two sides live on
// separate cache lines, so they never false-share. Slot storage comes from the arena.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "arena.hpp"

namespace aoe {

inline constexpr std::size_t kCacheLine = 64;

template <class T> class SpscRing {
    static_assert(std::is_trivially_copyable_v<T>, "ring slots are copied bytewise");

  public:
    static constexpr bool valid_capacity(std::uint32_t c) {
        return c >= 2 && c <= (1u << 31) && std::has_single_bit(c);
    }
    // Arena bytes for the ring object plus its slots.
    static ArenaSize arena_size(std::uint32_t capacity) {
        ArenaSize s;
        s.add<SpscRing>();
        s.add<T>(capacity);
        return s;
    }
    // Carves a ring of `capacity` slots (a power of two) from the arena; nullptr if the
    // capacity is invalid or the arena is exhausted.
    static SpscRing* create(Arena& arena, std::uint32_t capacity) {
        if (!valid_capacity(capacity)) return nullptr;
        T* slots = arena.make_array<T>(capacity);
        if (!slots) return nullptr;
        return arena.make<SpscRing>(slots, capacity);
    }

    SpscRing(T* slots, std::uint32_t capacity) : slots_(slots), mask_(capacity - 1) {}
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    std::uint32_t capacity() const { return mask_ + 1; }

    // ---- producer side ----
    // Enqueues up to n items in order; returns how many fit (0 when full).
    std::uint32_t push_burst(const T* items, std::uint32_t n) {
        const std::uint32_t head = prod_.head.load(std::memory_order_relaxed);
        std::uint32_t free = capacity() - (head - prod_.cached_tail);
        if (free < n) {
            prod_.cached_tail = cons_.tail.load(std::memory_order_acquire);
            free = capacity() - (head - prod_.cached_tail);
        }
        if (n > free) n = free;
        for (std::uint32_t i = 0; i < n; ++i) slots_[(head + i) & mask_] = items[i];
        prod_.head.store(head + n, std::memory_order_release);
        return n;
    }
    bool push(const T& item) { return push_burst(&item, 1) == 1; }

    // ---- consumer side ----
    // Dequeues up to n items in order; returns how many were there.
    std::uint32_t pop_burst(T* out, std::uint32_t n) {
        const std::uint32_t tail = cons_.tail.load(std::memory_order_relaxed);
        std::uint32_t avail = cons_.cached_head - tail;
        if (avail < n) {
            cons_.cached_head = prod_.head.load(std::memory_order_acquire);
            avail = cons_.cached_head - tail;
        }
        if (n > avail) n = avail;
        for (std::uint32_t i = 0; i < n; ++i) out[i] = slots_[(tail + i) & mask_];
        cons_.tail.store(tail + n, std::memory_order_release);
        return n;
    }
    bool pop(T& out) { return pop_burst(&out, 1) == 1; }

    // Approximate fill level (exact when neither side is running).
    std::uint32_t size() const {
        return prod_.head.load(std::memory_order_acquire) -
               cons_.tail.load(std::memory_order_acquire);
    }

  private:
    // Read-only after construction: shared by both sides without contention.
    alignas(kCacheLine) T* const slots_;
    const std::uint32_t mask_;
    struct alignas(kCacheLine) Producer {
        std::atomic<std::uint32_t> head{0};
        std::uint32_t cached_tail = 0; // producer-private
    } prod_;
    struct alignas(kCacheLine) Consumer {
        std::atomic<std::uint32_t> tail{0};
        std::uint32_t cached_head = 0; // consumer-private
    } cons_;
};

} // namespace aoe
