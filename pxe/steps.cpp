#include "steps.hpp"

#include "atomic_file.hpp"
#include "error.hpp"
#include "errors.hpp"
#include "line_diff.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <pthread.h>
#include <regex>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace aoe::pxe::steps {

std::string q(const fs::path& p) {
    return "'" + p.string() + "'";
}

RootLock::RootLock(const fs::path& root) {
    auto p = root / ".stage-pxe.lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        int e = errno;
        throw Failure("TFTP root " + q(root) + " is not writable: cannot create " + q(p) + ": " +
                      std::strerror(e));
    }
    while (::flock(fd_, LOCK_EX) != 0)
        if (errno != EINTR) throw Failure("cannot lock " + q(p) + ": " + std::strerror(errno));
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
                throw Failure("TFTP root " + q(root) +
                              " does not exist and is not writable here (" + std::strerror(e) +
                              ")");
        }
        throw Failure("TFTP root " + q(root) + ": " + std::strerror(e));
    }
    if (!S_ISDIR(st.st_mode)) throw Failure("TFTP root " + q(root) + " is not a directory");
    if (::access(root.c_str(), W_OK | X_OK) != 0)
        throw Failure("TFTP root " + q(root) + " is not writable by this user (" +
                      std::strerror(errno) + ")");
}

IsoIdentity identity_of(const fs::path& iso) {
    struct stat st {};
    if (::stat(iso.c_str(), &st) != 0) return {iso.string(), 0, 0};
    return {iso.string(), static_cast<std::uint64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

namespace {

// libisofs 1.5.4 recurses without end on some damaged directory trees (a Joliet directory
// whose extent is an ancestor's: tests/fuzz/README.md, finding 4): iso_image_import never
// returns and memory grows. A real import reads directory records only and takes well under
// a second, and nothing has been written yet when it runs (open_iso comes before the TFTP
// root's lock), so after a generous limit the run ends with a message instead of hanging a
// staging job forever. STAGE_PXE_IMPORT_TIMEOUT=S changes the limit (0: none).
class ImportWatchdog {
  public:
    explicit ImportWatchdog(const fs::path& file) {
        long limit = 120;
        if (const char* env = std::getenv("STAGE_PXE_IMPORT_TIMEOUT")) limit = std::atol(env);
        if (limit <= 0) return;
        thread_ = std::thread([this, file, limit] {
            // Signals (SIGINT, a test harness' SIGALRM) stay with the thread doing the work.
            sigset_t all;
            sigfillset(&all);
            pthread_sigmask(SIG_BLOCK, &all, nullptr);
            std::unique_lock<std::mutex> lock(mu_);
            if (cv_.wait_for(lock, std::chrono::seconds(limit), [this] { return done_; })) return;
            std::fprintf(stderr,
                         "stage-pxe: '%s': libisofs has been reading the directory tree for "
                         "%ld s without end; giving up (a damaged ISO, e.g. a directory that "
                         "contains itself). Nothing was written.\n",
                         file.c_str(), limit);
            std::fflush(stderr);
            std::_Exit(1);
        });
    }
    ~ImportWatchdog() {
        if (!thread_.joinable()) return;
        {
            std::lock_guard<std::mutex> lock(mu_);
            done_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    ImportWatchdog(const ImportWatchdog&) = delete;
    ImportWatchdog& operator=(const ImportWatchdog&) = delete;

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

} // namespace

iso::Image open_iso(const fs::path& p) {
    try {
        ImportWatchdog watchdog(p);
        return iso::Image::open(p);
    } catch (const iso::Error& e) {
        throw Failure(e.what());
    }
}

fs::path config_rel(ConfigKind k, const Options& o) {
    switch (k) {
    case ConfigKind::Pxelinux:
        return "pxelinux.cfg/default";
    case ConfigKind::Grub:
        return o.grub_cfg;
    case ConfigKind::Ipxe:
        return o.ipxe_script;
    }
    return {};
}

std::optional<ConfigKind> kind_from(const std::string& s) {
    if (s == "pxelinux") return ConfigKind::Pxelinux;
    if (s == "grub") return ConfigKind::Grub;
    if (s == "ipxe") return ConfigKind::Ipxe;
    return std::nullopt;
}

// Writes `after` over `path` (with a .bak of `before`) unless equal; dry-run prints the diff.
// Returns "unchanged", "created", "updated" or "would ...".
std::string apply_text(const fs::path& root, const fs::path& rel, bool existed,
                       const std::string& before, const std::string& after, bool dry_run,
                       std::ostream& out) {
    if (existed && before == after) return "unchanged";
    if (dry_run) {
        out << unified_diff(existed ? before : std::string(), after, rel.string());
        return existed ? "would update" : "would create";
    }
    write_config(root, rel, existed ? &before : nullptr, after);
    return existed ? "updated" : "created";
}

std::vector<std::string> config_texts(const Options& o) {
    std::vector<std::string> texts;
    for (auto kind : {ConfigKind::Pxelinux, ConfigKind::Grub, ConfigKind::Ipxe}) {
        std::string t;
        if (read_file(o.tftp_root / config_rel(kind, o), t)) texts.push_back(std::move(t));
    }
    return texts;
}

fs::path config_target(const fs::path& root, const fs::path& rel) {
    fs::path target = root / rel;
    if (std::error_code ec; fs::is_symlink(target, ec)) {
        target = fs::canonical(target, ec);
        if (ec) throw Failure("cannot resolve the symlink " + q(root / rel) + ": " + ec.message());
    }
    return target;
}

void write_config(const fs::path& root, const fs::path& rel, const std::string* bak,
                  const std::string& text) {
    make_dirs(root, rel.parent_path());
    const fs::path target = config_target(root, rel);
    if (bak) write_file_atomic(target.string() + ".bak", *bak);
    write_file_atomic(target, text);
}

// Streams one file from the ISO to root/rel atomically, hashing on the way; leaves an
// identical existing file alone (no rename, no mtime change).
Extracted extract(const iso::Image& img, const iso::FileInfo& fi, const fs::path& root,
                  const fs::path& rel, bool dry_run, bool quiet, std::ostream& err) {
    Extracted x;
    x.file.path = rel.string();
    x.file.source = fi.resolved_path;
    x.file.size = fi.size;
    Sha256 h;
    const bool progress = !quiet && fi.size >= (64u << 20) && ::isatty(2);
    std::uint64_t done = 0;
    int last_pct = -1;
    auto tick = [&](std::size_t n) {
        done += n;
        if (!progress) return;
        int pct = static_cast<int>(done * 100 / std::max<std::uint64_t>(fi.size, 1));
        if (pct != last_pct) {
            err << "\rstage-pxe: " << rel.string() << " " << pct << "%" << std::flush;
            last_pct = pct;
        }
    };
    if (dry_run) {
        img.stream_file(fi.path, [&](std::span<const std::byte> c) {
            h.update(c);
            tick(c.size());
        });
        x.file.sha256 = h.hex();
        std::error_code ec;
        bool same = fs::exists(root / rel, ec) && fs::file_size(root / rel, ec) == fi.size &&
                    sha256_file(root / rel) == x.file.sha256;
        x.state = same ? "unchanged" : "would write";
        if (progress) err << "\n";
        return x;
    }
    make_dirs(root, rel.parent_path());
    AtomicFile f(root / rel);
    auto n = img.stream_file(fi.path, [&](std::span<const std::byte> c) {
        h.update(c);
        f.write(c);
        tick(c.size());
    });
    if (progress) err << "\n";
    x.file.sha256 = h.hex();
    if (n != fi.size || f.bytes_written() != fi.size)
        throw Failure(q(img.file()) + ": " + fi.path + ": wrote " +
                      std::to_string(f.bytes_written()) + " bytes, the ISO says " +
                      std::to_string(fi.size));
    std::error_code ec;
    if (fs::is_regular_file(root / rel, ec) && fs::file_size(root / rel, ec) == fi.size &&
        sha256_file(root / rel) == x.file.sha256) {
        x.state = "unchanged"; // temp file is dropped by the destructor
        return x;
    }
    f.commit();
    x.state = "written";
    return x;
}

// True if the staged file on disk still is what the manifest recorded.
bool staged_matches(const fs::path& root, const StagedFile& f) {
    std::error_code ec;
    if (!fs::is_regular_file(root / f.path, ec) || fs::file_size(root / f.path, ec) != f.size)
        return false;
    return sha256_file(root / f.path) == f.sha256;
}

void check_bootloader(const Options& o, std::ostream& out, std::ostream& err) {
    struct Need {
        const char* name;
        const char* debian_path;
        const char* package;
    };
    static const Need needs[] = {
        {"pxelinux.0", "/usr/lib/PXELINUX/pxelinux.0", "pxelinux"},
        {"ldlinux.c32", "/usr/lib/syslinux/modules/bios/ldlinux.c32", "syslinux-common"}};
    for (const auto& n : needs) {
        std::error_code ec;
        if (fs::exists(o.tftp_root / n.name, ec)) continue;
        if (o.install_bootloader && !o.dry_run && fs::exists(n.debian_path, ec)) {
            std::string data;
            read_file(n.debian_path, data);
            write_file_atomic(o.tftp_root / n.name, data);
            out << "  " << n.name << ": installed from " << n.debian_path << "\n";
            continue;
        }
        err << "stage-pxe: warning: " << q(o.tftp_root / n.name)
            << " is missing; clients cannot boot "
            << "without it. Get it with: apt-get install " << n.package << " && cp "
            << n.debian_path << " " << o.tftp_root.string()
            << "/ (or run with --install-bootloader)\n";
    }
}

// Quotes for a POSIX shell only when needed, so the common case stays copy-paste clean.
std::string shell_quote(const std::string& s) {
    static const std::regex plain("[A-Za-z0-9_./=:,+@%-]+");
    if (std::regex_match(s, plain)) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace aoe::pxe::steps
