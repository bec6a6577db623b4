// What a staging run did, as stage-pxe tells the admin: the files and configs it wrote, the
// warnings about the entry, and the aoe-target command that serves it. stage() (stage.cpp)
// fills a StageReport once the run has committed; print_stage_report prints it.
#pragma once

#include "actions.hpp"
#include "aoe_address.hpp"
#include "discovery.hpp"
#include "extract.hpp"
#include "initrd.hpp"
#include "kis.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace aoe::pxe {

// (path, state) lines: "boot/linux  written", "pxelinux.cfg/default  updated".
using States = std::vector<std::pair<std::string, std::string>>;

struct StageReport {
    std::string label;
    std::string http_base;        // --http without a trailing '/'; empty: TFTP
    const BootFiles* bf{};        // what discovery found (or the KIS build's files)
    const KisBuild* kis{};        // a KIS build; null for an ISO
    const InitrdFacts* initrd{};  // what the initrd mounts; null for a kernel-only entry
    std::string image;            // the file aoe-target exports (ISO or KIS filesystem image)
    std::string volume_id;        // the ISO's
    std::uint64_t image_size = 0; // its size, as the manifest records it
    bool kernel_only{};
    bool aoe_root{};      // the entry reads its root over AoE
    std::string live_url; // --live-url: root=live:URL
    AoeAddress aoe;
    Extracted kernel, initrd_file;
    States removed, configs;
    std::string export_file, export_state; // export_state empty: no export written
    std::string image_state;               // a KIS bundle's image in --image-dir
};

// Prints the report to `out`, the warnings to `err`; returns stage()'s exit code (0).
int print_stage_report(const Options& o, const StageReport& r, std::ostream& out,
                       std::ostream& err);

} // namespace aoe::pxe
