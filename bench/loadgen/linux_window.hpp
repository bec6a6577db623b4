// The per-target window and retransmit timeout of the Linux aoe driver (drivers/block/aoe,
// read for its behaviour; this is our own code), as aoe-bench --replay's simulated initiators
// use them. Pure arithmetic: tests/bench/trace_test.cpp checks it step by step.
//   - `frames`: the target's frames, min(Query Config buffer count, aoe_maxout = 64).
//   - a fresh target starts with a window (maxout) of 1 and a slow-start threshold of frames/2;
//   - each reply: below the threshold the window grows by one; above it, by one after a whole
//     window of replies while the window was full (congestion avoidance);
//   - a timeout: the threshold becomes half the window, the window 1;
//   - RTT: the average moves by 1/256 of each error, the mean deviation by 1/8 of its error;
//     rto = 2 * average + 8 * deviation. They start where the driver's do: the average at a
//     quarter second and the deviation at 2 s (its initial constant, a quarter of the
//     average's, is kept in the deviation's finer scale), so the first rto is 16.5 s and falls
//     as replies come (the deviation within some tens of replies, the average over hundreds).
#pragma once

#include <algorithm>
#include <cmath>

namespace aoebench {

struct LinuxWindow {
    static constexpr double kAvgGain = 1.0 / 256, kDevGain = 1.0 / 8;
    static constexpr double kRttInitS = 0.25, kDevInitS = 2.0;
    static constexpr unsigned kMaxOut = 64; // the aoe module's aoe_maxout default
    static constexpr double kTickS = 0.1;   // TIMERTICK: how often frames are checked

    unsigned frames = 1, maxout = 1, ssthresh = 1, next_cwnd = 1;
    double avg = kRttInitS, dev = kDevInitS;

    void reset(unsigned target_frames) {
        frames = std::clamp(target_frames, 1u, kMaxOut);
        maxout = 1;
        ssthresh = std::max(1u, frames / 2);
        next_cwnd = frames;
        avg = kRttInitS;
        dev = kDevInitS;
    }
    // A reply arrived while `nout` frames (it included) were on the wire.
    void on_reply(unsigned nout) {
        if (maxout >= frames) return;
        if (maxout < ssthresh) {
            ++maxout;
        } else if (nout == maxout && next_cwnd-- == 0) {
            ++maxout;
            next_cwnd = maxout;
        }
    }
    // A frame timed out.
    void on_timeout() {
        if (maxout != 1) {
            ssthresh = std::max(1u, maxout / 2);
            maxout = 1;
        }
    }
    // An RTT sample (seconds) from a frame sent once (Karn's rule).
    void rtt_sample(double rtt) {
        const double err = rtt - avg;
        avg += err * kAvgGain;
        dev += (std::fabs(err) - dev) * kDevGain;
    }
    double rto() const { return std::max(2 * avg + 8 * dev, 1e-6); }
};

// When client i of n starts, spread evenly over `ramp` seconds (0: all at once).
inline double start_offset(unsigned i, unsigned n, double ramp) {
    return n > 1 && ramp > 0 ? ramp * i / n : 0.0;
}

} // namespace aoebench
