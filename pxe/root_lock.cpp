#include "root_lock.hpp"

#include "errors.hpp"
#include "quote.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aoe::pxe {

namespace fs = std::filesystem;

RootLock::RootLock(const fs::path& root) {
    auto p = root / ".stage-pxe.lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        int e = errno;
        throw Failure("TFTP root " + in_quotes(root) + " is not writable: cannot create " +
                      in_quotes(p) + ": " + std::strerror(e));
    }
    while (::flock(fd_, LOCK_EX) != 0)
        if (errno != EINTR)
            throw Failure("cannot lock " + in_quotes(p) + ": " + std::strerror(errno));
}

RootLock::~RootLock() {
    ::close(fd_);
}

void check_root_writable(const fs::path& root, bool create) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
        int e = errno;
        // A missing root is created (mode 0755) when its parent exists; a missing parent is
        // more likely a typo than a wish for a new tree.
        if (e == ENOENT && create) {
            if (::mkdir(root.c_str(), 0755) == 0) {
                ::chmod(root.c_str(), 0755);
                return;
            }
            e = errno;
            if (e == EACCES || e == EROFS || e == EPERM)
                throw Failure("TFTP root " + in_quotes(root) +
                              " does not exist and is not writable here (" + std::strerror(e) +
                              ")");
        }
        throw Failure("TFTP root " + in_quotes(root) + ": " + std::strerror(e));
    }
    if (!S_ISDIR(st.st_mode)) throw Failure("TFTP root " + in_quotes(root) + " is not a directory");
    if (::access(root.c_str(), W_OK | X_OK) != 0)
        throw Failure("TFTP root " + in_quotes(root) + " is not writable by this user (" +
                      std::strerror(errno) + ")");
}

} // namespace aoe::pxe
