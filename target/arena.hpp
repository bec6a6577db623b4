// The static allocator: one block handed over at start-up, carved into fixed-capacity
// tables, pools and rings. Nothing is ever freed; after start-up nothing is carved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

namespace aoe {

// Adds up what a sequence of carves needs, so the caller can size the block before it has
// one (every carve may waste up to align-1 bytes of padding).
struct ArenaSize {
    std::size_t bytes = 0;
    template <class T> ArenaSize& add(std::size_t n = 1) {
        bytes += sizeof(T) * n + alignof(T) - 1;
        return *this;
    }
    ArenaSize& add_raw(std::size_t n, std::size_t align) {
        bytes += n + align - 1;
        return *this;
    }
};

class Arena {
  public:
    Arena(void* base, std::size_t size)
        : base_(static_cast<std::uint8_t*>(base)), size_(base ? size : 0) {}

    // `align` must be a power of two. Returns nullptr (and carves nothing) when the block is
    // exhausted: start-up code checks it once and refuses to run.
    void* carve(std::size_t bytes, std::size_t align) {
        const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(base_) + used_;
        const std::uintptr_t aligned = (start + (align - 1)) & ~(std::uintptr_t{align} - 1);
        const std::size_t pad = aligned - start;
        if (pad > size_ - used_ || bytes > size_ - used_ - pad) return nullptr;
        used_ += pad + bytes;
        return reinterpret_cast<void*>(aligned);
    }

    template <class T, class... Args> T* make(Args&&... args) {
        void* p = carve(sizeof(T), alignof(T));
        return p ? ::new (p) T(static_cast<Args&&>(args)...) : nullptr;
    }

    // n value-initialised objects (zeroed for trivial types).
    template <class T> T* make_array(std::size_t n) {
        if (n != 0 && sizeof(T) > (size_ - used_) / n) return nullptr;
        void* p = carve(sizeof(T) * n, alignof(T));
        if (!p) return nullptr;
        T* first = static_cast<T*>(p);
        for (std::size_t i = 0; i < n; ++i) ::new (static_cast<void*>(first + i)) T();
        return first;
    }

    std::size_t capacity() const { return size_; }
    std::size_t used() const { return used_; }
    std::size_t remaining() const { return size_ - used_; }

  private:
    std::uint8_t* base_;
    std::size_t size_;
    std::size_t used_ = 0;
};

} // namespace aoe
