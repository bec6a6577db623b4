// CPU set-up after start.S: the IDT (every exception reports and stops; vector 32 is the PIT
// tick that wakes the idle `hlt`), the 8259 PICs (remapped, everything masked but IRQ 0) and the
// PIT's channel 0 at 1 kHz. The NIC is never given an interrupt: it is polled.
#pragma once

#include <cstdint>

extern "C" volatile std::uint64_t metal_ticks; // PIT ticks (start.S)

namespace metal {

void cpu_init();
// The PIT tick rate (cpu_init sets 1000 Hz): the longest idle sleep is one tick.
void set_tick_hz(std::uint32_t hz);
// Sleep until the next interrupt (the 1 kHz tick at the latest): the idle back-off.
inline void idle_wait() {
    asm volatile("sti; hlt; cli" ::: "memory");
}
// Leave QEMU (isa-debug-exit at 0xF4, if present: exit status (code << 1) | 1), else halt.
[[noreturn]] void power_off(std::uint8_t code);

} // namespace metal
