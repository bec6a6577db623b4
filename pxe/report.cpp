// Read-only actions: --list, --check, --inspect (text or --json).
#include "stager.hpp"

#include "atomic_file.hpp"
#include "boot_config.hpp"
#include "discovery.hpp"
#include "errors.hpp"
#include "extract.hpp"
#include "managed_block.hpp"
#include "manifest.hpp"
#include "open_iso.hpp"
#include "pe_signature.hpp"
#include "quote.hpp"
#include "sha256.hpp"

#include <nlohmann/json.hpp>

namespace aoe::pxe {

namespace fs = std::filesystem;

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
        out << l << "\t" << (e.kernel_only ? "-" : e.aoe) << "\t" << e.layout
            << (e.kernel_only ? " (kernel only)" : "") << "\t" << cfgs << "\t" << e.iso << "\n";
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
            problems.push_back("ISO " + in_quotes(e.iso) + " is gone");
        else if (id.size != e.iso_size || id.mtime_ns != e.iso_mtime_ns)
            problems.push_back("ISO " + in_quotes(e.iso) +
                               " changed on disk since staging (re-run stage-pxe)");
        for (const auto* f : {&e.kernel, &e.initrd})
            if (!(f == &e.initrd && e.kernel_only) && !staged_matches(o.tftp_root, *f))
                problems.push_back(f->path + " does not match its ISO (sha256)");
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
        out << l << " (" << (e.kernel_only ? "kernel only" : e.aoe)
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
    j["initrd"] = nullptr;    // a kernel-only image has none
    std::string kernel_bytes; // for its PE certificate table (at the end of the file)
    for (const auto* f : {&bf.kernel, &bf.initrd}) {
        if (f == &bf.initrd && bf.kernel_only) continue;
        Sha256 h;
        const bool is_kernel = f == &bf.kernel;
        img.stream_file(f->path, [&](std::span<const std::byte> c) {
            h.update(c);
            if (is_kernel) kernel_bytes.append(reinterpret_cast<const char*>(c.data()), c.size());
        });
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
