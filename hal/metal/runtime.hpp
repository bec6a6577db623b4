// The state of a running aoe-firmware, made once at start by main.cpp (metal_main, in the
// order docs/metal.md describes) and read by the poll loop (datapath.cpp) and the statistics
// (stats.cpp): what the loader handed over, the options, the NIC, the export table and the
// engine, and the loop's own counts. hal/dpdk/runtime.hpp is its counterpart on DPDK.
#pragma once

#include <cstdint>

#include "hal/metal/options.hpp"
#include "hal/metal/virtio_net.hpp"
#include "target/engine.hpp"

#ifndef AOE_FIRMWARE_VERSION
#define AOE_FIRMWARE_VERSION "0.0.0"
#endif

extern "C" {
extern std::uint32_t metal_boot_magic;
extern std::uint32_t metal_boot_info;
extern char __load_start[], __load_end[], __bss_end[];
}

namespace metal {

constexpr std::uint16_t kMaxExports = 16; // aoe-target's --max-exports default
constexpr std::uint32_t kCmdlineMax = 1024;
constexpr std::uint32_t kMmapMax = 64;

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
extern BootInfo g_boot;
extern Options g_opt;

// The statistics the poll loop keeps beside the engine's counters.
struct LoopStats {
    std::uint64_t tx_zero_copy = 0, tx_copy = 0;
    std::uint64_t busy_cycles = 0, frames = 0;      // accept .. replies queued, per frame
    std::uint64_t read_cycles = 0, read_frames = 0; // the same, for frames that were reads
    std::uint64_t idle_sleeps = 0, polls = 0;
    std::uint64_t first_advert_ns = 0;
};
extern LoopStats g_ls;

struct Runtime {
    aoe::Engine* engine = nullptr;
    VirtioNet nic;
    aoe::ExportTable* table = nullptr;
    std::uint16_t nexports = 0;
};
extern Runtime g_rt;

// boot.cpp: the loader's information copied into g_boot (fatal when not multiboot), and the
// arena: the largest stretch of free RAM beside the image and the modules.
void read_boot_info();
void find_arena(std::uint64_t& base, std::uint64_t& size);

// stats.cpp: the statistics on the console, as lines (s, q, --stats-interval) or as the
// AOE-STATS JSON line (j).
void print_stats(const char* why);
void print_json();

// datapath.cpp: the poll loop, which never returns.
[[noreturn]] void poll_loop();

// main.cpp: a FATAL line, then power off; the console forms of a MAC and a size.
[[noreturn]] void fatal(const char* what, const char* detail = nullptr);
void put_mac(const aoe::Mac& m);
void put_size(std::uint64_t bytes);

} // namespace metal
