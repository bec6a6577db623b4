// The multiboot (version 1) information a boot loader hands over in EBX: only the fields
// aoe-firmware reads (command line, modules, memory map). docs/metal.md, "Boot".
#pragma once

#include <cstdint>

namespace metal::mb {

inline constexpr std::uint32_t kLoaderMagic = 0x2BADB002;
inline constexpr std::uint32_t kFlagCmdline = 1u << 2;
inline constexpr std::uint32_t kFlagMods = 1u << 3;
inline constexpr std::uint32_t kFlagMmap = 1u << 6;

struct Info {
    std::uint32_t flags;
    std::uint32_t mem_lower, mem_upper;
    std::uint32_t boot_device;
    std::uint32_t cmdline;
    std::uint32_t mods_count, mods_addr;
    std::uint32_t syms[4];
    std::uint32_t mmap_length, mmap_addr;
};

struct Module {
    std::uint32_t start, end; // [start, end) in physical memory
    std::uint32_t string;     // its command line (the file name first, then the arguments)
    std::uint32_t reserved;
};

struct [[gnu::packed]] MmapEntry {
    std::uint32_t size; // of the rest of the entry (the next one is at +size+4)
    std::uint64_t addr, len;
    std::uint32_t type; // 1: available RAM
};

} // namespace metal::mb
