// aoe-firmware's data path: the poll loop (RX burst, the engine, replies queued on the
// virtio-net TX ring, adverts every millisecond, console keys, idle back-off). Unicast reads
// go through the core's fast path (Engine::serve_read), every other frame through
// accept()/next_reply() driven by target/reply_loop.hpp, as in hal/dpdk/datapath.cpp.
#include <cstddef>
#include <cstdint>

#include "hal/metal/clock.hpp"
#include "hal/metal/console.hpp"
#include "hal/metal/cpu.hpp"
#include "hal/metal/io.hpp"
#include "hal/metal/runtime.hpp"
#include "target/reply_loop.hpp"
#include "target/serve_read.hpp"

extern "C" void* memcpy(void*, const void*, std::size_t);

namespace metal {

LoopStats g_ls;

namespace {

constexpr std::uint32_t kRxBurst = 32;

std::uint64_t total_reads() {
    std::uint64_t r = 0;
    for (std::uint16_t i = 0; i < g_rt.nexports; ++i)
        r += g_rt.engine->export_counters(i).reads.get();
    return r;
}

// One reply built by the engine into slot `slot`'s buffer `out`: queue it for the NIC.
void send(std::uint16_t slot, std::uint8_t* out, const aoe::Reply& r) {
    if (!r.data_len) {
        g_rt.nic.tx_submit(slot, r.header_len, nullptr, 0);
        return;
    }
    if (r.zero_copy_ok && !g_opt.copy) {
        // Zero copy: the second descriptor points into the module's pages.
        g_rt.nic.tx_submit(slot, r.header_len, r.data, r.data_len);
        ++g_ls.tx_zero_copy;
        return;
    }
    if (std::uint32_t{r.header_len} + r.data_len > g_rt.nic.tx_cap()) {
        g_rt.nic.tx_return(slot);
        g_rt.engine->count_no_buffer();
        return;
    }
    memcpy(out + r.header_len, r.data, r.data_len);
    g_rt.nic.tx_submit(slot, r.header_len + r.data_len, nullptr, 0);
    ++g_ls.tx_copy;
}

// The unicast read fast path (Engine::serve_read, as hal/dpdk's loop uses it): the engine
// writes the reply header over the request in its RX buffer; the header (36 or 40 bytes) is
// copied into a TX slot and the sectors go as the slot's second descriptor, zero copy. False
// when the frame is not such a read (nothing changed or counted): handle() takes it.
bool serve_read(std::uint8_t* f, std::uint32_t len) {
    aoe::Reply r;
    if (!g_rt.engine->serve_read(f, len, r)) return false;
    std::uint16_t slot;
    std::uint8_t* out = g_rt.nic.tx_slot(slot);
    memcpy(out, f, r.header_len);
    send(slot, out, r);
    return true;
}

// Where the engine's replies go (target/reply_loop.hpp): a TX slot each, sent by send().
struct TxSink {
    std::uint16_t slot = 0;
    std::uint8_t* out = nullptr;
    std::uint8_t* buffer(std::uint32_t& cap) {
        out = g_rt.nic.tx_slot(slot);
        cap = g_rt.nic.tx_cap();
        return out;
    }
    void send(const aoe::Reply& r) { metal::send(slot, out, r); }
    void unused() { g_rt.nic.tx_return(slot); }
    bool room() const { return true; } // tx_slot() waits for the device when all are in flight
};

// One received frame through the engine; true when it was AoE (EtherType 0x88A2).
bool handle(const std::uint8_t* f, std::uint32_t len, std::uint64_t now) {
    aoe::FrameState st;
    if (g_rt.engine->accept(f, len, now, st) != aoe::Verdict::reply) return st.aoe != 0;
    TxSink tx;
    aoe::send_frame_replies(*g_rt.engine, st, tx);
    return true;
}

void adverts(std::uint64_t now, std::uint16_t& cursor) {
    TxSink tx;
    aoe::send_tick_frames(*g_rt.engine, now, cursor, tx);
}

} // namespace

[[noreturn]] void poll_loop() {
    const std::uint64_t hz = tsc_hz();
    // Spin this long after the last AoE frame before sleeping (--idle-spin-ms).
    const std::uint64_t spin = hz / 1000 * g_opt.idle_spin_ms;
    std::uint64_t last_busy = 0;
    std::uint64_t next_tick = 0, stats_seen = 0;
    std::uint64_t next_stats = now_ns() + std::uint64_t{g_opt.stats_s} * 1'000'000'000;
    std::uint16_t cursor = 0;
    for (;;) {
        ++g_ls.polls;
        const std::uint64_t tsc = rdtsc();
        const std::uint64_t now = tsc_to_ns(tsc - metal_boot_tsc);
        unsigned got = 0;
        std::uint8_t* f;
        std::uint32_t len;
        std::uint16_t id;
        while (got < kRxBurst && g_rt.nic.rx_next(f, len, id)) {
            ++got;
            const std::uint64_t t0 = rdtsc();
            bool read = false;
            if (g_opt.fast_path && serve_read(f, len)) {
                read = true;
                last_busy = t0;
            } else {
                const std::uint64_t reads0 = total_reads();
                if (handle(f, len, now)) last_busy = t0;
                read = total_reads() != reads0;
            }
            g_rt.nic.rx_release(id);
            const std::uint64_t dt = rdtsc() - t0;
            g_ls.busy_cycles += dt;
            ++g_ls.frames;
            if (read) {
                g_ls.read_cycles += dt;
                ++g_ls.read_frames;
            }
        }
        if (got) {
            g_rt.engine->end_burst(); // serve_read's counts into the engine's counters
            g_rt.nic.rx_publish();
        }
        if (now >= next_tick) {
            next_tick = now + 1'000'000; // the engine keeps the real schedule; look each ms
            const std::uint64_t adv0 = g_rt.engine->counters().adverts.get();
            adverts(now, cursor);
            if (!g_ls.first_advert_ns && g_rt.engine->counters().adverts.get() != adv0) {
                g_rt.nic.tx_kick();
                g_ls.first_advert_ns = now_ns();
                log() << "first advert on the wire: ";
                put_fixed(g_ls.first_advert_ns / 1000, 3);
                put(" ms after the first instruction\n");
            }
            switch (getc_nowait()) {
            case 's':
                print_stats("asked");
                break;
            case 'j':
                print_json();
                break;
            case 'q':
                print_stats("end");
                log() << "stopping (q on the console)\n";
                power_off(0);
            default:
                break;
            }
            if (g_opt.stats_s && now >= next_stats) {
                next_stats = now + std::uint64_t{g_opt.stats_s} * 1'000'000'000;
                const std::uint64_t seen = g_rt.engine->counters().frames_in.get();
                if (seen != stats_seen) print_stats("interval");
                stats_seen = seen;
            }
        }
        g_rt.nic.tx_kick();
        g_rt.nic.tx_reap();
        // Idle back-off (docs/decisions.md: at most 1 ms between empty polls). Under an
        // emulator a halted CPU wakes slowly (median ~0.9 ms to the first reply at a 1 kHz
        // tick, ~0.1 ms when spinning), so the loop keeps polling for --idle-spin-ms after the
        // last AoE frame (other traffic does not count) and only then sleeps until the next
        // tick; a long idle costs one wake-up per tick.
        if (!got && g_rt.nic.tx_idle() && tsc - last_busy > spin) {
            idle_wait();
            ++g_ls.idle_sleeps;
        }
    }
}

} // namespace metal
