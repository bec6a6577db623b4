#include "hal/dpdk/image.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "target/image_identity.hpp"

namespace aoehal {

Image::~Image() {
    stop_prefetch();
    if (base_) munmap(base_, map_bytes_);
    if (fd_ >= 0) close(fd_);
}

bool Image::open(const std::string& path, bool writable, std::string& error, std::string& note) {
    path_ = path;
    writable_ = writable;
    fd_ = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd_ < 0) {
        int e = errno;
        if (e == ENOENT)
            error = path + ": no such file";
        else if (e == EACCES || e == EROFS)
            error = path + ": cannot open " + (writable ? "for writing" : "for reading") + ": " +
                    std::strerror(e);
        else
            error = path + ": " + std::strerror(e);
        return false;
    }
    struct stat st {};
    if (fstat(fd_, &st) != 0) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        error = path + ": is a directory";
        return false;
    }
    std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd_, 0, SEEK_END);
        if (end > 0) size = static_cast<std::uint64_t>(end);
    }
    if (size < 512) {
        error = path + ": too short (" + std::to_string(size) +
                " bytes; an export needs at least one 512-byte sector)";
        return false;
    }
    if (size % 512 != 0)
        note = path + ": " + std::to_string(size) +
               " bytes is not a whole number of 512-byte sectors; serving the first " +
               std::to_string(size / 512) + " sectors (" + std::to_string(size % 512) +
               " trailing bytes not exported)";
    file_bytes_ = size - size % 512;

    // Reserve a 2 MiB aligned window, then map the file over its start.
    map_bytes_ = (file_bytes_ + kImageAlign - 1) / kImageAlign * kImageAlign;
    std::size_t reserve = map_bytes_ + kImageAlign;
    void* r = mmap(nullptr, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
        error = path + ": cannot reserve address space: " + std::strerror(errno);
        return false;
    }
    auto raddr = reinterpret_cast<std::uintptr_t>(r);
    std::uintptr_t aligned = (raddr + kImageAlign - 1) / kImageAlign * kImageAlign;
    if (aligned > raddr) munmap(r, aligned - raddr);
    std::uintptr_t tail = aligned + map_bytes_;
    if (raddr + reserve > tail) munmap(reinterpret_cast<void*>(tail), raddr + reserve - tail);

    int prot = writable ? (PROT_READ | PROT_WRITE) : PROT_READ;
    int flags = (writable ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
    // Pages past the end of the file are mapped but never touched (we serve only whole sectors
    // below file_bytes_), so they cannot raise SIGBUS.
    void* m = mmap(reinterpret_cast<void*>(aligned), map_bytes_, prot, flags, fd_, 0);
    if (m == MAP_FAILED) {
        error = path + ": cannot map: " + std::strerror(errno);
        munmap(reinterpret_cast<void*>(aligned), map_bytes_);
        return false;
    }
    base_ = static_cast<std::uint8_t*>(m);
    madvise(base_, map_bytes_, MADV_SEQUENTIAL);

    // Identity (the IDENTIFY serial; docs/decisions.md): the core's sample hash, the same as
    // aoe-firmware's (target/image_identity.hpp).
    const std::uint64_t h = aoe::image_identity(base_, file_bytes_);
    std::int64_t mt =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    mtime_ns_ = mt; // for changed_on_disk(), not for the identity
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    identity_ = buf;
    return true;
}

bool Image::changed_on_disk() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return true;
    std::int64_t mt =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return st.st_dev != dev_ || st.st_ino != ino_ || mt != mtime_ns_;
}

bool Image::sync() {
    if (!writable_ || !base_) return true;
    return msync(base_, file_bytes_, MS_SYNC) == 0;
}

void Image::start_prefetch(const std::string& label, std::uint64_t progress_min) {
    prefetch_ = std::thread([this, label, progress_min] {
        const std::size_t chunk = 16u << 20;
        const long page = sysconf(_SC_PAGESIZE);
        bool show = file_bytes_ >= progress_min;
        auto last = std::chrono::steady_clock::now();
        volatile std::uint8_t sink = 0;
        for (std::uint64_t off = 0;
             off < file_bytes_ && !prefetch_stop_.load(std::memory_order_relaxed); off += chunk) {
            std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(chunk, file_bytes_ - off));
            madvise(base_ + off, n, MADV_WILLNEED);
            for (std::size_t p = 0; p < n; p += static_cast<std::size_t>(page))
                sink = static_cast<std::uint8_t>(sink + base_[off + p]);
            auto now = std::chrono::steady_clock::now();
            if (show && now - last >= std::chrono::milliseconds(500)) {
                last = now;
                std::fprintf(stderr,
                             "aoe-target: %s: loading %s: %3u%% (%llu/%llu MiB), already serving\n",
                             label.c_str(), path_.c_str(),
                             static_cast<unsigned>((off + n) * 100 / file_bytes_),
                             static_cast<unsigned long long>((off + n) >> 20),
                             static_cast<unsigned long long>(file_bytes_ >> 20));
            }
        }
        if (show && !prefetch_stop_.load())
            std::fprintf(stderr, "aoe-target: %s: %s loaded (%llu MiB)\n", label.c_str(),
                         path_.c_str(), static_cast<unsigned long long>(file_bytes_ >> 20));
        prefetch_done_.store(true, std::memory_order_release);
    });
}

void Image::stop_prefetch() {
    prefetch_stop_.store(true);
    if (prefetch_.joinable()) prefetch_.join();
}

} // namespace aoehal
