// stage-pxe's main action: ISO in, kernel/initrd + config entries + manifest out.
#include "stager.hpp"

#include "atomic_file.hpp"
#include "boot_config.hpp"
#include "bootloader.hpp"
#include "config_files.hpp"
#include "discovery.hpp"
#include "errors.hpp"
#include "export_dir.hpp"
#include "extract.hpp"
#include "generation.hpp"
#include "line_diff.hpp"
#include "managed_block.hpp"
#include "manifest.hpp"
#include "open_iso.hpp"
#include "quote.hpp"
#include "root_lock.hpp"
#include "sha256.hpp"
#include "text_util.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sys/stat.h>

namespace aoe::pxe {

namespace fs = std::filesystem;

namespace {

// Whether extra kernel arguments configure the network for dracut (ip=..., e.g. ip=dhcp).
bool has_ip_arg(const std::string& args) {
    for (const auto& w : text::words(args))
        if (w.rfind("ip=", 0) == 0) return true;
    return false;
}

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
    if (o.kernel_only && o.aoe)
        throw UsageError("--aoe and --kernel-only exclude each other: a kernel-only entry reads "
                         "no root over AoE");

    // Read the ISO first: a bad ISO must fail before anything is touched.
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

    // A dry run on a root that does not exist yet shows everything as created.
    if (!o.dry_run || fs::exists(o.tftp_root)) check_root_writable(o.tftp_root, !o.dry_run);
    if (!img.rock_ridge())
        err << "stage-pxe: warning: " << in_quotes(iso_abs)
            << " has no Rock Ridge names; paths were matched case-insensitively\n";
    if (struct stat rs{}; ::stat(o.tftp_root.c_str(), &rs) == 0 && (rs.st_mode & S_IXOTH) == 0)
        err << "stage-pxe: warning: TFTP root " << in_quotes(o.tftp_root)
            << " is not world-searchable (o+x); TFTP servers running as another user cannot read "
               "it\n";
    std::optional<RootLock> lock;
    if (!o.dry_run) lock.emplace(o.tftp_root);

    const fs::path manifest_path = o.tftp_root / kManifestName;
    Manifest man = load_manifest(manifest_path);
    const std::string manifest_before = dump_manifest(man);
    const ManifestEntry* prev = man.images.count(label) ? &man.images[label] : nullptr;

    // Shelf.slot: --aoe, else what this image had, else the seed's e0.1 (unnamed) or the
    // lowest slot on shelf 0 that neither the manifest nor another file in --export-dir uses
    // (named). A kernel-only entry has none (nothing reads a root over AoE).
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
        if (!ko && l != label && e.aoe == aoe.client_name() && e.iso != iso_abs.string())
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

    if (!o.dry_run) {
        remove_stale_temps(o.tftp_root);
        for (const fs::path& d :
             {fs::path("boot"), fs::path("pxelinux.cfg"), fs::path(o.grub_cfg).parent_path(),
              fs::path(o.ipxe_script).parent_path()})
            remove_stale_temps(o.tftp_root / d);
        if (!o.name.empty()) remove_stale_temps(o.tftp_root / "boot" / o.name);
        sweep_generations(o.tftp_root, config_texts(o));
        sweep_new_files(o.tftp_root, config_texts(o)); // a killed first staging's files
    }

    const fs::path dir = o.name.empty() ? fs::path("boot") : fs::path("boot") / o.name;

    // Boot configs: compute every new text first (a label conflict refuses the whole run).
    // A kernel-only entry gets --append's arguments and nothing else.
    const std::string args = ko ? std::string(text::trim(o.append))
                                : compose_args(o.kiwi_net, aoe.client_name(), o.append);
    std::string base = o.http_base;
    while (!base.empty() && base.back() == '/') base.pop_back();
    auto url = [&](const fs::path& rel) {
        return base.empty() ? rel.string() : base + "/" + rel.string();
    };
    EntrySpec spec{label, url(dir / "linux"), ko ? std::string() : url(dir / "initrd"), args};

    std::set<std::string> kinds{"pxelinux"};
    if (prev) kinds.insert(prev->configs.begin(), prev->configs.end());
    if (o.grub) kinds.insert("grub");
    if (o.ipxe) kinds.insert("ipxe");
    struct PendingConfig {
        ConfigKind kind;
        fs::path rel;
        bool existed;
        std::string before, after;
    };
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

    // Kernel and initrd (after every check above passed, so a refused run writes nothing).
    // Temp files written and fsynced ahead of their renames (see the config step below).
    auto prepare = [](std::vector<std::unique_ptr<AtomicFile>>& into, const fs::path& target,
                      const std::string& content, mode_t mode) {
        into.push_back(std::make_unique<AtomicFile>(target, mode));
        into.back()->write(content);
        into.back()->prepare();
    };
    const bool iso_same = prev && prev->iso == iso_abs.string() && prev->iso_size == ident.size &&
                          prev->iso_mtime_ns == ident.mtime_ns &&
                          prev->volume_id == img.volume_id();
    auto keep = [&](const iso::FileInfo& fi, const fs::path& rel, const StagedFile* old) {
        return iso_same && old && old->source == fi.resolved_path && old->path == rel.string() &&
               staged_matches(o.tftp_root, *old);
    };
    const fs::path klink = dir / "linux", irel = dir / "initrd";
    const bool k_keep = keep(bf.kernel, klink, prev ? &prev->kernel : nullptr);
    const bool i_keep = !ko && keep(bf.initrd, irel, prev ? &prev->initrd : nullptr);
    std::error_code exist_ec;
    const bool had_initrd = fs::exists(o.tftp_root / irel, exist_ec);
    const bool had_pair = fs::exists(o.tftp_root / klink, exist_ec) || had_initrd;
    Extracted kx, ix;
    // How an update of an existing pair becomes visible (see generation.hpp).
    enum class Switch {
        None,      // first staging, or nothing changed: files were written in place
        Links,     // one of the two changes: one rename is atomic
        Exchange,  // boot/NAME/ is ours alone: one directory exchange switches both files
        ViaConfig, // configs name the versioned pair while the final files are replaced
    } sw = Switch::None;
    fs::path gen;
    std::vector<std::pair<std::string, std::string>> config_states;
    // Config, export and manifest temp files are written and fsynced before the commit points
    // below, so a full disk fails before any entry changes (in-place file writes come earlier:
    // a first staging's files no entry names yet, or the one file of a pair that changes).
    // Renamed in this order: the pair switch (with
    // `via`, then `back` for ViaConfig), head_ready (export, manifest: every label a config
    // names is in the manifest), config_ready (after the files they name, so a client never
    // sees an entry whose kernel is missing).
    std::vector<std::unique_ptr<AtomicFile>> via, back, head_ready, config_ready;
    std::string export_file = prev ? prev->export_file : std::string();
    std::string export_state;
    std::vector<std::pair<std::string, std::string>> removed; // (path, state)
    try {
        // A kernel-only run drops the initrd at its entry's path (the entry was a pair, or a
        // killed run left it): recorded like a first staging's files, so the sweep at the end
        // (after a kill: the next run's) removes it once neither the manifest nor a config
        // names it.
        if (!o.dry_run && ko && had_initrd) record_new_files(o.tftp_root, label, {irel});
        // A kernel-only entry's one file is replaced in place too, unless an initrd sits next
        // to it (the entry was a pair): then the new kernel goes through a versioned directory
        // like a pair, so no entry names the new kernel with the old initrd.
        if (o.dry_run || !had_pair || k_keep || i_keep || (ko && !had_initrd)) {
            // A first staging, or at most one file changes: written in place (one rename each).
            // A first staging's files belong to no entry until the manifest and configs name
            // them: recorded first, so a failed or killed run leaves none behind.
            if (!o.dry_run && !had_pair) {
                std::vector<fs::path> created{klink};
                if (!ko) created.push_back(irel);
                if (!o.name.empty() && !fs::exists(o.tftp_root / dir, exist_ec))
                    created.push_back(dir); // boot/NAME/ itself, if this run makes it
                record_new_files(o.tftp_root, label, created);
            }
            auto stage_one = [&](const iso::FileInfo& fi, const fs::path& rel, bool kept,
                                 const StagedFile* old) {
                if (kept) return Extracted{*old, "unchanged"};
                return extract(img, fi, o.tftp_root, rel, o.dry_run, o.quiet, err);
            };
            kx = stage_one(bf.kernel, klink, k_keep, prev ? &prev->kernel : nullptr);
            if (!ko) ix = stage_one(bf.initrd, irel, i_keep, prev ? &prev->initrd : nullptr);
        } else {
            // An update of an existing pair: the new pair goes to a versioned directory first,
            // so there is no point in time where an entry names one new and one old file.
            gen = generation_rel(label, iso_abs.string() + "\n" + std::to_string(ident.size) +
                                            "\n" + std::to_string(ident.mtime_ns) + "\n" +
                                            img.volume_id() + "\n" + bf.kernel.resolved_path +
                                            "\n" + bf.initrd.resolved_path);
            // An entry that was kernel-only: its initrd appears at the final path, so it is
            // recorded like a first staging's files.
            if (!ko && !had_initrd) record_new_files(o.tftp_root, label, {irel});
            kx = extract(img, bf.kernel, o.tftp_root, gen / "linux", false, o.quiet, err);
            if (!ko) ix = extract(img, bf.initrd, o.tftp_root, gen / "initrd", false, o.quiet, err);
            fsync_dir(o.tftp_root / "boot"); // the versioned directory's own entry
            auto differs = [&](const fs::path& rel, const StagedFile& f) {
                return !staged_matches(o.tftp_root, StagedFile{rel.string(), {}, f.size, f.sha256});
            };
            const bool k_new = differs(klink, kx.file), i_new = !ko && differs(irel, ix.file);
            kx.file.path = klink.string();
            kx.state = k_new ? "written" : "unchanged";
            if (!ko) {
                ix.file.path = irel.string();
                ix.state = i_new ? "written" : "unchanged";
            }
            const bool configs_same = std::all_of(pending.begin(), pending.end(), [](auto& p) {
                return p.existed && p.before == p.after;
            });
            if (!k_new && !i_new)
                sw = Switch::None;
            else if (ko)
                sw = Switch::ViaConfig; // the pair's entry must not name the new kernel
            else if (!k_new || !i_new)
                sw = Switch::Links;
            else if (configs_same && !o.name.empty() && holds_only_pair(o.tftp_root / dir))
                sw = Switch::Exchange;
            else
                sw = Switch::ViaConfig;
        }

        if (sw == Switch::Exchange || sw == Switch::ViaConfig) {
            // ViaConfig (also the fallback where the file system cannot exchange directories):
            // each config first names the versioned pair, then the final paths again.
            const EntrySpec gspec{label, url(gen / "linux"),
                                  ko ? std::string() : url(gen / "initrd"), args};
            for (const auto& p : pending) {
                make_dirs(o.tftp_root, p.rel.parent_path());
                const fs::path target = config_target(o.tftp_root, p.rel);
                // .bak: the admin's previous version, never a text naming a versioned pair
                if (p.existed && p.before != p.after && !names_generation(p.before))
                    prepare(via, target.string() + ".bak", p.before, 0644);
                prepare(via, target, upsert_block(p.after, label, render_entry(p.kind, gspec)),
                        0644);
                prepare(back, target, p.after, 0644);
                config_states.emplace_back(p.rel.string(), !p.existed            ? "created"
                                                           : p.before == p.after ? "unchanged"
                                                                                 : "updated");
            }
        } else {
            for (const auto& p : pending) {
                std::string st;
                if (o.dry_run || (p.existed && p.before == p.after)) {
                    st = apply_text(o.tftp_root, p.rel, p.existed, p.before, p.after, o.dry_run,
                                    out);
                } else {
                    make_dirs(o.tftp_root, p.rel.parent_path());
                    const fs::path target = config_target(o.tftp_root, p.rel);
                    // No .bak of a text a killed update left naming its versioned pair: the
                    // .bak is the admin's previous version (that run wrote it already).
                    if (p.existed && !names_generation(p.before))
                        prepare(config_ready, target.string() + ".bak", p.before, 0644);
                    prepare(config_ready, target, p.after, 0644);
                    st = p.existed ? "updated" : "created";
                }
                config_states.emplace_back(p.rel.string(), st);
            }
        }

        // Export file for the target, so both halves name the same shelf.slot and file. A
        // kernel-only entry has none; the one this label had as a pair goes (below).
        const std::string old_export = ko ? export_file : std::string();
        if (ko) export_file.clear();
        if (!o.export_dir.empty() && !ko) {
            export_file = (fs::absolute(o.export_dir) / (label + ".conf")).string();
            const std::string content = export_file_text(label, aoe, iso_abs);
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
                    throw Failure("cannot create export directory " + in_quotes(o.export_dir) +
                                  ": " + ec.message());
                prepare(head_ready, export_file, content, 0644);
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
        me.aoe = ko ? std::string() : aoe.client_name();
        me.args = args;
        me.kernel = kx.file;
        me.initrd = ix.file; // empty for a kernel-only entry
        me.configs.assign(kinds.begin(), kinds.end());
        me.export_file = export_file;
        me.kernel_only = ko;
        man.images[label] = me;
        const std::string manifest_after = dump_manifest(man);
        if (!o.dry_run && manifest_after != manifest_before)
            prepare(head_ready, manifest_path, manifest_after, kManifestMode);

        // The export of the pair entry this label was goes first, while the manifest still
        // names it: a kill after this leaves it to the next run, never orphaned (aoe-target
        // reads the directory only at a reload, so the order does not matter to clients).
        if (!old_export.empty()) {
            std::error_code ec;
            if (!o.dry_run && !fs::remove(old_export, ec) && ec)
                throw Failure("cannot remove the export file " + in_quotes(old_export) + ": " +
                              ec.message());
            removed.emplace_back(old_export, o.dry_run ? "would remove" : "removed");
        }

        // The commit points, in order.
        const fs::path kgen = o.tftp_root / gen / "linux", igen = o.tftp_root / gen / "initrd";
        if (sw == Switch::Links) {
            if (kx.state == "written") link_into_place(kgen, o.tftp_root / klink);
            if (ix.state == "written") link_into_place(igen, o.tftp_root / irel);
        }
        // After an exchange the old pair sits under the versioned name (swept below); where
        // the file system cannot exchange, the configs switch instead.
        if (sw == Switch::Exchange && !exchange_dirs(o.tftp_root / gen, o.tftp_root / dir))
            sw = Switch::ViaConfig;
        if (sw == Switch::ViaConfig) {
            for (auto& f : via) f->commit();
            link_into_place(kgen, o.tftp_root / klink);
            if (!ko) link_into_place(igen, o.tftp_root / irel);
            for (auto& f : back) f->commit();
        }
        for (auto& f : head_ready) f->commit();
        for (auto& f : config_ready) f->commit();
    } catch (...) {
        // A failed run's versioned pair goes (no config names it); a config switched to a
        // versioned pair keeps it, and the next run finishes the job.
        // A failed first staging's files go too (nothing names them).
        if (!o.dry_run) {
            sweep_generations(o.tftp_root, config_texts(o));
            sweep_new_files(o.tftp_root, config_texts(o));
        }
        throw;
    }
    // Versioned pairs no config names any more (this run's, or a killed run's); this run's
    // record of new files (the manifest names them now: they stay).
    if (!o.dry_run) {
        sweep_generations(o.tftp_root, config_texts(o));
        sweep_new_files(o.tftp_root, config_texts(o));
    }
    if (ko && had_initrd)
        removed.emplace_back(irel.string(), o.dry_run ? "would remove"
                                            : fs::exists(o.tftp_root / irel, exist_ec)
                                                ? "kept (a config names it)"
                                                : "removed");

    // Report.
    out << (o.dry_run ? "dry run, nothing written: " : "staged ") << "'" << label << "' from "
        << iso_abs.string() << " (" << bf.layout << ", volume id '" << img.volume_id() << "')"
        << (ko ? ", kernel only" : "") << "\n";
    out << "  " << kx.file.path << "  " << kx.file.size << " bytes  sha256 " << kx.file.sha256
        << "  " << kx.state << "\n";
    if (!ko)
        out << "  " << ix.file.path << "  " << ix.file.size << " bytes  sha256 " << ix.file.sha256
            << "  " << ix.state << "\n";
    for (const auto& [path, st] : removed) out << "  " << path << "  " << st << "\n";
    for (const auto& [rel, st] : config_states) out << "  " << rel << "  " << st << "\n";
    if (!export_state.empty()) out << "  " << export_file << "  " << export_state << "\n";
    check_bootloader(o, out, err);
    if (bf.kiwi && !o.kiwi_net && !ko && !has_ip_arg(o.append))
        // Measured with a live ISO that KIWI 9.24 built on Debian 12 (dracut 059), booted by a
        // QEMU client: without ip= its initrd loads aoe but never configures the NIC, and dracut
        // gives up on /dev/etherd/... after ~4 minutes (e2e.kiwi-seed-entry); 'ip=dhcp' alone
        // boots it (e2e.kiwi-minimal-entry).
        err << "stage-pxe: warning: --no-kiwi-net: the entry lacks 'rd.kiwi.live.pxe "
               "rd.neednet=1 ip=dhcp'. Live ISOs that current KIWI builds (dracut with the "
               "kiwi-live module, e.g. Debian 12's dracut 059) then never bring the client's NIC "
               "up: no AoE frame leaves it, and dracut gives up waiting for /dev/etherd/"
            << aoe.client_name()
            << " after about 4 minutes (emergency shell). They need at least 'ip=dhcp' "
               "(--append ip=dhcp); leave it out only for old KIWI initrds that configure the "
               "network themselves.\n";
    if (!bf.kiwi && !ko)
        err << "stage-pxe: warning: " << bf.layout
            << " layout: root=live:AOEINTERFACE is understood "
            << "by KIWI initrds only; add what this initrd needs with --append\n";
    if (!base.empty())
        err << "stage-pxe: note: HTTP paths need lpxelinux.0 (not pxelinux.0), iPXE or GRUB with "
               "http\n";
    if (ko) {
        // Nothing for aoe-target to do: say so instead of a command line.
        out << "Kernel only (" << config_source(bf)
            << "): no initrd, no root=live:AOEINTERFACE; the entry reads nothing over AoE, so "
               "there is no export and no aoe-target command"
            << (o.export_dir.empty() ? "" : " (--export-dir: nothing written)") << ".\n";
        return 0;
    }
    // aoe-target needs an interface (or EAL args) besides the export; --iface names it.
    out << "Serve the ISO with:\n"
        << "  aoe-target --export " << shell_quote(aoe.dotted() + "=" + iso_abs.string())
        << " --iface " << shell_quote(o.iface) << "\n"
        << "  aoe-target " << aoe.shelf << " " << static_cast<unsigned>(aoe.slot) << " "
        << shell_quote(o.iface) << " " << shell_quote(iso_abs.string()) << "\n";
    return 0;
}

} // namespace aoe::pxe
