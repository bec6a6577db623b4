// The steps stage-pxe's actions share: the TFTP root's lock and checks, reading the ISO,
// extracting one boot file, writing one config with its .bak, the bootloader check.
#pragma once

#include "boot_config.hpp"
#include "image.hpp"
#include "manifest.hpp"
#include "stager.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace aoe::pxe::steps {

namespace fs = std::filesystem;

std::string q(const fs::path& p); // 'path', for messages

// flock on <root>/.stage-pxe.lock: serialises runs that stage into one TFTP root.
class RootLock {
  public:
    explicit RootLock(const fs::path& root);
    ~RootLock(); // closing releases the lock
    RootLock(const RootLock&) = delete;
    RootLock& operator=(const RootLock&) = delete;

  private:
    int fd_ = -1;
};

// Throws Failure unless root is a writable directory; creates it (0755) if asked and its
// parent exists.
void check_root_writable(const fs::path& root, bool create);

struct IsoIdentity {
    std::string path;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
};
IsoIdentity identity_of(const fs::path& iso); // size and mtime 0 if it is gone

iso::Image open_iso(const fs::path& p); // iso::Error -> Failure

fs::path config_rel(ConfigKind k, const Options& o);
std::optional<ConfigKind> kind_from(const std::string& s);

// Writes `after` over root/rel (with a .bak of `before`) unless equal; a dry run prints the
// diff instead. Returns "unchanged", "created", "updated", "would create" or "would update".
std::string apply_text(const fs::path& root, const fs::path& rel, bool existed,
                       const std::string& before, const std::string& after, bool dry_run,
                       std::ostream& out);

// root/rel, or the file it names if it is a symlink (an admin may keep the config elsewhere
// and link it in: the file is replaced, not the link). Throws Failure.
fs::path config_target(const fs::path& root, const fs::path& rel);

// The write behind apply_text: `text` over root/rel atomically (through a symlink to the file
// it names), after writing *bak as root/rel.bak if bak is given.
void write_config(const fs::path& root, const fs::path& rel, const std::string* bak,
                  const std::string& text);

// The texts of the configs stage-pxe manages in this root (pxelinux, GRUB, iPXE paths of `o`)
// that exist: what decides which versioned pairs (generation.hpp) are still in use.
std::vector<std::string> config_texts(const Options& o);

struct Extracted {
    StagedFile file;
    std::string state; // "written", "unchanged", "would write"
};
// Streams one file from the ISO to root/rel atomically, hashing on the way; leaves an
// identical existing file alone (no rename, no mtime change).
Extracted extract(const iso::Image& img, const iso::FileInfo& fi, const fs::path& root,
                  const fs::path& rel, bool dry_run, bool quiet, std::ostream& err);

// True if the staged file on disk still is what the manifest recorded.
bool staged_matches(const fs::path& root, const StagedFile& f);

// pxelinux.0 and ldlinux.c32 in the root: install (--install-bootloader) or say how to get them.
void check_bootloader(const Options& o, std::ostream& out, std::ostream& err);

// Quotes for a POSIX shell only when needed, so the common case stays copy-paste clean.
std::string shell_quote(const std::string& s);

} // namespace aoe::pxe::steps
