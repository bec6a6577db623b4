// Crash-safe file replacement: temp file in the same directory (same filesystem, right SELinux
// label) -> write -> fchmod -> fsync -> rename -> fsync(dir). A reader (a booting client's TFTP
// server) sees the old file or the new one, never a mix; a killed run leaves only a temp file,
// which the next run removes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace aoe::pxe {

inline constexpr std::string_view kTempTag = ".stage-pxe-tmp.";

class AtomicFile {
  public:
    // Creates the temp file next to `target`. Throws Failure (names the directory).
    explicit AtomicFile(std::filesystem::path target, mode_t mode = 0644);
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile(); // removes the temp file unless committed

    void write(std::span<const std::byte> data);
    void write(std::string_view s) {
        write(std::as_bytes(std::span<const char>(s.data(), s.size())));
    }
    std::uint64_t bytes_written() const { return written_; }
    // Makes the content the target's. Test hook: if the target path ends with
    // $STAGE_PXE_TEST_STOP_BEFORE_RENAME, the process stops itself (SIGSTOP) after fsync and before
    // rename, so a test can SIGKILL it at exactly that point.
    void commit();

  private:
    std::filesystem::path target_;
    std::filesystem::path temp_;
    mode_t mode_;
    int fd_ = -1;
    std::uint64_t written_ = 0;
    bool committed_ = false;
};

void write_file_atomic(const std::filesystem::path& target, std::string_view content,
                       mode_t mode = 0644);

// Reads a whole file; returns false if it does not exist. Throws Failure on other errors.
bool read_file(const std::filesystem::path& p, std::string& out);

// Creates root/rel and its parents below root with mode 0755 (TFTP servers need o+x on every
// directory). Throws Failure.
void make_dirs(const std::filesystem::path& root, const std::filesystem::path& rel);

// Removes temp files a killed run left in dir (call while holding the lock).
void remove_stale_temps(const std::filesystem::path& dir);

} // namespace aoe::pxe
