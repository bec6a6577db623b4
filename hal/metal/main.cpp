// aoe-firmware: the AoE r11 target (target/, unchanged) on bare x86_64 under a multiboot
// loader. Start-up order: console, clock, CPU tables, multiboot information (command lines,
// modules, memory map), the arena, PCI, virtio-net, exports (one per module), the engine, and
// then the poll loop (datapath.cpp), which never returns. docs/metal.md describes each step.
#include <cstddef>
#include <cstdint>

#include "hal/metal/clock.hpp"
#include "hal/metal/console.hpp"
#include "hal/metal/cpu.hpp"
#include "hal/metal/options.hpp"
#include "hal/metal/pci.hpp"
#include "hal/metal/runtime.hpp"
#include "target/address.hpp"
#include "target/arena.hpp"
#include "target/engine.hpp"
#include "target/image_identity.hpp"

namespace metal {

Options g_opt;
Runtime g_rt;

[[noreturn]] void fatal(const char* what, const char* detail) {
    log() << "FATAL: " << what;
    if (detail) put(detail);
    put("\n");
    power_off(2);
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

namespace {

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

// The banner, the clock (calibrated against the PIT) and the CPU tables; then the loader's
// information, logged with where the image sits.
void start_machine() {
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
}

// Command lines: the kernel's first (options, and the first module's address), then each
// module's (its own address, options for all).
void read_command_lines() {
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
}

// The arena: everything the firmware allocates is carved from it, once, here at start.
aoe::Arena make_arena() {
    std::uint64_t abase = 0, asize = 0;
    find_arena(abase, asize);
    if (asize < (4u << 20)) fatal("less than 4 MiB of free RAM beside the image and the modules");
    log() << "memory: " << g_boot.nmmap << " map entries; arena 0x";
    put_hex(abase);
    put(" (");
    put_size(asize);
    put(" free)\n");
    return aoe::Arena(reinterpret_cast<void*>(abase), asize);
}

// The virtio-net device on PCI, its rings and buffers sized for the MTU.
void start_nic(aoe::Arena& arena) {
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
}

// Exports: one per module, read-only (or --rw: RAM, copy path), zero copy from its pages.
void publish_exports(aoe::Arena& arena) {
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
}

// The engine (owner: adverts, peers) over the export table, with the options.
void make_engine(aoe::Arena& arena) {
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
}

} // namespace
} // namespace metal

extern "C" [[noreturn]] void metal_main() {
    using namespace metal;
    start_machine();
    read_command_lines();
    aoe::Arena arena = make_arena();
    start_nic(arena);
    publish_exports(arena);
    make_engine(arena);
    log() << "serving. console keys: s = statistics, j = statistics as JSON, q = statistics and "
             "power off\n";
    poll_loop();
}
