// The boot config files stage-pxe manages in the TFTP root (pxelinux, GRUB, iPXE): where each
// kind lives, reading them, and writing one with its .bak.
#pragma once

#include "actions.hpp"
#include "boot_config.hpp"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace aoe::pxe {

std::filesystem::path config_rel(ConfigKind k, const Options& o);
std::optional<ConfigKind> kind_from(const std::string& s);

// Writes `after` over root/rel (with a .bak of `before`) unless equal; a dry run prints the
// diff instead. Returns "unchanged", "created", "updated", "would create" or "would update".
std::string apply_text(const std::filesystem::path& root, const std::filesystem::path& rel,
                       bool existed, const std::string& before, const std::string& after,
                       bool dry_run, std::ostream& out);

// root/rel, or the file it names if it is a symlink (an admin may keep the config elsewhere
// and link it in: the file is replaced, not the link). Throws Failure.
std::filesystem::path config_target(const std::filesystem::path& root,
                                    const std::filesystem::path& rel);

// The write behind apply_text: `text` over root/rel atomically (through a symlink to the file
// it names), after writing *bak as root/rel.bak if bak is given.
void write_config(const std::filesystem::path& root, const std::filesystem::path& rel,
                  const std::string* bak, const std::string& text);

// The texts of the configs stage-pxe manages in this root (pxelinux, GRUB, iPXE paths of `o`)
// that exist: what decides which versioned pairs (generation.hpp) are still in use.
std::vector<std::string> config_texts(const Options& o);

} // namespace aoe::pxe
