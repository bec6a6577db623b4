// What the boot loader handed over (multiboot information: command lines, modules, memory
// map), copied before the arena is carved, and where the arena goes.
#include "hal/metal/console.hpp"
#include "hal/metal/cpu.hpp"
#include "hal/metal/multiboot.hpp"
#include "hal/metal/runtime.hpp"

namespace metal {

BootInfo g_boot;

namespace {

void copy_str(char* dst, const char* src, std::uint32_t cap) {
    std::uint32_t i = 0;
    if (src)
        for (; i + 1 < cap && src[i]; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

} // namespace

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

} // namespace metal
