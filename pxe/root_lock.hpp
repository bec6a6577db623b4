// The TFTP root before a run changes it: the check that it is a writable directory, and the lock
// that serialises the runs staging into it.
#pragma once

#include <filesystem>

namespace aoe::pxe {

// flock on <root>/.stage-pxe.lock: serialises runs that stage into one TFTP root.
class RootLock {
  public:
    explicit RootLock(const std::filesystem::path& root);
    ~RootLock(); // closing releases the lock
    RootLock(const RootLock&) = delete;
    RootLock& operator=(const RootLock&) = delete;

  private:
    int fd_ = -1;
};

// Throws Failure unless root is a writable directory; creates it (0755) if asked and its
// parent exists.
void check_root_writable(const std::filesystem::path& root, bool create);

} // namespace aoe::pxe
