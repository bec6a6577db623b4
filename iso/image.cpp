#include "image.hpp"

#include "error.hpp"
#include "session.hpp"

#include <cstdint> // libisofs.h needs the fixed-width types first
#include <libisofs.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <unordered_set>
#include <utility>
#include <vector>

namespace aoe::iso {

namespace {

std::string q(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

// zisofs file header magic (docs/staging.md §1.5): with Rock Ridge, libisofs decompresses such
// files itself; without it the raw compressed bytes would come out.
constexpr std::array<std::byte, 8> kZisofsMagic{std::byte{0x37}, std::byte{0xE4}, std::byte{0x53},
                                                std::byte{0x96}, std::byte{0xC9}, std::byte{0xDB},
                                                std::byte{0xD6}, std::byte{0x07}};

// unique_ptr deleters for what libisofs hands us to own.
struct ReadOptsFree {
    void operator()(IsoReadOpts* p) const { iso_read_opts_free(p); }
};
struct SourceUnref {
    void operator()(IsoDataSource* p) const { iso_data_source_unref(p); }
};
struct FeaturesFree {
    void operator()(IsoReadImageFeatures* p) const { iso_read_image_features_destroy(p); }
};
struct DirIterFree {
    void operator()(IsoDirIter* p) const { iso_dir_iter_free(p); }
};
struct CFree {
    void operator()(void* p) const { std::free(p); }
};

void check(int rc, const std::string& what) {
    if (rc < 0) {
        std::string detail = Session::drain_messages();
        std::string msg = what + ": " + libisofs_message(rc);
        if (!detail.empty() && detail.find(iso_error_to_msg(rc)) == std::string::npos)
            msg += " [" + detail + "]";
        throw Error(rc == static_cast<int>(ISO_FILE_READ_ERROR) ? ErrorKind::ReadFailed
                                                                : ErrorKind::Library,
                    msg);
    }
}

NodeType type_of(IsoNode* n) {
    switch (iso_node_get_type(n)) {
    case LIBISO_DIR:
        return NodeType::Directory;
    case LIBISO_FILE:
        return NodeType::File;
    case LIBISO_SYMLINK:
        return NodeType::Symlink;
    case LIBISO_BOOT:
        return NodeType::BootCatalog;
    default:
        return NodeType::Special;
    }
}

std::string join(const std::string& dir, const char* name) {
    return dir == "/" ? "/" + std::string(name) : dir + "/" + name;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/') ++i;
        std::size_t j = i;
        while (j < path.size() && path[j] != '/') ++j;
        if (j > i) parts.emplace_back(path.substr(i, j - i));
        i = j;
    }
    return parts;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

Image Image::open(const std::filesystem::path& file) {
    Image img;
    img.pvd_ = precheck_iso_file(file);
    img.session_ = Session::acquire();
    std::error_code ec;
    auto abs = std::filesystem::absolute(file, ec);
    img.file_ = (ec ? file : abs).lexically_normal(); // as given, without "//" or "./"

    IsoImage* raw = nullptr;
    check(iso_image_new("aoeboot", &raw), q(file) + ": cannot create image");
    img.image_ = raw;

    IsoDataSource* src_raw = nullptr;
    check(iso_data_source_new_from_file(img.file_.c_str(), &src_raw), q(file) + ": cannot open");
    std::unique_ptr<IsoDataSource, SourceUnref> src(src_raw);

    IsoReadOpts* ro_raw = nullptr;
    check(iso_read_opts_new(&ro_raw, 0), "cannot create read options");
    std::unique_ptr<IsoReadOpts, ReadOptsFree> ro(ro_raw);
    iso_read_opts_set_no_rockridge(ro.get(), 0);
    iso_read_opts_set_no_joliet(ro.get(), 0);
    iso_read_opts_set_preferjoliet(ro.get(), 0);
    iso_read_opts_set_ecma119_map(ro.get(), 1); // strip ";1" when only ECMA-119 names exist
    iso_read_opts_set_joliet_map(ro.get(), 1);
    iso_read_opts_set_no_aaip(ro.get(), 1);
    iso_read_opts_set_no_md5(ro.get(), 1);
    iso_read_opts_set_no_iso1999(ro.get(), 1);

    IsoReadImageFeatures* feat_raw = nullptr;
    int rc = iso_image_import(img.image_, src.get(), ro.get(), &feat_raw);
    std::unique_ptr<IsoReadImageFeatures, FeaturesFree> feat(feat_raw);
    check(rc, q(file) + ": cannot read ISO image");
    img.rock_ridge_ = iso_read_image_features_rr_loaded(feat.get()) == 1;
    img.joliet_ = iso_read_image_features_has_joliet(feat.get()) == 1;
    img.el_torito_ = iso_read_image_features_has_eltorito(feat.get()) == 1;
    const char* vid = iso_image_get_volume_id(img.image_);
    img.volume_id_ = vid ? vid : img.pvd_.volume_id;
    Session::drain_messages(); // NOTEs about hidden boot images etc. are not errors
    return img;
}

Image::Image(Image&& o) noexcept
    : session_(std::move(o.session_)), image_(std::exchange(o.image_, nullptr)),
      file_(std::move(o.file_)), pvd_(std::move(o.pvd_)), volume_id_(std::move(o.volume_id_)),
      rock_ridge_(o.rock_ridge_), joliet_(o.joliet_), el_torito_(o.el_torito_) {}

Image& Image::operator=(Image&& o) noexcept {
    if (this != &o) {
        release();
        session_ = std::move(o.session_);
        image_ = std::exchange(o.image_, nullptr);
        file_ = std::move(o.file_);
        pvd_ = std::move(o.pvd_);
        volume_id_ = std::move(o.volume_id_);
        rock_ridge_ = o.rock_ridge_;
        joliet_ = o.joliet_;
        el_torito_ = o.el_torito_;
    }
    return *this;
}

Image::~Image() {
    release();
}

void Image::release() noexcept {
    // The image must go before the session (iso_finish after the last unref).
    if (image_) iso_image_unref(image_);
    image_ = nullptr;
    session_.reset();
}

void* Image::node_at(std::string_view path, bool follow) const {
    session_->check_thread();
    IsoNode* n = nullptr;
    std::string p(path);
    if (p.empty() || p[0] != '/') p.insert(p.begin(), '/');
    int rc = iso_image_path_to_node(image_, p.c_str(), &n);
    check(rc, q(file_) + ": lookup of " + p);
    if (rc == 0 && !rock_ridge_) {
        // ECMA-119/Joliet names may differ in case from what configs say.
        n = reinterpret_cast<IsoNode*>(iso_image_get_root(image_));
        for (const auto& part : split_path(p)) {
            if (!n || !ISO_NODE_IS_DIR(n)) {
                n = nullptr;
                break;
            }
            IsoDirIter* it_raw = nullptr;
            check(iso_dir_get_children(ISO_DIR(n), &it_raw), "directory iteration");
            std::unique_ptr<IsoDirIter, DirIterFree> it(it_raw);
            IsoNode* c = nullptr;
            IsoNode* match = nullptr;
            while (iso_dir_iter_next(it.get(), &c) == 1)
                if (iequal(iso_node_get_name(c), part)) {
                    match = c;
                    break;
                }
            n = match;
        }
        if (!n) return nullptr;
    } else if (rc == 0) {
        return nullptr;
    }
    if (follow && ISO_NODE_IS_SYMLINK(n)) {
        IsoNode* res = nullptr;
        int depth = 0;
        rc = iso_tree_resolve_symlink(image_, ISO_SYMLINK(n), &res, &depth, 0);
        if (rc < 0) {
            Session::drain_messages();
            throw Error(ErrorKind::BadSymlink, q(file_) + ": " + p + " -> " +
                                                   iso_symlink_get_dest(ISO_SYMLINK(n)) + ": " +
                                                   libisofs_message(rc));
        }
        n = res;
    }
    return n;
}

std::optional<FileInfo> Image::find_file(std::string_view path) const {
    auto* link = static_cast<IsoNode*>(node_at(path, false));
    if (!link) return std::nullopt;
    auto* n = static_cast<IsoNode*>(node_at(path, true));
    if (!n || !ISO_NODE_IS_FILE(n)) return std::nullopt;
    FileInfo fi;
    fi.path = std::string(path);
    fi.via_symlink = ISO_NODE_IS_SYMLINK(link);
    std::unique_ptr<char, CFree> rp(iso_tree_get_node_path(n));
    fi.resolved_path = rp ? rp.get() : fi.path;
    fi.size = static_cast<std::uint64_t>(iso_file_get_size(ISO_FILE(n)));
    return fi;
}

bool Image::is_directory(std::string_view path) const {
    auto* n = static_cast<IsoNode*>(node_at(path, true));
    return n && ISO_NODE_IS_DIR(n);
}

std::vector<DirEntry> Image::list_dir(std::string_view path) const {
    auto* n = static_cast<IsoNode*>(node_at(path, true));
    if (!n)
        throw Error(ErrorKind::NotFound, q(file_) + ": no " + std::string(path) + " in the image");
    if (!ISO_NODE_IS_DIR(n))
        throw Error(ErrorKind::WrongType,
                    q(file_) + ": " + std::string(path) + " is not a directory");
    std::string base(path.empty() ? "/" : path);
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    IsoDirIter* it_raw = nullptr;
    check(iso_dir_get_children(ISO_DIR(n), &it_raw), "directory iteration");
    std::unique_ptr<IsoDirIter, DirIterFree> it(it_raw);
    std::vector<DirEntry> out;
    IsoNode* c = nullptr;
    while (iso_dir_iter_next(it.get(), &c) == 1) {
        // A name no path can address ("", ".", "..", or with a '/'; a crafted Rock Ridge NM
        // gives them) would alias its parent or another entry: join("/boot", "") is "/boot/",
        // which is /boot again, and walk() listed /boot forever (fuzz finding 1).
        const char* name = iso_node_get_name(c);
        if (!name || !*name || std::strchr(name, '/') || std::strcmp(name, ".") == 0 ||
            std::strcmp(name, "..") == 0)
            continue;
        DirEntry e;
        e.path = join(base, name);
        e.type = type_of(c);
        if (e.type == NodeType::File)
            e.size = static_cast<std::uint64_t>(iso_file_get_size(ISO_FILE(c)));
        if (e.type == NodeType::Symlink) e.symlink_target = iso_symlink_get_dest(ISO_SYMLINK(c));
        out.push_back(std::move(e));
    }
    return out;
}

void Image::walk(const std::function<void(const DirEntry&)>& visit) const {
    session_->check_thread();
    std::vector<std::string> pending{"/"};
    // Each directory node once, whatever path leads to it: the walk ends on any tree libisofs
    // builds, even one where two paths name the same directory.
    std::unordered_set<const void*> seen;
    while (!pending.empty()) {
        std::string dir = std::move(pending.back());
        pending.pop_back();
        auto* n = static_cast<IsoNode*>(node_at(dir, false));
        if (!n || !ISO_NODE_IS_DIR(n) || !seen.insert(n).second) continue;
        for (auto& e : list_dir(dir)) {
            visit(e);
            if (e.type == NodeType::Directory) pending.push_back(e.path);
        }
    }
}

BootCatalog Image::boot_catalog() const {
    session_->check_thread();
    BootCatalog bc;
    // libisofs 1.5.4 iso_image_get_bootcat() dereferences a NULL catalog on images without
    // El Torito (SIGSEGV, found here); ask iso_image_get_boot_image() first, which checks.
    {
        ElToritoBootImage* first = nullptr;
        IsoFile* first_file = nullptr;
        IsoBoot* first_cat = nullptr;
        int have = iso_image_get_boot_image(image_, &first, &first_file, &first_cat);
        if (have <= 0) return bc;
    }
    IsoBoot* cat = nullptr;
    std::uint32_t lba = 0;
    char* content = nullptr;
    off_t csz = 0;
    int rc = iso_image_get_bootcat(image_, &cat, &lba, &content, &csz);
    std::free(content);
    check(rc, q(file_) + ": boot catalog");
    if (rc == 0) return bc;
    bc.present = true;
    if (cat) {
        std::unique_ptr<char, CFree> p(iso_tree_get_node_path(reinterpret_cast<IsoNode*>(cat)));
        if (p) bc.catalog_path = p.get();
    }
    int num = 0;
    ElToritoBootImage** boots = nullptr;
    IsoFile** nodes = nullptr;
    rc = iso_image_get_all_boot_imgs(image_, &num, &boots, &nodes, 0);
    std::unique_ptr<ElToritoBootImage*, CFree> boots_own(boots);
    std::unique_ptr<IsoFile*, CFree> nodes_own(nodes);
    check(rc, q(file_) + ": boot images");
    for (int i = 0; i < num; ++i) {
        BootImage bi;
        bi.platform_id = el_torito_get_boot_platform_id(boots[i]);
        unsigned char media = 0;
        enum eltorito_boot_media_type t {};
        if (el_torito_get_boot_media_type(boots[i], &t) >= 0) media = static_cast<unsigned char>(t);
        bi.media_type = media;
        bi.bootable = el_torito_get_bootable(boots[i]) == 1;
        if (nodes && nodes[i]) {
            std::unique_ptr<char, CFree> p(
                iso_tree_get_node_path(reinterpret_cast<IsoNode*>(nodes[i])));
            if (p) bi.path = p.get();
        }
        bc.images.push_back(std::move(bi));
    }
    Session::drain_messages();
    return bc;
}

std::uint64_t Image::stream_file(std::string_view path, const ChunkSink& sink,
                                 std::size_t chunk_bytes) const {
    auto* n = static_cast<IsoNode*>(node_at(path, true));
    if (!n)
        throw Error(ErrorKind::NotFound, q(file_) + ": no " + std::string(path) + " in the image");
    if (!ISO_NODE_IS_FILE(n))
        throw Error(ErrorKind::WrongType, q(file_) + ": " + std::string(path) + " is not a file");
    // iso_stream_read takes an int count: keep chunks well below 2 GiB.
    chunk_bytes = std::clamp<std::size_t>(chunk_bytes, 2048, std::size_t{64} << 20);
    IsoStream* st = iso_file_get_stream(ISO_FILE(n)); // borrowed
    const auto expected = static_cast<std::uint64_t>(iso_stream_get_size(st));
    check(iso_stream_open(st), q(file_) + ": open " + std::string(path));
    struct Closer {
        IsoStream* s;
        ~Closer() { iso_stream_close(s); }
    } closer{st};
    std::vector<std::byte> buf(chunk_bytes);
    std::uint64_t total = 0;
    for (;;) {
        int k = iso_stream_read(st, buf.data(), buf.size());
        if (k < 0) {
            Session::drain_messages();
            throw Error(ErrorKind::ReadFailed,
                        q(file_) + ": reading " + std::string(path) + " failed after " +
                            std::to_string(total) + " of " + std::to_string(expected) + " bytes: " +
                            libisofs_message(k) + " (is the ISO file truncated or damaged?)");
        }
        if (k == 0) break;
        if (total == 0 && !rock_ridge_ && static_cast<std::size_t>(k) >= kZisofsMagic.size() &&
            std::equal(kZisofsMagic.begin(), kZisofsMagic.end(), buf.begin()))
            throw Error(ErrorKind::ReadFailed,
                        q(file_) + ": " + std::string(path) +
                            " is zisofs-compressed and the image has no Rock Ridge (ZF) entries, "
                            "so libisofs cannot decompress it");
        total += static_cast<std::uint64_t>(k);
        if (total > expected) break;
        sink(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(k)));
    }
    if (total != expected)
        throw Error(ErrorKind::SizeMismatch, q(file_) + ": " + std::string(path) + ": read " +
                                                 std::to_string(total) + " bytes, expected " +
                                                 std::to_string(expected));
    return total;
}

std::string Image::read_text(std::string_view path, std::size_t max_bytes) const {
    auto fi = find_file(path);
    if (!fi)
        throw Error(ErrorKind::NotFound, q(file_) + ": no " + std::string(path) + " in the image");
    if (fi->size > max_bytes)
        throw Error(ErrorKind::WrongType, q(file_) + ": " + std::string(path) + " is too large (" +
                                              std::to_string(fi->size) + " bytes)");
    std::string out;
    out.reserve(static_cast<std::size_t>(fi->size));
    stream_file(path, [&](std::span<const std::byte> c) {
        out.append(reinterpret_cast<const char*>(c.data()), c.size());
    });
    return out;
}

} // namespace aoe::iso
