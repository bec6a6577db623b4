// aoe-firmware: the AoE r11 target (target/, unchanged) on bare x86_64 under a multiboot
// loader. Start-up order: console, clock, CPU tables, multiboot information (command lines,
// modules, memory map), the arena, PCI, virtio-net, exports (one per module), the engine, and
// then the poll loop, which never returns. docs/metal.md describes each step.
#include <cstddef>
#include <cstdint>

#include "hal/metal/clock.hpp"
#include "hal/metal/console.hpp"
#include "hal/metal/cpu.hpp"
#include "hal/metal/io.hpp"
#include "hal/metal/multiboot.hpp"
#include "hal/metal/options.hpp"
#include "hal/metal/pci.hpp"
#include "hal/metal/virtio_net.hpp"
#include "target/address.hpp"
#include "target/arena.hpp"
#include "target/engine.hpp"
#include "target/image_identity.hpp"
#include "target/reply_loop.hpp"
#include "target/serve_read.hpp"

#ifndef AOE_FIRMWARE_VERSION
#define AOE_FIRMWARE_VERSION "0.0.0"
#endif

extern "C" {
extern std::uint32_t metal_boot_magic;
extern std::uint32_t metal_boot_info;
extern char __load_start[], __load_end[], __bss_end[];
void* memcpy(void*, const void*, std::size_t);
}

namespace metal {
namespace {

constexpr std::uint16_t kMaxExports = 16; // aoe-target's --max-exports default
constexpr std::uint32_t kCmdlineMax = 1024;
constexpr std::uint32_t kMmapMax = 64;
constexpr std::uint32_t kRxBurst = 32;

// What the loader handed over, copied before the arena is carved (the loader may have put
// the strings anywhere in free memory).
struct BootInfo {
    char kernel_cmdline[kCmdlineMax]{};
    std::uint32_t nmods = 0;
    struct Mod {
        std::uint64_t start = 0, end = 0;
        char cmdline[kCmdlineMax]{};
        Address addr;
    } mods[kMaxModules];
    std::uint32_t nmmap = 0;
    struct Region {
        std::uint64_t addr = 0, len = 0;
        std::uint32_t type = 0;
    } mmap[kMmapMax];
};
BootInfo g_boot;
Options g_opt;

// The statistics the poll loop keeps beside the engine's counters.
struct LoopStats {
    std::uint64_t tx_zero_copy = 0, tx_copy = 0;
    std::uint64_t busy_cycles = 0, frames = 0;      // accept .. replies queued, per frame
    std::uint64_t read_cycles = 0, read_frames = 0; // the same, for frames that were reads
    std::uint64_t idle_sleeps = 0, polls = 0;
    std::uint64_t first_advert_ns = 0;
} g_ls;

[[noreturn]] void fatal(const char* what, const char* detail = nullptr) {
    log() << "FATAL: " << what;
    if (detail) put(detail);
    put("\n");
    power_off(2);
}

void copy_str(char* dst, const char* src, std::uint32_t cap) {
    std::uint32_t i = 0;
    if (src)
        for (; i + 1 < cap && src[i]; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

void put_mac(const aoe::Mac& m) {
    char t[aoe::kMacTextLen + 1];
    aoe::format_mac(m, t);
    put(t);
}

void put_size(std::uint64_t bytes) {
    if (bytes >= (1ull << 20)) {
        put_fixed(bytes * 10 / (1ull << 20), 1);
        put(" MiB");
    } else {
        put_dec(bytes / 1024);
        put(" KiB");
    }
}

void read_boot_info() {
    if (metal_boot_magic != mb::kLoaderMagic) {
        log() << "FATAL: not started by a multiboot loader (EAX 0x";
        put_hex(metal_boot_magic);
        put(", expected 0x2badb002)\n");
        power_off(2);
    }
    const auto* mbi = reinterpret_cast<const mb::Info*>(std::uintptr_t{metal_boot_info});
    if (mbi->flags & mb::kFlagCmdline)
        copy_str(g_boot.kernel_cmdline, reinterpret_cast<const char*>(std::uintptr_t{mbi->cmdline}),
                 kCmdlineMax);
    if (mbi->flags & mb::kFlagMods) {
        const auto* m = reinterpret_cast<const mb::Module*>(std::uintptr_t{mbi->mods_addr});
        if (mbi->mods_count > kMaxModules) fatal("more than 16 modules");
        for (std::uint32_t i = 0; i < mbi->mods_count; ++i) {
            g_boot.mods[i].start = m[i].start;
            g_boot.mods[i].end = m[i].end;
            copy_str(g_boot.mods[i].cmdline,
                     reinterpret_cast<const char*>(std::uintptr_t{m[i].string}), kCmdlineMax);
        }
        g_boot.nmods = mbi->mods_count;
    }
    if (!(mbi->flags & mb::kFlagMmap)) fatal("the boot loader gave no memory map");
    std::uint64_t p = mbi->mmap_addr;
    const std::uint64_t end = p + mbi->mmap_length;
    while (p < end && g_boot.nmmap < kMmapMax) {
        const auto* e = reinterpret_cast<const mb::MmapEntry*>(p);
        g_boot.mmap[g_boot.nmmap++] = {e->addr, e->len, e->type};
        p += e->size + 4;
    }
}

// The largest stretch of available RAM in [1 MiB, 4 GiB) (the identity map) that holds
// neither the image nor a module: the arena. Everything the firmware allocates is carved
// from it once, here at start.
void find_arena(std::uint64_t& base, std::uint64_t& size) {
    struct R {
        std::uint64_t s, e;
    } res[kMaxModules + 1];
    std::uint32_t n = 0;
    res[n++] = {reinterpret_cast<std::uint64_t>(__load_start),
                reinterpret_cast<std::uint64_t>(__bss_end)};
    for (std::uint32_t i = 0; i < g_boot.nmods; ++i)
        res[n++] = {g_boot.mods[i].start, g_boot.mods[i].end};
    for (std::uint32_t i = 1; i < n; ++i) // insertion sort by start
        for (std::uint32_t j = i; j > 0 && res[j].s < res[j - 1].s; --j) {
            R t = res[j];
            res[j] = res[j - 1];
            res[j - 1] = t;
        }
    base = size = 0;
    auto consider = [&](std::uint64_t s, std::uint64_t e) {
        s = (s + 4095) & ~4095ull;
        e &= ~4095ull;
        if (e > s && e - s > size) {
            base = s;
            size = e - s;
        }
    };
    for (std::uint32_t i = 0; i < g_boot.nmmap; ++i) {
        const auto& r = g_boot.mmap[i];
        if (r.type != 1) continue;
        std::uint64_t a = r.addr < 0x100000 ? 0x100000 : r.addr;
        std::uint64_t b = r.addr + r.len > (4ull << 30) ? (4ull << 30) : r.addr + r.len;
        if (a >= b) continue;
        std::uint64_t cur = a;
        for (std::uint32_t k = 0; k < n; ++k) {
            if (res[k].e <= cur) continue;
            if (res[k].s >= b) break;
            if (res[k].s > cur) consider(cur, res[k].s);
            if (res[k].e > cur) cur = res[k].e;
        }
        if (cur < b) consider(cur, b);
    }
}

// The IDENTIFY serial: the core's sample hash (target/image_identity.hpp), as aoe-target's, so
// both serve one ISO under one identity (multipath peers agree).
void identity(const std::uint8_t* base, std::uint64_t bytes, char out[20]) {
    const std::uint64_t h = aoe::image_identity(base, bytes);
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) out[i] = kHex[(h >> (60 - 4 * i)) & 0xF];
    for (int i = 16; i < 20; ++i) out[i] = '\0';
}

void fill(char* dst, std::size_t cap, const char* src) {
    std::size_t i = 0;
    for (; i < cap && src[i]; ++i) dst[i] = src[i];
    for (; i < cap; ++i) dst[i] = '\0';
}

// A module's name for the log: the file name its loader put first on its command line (QEMU),
// else its number (GRUB passes only the arguments).
void put_module_name(std::uint32_t i, const char* cmdline) {
    std::uint32_t n = 0;
    if (const char* name = cmdline_name(cmdline, n)) {
        put(name, n);
    } else {
        put('#');
        put_dec(i);
    }
}

struct Runtime {
    aoe::Engine* engine = nullptr;
    VirtioNet nic;
    aoe::ExportTable* table = nullptr;
    std::uint16_t nexports = 0;
};
Runtime g_rt;

std::uint64_t total_reads() {
    std::uint64_t r = 0;
    for (std::uint16_t i = 0; i < g_rt.nexports; ++i)
        r += g_rt.engine->export_counters(i).reads.get();
    return r;
}

// " name=value" for each counter of a family that is not zero, or " none".
void put_nonzero(const char* title, const aoe::Counter* c, const char* const* names, int n) {
    put(title);
    bool any = false;
    for (int i = 0; i < n; ++i)
        if (const std::uint64_t v = c[i].get()) {
            put(' ');
            put(names[i]);
            put('=');
            put_dec(v);
            any = true;
        }
    if (!any) put(" none");
}

void print_stats(const char* why) {
    const aoe::EngineCounters& c = g_rt.engine->counters();
    const NicCounters& n = g_rt.nic.counters();
    log() << "stats (" << why << "): frames_in " << c.frames_in.get() << ", replied "
          << c.replied.get() << ", replies " << c.replies.get() << ", reply_bytes "
          << c.reply_bytes.get() << ", adverts " << c.adverts.get() << "\n";
    log() << "stats: tx_zero_copy " << g_ls.tx_zero_copy << ", tx_copy " << g_ls.tx_copy
          << ", nic rx " << n.rx_frames << " tx " << n.tx_frames << " kicks " << n.tx_kicks
          << " tx_ring_full " << n.tx_ring_full << " rx_bad " << n.rx_bad << "\n";
    log();
    put_nonzero("stats: dropped", c.dropped, aoe::kDropReasonNames,
                static_cast<int>(aoe::DropReason::count_));
    put_nonzero(", silent", c.silent, aoe::kSilentReasonNames,
                static_cast<int>(aoe::SilentReason::count_));
    put_nonzero(", aoe_errors", c.aoe_errors, aoe::kAoeErrorCodeNames, aoe::kAoeErrorCodes);
    put("\n");
    for (std::uint16_t i = 0; i < g_rt.nexports; ++i) {
        const aoe::Export* e = g_rt.table->at(i);
        const aoe::ExportCounters& x = g_rt.engine->export_counters(i);
        log() << "stats: export e" << e->shelf << '.' << std::uint32_t{e->slot} << ": reads "
              << x.reads.get() << ", read_bytes " << x.read_bytes.get() << ", identify "
              << x.identify.get() << ", writes " << x.writes.get() << ", ata_errors "
              << x.ata_errors.get() << ", retransmits_seen " << x.retransmits_seen.get() << "\n";
    }
    log() << "stats: cycles per frame " << (g_ls.frames ? g_ls.busy_cycles / g_ls.frames : 0)
          << ", cycles per read " << (g_ls.read_frames ? g_ls.read_cycles / g_ls.read_frames : 0)
          << " (" << g_ls.read_frames << " reads timed, TSC " << tsc_hz() / 1000000
          << " MHz), idle sleeps " << g_ls.idle_sleeps << ", polls " << g_ls.polls << "\n";
}

// The counters as one JSON line, with the key names of aoe-target's telemetry /aoe/stats
// (hal/dpdk/stats.cpp), for tests on the host (tests/metal): "AOE-STATS {...}".
void print_json() {
    bool first = true;
    auto kv = [&first](const char* prefix, const char* k, std::uint64_t v) {
        put(first ? "{\"" : ",\"");
        first = false;
        put(prefix);
        put(k);
        put("\":");
        put_dec(v);
    };
    put("AOE-STATS ");
    aoe::for_each_counter(g_rt.engine->counters(), kv);
    kv("", "imissed", 0);
    kv("", "drop_tx_full", 0);
    std::uint64_t reads = 0, read_bytes = 0;
    for (std::uint16_t i = 0; i < g_rt.nexports; ++i) {
        reads += g_rt.engine->export_counters(i).reads.get();
        read_bytes += g_rt.engine->export_counters(i).read_bytes.get();
    }
    kv("", "reads", reads);
    kv("", "read_bytes", read_bytes);
    kv("", "tx_zero_copy", g_ls.tx_zero_copy);
    kv("", "tx_copy", g_ls.tx_copy);
    kv("", "busy_cycles", g_ls.busy_cycles);
    kv("", "frames_timed", g_ls.frames);
    kv("", "read_cycles", g_ls.read_cycles);
    kv("", "read_frames", g_ls.read_frames);
    kv("", "tsc_hz", tsc_hz());
    kv("", "first_advert_ns", g_ls.first_advert_ns);
    kv("", "idle_sleeps", g_ls.idle_sleeps);
    put("}\n");
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

} // namespace
} // namespace metal

extern "C" [[noreturn]] void metal_main() {
    using namespace metal;
    console_init();
    put("\n");
    log() << "aoe-firmware " AOE_FIRMWARE_VERSION ": AoE r11 target on bare metal (hal/metal)\n";
    const std::uint64_t hz = clock_init();
    log() << "clock: TSC ";
    put_fixed(hz / 1000, 3);
    put(" MHz +- ");
    put_dec(clock_error_ppm());
    put(" ppm (calibrated against PIT channel 2, ");
    put_dec(clock_windows());
    put(" window(s) of 10 ms)\n");
    cpu_init();
    read_boot_info();
    log() << "image: 0x";
    put_hex(reinterpret_cast<std::uint64_t>(__load_start));
    put("-0x");
    put_hex(reinterpret_cast<std::uint64_t>(__bss_end));
    put(" (loaded ");
    put_size(static_cast<std::uint64_t>(__load_end - __load_start));
    put(", with bss ");
    put_size(static_cast<std::uint64_t>(__bss_end - __load_start));
    put("); command line: ");
    put(g_boot.kernel_cmdline);
    put("\n");

    // Command lines: the kernel's first (options, and the first module's address), then
    // each module's (its own address, options for all).
    const char* bad = nullptr;
    Address kaddr;
    if (const char* e = parse_cmdline(g_boot.kernel_cmdline, g_opt, kaddr, bad)) {
        log() << "FATAL: kernel command line \"" << g_boot.kernel_cmdline << "\": " << e
              << (bad ? " (at \"" : "") << (bad ? bad : "") << (bad ? "\")" : "") << "\n";
        power_off(2);
    }
    if (g_boot.nmods == 0)
        fatal("no module: boot with the image as a module (QEMU -initrd, GRUB module)");
    for (std::uint32_t i = 0; i < g_boot.nmods; ++i) {
        Address a = i == 0 ? kaddr : Address{};
        if (const char* e = parse_cmdline(g_boot.mods[i].cmdline, g_opt, a, bad)) {
            log() << "FATAL: module " << i << " command line \"" << g_boot.mods[i].cmdline
                  << "\": " << e << (bad ? " (at \"" : "") << (bad ? bad : "") << (bad ? "\")" : "")
                  << "\n";
            power_off(2);
        }
        g_boot.mods[i].addr = a;
    }

    set_tick_hz(g_opt.tick_hz);
    std::uint64_t abase = 0, asize = 0;
    find_arena(abase, asize);
    if (asize < (4u << 20)) fatal("less than 4 MiB of free RAM beside the image and the modules");
    log() << "memory: " << g_boot.nmmap << " map entries; arena 0x";
    put_hex(abase);
    put(" (");
    put_size(asize);
    put(" free)\n");
    aoe::Arena arena(reinterpret_cast<void*>(abase), asize);

    const std::uint16_t ids[] = {0x1000, 0x1041};
    PciAddr pa;
    std::uint16_t devid = 0;
    if (!pci_find(0x1AF4, ids, 2, pa, devid)) {
        log() << "FATAL: no virtio-net device on PCI (" << pci_functions_seen()
              << " functions seen; QEMU: -device virtio-net-pci,netdev=...)\n";
        power_off(2);
    }
    log() << "pci: " << pci_functions_seen() << " functions; virtio-net 1af4:";
    put_hex(devid, 4);
    put(" at ");
    put_hex(pa.bus, 2);
    put(':');
    put_hex(pa.dev, 2);
    put('.');
    put_dec(pa.fn);
    put("\n");
    const std::uint32_t rx_frame = aoe::kEthHeaderLen + 2 * aoe::kVlanTagLen + g_opt.mtu;
    const std::uint32_t tx_frame = rx_frame > aoe::kMaxInlineReply
                                       ? rx_frame
                                       : static_cast<std::uint32_t>(aoe::kMaxInlineReply);
    if (const char* e = g_rt.nic.init(pa, arena, rx_frame, tx_frame)) fatal(e);
    log() << "virtio-net: legacy virtio-pci, io 0x";
    put_hex(g_rt.nic.io());
    put(", MAC ");
    put_mac(g_rt.nic.mac());
    put(", features 0x");
    put_hex(g_rt.nic.features());
    put(", rx ring ");
    put_dec(g_rt.nic.rx_size());
    put(", tx ");
    put_dec(g_rt.nic.tx_slots());
    put(" replies in flight, mtu ");
    put_dec(g_opt.mtu);
    put("\n");

    // Exports: one per module, read-only, zero copy from the module's pages.
    auto* slots = arena.make_array<std::atomic<aoe::Export*>>(kMaxExports);
    g_rt.table = slots ? arena.make<aoe::ExportTable>(slots, kMaxExports) : nullptr;
    if (!g_rt.table) fatal("arena too small for the export table");
    for (std::uint32_t i = 0; i < g_boot.nmods; ++i) {
        BootInfo::Mod& m = g_boot.mods[i];
        const std::uint64_t bytes = (m.end - m.start) & ~511ull;
        if (bytes == 0) {
            log() << "FATAL: module " << i << " (" << m.cmdline
                  << ") is smaller than one 512-byte sector\n";
            power_off(2);
        }
        if (!m.addr.given) { // default e0.1, then the next slot free on shelf 0
            m.addr.shelf = 0;
            m.addr.slot = 1;
            std::uint16_t ignored;
            while (g_rt.table->find(0, m.addr.slot, &ignored)) ++m.addr.slot;
        }
        aoe::Export* e = arena.make<aoe::Export>();
        if (!e) fatal("arena too small for an export");
        e->shelf = m.addr.shelf;
        e->slot = m.addr.slot;
        e->writable = m.addr.rw;
        e->image = reinterpret_cast<std::uint8_t*>(m.start);
        e->sectors = bytes / 512;
        identity(e->image, bytes, e->serial);
        fill(e->firmware, sizeof e->firmware, "V" AOE_FIRMWARE_VERSION);
        fill(e->model, sizeof e->model, "aoeboot aoe-firmware");
        std::uint16_t index = 0;
        if (!g_rt.table->publish(e, &index)) {
            log() << "FATAL: module " << i << ": e" << e->shelf << '.' << std::uint32_t{e->slot}
                  << " is exported twice\n";
            power_off(2);
        }
        g_rt.nexports =
            static_cast<std::uint16_t>(index + 1 > g_rt.nexports ? index + 1 : g_rt.nexports);
        log() << "export e" << e->shelf << '.' << std::uint32_t{e->slot} << ": module ";
        put_module_name(i, m.cmdline);
        put(" at 0x");
        put_hex(m.start);
        put(", ");
        put_size(bytes);
        put(", ");
        put_dec(e->sectors);
        put(e->writable ? " sectors, read-write (RAM, copy path), serial "
                        : " sectors, read-only, zero copy, serial ");
        put(e->serial, 16);
        if ((m.end - m.start) % 512) {
            put(" (the last ");
            put_dec((m.end - m.start) % 512);
            put(" bytes are not a whole sector: not served)");
        }
        put("\n");
    }

    aoe::Target* target = arena.make<aoe::Target>();
    if (!target) fatal("arena too small");
    target->exports = g_rt.table;
    target->options.vlan = g_opt.vlan;
    target->options.advert_interval_ns = std::uint64_t{g_opt.advertise_s} * 1'000'000'000;
    target->options.peer_interval_ns = std::uint64_t{g_opt.peer_s} * 1'000'000'000;
    if (g_opt.allow_n) {
        target->options.allow = g_opt.allow;
        target->options.allow_count = g_opt.allow_n;
    }
    aoe::PortInfo port;
    port.mac = g_rt.nic.mac();
    port.mtu = g_opt.mtu;
    const std::size_t ebytes = aoe::Engine::storage_bytes(target->options);
    void* storage = arena.carve(ebytes, 64);
    void* emem = arena.carve(sizeof(aoe::Engine), alignof(aoe::Engine));
    if (!storage || !emem) fatal("arena too small for the engine");
    g_rt.engine = ::new (emem) aoe::Engine(*target, port, aoe::Role::owner, storage);
    log() << "engine: owner, buffer count " << target->options.buffer_count << ", idle tick "
          << g_opt.tick_hz << " Hz after " << g_opt.idle_spin_ms << " ms, adverts every "
          << g_opt.advertise_s << " s, allow-list " << g_opt.allow_n << " MACs, vlan " << g_opt.vlan
          << (g_opt.fast_path ? ", read fast path" : ", no read fast path")
          << (g_opt.copy ? ", copy path forced" : "") << "; arena used ";
    put_size(arena.used());
    put("\n");
    log() << "serving. console keys: s = statistics, j = statistics as JSON, q = statistics and "
             "power off\n";
    poll_loop();
}
