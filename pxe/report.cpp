// Read-only actions: --list, --check, --inspect (text or --json).
#include "actions.hpp"

#include "atomic_file.hpp"
#include "boot_config.hpp"
#include "discovery.hpp"
#include "errors.hpp"
#include "extract.hpp"
#include "initrd.hpp"
#include "kis.hpp"
#include "managed_block.hpp"
#include "manifest.hpp"
#include "open_iso.hpp"
#include "pe_signature.hpp"
#include "quote.hpp"
#include "sha256.hpp"
#include "text_util.hpp"

#include <optional>
#include <span>

#include <nlohmann/json.hpp>

namespace aoe::pxe {

namespace fs = std::filesystem;

namespace {

nlohmann::json facts_json(const InitrdFacts& f) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& x : f.archives)
        a.push_back({{"offset", x.offset}, {"compression", x.compression}, {"entries", x.entries}});
    nlohmann::json j{{"readable", f.readable},
                     {"summary", roots_summary(f)},
                     {"archives", a},
                     {"dracut", f.dracut},
                     {"dracut_modules", f.dracut_modules},
                     {"kiwi_live", f.kiwi_live},
                     {"kiwi_overlay", f.kiwi_overlay},
                     {"livenet", f.livenet},
                     {"aoe_module", f.aoe_module},
                     {"kernel_versions", f.kernel_versions},
                     {"sh", f.sh},
                     {"sh_is_bash", f.sh_is_bash}};
    if (!f.readable) j["unreadable_why"] = f.unreadable_why;
    nlohmann::json roots = nlohmann::json::object();
    for (NetRoot r : {NetRoot::KiwiLiveAoe, NetRoot::KiwiOverlayAoe, NetRoot::Livenet})
        roots[root_syntax(r)] = cannot_mount(f, r);
    j["cannot_mount"] = roots; // reasons per root; empty: it can, or it cannot be told
    return j;
}

void print_facts(const InitrdFacts& f, std::ostream& out) {
    for (const auto& l : describe_initrd(f)) out << "  " << l << "\n";
}

std::string sha_of(const std::string& bytes) {
    Sha256 h;
    h.update(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
    return h.hex();
}

// --inspect of a KIWI KIS build: its files, what its initrd mounts, the entry stage-pxe writes.
int inspect_kis(const Options& o, std::ostream& out) {
    const KisBuild k = names_kis_files(o) ? open_kis_files(o.kis_kernel, o.kis_initrd, o.kis_image)
                                          : open_kis(o.iso);
    const InitrdFacts f =
        read_initrd(std::as_bytes(std::span<const char>(k.initrd.data(), k.initrd.size())));
    const bool bundle = k.from == KisBuild::From::Bundle;
    const std::string args = compose_kis_args(o.kiwi_net, "eS.L", o.append);
    const auto why = cannot_mount(f, NetRoot::KiwiOverlayAoe);
    const std::string ksha = sha_of(k.kernel), isha = sha_of(k.initrd);
    if (o.json) {
        nlohmann::json j{
            {"kind", "kis"},
            {"from", k.from_name()},
            {"input", k.input.string()},
            {"base", k.base},
            {"kernel_version", k.kver},
            {"kernel", {{"name", k.kernel_name}, {"size", k.kernel.size()}, {"sha256", ksha}}},
            {"initrd", {{"name", k.initrd_name}, {"size", k.initrd.size()}, {"sha256", isha}}},
            {"image",
             {{"name", k.image_name},
              {"size", k.image_size},
              {"path", bundle ? nlohmann::json(nullptr) : nlohmann::json(k.image_path.string())}}},
            {"md5", std::string(text::trim(k.checksum))},
            {"append", std::string(text::trim(k.append))},
            {"initrd_facts", facts_json(f)},
            {"entry_args", args},
            {"stages", why.empty() || !o.initrd_check}};
        if (bundle) j["members"] = k.members;
        out << j.dump(2) << "\n";
        return 0;
    }
    out << "KIS build:   " << k.base << " (" << k.from_name() << " " << k.input.string() << ")\n";
    if (bundle) {
        out << "members:     ";
        for (std::size_t i = 0; i < k.members.size(); ++i) out << (i ? ", " : "") << k.members[i];
        out << "\n";
    }
    out << "kernel:      " << (bundle ? k.kernel_name : k.kernel_path.string()) << " ("
        << k.kernel.size() << " bytes, sha256 " << ksha << ")"
        << (k.kver.empty() ? "" : ", version " + k.kver) << "\n";
    out << "initrd:      " << (bundle ? k.initrd_name : k.initrd_path.string()) << " ("
        << k.initrd.size() << " bytes, sha256 " << isha << ")\n";
    print_facts(f, out);
    out << "image:       " << (bundle ? k.image_name : k.image_path.string()) << " ("
        << k.image_size << " bytes)"
        << (bundle ? ", in the bundle: staging unpacks it into --image-dir" : "") << "\n";
    if (!k.checksum.empty()) out << "md5:         " << text::trim(k.checksum) << "\n";
    if (!k.append.empty())
        out << "append:      " << text::trim(k.append)
            << " (KIWI's .append: a local-disk root, not used for the AoE entry)\n";
    out << "entry:       " << args << "\n";
    if (why.empty())
        out << "verdict:     stage-pxe stages it"
            << (can_tell(f) ? "" : " (the initrd cannot be told: no check)") << "\n";
    else {
        out << "verdict:     stage-pxe refuses it (--no-initrd-check stages it anyway): this "
               "initrd "
               "cannot mount root=overlay:aoe=\n";
        for (const auto& w : why) out << "             - " << w << "\n";
    }
    return 0;
}

} // namespace

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
        // A kernel-only entry has no AoE export.
        out << l << "\t" << (e.aoe.empty() ? "-" : e.aoe) << "\t" << e.layout
            << (e.kernel_only        ? " (kernel only)"
                : e.live_url.empty() ? ""
                                     : " (livenet)")
            << "\t" << cfgs << "\t" << e.iso << "\n";
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
        const std::string what = e.kind == "kis" ? "filesystem image " : "ISO ";
        if (id.size == 0 && id.mtime_ns == 0)
            problems.push_back(what + in_quotes(e.iso) + " is gone");
        else if (id.size != e.iso_size || id.mtime_ns != e.iso_mtime_ns)
            problems.push_back(what + in_quotes(e.iso) +
                               " changed on disk since staging (re-run stage-pxe)");
        if (e.kind == "kis" && e.kis_from == "bundle") {
            auto b = identity_of(e.kis_source);
            if (b.size == 0 && b.mtime_ns == 0)
                problems.push_back("bundle " + in_quotes(e.kis_source) + " is gone");
            else if (b.size != e.kis_source_size || b.mtime_ns != e.kis_source_mtime_ns)
                problems.push_back("bundle " + in_quotes(e.kis_source) +
                                   " changed on disk since staging (re-run stage-pxe)");
        }
        for (const auto* f : {&e.kernel, &e.initrd})
            if (!(f == &e.initrd && e.kernel_only) && !staged_matches(o.tftp_root, *f))
                problems.push_back(f->path + " does not match its " +
                                   (e.kind == "kis" ? "KIS build" : "ISO") + " (sha256)");
        std::string text;
        if (!read_file(o.tftp_root / "pxelinux.cfg/default", text) ||
            text.find(begin_marker(l)) == std::string::npos)
            problems.push_back("no entry in pxelinux.cfg/default");
        if (!problems.empty()) ++bad;
        // Not a mismatch (the ISO's own kernel may be unsigned), but a Secure Boot client
        // refuses it: say so.
        std::vector<std::string> notes;
        std::string kernel;
        if (read_file(o.tftp_root / e.kernel.path, kernel)) {
            auto sig = pe_signature(kernel);
            if (secure_boot_refuses(sig)) notes.push_back(e.kernel.path + ": " + describe(sig));
        }
        report[l] = {{"aoe", e.aoe},
                     {"kernel_only", e.kernel_only},
                     {"ok", problems.empty()},
                     {"problems", problems},
                     {"notes", notes}};
        if (o.json) continue;
        out << l << " ("
            << (e.kernel_only        ? "kernel only"
                : e.live_url.empty() ? e.aoe
                                     : "livenet")
            << "): " << (problems.empty() ? "ok" : "MISMATCH") << "\n";
        for (const auto& p : problems) out << "  " << p << "\n";
        for (const auto& n : notes) out << "  note: " << n << "\n";
    }
    if (o.json)
        out << report.dump(2) << "\n";
    else if (man.images.empty())
        out << "nothing staged in " << o.tftp_root.string() << "\n";
    return bad ? 1 : 0;
}

int inspect(const Options& o, std::ostream& out) {
    check_kis_usage(o, false);
    if (names_kis_files(o) || is_kis_input(o.iso)) return inspect_kis(o, out);
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
                     {"iso_cmdline", bf.iso_cmdline},
                     {"kernel_only", bf.kernel_only}};
    // The config entry that named the files (null for a known layout).
    j["boot_config"] = bf.config.empty() ? nlohmann::json(nullptr)
                                         : nlohmann::json{{"file", bf.config}, {"label", bf.entry}};
    nlohmann::json boot = nlohmann::json::object();
    boot["present"] = bc.present;
    boot["catalog"] = bc.catalog_path;
    boot["images"] = nlohmann::json::array();
    for (const auto& b : bc.images)
        boot["images"].push_back({{"platform_id", b.platform_id}, {"path", b.path}});
    j["el_torito"] = boot;
    j["initrd"] = nullptr; // a kernel-only image has none
    j["initrd_facts"] = nullptr;
    std::optional<InitrdFacts> facts;
    std::string kernel_bytes; // for its PE certificate table (at the end of the file)
    for (const auto* f : {&bf.kernel, &bf.initrd}) {
        if (f == &bf.initrd && bf.kernel_only) continue;
        Sha256 h;
        const bool is_kernel = f == &bf.kernel;
        std::string bytes;
        img.stream_file(f->path, [&](std::span<const std::byte> c) {
            h.update(c);
            (is_kernel ? kernel_bytes : bytes)
                .append(reinterpret_cast<const char*>(c.data()), c.size());
        });
        if (!is_kernel) {
            facts = read_initrd(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
            j["initrd_facts"] = facts_json(*facts);
        }
        j[is_kernel ? "kernel" : "initrd"] = {{"path", f->path},
                                              {"resolved_path", f->resolved_path},
                                              {"size", f->size},
                                              {"sha256", h.hex()}};
    }
    const auto sig = pe_signature(kernel_bytes);
    j["kernel"]["secure_boot"] = {{"signed", !secure_boot_refuses(sig)}, {"detail", describe(sig)}};
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
    if (!bf.config.empty()) out << "config:      " << config_source(bf) << "\n";
    for (const char* which : {"kernel", "initrd"}) {
        const auto& f = j[which];
        out << (std::string(which) == "kernel" ? "kernel:      " : "initrd:      ");
        if (f.is_null()) {
            out << "none\n";
            continue;
        }
        out << f["path"].get<std::string>();
        if (f["resolved_path"] != f["path"]) out << " -> " << f["resolved_path"].get<std::string>();
        out << " (" << f["size"].get<std::uint64_t>() << " bytes, sha256 "
            << f["sha256"].get<std::string>() << ")\n";
        if (std::string(which) == "initrd" && facts) {
            print_facts(*facts, out);
            // The entry's root: AoE, or with --live-url dracut's livenet.
            const NetRoot r = o.live_url.empty() ? NetRoot::KiwiLiveAoe : NetRoot::Livenet;
            if (auto why = cannot_mount(*facts, r); !why.empty()) {
                out << "verdict:     stage-pxe refuses it (--no-initrd-check stages it anyway): "
                       "this initrd cannot mount "
                    << (o.live_url.empty() ? "root=live:AOEINTERFACE=" : "root=live:" + o.live_url)
                    << "\n";
                for (const auto& w : why) out << "             - " << w << "\n";
            }
        }
    }
    out << "signature:   kernel " << describe(sig) << "\n";
    if (!bf.iso_cmdline.empty()) out << "ISO cmdline: " << bf.iso_cmdline << "\n";
    if (bf.kernel_only)
        out << "kernel only: the image's boot configuration (" << config_source(bf)
            << ") names kernel " << bf.kernel.path << " without an initrd.\n"
            << "             It is not a Linux live system booting root=live:AOEINTERFACE: no AoE "
               "root, no aoe-target export.\n"
            << "             Staging it needs --kernel-only (the kernel alone, with --append's "
               "arguments only):\n"
            << "             stage-pxe --kernel-only --name NAME "
            << shell_quote(img.file().string()) << "\n";
    return 0;
}

} // namespace aoe::pxe
