#include "precheck.hpp"

#include "error.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aoe::iso {

namespace {

std::string quoted(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

// RAII for a plain file descriptor.
struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

} // namespace

bool parse_pvd(const unsigned char* block, std::size_t size, PvdInfo& out) {
    // ECMA-119 8.4: type 1, standard identifier "CD001", version 1.
    if (size < kBlockSize) return false;
    if (block[0] != 1 || std::memcmp(block + 1, "CD001", 5) != 0 || block[6] != 1) return false;
    // 8.4.8 Volume Space Size: both-byte order 32-bit at BP 81-88; little-endian half first.
    std::uint32_t blocks =
        static_cast<std::uint32_t>(block[80]) | static_cast<std::uint32_t>(block[81]) << 8 |
        static_cast<std::uint32_t>(block[82]) << 16 | static_cast<std::uint32_t>(block[83]) << 24;
    out.volume_blocks = blocks;
    // 8.4.6 Volume Identifier: BP 41-72, d-characters padded with spaces.
    std::string id(reinterpret_cast<const char*>(block + 40), 32);
    while (!id.empty() && (id.back() == ' ' || id.back() == '\0')) id.pop_back();
    out.volume_id = id;
    return true;
}

PvdInfo precheck_iso_file(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            throw Error(ErrorKind::Missing, quoted(file) + ": no such file");
        throw Error(ErrorKind::ReadFailed, quoted(file) + ": " + std::strerror(e));
    }
    if (S_ISDIR(st.st_mode))
        throw Error(ErrorKind::NotAFile, quoted(file) + ": is a directory, not an ISO image file");
    if (!S_ISREG(st.st_mode))
        throw Error(ErrorKind::NotAFile, quoted(file) + ": not a regular file");
    auto bytes = static_cast<std::uint64_t>(st.st_size);
    if (bytes == 0) throw Error(ErrorKind::Empty, quoted(file) + ": empty file, not an ISO image");
    if (bytes < kMinIsoBytes)
        throw Error(ErrorKind::TooSmall, quoted(file) + ": too small to be an ISO image (" +
                                             std::to_string(bytes) +
                                             " bytes; an ISO 9660 volume has at least " +
                                             std::to_string(kMinIsoBytes) + ")");

    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.fd < 0)
        throw Error(ErrorKind::ReadFailed, quoted(file) + ": cannot open: " + std::strerror(errno));
    std::array<unsigned char, kBlockSize> block{};
    ssize_t got =
        ::pread(fd.fd, block.data(), block.size(), static_cast<off_t>(kPvdBlock * kBlockSize));
    if (got != static_cast<ssize_t>(block.size()))
        throw Error(ErrorKind::ReadFailed, quoted(file) + ": cannot read the volume descriptor");

    PvdInfo info;
    info.file_bytes = bytes;
    if (!parse_pvd(block.data(), block.size(), info))
        throw Error(ErrorKind::NotIso, quoted(file) +
                                           ": not an ISO 9660 image (no CD001 primary volume "
                                           "descriptor at byte 32768)");
    if (info.volume_blocks < kPvdBlock + 1)
        throw Error(ErrorKind::NotIso, quoted(file) + ": damaged ISO 9660 image (volume size " +
                                           std::to_string(info.volume_blocks) + " blocks)");
    // Larger is fine (appended partitions, padding); smaller means data is missing.
    if (bytes < info.volume_blocks * kBlockSize)
        throw Error(ErrorKind::Truncated,
                    quoted(file) + ": truncated ISO image (" + std::to_string(bytes) +
                        " bytes, the volume descriptor says " +
                        std::to_string(info.volume_blocks * kBlockSize) + ")");
    return info;
}

} // namespace aoe::iso
