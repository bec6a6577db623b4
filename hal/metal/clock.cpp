#include "hal/metal/clock.hpp"

#include "hal/metal/io.hpp"

namespace metal {
namespace {

__extension__ typedef unsigned __int128 u128;

std::uint64_t g_hz = 0;
std::uint64_t g_mult = 0; // ns per tick, 32.32 fixed point

constexpr std::uint32_t kPitHz = 1193182;
constexpr std::uint32_t kCalibrateMs = 10; // +-20 ppm when no port access stalls

// One 10 ms window of PIT channel 2 (mode 0, gated by port 0x61 bit 0, its output read back on
// bit 5; the speaker, bit 1, stays off), measured in TSC ticks with its uncertainty. A port
// access can stall (under QEMU it waits for the emulator's global lock), so every access is
// bracketed by TSC reads: the gate opened within [s0, s1]; the count ended after the last poll
// that still saw 0 began (a) and before the first poll that saw 1 ended (b).
struct Window {
    std::uint64_t ticks = 0, error = ~0ull;
};

Window pit_window(std::uint16_t count) {
    outb(0x61, static_cast<std::uint8_t>(inb(0x61) & ~0x03));
    outb(0x43, 0xB0); // channel 2, lobyte/hibyte, mode 0, binary
    outb(0x42, static_cast<std::uint8_t>(count & 0xFF));
    outb(0x42, static_cast<std::uint8_t>(count >> 8));
    const std::uint8_t on = static_cast<std::uint8_t>((inb(0x61) & ~0x02) | 0x01);
    const std::uint64_t s0 = rdtsc();
    outb(0x61, on); // gate on: counting starts
    const std::uint64_t s1 = rdtsc();
    std::uint64_t a_zero = s1, b = s1;
    for (std::uint64_t spins = 0; spins < (1ull << 28); ++spins) {
        const std::uint64_t a = rdtsc();
        const bool done = inb(0x61) & 0x20;
        b = rdtsc();
        if (done) break;
        a_zero = a;
    }
    outb(0x61, static_cast<std::uint8_t>(inb(0x61) & ~0x01));
    Window w;
    const std::uint64_t lo = a_zero - s1, hi = b - s0; // elapsed is within [lo, hi]
    w.ticks = (lo + hi) / 2;
    w.error = hi - lo;
    return w;
}

std::uint64_t g_error_ppm = 0;
std::uint32_t g_windows = 0;

} // namespace

std::uint64_t clock_init() {
    // A 0.1 ms warm-up first: under an emulator the loop's first run includes translating it,
    // which would spoil the first real window.
    (void)pit_window(kPitHz / 10000);
    Window best;
    for (int attempt = 0; attempt < 5; ++attempt) {
        const Window w = pit_window(kPitHz * kCalibrateMs / 1000);
        ++g_windows;
        if (w.error < best.error) best = w;
        if (best.ticks && best.error * 1000 < best.ticks) break; // within 0.1 %
    }
    std::uint64_t hz = best.ticks * 1000 / kCalibrateMs;
    if (hz < 1'000'000) hz = 1'000'000'000; // no PIT answer: say 1 GHz (logged by the caller)
    g_hz = hz;
    g_mult = (1'000'000'000ull << 32) / hz;
    g_error_ppm = best.ticks ? best.error * 1'000'000 / best.ticks / 2 : 0;
    return hz;
}

std::uint64_t clock_error_ppm() {
    return g_error_ppm;
}

std::uint32_t clock_windows() {
    return g_windows;
}

std::uint64_t tsc_hz() {
    return g_hz;
}

std::uint64_t tsc_to_ns(std::uint64_t ticks) {
    return static_cast<std::uint64_t>((u128{ticks} * g_mult) >> 32);
}

std::uint64_t now_ns() {
    if (!g_mult) return 0;
    return tsc_to_ns(rdtsc() - metal_boot_tsc);
}

} // namespace metal
