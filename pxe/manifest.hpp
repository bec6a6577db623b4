// The manifest (<tftp-root>/stage-pxe.manifest.json): what each staged image came from and what
// was written, so a re-run can skip unchanged work, --check can spot drift, and shelf.slot
// numbers stay unique.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace aoe::pxe {

struct StagedFile {
    std::string path;   // relative to the TFTP root
    std::string source; // path inside the ISO (after symlinks)
    std::uint64_t size = 0;
    std::string sha256;
};

struct ManifestEntry {
    std::string label;
    std::string iso; // absolute path
    std::uint64_t iso_size = 0;
    std::int64_t iso_mtime_ns = 0;
    std::string volume_id;
    std::string layout;
    std::string aoe;  // "e0.1"; empty for a kernel-only entry
    std::string args; // kernel arguments written
    StagedFile kernel;
    StagedFile initrd;                // all empty for a kernel-only entry
    std::vector<std::string> configs; // "pxelinux", "grub", "ipxe"
    std::string export_file;          // absolute, if --export-dir was used
    // --kernel-only: the kernel alone (iPXE, memtest); aoe and initrd are empty, no export.
    // Written as "kernel_only": true, and only then, so older manifests stay byte-identical.
    bool kernel_only = false;
    // A KIWI KIS build (pxe/kis.hpp): kind "kis", and `iso` is its filesystem image, the file
    // exported. Written as "kis": {...}, and only then, so ISO entries stay byte-identical.
    std::string kind;       // "" an ISO, "kis"
    std::string kis_from;   // "folder", "bundle", "files"
    std::string kis_source; // the folder, the bundle, or the image (absolute)
    std::uint64_t kis_source_size = 0; // a bundle's size and mtime, for --check
    std::int64_t kis_source_mtime_ns = 0;
    bool image_unpacked = false; // stage-pxe unpacked `iso` out of the bundle (--remove takes it)
};

struct Manifest {
    std::map<std::string, ManifestEntry> images; // by label
};

inline constexpr const char* kManifestName = "stage-pxe.manifest.json";
// Not world-readable: TFTP servers serve world-readable files only, and clients have no business
// reading the host's ISO paths.
inline constexpr unsigned kManifestMode = 0640;

// Throws Failure if the file exists but cannot be parsed.
Manifest load_manifest(const std::filesystem::path& file);
std::string dump_manifest(const Manifest& m);

} // namespace aoe::pxe
