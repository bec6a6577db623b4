#include "stager.hpp"

#include "atomic_file.hpp"
#include "boot_config.hpp"
#include "discovery.hpp"
#include "error.hpp"
#include "errors.hpp"
#include "image.hpp"
#include "line_diff.hpp"
#include "managed_block.hpp"
#include "manifest.hpp"
#include "sha256.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <ostream>
#include <regex>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aoe::pxe {

namespace fs = std::filesystem;

namespace {

std::string q(const fs::path& p) {
    return "'" + p.string() + "'";
}

// flock on <root>/.stage-pxe.lock: serialises runs that stage into one TFTP root.
class RootLock {
  public:
    explicit RootLock(const fs::path& root) {
        auto p = root / ".stage-pxe.lock";
        fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) {
            int e = errno;
            throw Failure("TFTP root " + q(root) + " is not writable: cannot create " + q(p) +
                          ": " + std::strerror(e));
        }
        while (::flock(fd_, LOCK_EX) != 0)
            if (errno != EINTR) throw Failure("cannot lock " + q(p) + ": " + std::strerror(errno));
    }
    ~RootLock() { ::close(fd_); } // closing releases the lock
    RootLock(const RootLock&) = delete;
    RootLock& operator=(const RootLock&) = delete;

  private:
    int fd_ = -1;
};

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

struct IsoIdentity {
    std::string path;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
};

IsoIdentity identity_of(const fs::path& iso) {
    struct stat st {};
    if (::stat(iso.c_str(), &st) != 0) return {iso.string(), 0, 0};
    return {iso.string(), static_cast<std::uint64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

iso::Image open_iso(const fs::path& p) {
    try {
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
    make_dirs(root, rel.parent_path());
    // An admin may keep the config elsewhere and symlink it in: replace the file the link
    // points to, not the link.
    fs::path target = root / rel;
    if (std::error_code ec; fs::is_symlink(target, ec)) {
        target = fs::canonical(target, ec);
        if (ec) throw Failure("cannot resolve the symlink " + q(root / rel) + ": " + ec.message());
    }
    if (existed) write_file_atomic(target.string() + ".bak", before);
    write_file_atomic(target, after);
    return existed ? "updated" : "created";
}

struct Extracted {
    StagedFile file;
    std::string state; // "written", "unchanged", "would write"
};

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

std::string first_other_label(const std::vector<ManagedBlock>& blocks, const std::string& except) {
    for (const auto& b : blocks)
        if (b.id != kDefaultBlockId && b.id != except) return b.id;
    return {};
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

} // namespace

bool valid_name(const std::string& name) {
    static const std::regex re("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    return std::regex_match(name, re);
}

int stage(const Options& o, std::ostream& out, std::ostream& err) {
    const std::string label = o.name.empty() ? kDefaultLabel : o.name;
    if (!o.name.empty() && !valid_name(o.name))
        throw UsageError("--name '" + o.name +
                         "': use letters, digits, '.', '_' and '-' (at most 64)");
    if (o.name == "linux" || o.name == "initrd" || o.name == "grub")
        throw UsageError("--name " + o.name + " would collide with boot/" + o.name +
                         " in the TFTP root; pick another name");
    if (o.name == kDefaultLabel)
        throw UsageError("--name Live-Boot is the default entry's label; leave --name out for it");

    // Read the ISO first: a bad ISO must fail before anything is touched.
    auto img = open_iso(o.iso);
    auto bf = find_boot_files(img, o.arch.empty() ? host_kiwi_arch() : o.arch);
    const fs::path iso_abs = img.file();
    const auto ident = identity_of(iso_abs);

    // A dry run on a root that does not exist yet shows everything as created.
    if (!o.dry_run || fs::exists(o.tftp_root)) check_root_writable(o.tftp_root, !o.dry_run);
    if (!img.rock_ridge())
        err << "stage-pxe: warning: " << q(iso_abs)
            << " has no Rock Ridge names; paths were matched case-insensitively\n";
    if (struct stat rs{}; ::stat(o.tftp_root.c_str(), &rs) == 0 && (rs.st_mode & S_IXOTH) == 0)
        err << "stage-pxe: warning: TFTP root " << q(o.tftp_root)
            << " is not world-searchable (o+x); TFTP servers running as another user cannot read "
               "it\n";
    std::optional<RootLock> lock;
    if (!o.dry_run) lock.emplace(o.tftp_root);

    const fs::path manifest_path = o.tftp_root / kManifestName;
    Manifest man = load_manifest(manifest_path);
    const std::string manifest_before = dump_manifest(man);
    const ManifestEntry* prev = man.images.count(label) ? &man.images[label] : nullptr;

    // Shelf.slot: --aoe, else what this image had, else the seed's e0.1 (unnamed) or the
    // lowest free slot on shelf 0 (named).
    AoeAddress aoe{0, 1};
    if (o.aoe) {
        aoe = *o.aoe;
    } else if (prev) {
        aoe = *parse_aoe_address(prev->aoe);
    } else if (!o.name.empty()) {
        std::set<std::string> used;
        for (const auto& [l, e] : man.images) used.insert(e.aoe);
        for (unsigned s = 1; s < 255; ++s) {
            aoe = AoeAddress{0, static_cast<std::uint8_t>(s)};
            if (!used.count(aoe.client_name())) break;
        }
    }
    for (const auto& [l, e] : man.images)
        if (l != label && e.aoe == aoe.client_name() && e.iso != iso_abs.string())
            throw Failure("AoE address " + aoe.client_name() + " already serves " + q(e.iso) +
                          " (entry '" + l +
                          "'); two ISOs on one shelf.slot cannot work. Pick "
                          "another with --aoe");

    if (!o.dry_run) {
        remove_stale_temps(o.tftp_root);
        for (const fs::path& d :
             {fs::path("boot"), fs::path("pxelinux.cfg"), fs::path(o.grub_cfg).parent_path(),
              fs::path(o.ipxe_script).parent_path()})
            remove_stale_temps(o.tftp_root / d);
        if (!o.name.empty()) remove_stale_temps(o.tftp_root / "boot" / o.name);
    }

    // Kernel and initrd.
    const fs::path dir = o.name.empty() ? fs::path("boot") : fs::path("boot") / o.name;
    const bool iso_same = prev && prev->iso == iso_abs.string() && prev->iso_size == ident.size &&
                          prev->iso_mtime_ns == ident.mtime_ns &&
                          prev->volume_id == img.volume_id();
    Extracted kx, ix;
    auto stage_one = [&](const iso::FileInfo& fi, const fs::path& rel, const StagedFile* old) {
        if (iso_same && old && old->source == fi.resolved_path && old->path == rel.string() &&
            staged_matches(o.tftp_root, *old))
            return Extracted{*old, "unchanged"};
        return extract(img, fi, o.tftp_root, rel, o.dry_run, o.quiet, err);
    };
    kx = stage_one(bf.kernel, dir / "linux", prev ? &prev->kernel : nullptr);
    ix = stage_one(bf.initrd, dir / "initrd", prev ? &prev->initrd : nullptr);

    // Boot configs.
    const std::string args = compose_args(o.kiwi_net, aoe.client_name(), o.append);
    std::string base = o.http_base;
    while (!base.empty() && base.back() == '/') base.pop_back();
    auto url = [&](const fs::path& rel) {
        return base.empty() ? rel.string() : base + "/" + rel.string();
    };
    EntrySpec spec{label, url(dir / "linux"), url(dir / "initrd"), args};

    std::set<std::string> kinds{"pxelinux"};
    if (prev) kinds.insert(prev->configs.begin(), prev->configs.end());
    if (o.grub) kinds.insert("grub");
    if (o.ipxe) kinds.insert("ipxe");
    std::vector<std::pair<std::string, std::string>> config_states;
    for (const auto& kname : kinds) {
        const auto kind = *kind_from(kname);
        const fs::path rel = config_rel(kind, o);
        std::string before;
        const bool existed = read_file(o.tftp_root / rel, before);
        std::string t = existed ? before : fresh_file(kind);
        std::vector<ManagedBlock> blocks;
        try {
            blocks = parse_managed_blocks(t);
        } catch (const ConfigError& e) {
            throw Failure(q(o.tftp_root / rel) + ": " + e.what() + "; fix the markers by hand");
        }
        auto foreign = foreign_labels(kind, t);
        if (std::find(foreign.begin(), foreign.end(), label) != foreign.end()) {
            if (!o.adopt)
                throw Failure("label conflict: " + q(o.tftp_root / rel) +
                              " already has an entry '" + label +
                              "' that stage-pxe did not write; use --name for another "
                              "label, or --adopt to take it over");
            t = adopt_foreign(kind, t, label);
        }
        t = upsert_block(t, label, render_entry(kind, spec));
        blocks = parse_managed_blocks(t);
        auto def = std::find_if(blocks.begin(), blocks.end(),
                                [](const ManagedBlock& b) { return b.id == kDefaultBlockId; });
        if (!existed || o.make_default) {
            if (o.make_default) t = disable_foreign_defaults(kind, t);
            std::string prev_body = def == blocks.end() ? std::string() : def->body;
            // A file we create gets the default right after its header comment.
            t = upsert_block(t, kDefaultBlockId, render_default(kind, label, prev_body, !existed),
                             existed ? default_block_offset(kind, t) : fresh_file(kind).size());
        }
        config_states.emplace_back(
            rel.string(), apply_text(o.tftp_root, rel, existed, before, t, o.dry_run, out));
    }

    // Export file for the target, so both halves name the same shelf.slot and file.
    std::string export_file = prev ? prev->export_file : std::string();
    std::string export_state;
    if (!o.export_dir.empty()) {
        export_file = (fs::absolute(o.export_dir) / (label + ".conf")).string();
        const std::string content = "# written by stage-pxe for entry '" + label +
                                    "'; same syntax as aoe-target --export\n" + aoe.dotted() + "=" +
                                    iso_abs.string() + "\n";
        std::string old;
        bool had = read_file(export_file, old);
        if (had && old == content)
            export_state = "unchanged";
        else if (o.dry_run) {
            out << unified_diff(had ? old : std::string(), content, export_file);
            export_state = had ? "would update" : "would create";
        } else {
            std::error_code ec;
            fs::create_directories(o.export_dir, ec);
            if (ec)
                throw Failure("cannot create export directory " + q(o.export_dir) + ": " +
                              ec.message());
            write_file_atomic(export_file, content);
            export_state = had ? "updated" : "created";
        }
    }

    // Manifest.
    ManifestEntry me;
    me.label = label;
    me.iso = iso_abs.string();
    me.iso_size = ident.size;
    me.iso_mtime_ns = ident.mtime_ns;
    me.volume_id = img.volume_id();
    me.layout = bf.layout;
    me.aoe = aoe.client_name();
    me.args = args;
    me.kernel = kx.file;
    me.initrd = ix.file;
    me.configs.assign(kinds.begin(), kinds.end());
    me.export_file = export_file;
    man.images[label] = me;
    const std::string manifest_after = dump_manifest(man);
    if (!o.dry_run && manifest_after != manifest_before)
        write_file_atomic(manifest_path, manifest_after);

    // Report.
    out << (o.dry_run ? "dry run, nothing written: " : "staged ") << "'" << label << "' from "
        << iso_abs.string() << " (" << bf.layout << ", volume id '" << img.volume_id() << "')\n";
    out << "  " << kx.file.path << "  " << kx.file.size << " bytes  sha256 " << kx.file.sha256
        << "  " << kx.state << "\n";
    out << "  " << ix.file.path << "  " << ix.file.size << " bytes  sha256 " << ix.file.sha256
        << "  " << ix.state << "\n";
    for (const auto& [rel, st] : config_states) out << "  " << rel << "  " << st << "\n";
    if (!export_state.empty()) out << "  " << export_file << "  " << export_state << "\n";
    check_bootloader(o, out, err);
    if (!bf.kiwi)
        err << "stage-pxe: warning: " << bf.layout
            << " layout: root=live:AOEINTERFACE is understood "
            << "by KIWI initrds only; add what this initrd needs with --append\n";
    if (!base.empty())
        err << "stage-pxe: note: HTTP paths need lpxelinux.0 (not pxelinux.0), iPXE or GRUB with "
               "http\n";
    // aoe-target needs an interface (or EAL args) besides the export; --iface names it.
    out << "Serve the ISO with:\n"
        << "  aoe-target --export " << shell_quote(aoe.dotted() + "=" + iso_abs.string())
        << " --iface " << shell_quote(o.iface) << "\n"
        << "  aoe-target " << aoe.shelf << " " << static_cast<unsigned>(aoe.slot) << " "
        << shell_quote(o.iface) << " " << shell_quote(iso_abs.string()) << "\n";
    return 0;
}

int remove_image(const Options& o, const std::string& label, std::ostream& out, std::ostream&) {
    check_root_writable(o.tftp_root, false);
    std::optional<RootLock> lock;
    if (!o.dry_run) lock.emplace(o.tftp_root);
    const fs::path manifest_path = o.tftp_root / kManifestName;
    Manifest man = load_manifest(manifest_path);
    auto it = man.images.find(label);
    bool found = it != man.images.end();

    std::vector<std::pair<std::string, std::string>> states;
    for (auto kind : {ConfigKind::Pxelinux, ConfigKind::Grub, ConfigKind::Ipxe}) {
        const fs::path rel = config_rel(kind, o);
        std::string before;
        if (!read_file(o.tftp_root / rel, before)) continue;
        std::vector<ManagedBlock> blocks;
        try {
            blocks = parse_managed_blocks(before);
        } catch (const ConfigError& e) {
            throw Failure(q(o.tftp_root / rel) + ": " + e.what() + "; fix the markers by hand");
        }
        if (std::none_of(blocks.begin(), blocks.end(),
                         [&](const ManagedBlock& b) { return b.id == label; }))
            continue;
        found = true;
        std::string t = remove_block(before, label);
        t = release_adopted(t, label);
        blocks = parse_managed_blocks(t);
        for (const auto& b : blocks) {
            if (b.id != kDefaultBlockId || default_label_of(kind, b.body) != label) continue;
            // Our default pointed at the removed entry: point it at another of ours, or give
            // the choice back to the admin's own lines.
            auto next = first_other_label(blocks, label);
            if (!next.empty())
                t = upsert_block(t, kDefaultBlockId, render_default(kind, next, b.body, false));
            else
                t = restore_foreign_defaults(remove_block(t, kDefaultBlockId));
        }
        states.emplace_back(rel.string(),
                            apply_text(o.tftp_root, rel, true, before, t, o.dry_run, out));
    }
    if (!found)
        throw Failure("nothing staged as '" + label + "' in " + q(o.tftp_root) + " (see --list)");

    if (it != man.images.end()) {
        const auto& e = it->second;
        for (const auto* f : {&e.kernel, &e.initrd}) {
            std::error_code ec;
            if (!o.dry_run) fs::remove(o.tftp_root / f->path, ec);
            states.emplace_back(f->path, o.dry_run ? "would remove" : "removed");
        }
        if (!o.dry_run && label != kDefaultLabel) {
            std::error_code ec;
            fs::remove(o.tftp_root / "boot" / label, ec); // only if empty
        }
        if (!e.export_file.empty()) {
            std::error_code ec;
            if (!o.dry_run) fs::remove(e.export_file, ec);
            states.emplace_back(e.export_file, o.dry_run ? "would remove" : "removed");
        }
        man.images.erase(it);
        if (!o.dry_run) write_file_atomic(manifest_path, dump_manifest(man));
    }
    out << (o.dry_run ? "dry run, would remove '" : "removed '") << label << "'\n";
    for (const auto& [p, s] : states) out << "  " << p << "  " << s << "\n";
    return 0;
}

int list_images(const Options& o, std::ostream& out) {
    Manifest man = load_manifest(o.tftp_root / kManifestName);
    if (o.json) {
        out << dump_manifest(man); // the manifest is the list
        return 0;
    }
    if (man.images.empty()) {
        out << "nothing staged in " << o.tftp_root.string() << "\n";
        return 0;
    }
    out << "LABEL\tAOE\tLAYOUT\tCONFIGS\tISO\n";
    for (const auto& [l, e] : man.images) {
        std::string cfgs;
        for (const auto& c : e.configs) cfgs += (cfgs.empty() ? "" : ",") + c;
        out << l << "\t" << e.aoe << "\t" << e.layout << "\t" << cfgs << "\t" << e.iso << "\n";
    }
    return 0;
}

int check_images(const Options& o, std::ostream& out) {
    Manifest man = load_manifest(o.tftp_root / kManifestName);
    int bad = 0;
    nlohmann::json report = nlohmann::json::object();
    for (const auto& [l, e] : man.images) {
        std::vector<std::string> problems;
        auto id = identity_of(e.iso);
        if (id.size == 0 && id.mtime_ns == 0)
            problems.push_back("ISO " + q(e.iso) + " is gone");
        else if (id.size != e.iso_size || id.mtime_ns != e.iso_mtime_ns)
            problems.push_back("ISO " + q(e.iso) +
                               " changed on disk since staging (re-run stage-pxe)");
        for (const auto* f : {&e.kernel, &e.initrd})
            if (!staged_matches(o.tftp_root, *f))
                problems.push_back(f->path + " does not match its ISO (sha256)");
        std::string text;
        if (!read_file(o.tftp_root / "pxelinux.cfg/default", text) ||
            text.find(begin_marker(l)) == std::string::npos)
            problems.push_back("no entry in pxelinux.cfg/default");
        if (!problems.empty()) ++bad;
        report[l] = {{"aoe", e.aoe}, {"ok", problems.empty()}, {"problems", problems}};
        if (o.json) continue;
        out << l << " (" << e.aoe << "): " << (problems.empty() ? "ok" : "MISMATCH") << "\n";
        for (const auto& p : problems) out << "  " << p << "\n";
    }
    if (o.json)
        out << report.dump(2) << "\n";
    else if (man.images.empty())
        out << "nothing staged in " << o.tftp_root.string() << "\n";
    return bad ? 1 : 0;
}

int inspect(const Options& o, std::ostream& out) {
    auto img = open_iso(o.iso);
    const std::string arch = o.arch.empty() ? host_kiwi_arch() : o.arch;
    auto bc = img.boot_catalog();
    auto bf = find_boot_files(img, arch);
    nlohmann::json j{{"file", img.file().string()},
                     {"file_bytes", img.pvd().file_bytes},
                     {"volume_id", img.volume_id()},
                     {"volume_blocks", img.pvd().volume_blocks},
                     {"rock_ridge", img.rock_ridge()},
                     {"joliet", img.joliet()},
                     {"layout", bf.layout},
                     {"iso_cmdline", bf.iso_cmdline}};
    nlohmann::json boot = nlohmann::json::object();
    boot["present"] = bc.present;
    boot["catalog"] = bc.catalog_path;
    boot["images"] = nlohmann::json::array();
    for (const auto& b : bc.images)
        boot["images"].push_back({{"platform_id", b.platform_id}, {"path", b.path}});
    j["el_torito"] = boot;
    for (const auto* f : {&bf.kernel, &bf.initrd}) {
        Sha256 h;
        img.stream_file(f->path, [&](std::span<const std::byte> c) { h.update(c); });
        j[f == &bf.kernel ? "kernel" : "initrd"] = {{"path", f->path},
                                                    {"resolved_path", f->resolved_path},
                                                    {"size", f->size},
                                                    {"sha256", h.hex()}};
    }
    if (o.json) {
        out << j.dump(2) << "\n";
        return 0;
    }
    out << "file:        " << img.file().string() << " (" << img.pvd().file_bytes << " bytes)\n";
    out << "volume id:   " << img.volume_id() << "\n";
    out << "volume size: " << img.pvd().volume_blocks << " blocks of 2048\n";
    out << "names:       " << (img.rock_ridge() ? "Rock Ridge" : "no Rock Ridge")
        << (img.joliet() ? ", Joliet" : "") << "\n";
    if (!bc.present) {
        out << "El Torito:   none\n";
    } else {
        out << "El Torito:   catalog " << (bc.catalog_path.empty() ? "(hidden)" : bc.catalog_path)
            << "\n";
        for (const auto& b : bc.images)
            out << "  boot image: platform "
                << (b.platform_id == 0xEF ? "EFI"
                    : b.platform_id == 0  ? "BIOS"
                                          : std::to_string(b.platform_id))
                << ", " << (b.path.empty() ? "(not a file in the tree)" : b.path) << "\n";
    }
    out << "layout:      " << bf.layout << "\n";
    for (const char* which : {"kernel", "initrd"}) {
        const auto& f = j[which];
        out << (std::string(which) == "kernel" ? "kernel:      " : "initrd:      ")
            << f["path"].get<std::string>();
        if (f["resolved_path"] != f["path"]) out << " -> " << f["resolved_path"].get<std::string>();
        out << " (" << f["size"].get<std::uint64_t>() << " bytes, sha256 "
            << f["sha256"].get<std::string>() << ")\n";
    }
    if (!bf.iso_cmdline.empty()) out << "ISO cmdline: " << bf.iso_cmdline << "\n";
    return 0;
}

} // namespace aoe::pxe
