// stage-pxe's main action: ISO in, kernel/initrd + config entries + manifest out. stage() at the
// end of this file runs the steps above it, in this order:
//   resolve_label, resolve_image      usage checks, then the ISO read (nothing touched yet)
//   check_root, then the lock         the TFTP root is writable; one run at a time
//   choose_aoe_address                shelf.slot: --aoe, the entry's old one, the lowest free
//   sweep_killed_runs                 what a killed run left (temp files, versioned pairs)
//   describe_entry, config_kinds,     every new config text (a label conflict refuses the run
//   render_configs                    before any file is written)
//   plan_files, stage_files           kernel and initrd: write_in_place, or (an update of a
//                                     pair) write_versioned_pair
//   prepare_configs, prepare_export,  every temp file written and fsynced before the first
//   prepare_manifest                  commit point (a full disk refuses the run here)
//   remove_old_export, commit         the commit points, in their crash-consistent order
//   sweep_unnamed                     a failed run's files, this run's leftover versioned pair
//   print_stage_report                what was staged, warnings, the aoe-target command
//                                     (stage_report.cpp)
#include "actions.hpp"

#include "atomic_file.hpp"
#include "boot_config.hpp"
#include "config_files.hpp"
#include "discovery.hpp"
#include "errors.hpp"
#include "export_dir.hpp"
#include "extract.hpp"
#include "generation.hpp"
#include "initrd.hpp"
#include "kis.hpp"
#include "line_diff.hpp"
#include "managed_block.hpp"
#include "manifest.hpp"
#include "open_iso.hpp"
#include "quote.hpp"
#include "root_lock.hpp"
#include "sha256.hpp"
#include "stage_report.hpp"
#include "text_util.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sys/stat.h>
#include <utility>
#include <vector>

namespace aoe::pxe {

namespace fs = std::filesystem;

namespace {

// A config text a killed update left naming its versioned pair (our text, not the admin's).
bool names_generation(const std::string& text) {
    return text.find(kGenerationTag) != std::string::npos;
}

// Why an image whose boot config names only a kernel gets no entry without --kernel-only.
std::string kernel_only_refusal(const fs::path& iso, const BootFiles& bf) {
    return in_quotes(iso) + ": no kernel/initrd pair found: the image's boot configuration (" +
           config_source(bf) + ") names only a kernel, " + bf.kernel.path +
           ", and no initrd, so an entry that boots the ISO as its live root over AoE "
           "(root=live:AOEINTERFACE) cannot be made. Use --kernel-only to stage the kernel "
           "alone (an entry without initrd and without AoE root; no export is needed)";
}

// The image being staged: an ISO and the boot files discovery found in it, or a KIWI KIS build
// (kernel, initrd, filesystem image); its identity; what its initrd mounts.
struct Source {
    std::optional<iso::Image> img; // an ISO
    std::optional<KisBuild> kis;   // a KIS build
    BootFiles bf;       // for a KIS build: layout "kis folder|bundle|files", sizes and sources
    fs::path iso_abs;   // the file aoe-target exports: the ISO, or the KIS filesystem image
    IsoIdentity ident;  // size and mtime, as the manifest records them
    bool kernel_only{}; // bf.kernel_only, and --kernel-only asked for it
    std::optional<InitrdFacts> initrd; // read unless kernel-only
    std::string live_url;              // --live-url: root=live:URL (dracut livenet), no AoE export

    // The entry reads its root over AoE (else: a kernel alone, or the ISO over HTTP into RAM).
    bool aoe_root() const { return !kernel_only && live_url.empty(); }

    std::string volume_id() const { return img ? img->volume_id() : std::string(); }
    // The root the entry names, and so the one the initrd must mount.
    NetRoot root() const {
        return kis                ? NetRoot::KiwiOverlayAoe
               : live_url.empty() ? NetRoot::KiwiLiveAoe
                                  : NetRoot::Livenet;
    }
    // A boot file into the TFTP root (the ISO streamed, a KIS file from memory).
    Extracted extract_to(const iso::FileInfo& fi, const fs::path& root, const fs::path& rel,
                         bool dry_run, bool quiet, std::ostream& err) const {
        if (img) return extract(*img, fi, root, rel, dry_run, quiet, err);
        const std::string& bytes = &fi == &bf.kernel ? kis->kernel : kis->initrd;
        return extract_bytes(bytes, fi.resolved_path, root, rel, dry_run);
    }
};

// What the entry names: its label, where its files live, its kernel arguments.
struct Entry {
    std::string label;
    fs::path dir; // boot, or boot/NAME
    std::string args;
    std::string http_base; // --http without a trailing '/'; empty: paths in the TFTP root
    bool kernel_only{};

    std::string url(const fs::path& rel) const {
        return http_base.empty() ? rel.string() : http_base + "/" + rel.string();
    }
    // The entry naming linux and initrd in `files`: dir, or a versioned pair's directory.
    EntrySpec spec(const fs::path& files) const {
        return {label, url(files / "linux"), kernel_only ? std::string() : url(files / "initrd"),
                args};
    }
};

// One config file's text before and after this run.
struct PendingConfig {
    ConfigKind kind;
    fs::path rel;
    bool existed;
    std::string before, after;
};

// The entry's two files as they are on disk before anything is written.
struct FilePlan {
    fs::path kernel, initrd;           // dir/linux, dir/initrd (relative to the TFTP root)
    bool keep_kernel{}, keep_initrd{}; // the staged file already is this ISO's (the manifest says)
    bool had_initrd{}, had_pair{};
};

// How an update of an existing pair becomes visible (see generation.hpp).
enum class Switch {
    None,      // first staging, or nothing changed: files were written in place
    Links,     // one of the two changes: one rename is atomic
    Exchange,  // boot/NAME/ is ours alone: one directory exchange switches both files
    ViaConfig, // configs name the versioned pair while the final files are replaced
};

struct StagedFiles {
    Extracted kernel, initrd; // initrd empty for a kernel-only entry
    Switch sw = Switch::None;
    fs::path gen; // the versioned pair's directory, for an update of an existing pair
};

// Config, export and manifest temp files are written and fsynced before the commit points
// (commit()), so a full disk fails before any entry changes (in-place file writes come earlier:
// a first staging's files no entry names yet, or the one file of a pair that changes).
// Renamed in this order: the pair switch (with `via`, then `back` for ViaConfig), head_ready
// (export, manifest: every label a config names is in the manifest), config_ready (after the
// files they name, so a client never sees an entry whose kernel is missing).
struct Commits {
    std::vector<std::unique_ptr<AtomicFile>> via, back, head_ready, config_ready;

    static void prepare(std::vector<std::unique_ptr<AtomicFile>>& into, const fs::path& target,
                        const std::string& content, mode_t mode) {
        into.push_back(std::make_unique<AtomicFile>(target, mode));
        into.back()->write(content);
        into.back()->prepare();
    }
};

// The export file for aoe-target: the one this run wrote (or the entry keeps), and the one of
// the pair entry this label was, which a kernel-only run removes.
struct ExportFile {
    std::string file;  // absolute; empty: none
    std::string state; // "created", "updated", "unchanged", "would ..."; empty: not written
    std::string old;
};

// --name, or the seed's Live-Boot; refuses bad usage before the ISO is read.
std::string resolve_label(const Options& o) {
    const std::string label = o.name.empty() ? kDefaultLabel : o.name;
    if (!o.name.empty() && !valid_name(o.name))
        throw UsageError("--name '" + o.name +
                         "': use letters, digits, '.', '_' and '-' (at most 64)");
    if (o.name == "linux" || o.name == "initrd" || o.name == "grub")
        throw UsageError("--name " + o.name + " would collide with boot/" + o.name +
                         " in the TFTP root; pick another name");
    if (o.name == kDefaultLabel)
        throw UsageError("--name Live-Boot is the default entry's label; leave --name out for it");
    if (o.kernel_only && o.aoe)
        throw UsageError("--aoe and --kernel-only exclude each other: a kernel-only entry reads "
                         "no root over AoE");
    return label;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

// A KIS build's file as the manifest records its source: the path, or BUNDLE:MEMBER.
std::string kis_source(const KisBuild& k, const fs::path& path, const std::string& member) {
    return k.from == KisBuild::From::Bundle ? k.input.string() + ":" + member : path.string();
}

} // namespace

bool names_kis_files(const Options& o) {
    return !o.kis_kernel.empty() || !o.kis_initrd.empty() || !o.kis_image.empty();
}

void check_kis_usage(const Options& o, bool staging) {
    const bool files = names_kis_files(o);
    if (!o.live_url.empty()) {
        const std::string& u = o.live_url;
        if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0 &&
            u.rfind("ftp://", 0) != 0 && u.rfind("tftp://", 0) != 0)
            throw UsageError("--live-url '" + u +
                             "': dracut's livenet downloads http://, https://, ftp:// or tftp:// "
                             "URLs");
        if (u.find_first_of(" \t\n") != std::string::npos)
            throw UsageError("--live-url '" + u + "': a URL without blanks");
        if (o.aoe)
            throw UsageError("--aoe and --live-url exclude each other: a livenet entry reads "
                             "its root over HTTP, not AoE");
        if (o.kernel_only) throw UsageError("--kernel-only and --live-url exclude each other");
        if (files || (!o.iso.empty() && is_kis_input(o.iso)))
            throw UsageError("--live-url is for live ISOs (dracut livenet); a KIS build boots "
                             "root=overlay:aoe=");
    }
    if (files && (o.kis_kernel.empty() || o.kis_initrd.empty() || o.kis_image.empty()))
        throw UsageError("--kis-kernel, --kis-initrd and --kis-image go together: name all three "
                         "files of the KIS build");
    if (files && !o.iso.empty())
        throw UsageError("give either an image (ISO, KIS folder or bundle) or --kis-kernel, "
                         "--kis-initrd and --kis-image, not both");
    const bool kis = files || (!o.iso.empty() && is_kis_input(o.iso));
    const bool bundle = kis && !files && !fs::is_directory(o.iso) &&
                        !fs::is_regular_file(o.iso.string() + ".initrd");
    if (!kis) {
        if (!o.image_dir.empty())
            throw UsageError("--image-dir is where a KIS bundle's filesystem image is unpacked; " +
                             in_quotes(o.iso) + " is not a KIS bundle");
        return;
    }
    if (o.kernel_only)
        throw UsageError("--kernel-only is for ISOs whose boot configuration names a kernel alone; "
                         "a KIS build has a kernel, an initrd and a filesystem image");
    if (!o.arch.empty())
        throw UsageError("--arch chooses among a KIWI live ISO's kernels; a KIS build has one");
    if (!bundle && !o.image_dir.empty())
        throw UsageError("--image-dir is for a KIS bundle (NAME.ARCH-VERSION.tar.xz); this KIS "
                         "build's filesystem image is a file already");
    if (bundle && staging && o.image_dir.empty())
        throw UsageError(in_quotes(o.iso) +
                         " is a KIS bundle: its filesystem image must be a "
                         "file for aoe-target to export. Give --image-dir DIR to unpack it there "
                         "(as NAME.ARCH-VERSION), or unpack the bundle and stage its folder");
}

namespace {

std::string sha256_of(const std::string& bytes) {
    Sha256 h;
    h.update(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
    return h.hex();
}

std::string read_iso_file(const iso::Image& img, const iso::FileInfo& fi) {
    std::string s;
    s.reserve(fi.size);
    img.stream_file(fi.path, [&](std::span<const std::byte> c) {
        s.append(reinterpret_cast<const char*>(c.data()), c.size());
    });
    return s;
}

InitrdFacts facts_of(const std::string& bytes) {
    return read_initrd(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

// A KIWI KIS build: its three files found by KIWI's names (or named by hand), read; a bundle's
// filesystem image is where --image-dir will hold it.
Source resolve_kis(const Options& o) {
    Source src;
    src.kis = names_kis_files(o) ? open_kis_files(o.kis_kernel, o.kis_initrd, o.kis_image)
                                 : open_kis(o.iso);
    const KisBuild& k = *src.kis;
    src.iso_abs = k.from == KisBuild::From::Bundle
                      ? (fs::absolute(o.image_dir) / k.image_name).lexically_normal()
                      : k.image_path;
    src.ident = identity_of(src.iso_abs);
    src.bf.layout = std::string("kis ") + k.from_name();
    src.bf.kernel = {k.kernel_name, kis_source(k, k.kernel_path, k.kernel_name), k.kernel.size()};
    src.bf.initrd = {k.initrd_name, kis_source(k, k.initrd_path, k.initrd_name), k.initrd.size()};
    src.bf.iso_cmdline = std::string(text::trim(k.append));
    src.initrd = facts_of(k.initrd);
    return src;
}

// Reads the image first: a bad ISO or KIS build must fail before anything is touched.
Source resolve_image(const Options& o) {
    check_kis_usage(o, true);
    if (names_kis_files(o) || is_kis_input(o.iso)) return resolve_kis(o);
    auto img = open_iso(o.iso);
    auto bf = find_boot_files(img, o.arch.empty() ? host_kiwi_arch() : o.arch);
    const fs::path iso_abs = img.file();
    const auto ident = identity_of(iso_abs);
    // A kernel alone only when asked for, and only for an image that has no pair: the kernel of
    // a live system without its initrd boots nowhere.
    const bool ko = bf.kernel_only;
    if (ko && !o.kernel_only) throw Failure(kernel_only_refusal(iso_abs, bf));
    if (o.kernel_only && !ko)
        throw UsageError("--kernel-only: " + in_quotes(iso_abs) + " has a kernel/initrd pair (" +
                         bf.layout + ": " + bf.kernel.path + " + " + bf.initrd.path +
                         "), a live system; stage it without --kernel-only (that option is for "
                         "images whose boot configuration names a kernel alone: iPXE, memtest)");
    Source src{std::move(img), std::nullopt, std::move(bf), iso_abs,
               ident,          ko,           std::nullopt,  o.live_url};
    if (!ko) src.initrd = facts_of(read_iso_file(*src.img, src.bf.initrd));
    return src;
}

// The entry's root against what the initrd can mount: a root it cannot mount refuses the run
// (--no-initrd-check: a warning). An initrd that cannot be told (not dracut's) goes on.
void check_initrd(const Options& o, const Source& src, std::ostream& err) {
    if (!src.initrd) return;
    const auto why = cannot_mount(*src.initrd, src.root());
    if (why.empty()) return;
    const std::string where = src.kis ? src.kis->where(src.kis->initrd_name)
                                      : in_quotes(src.iso_abs) + ": " + src.bf.initrd.path;
    const std::string root = src.root() == NetRoot::Livenet
                                 ? "root=live:" + src.live_url
                                 : std::string(root_syntax(src.root())) + "eS.L";
    std::string msg =
        where + ": this initrd cannot mount " + root + ", the entry's root: " + join(why, "; ");
    // A dmsquash ISO (KIWI flags="dmsquash": dracut's dmsquash-live and livenet, no kiwi-live)
    // boots from the network only by downloading itself: say which option writes that entry.
    if (src.root() == NetRoot::KiwiLiveAoe && src.initrd->livenet && !src.initrd->kiwi_live)
        msg += ". It has dracut's livenet: --live-url URL writes the entry it can boot "
               "(root=live:URL, each client downloads the whole ISO into its RAM), with the ISO "
               "served at URL";
    if (o.initrd_check)
        throw Failure(msg + ". Nothing was staged (--no-initrd-check stages it anyway, e.g. when "
                            "--append names a root the initrd does mount)");
    err << "stage-pxe: warning: " << msg << " (staged anyway: --no-initrd-check)\n";
}

// The TFTP root is a writable directory (created if missing); warnings about the inputs. A dry
// run on a root that does not exist yet shows everything as created.
void check_root(const Options& o, const Source& src, std::ostream& err) {
    if (!o.dry_run || fs::exists(o.tftp_root)) check_root_writable(o.tftp_root, !o.dry_run);
    if (src.img && !src.img->rock_ridge())
        err << "stage-pxe: warning: " << in_quotes(src.iso_abs)
            << " has no Rock Ridge names; paths were matched case-insensitively\n";
    if (struct stat rs{}; ::stat(o.tftp_root.c_str(), &rs) == 0 && (rs.st_mode & S_IXOTH) == 0)
        err << "stage-pxe: warning: TFTP root " << in_quotes(o.tftp_root)
            << " is not world-searchable (o+x); TFTP servers running as another user cannot read "
               "it\n";
}

// Shelf.slot: --aoe, else what this image had, else the seed's e0.1 (unnamed) or the lowest
// slot on shelf 0 that neither the manifest nor another file in --export-dir uses (named). A
// kernel-only entry has none (nothing reads a root over AoE). Refuses a slot another ISO's
// entry or a hand-written export holds.
AoeAddress choose_aoe_address(const Options& o, const std::string& label, const Manifest& man,
                              const ManifestEntry* prev, const Source& src) {
    const bool ko = !src.aoe_root(); // no AoE export: kernel-only, or livenet
    const auto by_hand = o.export_dir.empty() || ko ? std::map<std::string, ForeignExport>{}
                                                    : foreign_exports(o.export_dir, man, label);
    AoeAddress aoe{0, 1};
    if (ko) {
        // no slot
    } else if (o.aoe) {
        aoe = *o.aoe;
    } else if (prev && !prev->aoe.empty()) { // empty: it was a kernel-only entry
        aoe = *parse_aoe_address(prev->aoe);
    } else if (!o.name.empty()) {
        std::set<std::string> used;
        for (const auto& [l, e] : man.images) used.insert(e.aoe);
        for (const auto& [a, f] : by_hand) used.insert(a);
        for (unsigned s = 1; s < 255; ++s) {
            aoe = AoeAddress{0, static_cast<std::uint8_t>(s)};
            if (!used.count(aoe.client_name())) break;
        }
    }
    for (const auto& [l, e] : man.images)
        if (!ko && l != label && e.aoe == aoe.client_name() && e.iso != src.iso_abs.string())
            throw Failure("AoE address " + aoe.client_name() + " already serves " +
                          in_quotes(e.iso) + " (entry '" + l +
                          "'); two ISOs on one shelf.slot cannot work. Pick "
                          "another with --aoe");
    // aoe-target refuses a reload that exports one shelf.slot twice, even the same file.
    if (auto f = by_hand.find(aoe.client_name()); f != by_hand.end())
        throw Failure("AoE address " + aoe.client_name() + " is already exported by " +
                      f->second.where + " (" + in_quotes(f->second.image) +
                      "), a file stage-pxe did not write; aoe-target would refuse the reload. "
                      "Pick another with --aoe, or remove that line");
    return aoe;
}

// What killed runs left: temp files, versioned pairs no config names, a first staging's files
// that nothing names. Holding the lock.
void sweep_killed_runs(const Options& o) {
    remove_stale_temps(o.tftp_root);
    for (const fs::path& d :
         {fs::path("boot"), fs::path("pxelinux.cfg"), fs::path(o.grub_cfg).parent_path(),
          fs::path(o.ipxe_script).parent_path()})
        remove_stale_temps(o.tftp_root / d);
    if (!o.name.empty()) remove_stale_temps(o.tftp_root / "boot" / o.name);
    sweep_generations(o.tftp_root, config_texts(o));
    sweep_new_files(o.tftp_root, config_texts(o)); // a killed first staging's files
}

// Versioned pairs no config names any more, and the files of first stagings' records that
// neither the manifest nor a config names.
void sweep_unnamed(const Options& o) {
    sweep_generations(o.tftp_root, config_texts(o));
    sweep_new_files(o.tftp_root, config_texts(o));
}

// Where the entry's files go and what it passes to the kernel. A kernel-only entry gets
// --append's arguments and nothing else.
Entry describe_entry(const Options& o, const std::string& label, const Source& src,
                     const AoeAddress& aoe) {
    Entry e;
    e.label = label;
    e.kernel_only = src.kernel_only;
    e.dir = o.name.empty() ? fs::path("boot") : fs::path("boot") / o.name;
    e.args = src.kernel_only         ? std::string(text::trim(o.append))
             : src.kis               ? compose_kis_args(o.kiwi_net, aoe.client_name(), o.append)
             : !src.live_url.empty() ? compose_livenet_args(src.live_url, o.append)
                                     : compose_args(o.kiwi_net, aoe.client_name(), o.append);
    e.http_base = o.http_base;
    while (!e.http_base.empty() && e.http_base.back() == '/') e.http_base.pop_back();
    return e;
}

// The configs the entry lives in: pxelinux, the ones it was staged into before, --grub, --ipxe.
std::set<std::string> config_kinds(const Options& o, const ManifestEntry* prev) {
    std::set<std::string> kinds{"pxelinux"};
    if (prev) kinds.insert(prev->configs.begin(), prev->configs.end());
    if (o.grub) kinds.insert("grub");
    if (o.ipxe) kinds.insert("ipxe");
    return kinds;
}

// Boot configs: every new text is computed before anything is written (a label conflict
// refuses the whole run).
std::vector<PendingConfig> render_configs(const Options& o, const Entry& entry,
                                          const std::set<std::string>& kinds) {
    const std::string& label = entry.label;
    const EntrySpec spec = entry.spec(entry.dir);
    std::vector<PendingConfig> pending;
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
            throw Failure(in_quotes(o.tftp_root / rel) + ": " + e.what() +
                          "; fix the markers by hand");
        }
        auto foreign = foreign_labels(kind, t);
        if (std::find(foreign.begin(), foreign.end(), label) != foreign.end()) {
            if (!o.adopt)
                throw Failure("label conflict: " + in_quotes(o.tftp_root / rel) +
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
        pending.push_back({kind, rel, existed, before, t});
    }
    return pending;
}

// Which of the entry's files stay (same ISO, staged file intact) and which exist: read before
// anything is written.
FilePlan plan_files(const Options& o, const Source& src, const Entry& entry,
                    const ManifestEntry* prev) {
    const bool iso_same =
        prev && prev->iso == src.iso_abs.string() && prev->iso_size == src.ident.size &&
        prev->iso_mtime_ns == src.ident.mtime_ns && prev->volume_id == src.volume_id();
    // A KIS build's files are in memory: kept when their bytes are what the manifest recorded
    // (its image's identity says nothing about a kernel or initrd named by hand).
    auto keep = [&](const iso::FileInfo& fi, const fs::path& rel, const StagedFile* old) {
        if (src.kis)
            return old && old->path == rel.string() && old->source == fi.resolved_path &&
                   old->size == fi.size &&
                   old->sha256 ==
                       sha256_of(&fi == &src.bf.kernel ? src.kis->kernel : src.kis->initrd) &&
                   staged_matches(o.tftp_root, *old);
        return iso_same && old && old->source == fi.resolved_path && old->path == rel.string() &&
               staged_matches(o.tftp_root, *old);
    };
    FilePlan p;
    p.kernel = entry.dir / "linux";
    p.initrd = entry.dir / "initrd";
    p.keep_kernel = keep(src.bf.kernel, p.kernel, prev ? &prev->kernel : nullptr);
    p.keep_initrd =
        !src.kernel_only && keep(src.bf.initrd, p.initrd, prev ? &prev->initrd : nullptr);
    std::error_code ec;
    p.had_initrd = fs::exists(o.tftp_root / p.initrd, ec);
    p.had_pair = fs::exists(o.tftp_root / p.kernel, ec) || p.had_initrd;
    return p;
}

// A first staging, or at most one file changes: written in place (one rename each). A first
// staging's files belong to no entry until the manifest and configs name them: recorded first,
// so a failed or killed run leaves none behind.
StagedFiles write_in_place(const Options& o, const Source& src, const Entry& entry,
                           const ManifestEntry* prev, const FilePlan& plan, std::ostream& err) {
    const bool ko = src.kernel_only;
    StagedFiles s;
    if (!o.dry_run && !plan.had_pair) {
        std::vector<fs::path> created{plan.kernel};
        if (!ko) created.push_back(plan.initrd);
        if (std::error_code ec; !o.name.empty() && !fs::exists(o.tftp_root / entry.dir, ec))
            created.push_back(entry.dir); // boot/NAME/ itself, if this run makes it
        record_new_files(o.tftp_root, entry.label, created);
    }
    auto stage_one = [&](const iso::FileInfo& fi, const fs::path& rel, bool kept,
                         const StagedFile* old) {
        if (kept) return Extracted{*old, "unchanged"};
        return src.extract_to(fi, o.tftp_root, rel, o.dry_run, o.quiet, err);
    };
    s.kernel =
        stage_one(src.bf.kernel, plan.kernel, plan.keep_kernel, prev ? &prev->kernel : nullptr);
    if (!ko)
        s.initrd =
            stage_one(src.bf.initrd, plan.initrd, plan.keep_initrd, prev ? &prev->initrd : nullptr);
    return s;
}

// An update of an existing pair: the new pair goes to a versioned directory first, so there is
// no point in time where an entry names one new and one old file. Decides how it is switched in
// (commit() does it).
StagedFiles write_versioned_pair(const Options& o, const Source& src, const Entry& entry,
                                 const FilePlan& plan, const std::vector<PendingConfig>& pending,
                                 std::ostream& err) {
    const bool ko = src.kernel_only;
    const fs::path &klink = plan.kernel, &irel = plan.initrd;
    StagedFiles s;
    s.gen = generation_rel(entry.label,
                           src.iso_abs.string() + "\n" + std::to_string(src.ident.size) + "\n" +
                               std::to_string(src.ident.mtime_ns) + "\n" + src.volume_id() + "\n" +
                               src.bf.kernel.resolved_path + "\n" + src.bf.initrd.resolved_path);
    // An entry that was kernel-only: its initrd appears at the final path, so it is
    // recorded like a first staging's files.
    if (!ko && !plan.had_initrd) record_new_files(o.tftp_root, entry.label, {irel});
    s.kernel = src.extract_to(src.bf.kernel, o.tftp_root, s.gen / "linux", false, o.quiet, err);
    if (!ko)
        s.initrd =
            src.extract_to(src.bf.initrd, o.tftp_root, s.gen / "initrd", false, o.quiet, err);
    fsync_dir(o.tftp_root / "boot"); // the versioned directory's own entry
    auto differs = [&](const fs::path& rel, const StagedFile& f) {
        return !staged_matches(o.tftp_root, StagedFile{rel.string(), {}, f.size, f.sha256});
    };
    const bool k_new = differs(klink, s.kernel.file), i_new = !ko && differs(irel, s.initrd.file);
    s.kernel.file.path = klink.string();
    s.kernel.state = k_new ? "written" : "unchanged";
    if (!ko) {
        s.initrd.file.path = irel.string();
        s.initrd.state = i_new ? "written" : "unchanged";
    }
    const bool configs_same = std::all_of(pending.begin(), pending.end(),
                                          [](auto& p) { return p.existed && p.before == p.after; });
    if (!k_new && !i_new)
        s.sw = Switch::None;
    else if (ko)
        s.sw = Switch::ViaConfig; // the pair's entry must not name the new kernel
    else if (!k_new || !i_new)
        s.sw = Switch::Links;
    else if (configs_same && !o.name.empty() && holds_only_pair(o.tftp_root / entry.dir))
        s.sw = Switch::Exchange;
    else
        s.sw = Switch::ViaConfig;
    return s;
}

// Kernel and initrd (after every check passed, so a refused run writes nothing): in place, or
// as a versioned pair.
StagedFiles stage_files(const Options& o, const Source& src, const Entry& entry,
                        const ManifestEntry* prev, const FilePlan& plan,
                        const std::vector<PendingConfig>& pending, std::ostream& err) {
    const bool ko = src.kernel_only;
    // A kernel-only run drops the initrd at its entry's path (the entry was a pair, or a
    // killed run left it): recorded like a first staging's files, so the sweep at the end
    // (after a kill: the next run's) removes it once neither the manifest nor a config
    // names it.
    if (!o.dry_run && ko && plan.had_initrd)
        record_new_files(o.tftp_root, entry.label, {plan.initrd});
    // A kernel-only entry's one file is replaced in place too, unless an initrd sits next
    // to it (the entry was a pair): then the new kernel goes through a versioned directory
    // like a pair, so no entry names the new kernel with the old initrd.
    if (o.dry_run || !plan.had_pair || plan.keep_kernel || plan.keep_initrd ||
        (ko && !plan.had_initrd))
        return write_in_place(o, src, entry, prev, plan, err);
    return write_versioned_pair(o, src, entry, plan, pending, err);
}

// A KIS bundle's filesystem image into --image-dir (the file the export names): skipped when
// the manifest says this bundle, unchanged, was unpacked there and the file is as it left it.
// Written before the export and configs name it; a failed run leaves a whole image (never a
// part: temp file and rename), which the next run finds unchanged.
std::string stage_image(const Options& o, Source& src, const ManifestEntry* prev,
                        std::ostream& err) {
    if (!src.kis || src.kis->from != KisBuild::From::Bundle) return {};
    const IsoIdentity bundle = identity_of(src.kis->input);
    if (prev && prev->kind == "kis" && prev->image_unpacked &&
        prev->kis_source == src.kis->input.string() && prev->kis_source_size == bundle.size &&
        prev->kis_source_mtime_ns == bundle.mtime_ns && prev->iso == src.iso_abs.string() &&
        prev->iso_size == src.ident.size && prev->iso_mtime_ns == src.ident.mtime_ns)
        return "unchanged";
    if (o.dry_run) return src.ident.size ? "would unpack again" : "would unpack";
    std::error_code ec;
    fs::create_directories(o.image_dir, ec);
    if (ec)
        throw Failure("cannot create --image-dir " + in_quotes(o.image_dir) + ": " + ec.message());
    const std::string st = unpack_image(*src.kis, src.iso_abs, o.quiet, err);
    src.ident = identity_of(src.iso_abs);
    return st;
}

// The config texts as temp files (or, in place, a dry run's diff and an unchanged text's
// state): for a switch, the texts naming the versioned pair (`via`) and the final ones
// (`back`); otherwise the final ones (`config_ready`). Returns each config's state.
States prepare_configs(const Options& o, const Entry& entry,
                       const std::vector<PendingConfig>& pending, const StagedFiles& files,
                       Commits& commits, std::ostream& out) {
    States config_states;
    if (files.sw == Switch::Exchange || files.sw == Switch::ViaConfig) {
        // ViaConfig (also the fallback where the file system cannot exchange directories):
        // each config first names the versioned pair, then the final paths again.
        const EntrySpec gspec = entry.spec(files.gen);
        for (const auto& p : pending) {
            make_dirs(o.tftp_root, p.rel.parent_path());
            const fs::path target = config_target(o.tftp_root, p.rel);
            // .bak: the admin's previous version, never a text naming a versioned pair
            if (p.existed && p.before != p.after && !names_generation(p.before))
                Commits::prepare(commits.via, target.string() + ".bak", p.before, 0644);
            Commits::prepare(commits.via, target,
                             upsert_block(p.after, entry.label, render_entry(p.kind, gspec)), 0644);
            Commits::prepare(commits.back, target, p.after, 0644);
            config_states.emplace_back(p.rel.string(), !p.existed            ? "created"
                                                       : p.before == p.after ? "unchanged"
                                                                             : "updated");
        }
        return config_states;
    }
    for (const auto& p : pending) {
        std::string st;
        if (o.dry_run || (p.existed && p.before == p.after)) {
            st = apply_text(o.tftp_root, p.rel, p.existed, p.before, p.after, o.dry_run, out);
        } else {
            make_dirs(o.tftp_root, p.rel.parent_path());
            const fs::path target = config_target(o.tftp_root, p.rel);
            // No .bak of a text a killed update left naming its versioned pair: the
            // .bak is the admin's previous version (that run wrote it already).
            if (p.existed && !names_generation(p.before))
                Commits::prepare(commits.config_ready, target.string() + ".bak", p.before, 0644);
            Commits::prepare(commits.config_ready, target, p.after, 0644);
            st = p.existed ? "updated" : "created";
        }
        config_states.emplace_back(p.rel.string(), st);
    }
    return config_states;
}

// Export file for the target, so both halves name the same shelf.slot and file (a temp file in
// head_ready; a dry run prints its diff). A kernel-only entry has none; the one this label had
// as a pair is returned as `old` (removed by remove_old_export).
ExportFile prepare_export(const Options& o, const Entry& entry, const AoeAddress& aoe,
                          const Source& src, const ManifestEntry* prev, Commits& commits,
                          std::ostream& out) {
    const bool ko = !src.aoe_root(); // no AoE export: kernel-only, or livenet
    ExportFile x;
    x.file = prev ? prev->export_file : std::string();
    x.old = ko ? x.file : std::string();
    if (ko) x.file.clear();
    if (!o.export_dir.empty() && !ko) {
        x.file = (fs::absolute(o.export_dir) / (entry.label + ".conf")).string();
        const std::string content = export_file_text(entry.label, aoe, src.iso_abs);
        std::string old;
        bool had = read_file(x.file, old);
        if (had && old == content)
            x.state = "unchanged";
        else if (o.dry_run) {
            out << unified_diff(had ? old : std::string(), content, x.file);
            x.state = had ? "would update" : "would create";
        } else {
            std::error_code ec;
            fs::create_directories(o.export_dir, ec);
            if (ec)
                throw Failure("cannot create export directory " + in_quotes(o.export_dir) + ": " +
                              ec.message());
            Commits::prepare(commits.head_ready, x.file, content, 0644);
            x.state = had ? "updated" : "created";
        }
    }
    return x;
}

// The manifest with this run's entry, as a temp file in head_ready (after the export) if it
// changes.
void prepare_manifest(const Options& o, Manifest& man, const std::string& manifest_before,
                      const Entry& entry, const Source& src, const AoeAddress& aoe,
                      const StagedFiles& files, const std::set<std::string>& kinds,
                      const std::string& export_file, Commits& commits) {
    const bool ko = src.kernel_only;
    ManifestEntry me;
    me.label = entry.label;
    me.iso = src.iso_abs.string();
    me.iso_size = src.ident.size;
    me.iso_mtime_ns = src.ident.mtime_ns;
    me.volume_id = src.volume_id();
    me.layout = src.bf.layout;
    me.aoe = src.aoe_root() ? aoe.client_name() : std::string();
    me.live_url = src.live_url;
    me.args = entry.args;
    me.kernel = files.kernel.file;
    me.initrd = files.initrd.file; // empty for a kernel-only entry
    me.configs.assign(kinds.begin(), kinds.end());
    me.export_file = export_file;
    me.kernel_only = ko;
    if (src.kis) {
        me.kind = "kis";
        me.kis_from = src.kis->from_name();
        me.kis_source = src.kis->input.string();
        if (src.kis->from == KisBuild::From::Bundle) {
            const IsoIdentity b = identity_of(src.kis->input);
            me.kis_source_size = b.size;
            me.kis_source_mtime_ns = b.mtime_ns;
            me.image_unpacked = true;
        }
    }
    man.images[entry.label] = me;
    const std::string manifest_after = dump_manifest(man);
    if (!o.dry_run && manifest_after != manifest_before)
        Commits::prepare(commits.head_ready, o.tftp_root / kManifestName, manifest_after,
                         kManifestMode);
}

// The export of the pair entry this label was goes first, while the manifest still
// names it: a kill after this leaves it to the next run, never orphaned (aoe-target
// reads the directory only at a reload, so the order does not matter to clients).
std::pair<std::string, std::string> remove_old_export(const Options& o, const std::string& old) {
    std::error_code ec;
    if (!o.dry_run && !fs::remove(old, ec) && ec)
        throw Failure("cannot remove the export file " + in_quotes(old) + ": " + ec.message());
    return {old, o.dry_run ? "would remove" : "removed"};
}

// The commit points, in order: the pair switch (links, the directory exchange, or the configs
// naming the versioned pair while the final files are linked into place, then the final
// configs), then head_ready (export, manifest), then config_ready.
void commit(const Options& o, const Entry& entry, const FilePlan& plan, const StagedFiles& files,
            Commits& commits) {
    Switch sw = files.sw;
    const fs::path kgen = o.tftp_root / files.gen / "linux",
                   igen = o.tftp_root / files.gen / "initrd";
    if (sw == Switch::Links) {
        if (files.kernel.state == "written") link_into_place(kgen, o.tftp_root / plan.kernel);
        if (files.initrd.state == "written") link_into_place(igen, o.tftp_root / plan.initrd);
    }
    // After an exchange the old pair sits under the versioned name (swept later); where
    // the file system cannot exchange, the configs switch instead.
    if (sw == Switch::Exchange && !exchange_dirs(o.tftp_root / files.gen, o.tftp_root / entry.dir))
        sw = Switch::ViaConfig;
    if (sw == Switch::ViaConfig) {
        for (auto& f : commits.via) f->commit();
        link_into_place(kgen, o.tftp_root / plan.kernel);
        if (!entry.kernel_only) link_into_place(igen, o.tftp_root / plan.initrd);
        for (auto& f : commits.back) f->commit();
    }
    for (auto& f : commits.head_ready) f->commit();
    for (auto& f : commits.config_ready) f->commit();
}

} // namespace

bool valid_name(const std::string& name) {
    static const std::regex re("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    return std::regex_match(name, re);
}

int stage(const Options& o, std::ostream& out, std::ostream& err) {
    const std::string label = resolve_label(o);
    Source src = resolve_image(o);
    check_initrd(o, src, err);
    check_root(o, src, err);
    std::optional<RootLock> lock; // held until the run ends
    if (!o.dry_run) lock.emplace(o.tftp_root);

    Manifest man = load_manifest(o.tftp_root / kManifestName);
    const std::string manifest_before = dump_manifest(man);
    const ManifestEntry* prev = man.images.count(label) ? &man.images[label] : nullptr;
    const AoeAddress aoe = choose_aoe_address(o, label, man, prev, src);
    if (!o.dry_run) sweep_killed_runs(o);

    const Entry entry = describe_entry(o, label, src, aoe);
    const std::set<std::string> kinds = config_kinds(o, prev);
    const std::vector<PendingConfig> pending = render_configs(o, entry, kinds);
    const FilePlan plan = plan_files(o, src, entry, prev);

    // Declared out here: on a failure the sweep below runs before the temp files go.
    Commits commits;
    StagedFiles files;
    States config_states, removed;
    ExportFile exp;
    std::string image_state; // a KIS bundle's image in --image-dir
    try {
        files = stage_files(o, src, entry, prev, plan, pending, err);
        image_state = stage_image(o, src, prev, err);
        config_states = prepare_configs(o, entry, pending, files, commits, out);
        exp = prepare_export(o, entry, aoe, src, prev, commits, out);
        prepare_manifest(o, man, manifest_before, entry, src, aoe, files, kinds, exp.file, commits);
        if (!exp.old.empty()) removed.push_back(remove_old_export(o, exp.old));
        commit(o, entry, plan, files, commits);
    } catch (...) {
        // A failed run's versioned pair goes (no config names it); a config switched to a
        // versioned pair keeps it, and the next run finishes the job.
        // A failed first staging's files go too (nothing names them).
        if (!o.dry_run) sweep_unnamed(o);
        throw;
    }
    // Versioned pairs no config names any more (this run's, or a killed run's); this run's
    // record of new files (the manifest names them now: they stay).
    if (!o.dry_run) sweep_unnamed(o);
    if (src.kernel_only && plan.had_initrd) {
        std::error_code ec;
        removed.emplace_back(plan.initrd.string(), o.dry_run ? "would remove"
                                                   : fs::exists(o.tftp_root / plan.initrd, ec)
                                                       ? "kept (a config names it)"
                                                       : "removed");
    }
    StageReport r;
    r.label = entry.label;
    r.http_base = entry.http_base;
    r.bf = &src.bf;
    r.kis = src.kis ? &*src.kis : nullptr;
    r.initrd = src.initrd ? &*src.initrd : nullptr;
    r.image = src.iso_abs.string();
    r.volume_id = src.volume_id();
    r.image_size = src.ident.size;
    r.kernel_only = src.kernel_only;
    r.aoe_root = src.aoe_root();
    r.live_url = src.live_url;
    r.aoe = aoe;
    r.kernel = files.kernel;
    r.initrd_file = files.initrd;
    r.removed = removed;
    r.configs = config_states;
    r.export_file = exp.file;
    r.export_state = exp.state;
    r.image_state = image_state;
    return print_stage_report(o, r, out, err);
}

} // namespace aoe::pxe
