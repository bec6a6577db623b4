// Port I/O, the TSC and compiler/CPU barriers for hal/metal (x86_64, ring 0).
#pragma once

#include <cstdint>

namespace metal {

inline void outb(std::uint16_t port, std::uint8_t v) {
    asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
inline void outw(std::uint16_t port, std::uint16_t v) {
    asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
inline void outl(std::uint16_t port, std::uint32_t v) {
    asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
inline std::uint8_t inb(std::uint16_t port) {
    std::uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline std::uint16_t inw(std::uint16_t port) {
    std::uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline std::uint32_t inl(std::uint16_t port) {
    std::uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

inline std::uint64_t rdtsc() {
    std::uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (std::uint64_t{hi} << 32) | lo;
}

// Orders our stores to a ring before the store or port write that publishes them to the
// device (x86 keeps store order; the compiler must too), and loads after a device index read.
inline void barrier() {
    asm volatile("" ::: "memory");
}
inline void full_fence() {
    asm volatile("mfence" ::: "memory");
}

[[noreturn]] void halt_forever();

} // namespace metal
