// A disk image mapped into memory for an export.
// Read-only images: MAP_PRIVATE/PROT_READ, served zero-copy (the mapping is registered with
// DPDK as external memory by the port layer). Writable images: MAP_SHARED, copy path only,
// FLUSH runs msync on the control thread.
// The mapping is 2 MiB aligned and a multiple of 2 MiB long, so it can be registered with
// rte_extmem_register in a handful of segments instead of one per 4 KiB page.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace aoehal {

inline constexpr std::size_t kImageAlign = 2u << 20;

class Image {
  public:
    Image() = default;
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;
    ~Image();

    // Opens and maps `path`. On failure returns false and sets `error` to a readable reason.
    // `note` gets a warning to print (e.g. a size that is not a whole number of sectors).
    bool open(const std::string& path, bool writable, std::string& error, std::string& note);

    std::uint8_t* data() const { return base_; }
    std::uint64_t file_bytes() const { return file_bytes_; }
    std::uint64_t sectors() const { return file_bytes_ / 512; }
    std::size_t map_bytes() const { return map_bytes_; }
    bool writable() const { return writable_; }
    const std::string& path() const { return path_; }
    // IDENTIFY serial: 16 hex digits of FNV-1a over the size and sampled content (image.cpp).
    const std::string& identity() const { return identity_; }

    // The file at path() is no longer the one opened (replaced, rewritten or removed).
    bool changed_on_disk() const;

    // Flush writes of a writable image to the file (control thread only; may block).
    bool sync();

    // Starts a background page-in of the image (madvise + touch one byte per page), with a
    // progress line on stderr for images above `progress_min` bytes.
    void start_prefetch(const std::string& label, std::uint64_t progress_min);
    void stop_prefetch();
    bool prefetch_done() const { return prefetch_done_.load(std::memory_order_acquire); }

  private:
    std::string path_;
    int fd_ = -1;
    std::uint8_t* base_ = nullptr;
    std::uint64_t file_bytes_ = 0;
    std::size_t map_bytes_ = 0;
    bool writable_ = false;
    std::string identity_;
    std::uint64_t dev_ = 0, ino_ = 0;
    std::int64_t mtime_ns_ = 0;
    std::thread prefetch_;
    std::atomic<bool> prefetch_stop_{false};
    std::atomic<bool> prefetch_done_{false};
};

} // namespace aoehal
