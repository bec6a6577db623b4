// Versioned kernel/initrd pairs: how an update replaces both files of an existing entry without
// a moment where an entry names a new kernel next to the old initrd (or the reverse). The new
// pair is written into boot/.stage-pxe-gen.<label>.<sha8>/ first; then one atomic step makes
// it the entry's (a directory exchange, or a config write naming the versioned pair while the
// final files are replaced). Leftovers of killed runs are swept by the next run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace aoe::pxe {

inline constexpr std::string_view kGenerationTag = ".stage-pxe-gen.";

// "boot/.stage-pxe-gen.<label>.<sha8>", sha8 = sha256(identity) prefix: the same ISO gives the
// same name, so a re-run after a kill finds (and reuses) what the killed run wrote.
std::filesystem::path generation_rel(std::string_view label, std::string_view identity);

// Removes every root/boot/.stage-pxe-gen.* directory whose name none of `configs` (config file
// texts) contains; in those still named, removes stale temp files. Call holding the root lock.
void sweep_generations(const std::filesystem::path& root, const std::vector<std::string>& configs);

// A first staging writes boot/NAME/linux and boot/NAME/initrd (or boot/linux, boot/initrd) in
// place, each with one rename, before the manifest and the configs name them: until then they
// belong to no entry. So the run first records the paths it is about to create in
// boot/.stage-pxe-new.<label> (written and fsynced before the first of them appears), and
// sweep_new_files removes every recorded path that neither the manifest nor a config names:
// at once when the run fails (ENOSPC, I/O error), and at the next run's start after a kill.
inline constexpr std::string_view kNewFilesTag = ".stage-pxe-new.";

// Writes the record of `rels` (relative to root, under boot/) for `label`. Throws Failure (a
// full disk fails here, before anything was created).
void record_new_files(const std::filesystem::path& root, std::string_view label,
                      const std::vector<std::filesystem::path>& rels);

// For every record in root/boot: removes the recorded files (and recorded directories, if
// empty) that the manifest on disk and `configs` (config file texts) do not name, then the
// record. Never removes a named file; keeps everything if the manifest cannot be read. Call
// holding the root lock. Does not throw.
void sweep_new_files(const std::filesystem::path& root, const std::vector<std::string>& configs);

// True if dir holds exactly the regular files `linux` and `initrd`, so swapping the directory
// as a whole loses nothing.
bool holds_only_pair(const std::filesystem::path& dir);

} // namespace aoe::pxe
