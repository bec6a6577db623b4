// An ISO image opened read-only through libisofs. Owns the IsoImage; borrowed libisofs
// pointers never leave this class. Paths inside the image are absolute ("/boot/x86_64/...").
#pragma once

#include "precheck.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct Iso_Image; // libisofs' IsoImage, kept out of our headers

namespace aoe::iso {

class Session;

enum class NodeType { File, Directory, Symlink, Special, BootCatalog };

struct DirEntry {
    std::string path; // absolute path inside the image
    NodeType type = NodeType::File;
    std::uint64_t size = 0;     // files only
    std::string symlink_target; // symlinks only, as recorded (may be relative)
};

struct FileInfo {
    std::string path;          // as asked
    std::string resolved_path; // after following symlinks
    std::uint64_t size = 0;
    bool via_symlink = false;
};

struct BootImage {
    int platform_id = 0; // El Torito: 0x00 BIOS (x86), 0xEF EFI
    int media_type = 0;  // 0 no emulation, 1-3 floppy, 4 hard disk
    bool bootable = false;
    std::string path; // empty if the image is hidden / not a file in the tree
};

struct BootCatalog {
    bool present = false;
    std::string catalog_path; // empty if hidden
    std::vector<BootImage> images;
};

using ChunkSink = std::function<void(std::span<const std::byte>)>;

class Image {
  public:
    // Precheck (see precheck.hpp) then import with Rock Ridge and Joliet. Throws Error.
    static Image open(const std::filesystem::path& file);

    Image(Image&&) noexcept;
    Image& operator=(Image&&) noexcept;
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;
    ~Image();

    const std::filesystem::path& file() const { return file_; }
    const PvdInfo& pvd() const { return pvd_; }
    const std::string& volume_id() const { return volume_id_; }
    bool rock_ridge() const { return rock_ridge_; }
    bool joliet() const { return joliet_; }
    bool el_torito() const { return el_torito_; }

    // A regular file at path, following Rock Ridge symlinks (relative or absolute).
    // nullopt if nothing is there or it is not a regular file; throws Error(BadSymlink) for a
    // dangling or looping link. Without Rock Ridge names are matched case-insensitively.
    std::optional<FileInfo> find_file(std::string_view path) const;
    bool is_directory(std::string_view path) const;

    // Children of a directory (symlinked directories followed). Throws NotFound / WrongType.
    std::vector<DirEntry> list_dir(std::string_view path) const;
    // Every node below root, depth first, symlinks not followed.
    void walk(const std::function<void(const DirEntry&)>& visit) const;

    BootCatalog boot_catalog() const;

    // Streams a file (symlinks followed) in chunks of at most chunk_bytes, checking the byte
    // count against the recorded size. Returns the size. Throws Error.
    std::uint64_t stream_file(std::string_view path, const ChunkSink& sink,
                              std::size_t chunk_bytes = std::size_t{1} << 20) const;
    // Small text files (boot configs). Throws Error if larger than max_bytes.
    std::string read_text(std::string_view path, std::size_t max_bytes = 1 << 20) const;

  private:
    Image() = default;
    void* node_at(std::string_view path, bool follow) const; // IsoNode*, borrowed
    void release() noexcept;

    std::shared_ptr<Session> session_;
    Iso_Image* image_ = nullptr;
    std::filesystem::path file_;
    PvdInfo pvd_;
    std::string volume_id_;
    bool rock_ridge_ = false;
    bool joliet_ = false;
    bool el_torito_ = false;
};

} // namespace aoe::iso
