// aoe-target's configuration: /etc/aoeboot/aoe-target.conf (`key = value` lines; the keys are
// the long option names, so the file and the command line say the same things the same way)
// and an export directory (/etc/aoeboot/exports.d/*.conf, one `SHELF.SLOT=FILE[,rw]` per line,
// the format stage-pxe --export-dir writes). The command line overrides the file.
// Every error names the file and line.
#pragma once

#include <string>
#include <vector>

#include "hal/dpdk/options.hpp"

namespace aoehal {

// An export with the place it was read from.
struct LocatedExport {
    ExportSpec spec;
    std::string origin; // "FILE:LINE"
};

struct ConfigEntry {
    std::string key, value;
    std::string origin; // "FILE:LINE"
};

// `key = value` lines, `#` comments and blank lines. A flag may stand alone (`copy`).
// Returns "" or "FILE:LINE: problem".
std::string parse_config_text(const std::string& text, const std::string& file,
                              std::vector<ConfigEntry>& out);
// Export lines: `SHELF.SLOT=FILE[,rw]` (also `export = ...`), `#` comments, blank lines.
std::string parse_exports_text(const std::string& text, const std::string& file,
                               std::vector<LocatedExport>& out);
// Every `*.conf` file of `dir` in name order (dot files and editor leftovers are skipped).
std::string read_export_dir(const std::string& dir, std::vector<LocatedExport>& out);

// The options to run with: defaults, then the file (cmd.config_path), then the export
// directory, then the command line `cmd` (from parse_options) on top. Scalars given on the
// command line win; `iface` / `mac-allow` on the command line replace the file's list; an
// export on the command line replaces the file's export of the same shelf.slot. Returns "" or
// an error naming its source.
std::string load_configuration(const Options& cmd, Options& out);

} // namespace aoehal
