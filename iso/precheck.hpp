// Checks made on the raw file before libisofs opens it. libisofs answers "Read error" for a
// directory, an empty file and a short file alike, and imports a truncated ISO without
// complaint; these checks turn each case into a precise message naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace aoe::iso {

inline constexpr std::uint64_t kBlockSize = 2048;
// ECMA-119 6.2: blocks 0-15 are the system area, the first volume descriptor is block 16.
inline constexpr std::uint64_t kPvdBlock = 16;
inline constexpr std::uint64_t kMinIsoBytes = (kPvdBlock + 1) * kBlockSize;

struct PvdInfo {
    std::uint64_t file_bytes = 0;    // st_size of the file
    std::uint64_t volume_blocks = 0; // PVD "Volume Space Size" (ECMA-119 8.4.8)
    std::string volume_id; // PVD "Volume Identifier" (ECMA-119 8.4.6), trailing spaces cut
};

// Throws aoe::iso::Error (Missing, NotAFile, Empty, TooSmall, NotIso, Truncated, ReadFailed).
PvdInfo precheck_iso_file(const std::filesystem::path& file);

// Pure part, for unit tests and fuzzing: parse one 2048-byte volume descriptor.
// Returns false if it is not a Primary Volume Descriptor ("\x01CD001\x01").
bool parse_pvd(const unsigned char* block, std::size_t size, PvdInfo& out);

} // namespace aoe::iso
