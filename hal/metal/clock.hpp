// The monotonic clock of the firmware: the TSC, calibrated once at start against the PIT
// (channel 2, 10 ms one-shot, repeated up to five times until a window's
// uncertainty is under 0.1 %). Under QEMU TCG the guest TSC advances with the host's, and the
// PIT follows QEMU's virtual clock, so the calibration measures the guest's own time base.
// Nanoseconds count from the first instruction (metal_boot_tsc, read by start.S).
#pragma once

#include <cstdint>

extern "C" std::uint64_t metal_boot_tsc;

namespace metal {

// Calibrates; returns the TSC frequency in Hz (also kept for now_ns).
std::uint64_t clock_init();
std::uint64_t tsc_hz();
// Half the width of the calibration's uncertainty, in parts per million of the frequency.
std::uint64_t clock_error_ppm();
// How many PIT windows the calibration took (1 unless a port access stalled).
std::uint32_t clock_windows();
// Nanoseconds since the first instruction; 0 before clock_init.
std::uint64_t now_ns();
std::uint64_t tsc_to_ns(std::uint64_t ticks);

} // namespace metal
