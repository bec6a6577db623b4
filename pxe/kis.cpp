#include "kis.hpp"

#include "atomic_file.hpp"
#include "errors.hpp"
#include "quote.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <map>
#include <memory>
#include <ostream>
#include <span>
#include <unistd.h>

namespace aoe::pxe {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_bundle_name(const std::string& n) {
    return ends_with(n, ".tar.xz") || ends_with(n, ".txz") || ends_with(n, ".tar");
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

// The base of a KIWI initrd name: "NAME.ARCH-VERSION.initrd" -> "NAME.ARCH-VERSION".
std::string base_of_initrd(const std::string& n) {
    return n.substr(0, n.size() - 7);
}

// The kernels of BASE among names: BASE-KVER.kernel.
std::vector<std::string> kernels_of(const std::string& base,
                                    const std::vector<std::string>& names) {
    std::vector<std::string> k;
    for (const auto& n : names)
        if (n.size() > base.size() + 8 && n.rfind(base + "-", 0) == 0 && ends_with(n, ".kernel"))
            k.push_back(n);
    return k;
}

std::string kver_of(const std::string& base, const std::string& kernel) {
    return kernel.substr(base.size() + 1, kernel.size() - base.size() - 1 - 7);
}

std::string read_whole(const fs::path& p, const char* what) {
    std::error_code ec;
    if (!fs::exists(p, ec)) throw Failure(in_quotes(p) + ": no such file (the KIS " + what + ")");
    if (!fs::is_regular_file(p, ec))
        throw Failure(in_quotes(p) + ": not a regular file (the KIS " + what + ")");
    std::string s;
    try {
        read_file(p, s);
    } catch (const Failure& e) {
        throw Failure(std::string(e.what()) + " (the KIS " + what + ")");
    }
    if (s.empty()) throw Failure(in_quotes(p) + ": empty file (the KIS " + what + ")");
    return s;
}

void check_image_file(const fs::path& p, KisBuild& k) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
        if (fs::exists(p.string() + ".xz", ec))
            throw Failure(in_quotes(p.string() + ".xz") +
                          ": the filesystem image is xz-compressed (KIWI's compressed=\"true\"); "
                          "aoe-target exports an uncompressed image: unxz it first");
        throw Failure(in_quotes(p) + ": no such file (the KIS filesystem image)");
    }
    if (!fs::is_regular_file(p, ec))
        throw Failure(in_quotes(p) + ": not a regular file (the KIS filesystem image)");
    k.image_size = fs::file_size(p, ec);
    if (k.image_size == 0) throw Failure(in_quotes(p) + ": empty file (the KIS filesystem image)");
}

KisBuild open_folder(const fs::path& dir, const std::string& only_base) {
    KisBuild k;
    k.from = KisBuild::From::Folder;
    k.input = fs::absolute(dir).lexically_normal();
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file(ec)) names.push_back(e.path().filename().string());
    if (ec) throw Failure(in_quotes(dir) + ": cannot read the directory: " + ec.message());
    std::sort(names.begin(), names.end());
    std::vector<std::string> initrds;
    for (const auto& n : names)
        if (ends_with(n, ".initrd") && n.size() > 7 &&
            (only_base.empty() || n == only_base + ".initrd"))
            initrds.push_back(n);
    if (initrds.empty())
        throw Failure(only_base.empty()
                          ? in_quotes(k.input) +
                                ": is a directory, not an ISO image file, and no KIWI KIS "
                                "build (no NAME.ARCH-VERSION.initrd in it); name a KIS "
                                "build's files with --kis-kernel, --kis-initrd and "
                                "--kis-image"
                          : in_quotes(k.input) + ": no " + only_base + ".initrd in it");
    if (initrds.size() > 1)
        throw Failure(in_quotes(k.input) + ": more than one KIS build in it (" + join(initrds) +
                      "); stage one by naming its filesystem image (DIR/NAME.ARCH-VERSION) or "
                      "its files with --kis-kernel, --kis-initrd and --kis-image");
    k.initrd_name = initrds.front();
    k.base = base_of_initrd(k.initrd_name);
    const auto kernels = kernels_of(k.base, names);
    if (kernels.empty())
        throw Failure(in_quotes(k.input) + ": no kernel for " + k.initrd_name + " (KIWI names it " +
                      k.base + "-KVER.kernel)");
    if (kernels.size() > 1)
        throw Failure(in_quotes(k.input) + ": two kernels for " + k.initrd_name + " (" +
                      join(kernels) +
                      "); name the one to stage with --kis-kernel, "
                      "--kis-initrd and --kis-image");
    k.kernel_name = kernels.front();
    k.kver = kver_of(k.base, k.kernel_name);
    k.image_name = k.base;
    k.kernel_path = k.input / k.kernel_name;
    k.initrd_path = k.input / k.initrd_name;
    k.image_path = k.input / k.image_name;
    check_image_file(k.image_path, k);
    k.kernel = read_whole(k.kernel_path, "kernel");
    k.initrd = read_whole(k.initrd_path, "initrd");
    std::string s;
    if (read_file(k.input / (k.base + ".append"), s)) k.append = s;
    if (read_file(k.input / (k.base + ".md5"), s)) k.checksum = s;
    return k;
}

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

std::string archive_why(archive* a) {
    const char* s = archive_error_string(a);
    return s ? s : "read error";
}

ArchivePtr open_bundle_archive(const fs::path& p) {
    ArchivePtr a(archive_read_new());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
    if (archive_read_open_filename(a.get(), p.c_str(), 1 << 16) != ARCHIVE_OK)
        throw Failure(in_quotes(p) +
                      ": cannot read the bundle (truncated, damaged, or not a tar "
                      "archive): " +
                      archive_why(a.get()));
    return a;
}

std::string member_name(archive_entry* e) {
    std::string n = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    while (n.rfind("./", 0) == 0) n.erase(0, 2);
    return n;
}

std::string read_member(archive* a, archive_entry* e, const fs::path& bundle,
                        const std::string& name) {
    std::string s(static_cast<std::size_t>(std::max<la_int64_t>(archive_entry_size(e), 0)), '\0');
    std::size_t got = 0;
    while (got < s.size()) {
        la_ssize_t n = archive_read_data(a, s.data() + got, s.size() - got);
        if (n < 0)
            throw Failure(in_quotes(bundle) + ": " + name + ": " + archive_why(a) +
                          " (a truncated or damaged bundle)");
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got != s.size())
        throw Failure(in_quotes(bundle) + ": " + name + ": " + std::to_string(got) + " of " +
                      std::to_string(s.size()) + " bytes (a truncated bundle)");
    return s;
}

KisBuild open_bundle(const fs::path& bundle) {
    KisBuild k;
    k.from = KisBuild::From::Bundle;
    k.input = fs::absolute(bundle).lexically_normal();
    std::error_code ec;
    if (!fs::exists(bundle, ec)) throw Failure(in_quotes(k.input) + ": no such file");
    if (!fs::is_regular_file(bundle, ec))
        throw Failure(in_quotes(k.input) + ": not a regular file");
    // One pass: the names, and the bytes of every small member (kernel, initrd, md5, append);
    // the filesystem image is skipped over, never written.
    std::map<std::string, std::string> small;
    std::map<std::string, std::uint64_t> sizes;
    auto a = open_bundle_archive(k.input);
    archive_entry* e = nullptr;
    int r;
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const std::string n = member_name(e);
        k.members.push_back(n);
        sizes[n] = static_cast<std::uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0));
        if (archive_entry_filetype(e) == AE_IFREG &&
            (ends_with(n, ".kernel") || ends_with(n, ".initrd") || ends_with(n, ".md5") ||
             ends_with(n, ".append"))) {
            small[n] = read_member(a.get(), e, k.input, n);
        } else if (archive_read_data_skip(a.get()) != ARCHIVE_OK) {
            throw Failure(in_quotes(k.input) + ": " + n + ": " + archive_why(a.get()) +
                          " (a truncated or damaged bundle)");
        }
    }
    if (r != ARCHIVE_EOF)
        throw Failure(in_quotes(k.input) + ": " + archive_why(a.get()) +
                      (k.members.empty() ? " (not a KIWI KIS bundle: NAME.ARCH-VERSION.tar.xz)"
                                         : " (a truncated or damaged bundle)"));
    std::vector<std::string> initrds;
    for (const auto& n : k.members)
        if (ends_with(n, ".initrd") && n.find('/') == std::string::npos) initrds.push_back(n);
    if (initrds.empty())
        throw Failure(in_quotes(k.input) + ": no initrd in the bundle (KIWI names it " +
                      "NAME.ARCH-VERSION.initrd; members: " + join(k.members) + ")");
    if (initrds.size() > 1)
        throw Failure(in_quotes(k.input) + ": more than one initrd in the bundle (" +
                      join(initrds) + ")");
    k.initrd_name = initrds.front();
    k.base = base_of_initrd(k.initrd_name);
    const auto kernels = kernels_of(k.base, k.members);
    if (kernels.empty())
        throw Failure(in_quotes(k.input) + ": no kernel for " + k.initrd_name +
                      " in the bundle (KIWI names it " + k.base + "-KVER.kernel)");
    if (kernels.size() > 1)
        throw Failure(in_quotes(k.input) + ": two kernels for " + k.initrd_name +
                      " in the bundle (" + join(kernels) + ")");
    k.kernel_name = kernels.front();
    k.kver = kver_of(k.base, k.kernel_name);
    k.image_name = k.base;
    if (!sizes.count(k.base)) {
        if (sizes.count(k.base + ".xz"))
            throw Failure(
                in_quotes(k.input) + ": " + k.base +
                ".xz: the filesystem image is xz-compressed (KIWI's compressed=\"true\"); "
                "aoe-target exports an uncompressed image: unpack and unxz it, then "
                "stage the folder");
        throw Failure(in_quotes(k.input) + ": no filesystem image " + k.base +
                      " in the bundle (members: " + join(k.members) + ")");
    }
    k.image_size = sizes[k.base];
    k.kernel = small[k.kernel_name];
    k.initrd = small[k.initrd_name];
    if (k.kernel.empty()) throw Failure(in_quotes(k.input) + ": " + k.kernel_name + ": empty");
    if (k.initrd.empty()) throw Failure(in_quotes(k.input) + ": " + k.initrd_name + ": empty");
    if (small.count(k.base + ".append")) k.append = small[k.base + ".append"];
    if (small.count(k.base + ".md5")) k.checksum = small[k.base + ".md5"];
    return k;
}

} // namespace

std::string KisBuild::where(const std::string& name) const {
    if (from == From::Bundle) return in_quotes(input) + ": " + name;
    if (name == kernel_name) return in_quotes(kernel_path);
    if (name == initrd_name) return in_quotes(initrd_path);
    return in_quotes(image_path);
}

const char* KisBuild::from_name() const {
    switch (from) {
    case From::Folder:
        return "folder";
    case From::Bundle:
        return "bundle";
    case From::Files:
        return "files";
    }
    return "";
}

bool is_kis_input(const fs::path& input) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) return true;
    if (is_bundle_name(input.filename().string())) return true;
    return fs::is_regular_file(input.string() + ".initrd", ec);
}

KisBuild open_kis(const fs::path& input) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) return open_folder(input, "");
    if (is_bundle_name(input.filename().string())) return open_bundle(input);
    // The filesystem image itself, BASE with BASE.initrd beside it.
    const fs::path abs = fs::absolute(input).lexically_normal();
    return open_folder(abs.parent_path(), abs.filename().string());
}

KisBuild open_kis_files(const fs::path& kernel, const fs::path& initrd, const fs::path& image) {
    KisBuild k;
    k.from = KisBuild::From::Files;
    k.kernel_path = fs::absolute(kernel).lexically_normal();
    k.initrd_path = fs::absolute(initrd).lexically_normal();
    k.image_path = fs::absolute(image).lexically_normal();
    k.input = k.image_path;
    k.kernel_name = k.kernel_path.filename().string();
    k.initrd_name = k.initrd_path.filename().string();
    k.image_name = k.image_path.filename().string();
    k.base = k.image_name;
    if (k.kernel_name.rfind(k.base + "-", 0) == 0 && ends_with(k.kernel_name, ".kernel"))
        k.kver = kver_of(k.base, k.kernel_name);
    check_image_file(k.image_path, k);
    k.kernel = read_whole(k.kernel_path, "kernel");
    k.initrd = read_whole(k.initrd_path, "initrd");
    return k;
}

std::string unpack_image(const KisBuild& k, const fs::path& dest, bool quiet, std::ostream& err) {
    auto a = open_bundle_archive(k.input);
    archive_entry* e = nullptr;
    int r;
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (member_name(e) != k.image_name) {
            if (archive_read_data_skip(a.get()) != ARCHIVE_OK) break;
            continue;
        }
        const bool progress = !quiet && k.image_size >= (64u << 20) && ::isatty(2);
        AtomicFile f(dest, 0644);
        Sha256 h;
        std::string buf(1 << 20, '\0');
        int last = -1;
        for (;;) {
            la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
            if (n < 0)
                throw Failure(k.where(k.image_name) + ": " + archive_why(a.get()) +
                              " (a truncated or damaged bundle); " + in_quotes(dest) +
                              " was not written");
            if (n == 0) break;
            auto chunk =
                std::as_bytes(std::span<const char>(buf.data(), static_cast<std::size_t>(n)));
            h.update(chunk);
            f.write(chunk);
            if (progress) {
                int pct = static_cast<int>(f.bytes_written() * 100 / k.image_size);
                if (pct != last)
                    err << "\rstage-pxe: unpacking " << k.image_name << " " << pct << "%"
                        << std::flush;
                last = pct;
            }
        }
        if (progress) err << "\n";
        if (f.bytes_written() != k.image_size)
            throw Failure(k.where(k.image_name) + ": " + std::to_string(f.bytes_written()) +
                          " of " + std::to_string(k.image_size) + " bytes (a truncated bundle); " +
                          in_quotes(dest) + " was not written");
        const std::string sum = h.hex();
        std::error_code ec;
        if (fs::is_regular_file(dest, ec) && fs::file_size(dest, ec) == k.image_size &&
            sha256_file(dest) == sum)
            return "unchanged"; // the temp file goes with f
        f.commit();
        return "unpacked";
    }
    throw Failure(k.where(k.image_name) + ": " +
                  (r == ARCHIVE_EOF ? std::string("not found in the bundle any more")
                                    : archive_why(a.get()) + " (a truncated or damaged bundle)"));
}

} // namespace aoe::pxe
