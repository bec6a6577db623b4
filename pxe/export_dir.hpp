// aoe-target's --export-dir as stage-pxe sees it: the *.conf file it writes for an entry, and the
// exports the other *.conf files there already hold (written by hand, or by another tool).
#pragma once

#include "aoe_address.hpp"
#include "manifest.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace aoe::pxe {

// A shelf.slot that a file in --export-dir gives to aoe-target and that no manifest entry
// wrote (an export written by hand, or by another tool).
struct ForeignExport {
    std::string where; // FILE:LINE
    std::string image;
};

// The foreign exports of `dir`, by shelf.slot as clients name it ("e0.1"). Reads the *.conf
// files with aoe-target's own reader of the export line (target/export_line.hpp, grammar in
// docs/export-line.md), skipping the files the manifest's entries wrote and LABEL.conf, which
// this run replaces. Lines aoe-target would refuse are skipped here: its reload reports them
// with file:line. A directory that cannot be read gives none.
std::map<std::string, ForeignExport> foreign_exports(const std::filesystem::path& dir,
                                                     const Manifest& man, const std::string& label);

// The text of LABEL.conf, the export stage-pxe writes for an entry: `S.L=ISO`, the syntax of
// aoe-target --export.
std::string export_file_text(const std::string& label, const AoeAddress& aoe,
                             const std::filesystem::path& iso);

} // namespace aoe::pxe
