#include "atomic_file.hpp"

#include "errors.hpp"
#include "quote.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace aoe::pxe {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& p, int e) {
    std::string hint;
    if (e == EACCES || e == EROFS || e == EPERM) hint = " (TFTP root not writable by this user?)";
    throw Failure(what + " " + in_quotes(p) + ": " + std::strerror(e) + hint);
}

} // namespace

void fsync_dir(const std::filesystem::path& dir) {
    int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) fail("cannot open directory", dir, errno);
    if (::fsync(d) != 0 && errno != EINVAL) {
        int e = errno;
        ::close(d);
        fail("cannot fsync directory", dir, e);
    }
    ::close(d);
}

void test_stop_point(const std::filesystem::path& target, const std::filesystem::path& what) {
    const char* env = std::getenv("STAGE_PXE_TEST_STOP_BEFORE_RENAME");
    if (!env || !*env) return;
    // "PATH#N": the N-th commit of a path that ends with PATH (a config is renamed twice when
    // an update switches it to a versioned pair and back).
    std::string hook = env;
    long nth = 1;
    if (auto hash = hook.rfind('#'); hash != std::string::npos) {
        nth = std::strtol(hook.c_str() + hash + 1, nullptr, 10);
        hook.resize(hash);
    }
    static long seen = 0;
    if (!target.string().ends_with(hook) || ++seen != nth) return;
    std::fprintf(stderr, "stage-pxe: test hook: stopped before renaming %s\n", what.c_str());
    std::fflush(stderr);
    std::raise(SIGSTOP);
}

void link_into_place(const std::filesystem::path& src, const std::filesystem::path& target) {
    auto dir = target.parent_path();
    if (dir.empty()) dir = ".";
    // The temp name carries kTempTag, so remove_stale_temps sweeps it after a kill. Callers hold
    // the root lock: no other stage-pxe picks the same name.
    const auto temp = dir / ("." + target.filename().string() + std::string(kTempTag) + "link" +
                             std::to_string(::getpid()));
    ::unlink(temp.c_str());
    if (::link(src.c_str(), temp.c_str()) != 0)
        fail("cannot link " + in_quotes(src) + " to", temp, errno);
    test_stop_point(target, temp);
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        int e = errno;
        ::unlink(temp.c_str());
        fail("cannot rename onto", target, e);
    }
    fsync_dir(dir);
}

bool exchange_dirs(const std::filesystem::path& a, const std::filesystem::path& b) {
    test_stop_point(b, a);
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
        int e = errno;
        if (e == EINVAL || e == ENOSYS || e == EOPNOTSUPP) return false;
        fail("cannot exchange " + in_quotes(a) + " with", b, e);
    }
    auto dir = b.parent_path();
    fsync_dir(dir.empty() ? "." : dir);
    return true;
}

AtomicFile::AtomicFile(std::filesystem::path target, mode_t mode)
    : target_(std::move(target)), mode_(mode) {
    auto dir = target_.parent_path();
    if (dir.empty()) dir = ".";
    std::string templ =
        (dir / ("." + target_.filename().string() + std::string(kTempTag) + "XXXXXX")).string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd_ < 0) fail("cannot create a file in", dir, errno);
    temp_ = buf.data();
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::write(std::span<const std::byte> data) {
    const std::byte* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        ssize_t k = ::write(fd_, p, left);
        if (k < 0) {
            if (errno == EINTR) continue;
            fail("cannot write", temp_, errno);
        }
        p += k;
        left -= static_cast<std::size_t>(k);
        written_ += static_cast<std::uint64_t>(k);
    }
}

void AtomicFile::prepare() {
    if (prepared_) return;
    // mkstemp makes 0600; TFTP servers serve only world-readable files.
    if (::fchmod(fd_, mode_) != 0) fail("cannot chmod", temp_, errno);
    if (::fsync(fd_) != 0) fail("cannot fsync", temp_, errno);
    if (::close(fd_) != 0) {
        fd_ = -1;
        fail("cannot close", temp_, errno);
    }
    fd_ = -1;
    prepared_ = true;
}

void AtomicFile::commit() {
    prepare();
    test_stop_point(target_, temp_);
    if (::rename(temp_.c_str(), target_.c_str()) != 0) fail("cannot rename onto", target_, errno);
    committed_ = true;
    fsync_dir(target_.parent_path().empty() ? "." : target_.parent_path());
}

void write_file_atomic(const std::filesystem::path& target, std::string_view content, mode_t mode) {
    AtomicFile f(target, mode);
    f.write(content);
    f.commit();
}

bool read_file(const std::filesystem::path& p, std::string& out) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return false;
        fail("cannot open", p, errno);
    }
    out.clear();
    char buf[65536];
    for (;;) {
        ssize_t k = ::read(fd, buf, sizeof buf);
        if (k < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            fail("cannot read", p, e);
        }
        if (k == 0) break;
        out.append(buf, static_cast<std::size_t>(k));
    }
    ::close(fd);
    return true;
}

void make_dirs(const std::filesystem::path& root, const std::filesystem::path& rel) {
    std::filesystem::path cur = root;
    for (const auto& part : rel) {
        cur /= part;
        if (::mkdir(cur.c_str(), 0755) == 0) {
            ::chmod(cur.c_str(), 0755); // umask must not take o+x away
            continue;
        }
        int e = errno;
        struct stat st {};
        if (e == EEXIST && ::stat(cur.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
        if (e == EEXIST) throw Failure(in_quotes(cur) + " exists and is not a directory");
        fail("cannot create directory", cur, e);
    }
}

void remove_stale_temps(const std::filesystem::path& dir) {
    std::error_code ec;
    for (const auto& ent : std::filesystem::directory_iterator(dir, ec)) {
        auto name = ent.path().filename().string();
        if (name.size() > 1 && name[0] == '.' && name.find(kTempTag) != std::string::npos)
            std::filesystem::remove(ent.path(), ec);
    }
}

} // namespace aoe::pxe
