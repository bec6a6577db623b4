#include "extract.hpp"

#include "atomic_file.hpp"
#include "errors.hpp"
#include "quote.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <cstdint>
#include <unistd.h>

namespace aoe::pxe {

namespace fs = std::filesystem;

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
        throw Failure(in_quotes(img.file()) + ": " + fi.path + ": wrote " +
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

Extracted extract_bytes(std::string_view bytes, const std::string& source, const fs::path& root,
                        const fs::path& rel, bool dry_run) {
    Extracted x;
    x.file.path = rel.string();
    x.file.source = source;
    x.file.size = bytes.size();
    Sha256 h;
    h.update(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
    x.file.sha256 = h.hex();
    std::error_code ec;
    const bool same = fs::is_regular_file(root / rel, ec) &&
                      fs::file_size(root / rel, ec) == bytes.size() &&
                      sha256_file(root / rel) == x.file.sha256;
    if (same || dry_run) {
        x.state = same ? "unchanged" : "would write";
        return x;
    }
    make_dirs(root, rel.parent_path());
    AtomicFile f(root / rel);
    f.write(bytes);
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

} // namespace aoe::pxe
