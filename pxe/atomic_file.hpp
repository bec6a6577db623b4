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
    // fchmod + fsync + close: after this only the rename is left, so a run can write every file
    // it will change (a full disk fails here) before it renames the first. commit() calls it
    // if needed.
    void prepare();
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
    bool prepared_ = false;
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

// fsync of a directory, so a rename or a new entry in it survives a power cut. Throws Failure.
void fsync_dir(const std::filesystem::path& dir);

// Crash-safety test hook: if `target` ends with $STAGE_PXE_TEST_STOP_BEFORE_RENAME, says so on
// stderr (naming `what`) and stops the process (SIGSTOP), so a test can SIGKILL it right before
// the commit of `target`. "PATH#N" stops at the N-th matching commit instead of the first.
void test_stop_point(const std::filesystem::path& target, const std::filesystem::path& what);

// Puts `src`'s file at `target` as one rename: link(src, temp next to target), then
// rename(temp, target), fsync(dir). `src` keeps its name; a reader of `target` sees the old
// file or the new one. Test hook as in AtomicFile::commit. Throws Failure.
void link_into_place(const std::filesystem::path& src, const std::filesystem::path& target);

// Swaps two directories in one step (renameat2 RENAME_EXCHANGE), then fsyncs their parent.
// Returns false, changing nothing, where the file system or kernel cannot do it (EINVAL,
// ENOSYS, EOPNOTSUPP: NFS, old kernels). Test hook on `b`. Throws Failure on other errors.
bool exchange_dirs(const std::filesystem::path& a, const std::filesystem::path& b);

} // namespace aoe::pxe
