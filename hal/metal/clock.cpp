#include "hal/metal/clock.hpp"

#include "hal/metal/io.hpp"

namespace metal {
namespace {

__extension__ typedef unsigned __int128 u128;

std::uint64_t g_hz = 0;
std::uint64_t g_mult = 0; // ns per tick, 32.32 fixed point

constexpr std::uint32_t kPitHz = 1193182;
constexpr std::uint32_t kCalibrateMs = 20;

} // namespace

std::uint64_t clock_init() {
    // PIT channel 2, mode 0 (interrupt on terminal count), gated by port 0x61 bit 0; its
    // output is read back on port 0x61 bit 5. The speaker (bit 1) stays off.
    const std::uint16_t count = kPitHz * kCalibrateMs / 1000;
    outb(0x61, static_cast<std::uint8_t>((inb(0x61) & ~0x02) & ~0x01));
    outb(0x43, 0xB0); // channel 2, lobyte/hibyte, mode 0, binary
    outb(0x42, static_cast<std::uint8_t>(count & 0xFF));
    outb(0x42, static_cast<std::uint8_t>(count >> 8));
    outb(0x61, static_cast<std::uint8_t>((inb(0x61) & ~0x02) | 0x01)); // gate on: counting starts
    const std::uint64_t t0 = rdtsc();
    std::uint64_t t1 = t0;
    for (std::uint64_t spins = 0; spins < (1ull << 32); ++spins) {
        if (inb(0x61) & 0x20) break;
        t1 = rdtsc();
    }
    t1 = rdtsc();
    outb(0x61, static_cast<std::uint8_t>(inb(0x61) & ~0x01));
    std::uint64_t hz = (t1 - t0) * 1000 / kCalibrateMs;
    if (hz < 1'000'000) hz = 1'000'000'000; // no PIT answer: say 1 GHz (logged by the caller)
    g_hz = hz;
    g_mult = (1'000'000'000ull << 32) / hz;
    return hz;
}

std::uint64_t tsc_hz() { return g_hz; }

std::uint64_t tsc_to_ns(std::uint64_t ticks) {
    return static_cast<std::uint64_t>((u128{ticks} * g_mult) >> 32);
}

std::uint64_t now_ns() {
    if (!g_mult) return 0;
    return tsc_to_ns(rdtsc() - metal_boot_tsc);
}

} // namespace metal
