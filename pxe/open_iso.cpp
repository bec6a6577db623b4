#include "open_iso.hpp"

#include "error.hpp"
#include "errors.hpp"

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <pthread.h>
#include <sys/stat.h>
#include <thread>

namespace aoe::pxe {

namespace fs = std::filesystem;

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

} // namespace aoe::pxe
