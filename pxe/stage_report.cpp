// stage-pxe's report of a staging run (stage_report.hpp): what was staged, the warnings about
// the entry, and the aoe-target command that serves it.
#include "stage_report.hpp"

#include "boot_config.hpp"
#include "bootloader.hpp"
#include "quote.hpp"
#include "text_util.hpp"

#include <ostream>

namespace aoe::pxe {

namespace {

// Whether extra kernel arguments configure the network for dracut (ip=..., e.g. ip=dhcp).
bool has_ip_arg(const std::string& args) {
    for (const auto& w : text::words(args))
        if (w.rfind("ip=", 0) == 0) return true;
    return false;
}

} // namespace

int print_stage_report(const Options& o, const StageReport& r, std::ostream& out,
                       std::ostream& err) {
    const bool ko = r.kernel_only;
    const BootFiles& bf = *r.bf;
    const Extracted &kx = r.kernel, &ix = r.initrd_file;
    const AoeAddress& aoe = r.aoe;
    out << (o.dry_run ? "dry run, nothing written: " : "staged ") << "'" << r.label << "' from ";
    if (r.kis)
        out << "KIS build " << r.kis->base << " (" << r.kis->from_name() << " "
            << r.kis->input.string() << ")\n";
    else
        out << r.image << " (" << bf.layout << ", volume id '" << r.volume_id << "')"
            << (ko ? ", kernel only" : "") << "\n";
    out << "  " << kx.file.path << "  " << kx.file.size << " bytes  sha256 " << kx.file.sha256
        << "  " << kx.state << "\n";
    if (!ko)
        out << "  " << ix.file.path << "  " << ix.file.size << " bytes  sha256 " << ix.file.sha256
            << "  " << ix.state << "\n";
    for (const auto& [path, st] : r.removed) out << "  " << path << "  " << st << "\n";
    if (!r.image_state.empty())
        out << "  " << r.image << "  " << r.kis->image_size << " bytes  " << r.image_state
            << " (the filesystem image, out of the bundle)\n";
    if (r.initrd) out << "  initrd: " << roots_summary(*r.initrd) << "\n";
    for (const auto& [rel, st] : r.configs) out << "  " << rel << "  " << st << "\n";
    if (!r.export_state.empty()) out << "  " << r.export_file << "  " << r.export_state << "\n";
    check_bootloader(o, out, err);
    if (o.install_bootloader && !o.dry_run)
        out << "DHCP: dnsmasq lines that hand each client kind its boot file:\n"
            << dnsmasq_lines(o);
    if (bf.kiwi && !o.kiwi_net && r.aoe_root && !has_ip_arg(o.append))
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
    if (r.kis && !o.kiwi_net && !has_ip_arg(o.append))
        // parse-kiwi-overlay.sh (Debian's kiwi-dracut-overlay 9.24) loads loop, not aoe, and
        // module-setup.sh only installs aoe: with KIWI's line alone /dev/etherd/ never appears.
        err << "stage-pxe: warning: --no-kiwi-net: the entry is KIWI's documented line, "
               "root=overlay:aoe="
            << aoe.client_name() << " without '" << kKisNetArgs
            << "'. KIWI's kiwi-overlay initrd installs the aoe module but nothing loads it, so "
               "/dev/etherd/"
            << aoe.client_name() << " never appears and dracut ends in its emergency shell\n";
    if (!bf.kiwi && r.aoe_root && !r.kis)
        err << "stage-pxe: warning: " << bf.layout
            << " layout: root=live:AOEINTERFACE is understood "
            << "by KIWI initrds only; add what this initrd needs with --append\n";
    if (!r.http_base.empty())
        err << "stage-pxe: note: the entry fetches kernel and initrd from " << r.http_base
            << "/ over HTTP: serve the TFTP root there, and give BIOS clients lpxelinux.0 as "
               "their DHCP boot file (pxelinux.0 reads TFTP only; --install-bootloader copies "
               "lpxelinux.0); GRUB (http module) and iPXE fetch HTTP themselves\n";
    if (ko) {
        // Nothing for aoe-target to do: say so instead of a command line.
        out << "Kernel only (" << config_source(bf)
            << "): no initrd, no root=live:AOEINTERFACE; the entry reads nothing over AoE, so "
               "there is no export and no aoe-target command"
            << (o.export_dir.empty() ? "" : " (--export-dir: nothing written)") << ".\n";
        return 0;
    }
    if (!r.live_url.empty()) {
        // dracut's livenet downloads the whole ISO into the client's RAM (the initrd's /tmp, in
        // its ramfs root: unevictable; bench/results/livenet.md) and mounts the squashfs inside it.
        out << "Download to RAM (dracut livenet): each client fetches " << r.live_url
            << " and keeps the whole ISO in RAM: " << r.image_size << " bytes ("
            << (r.image_size + (1u << 20) - 1) / (1u << 20)
            << " MiB, the ISO's size) per client, besides what the running system uses; no AoE "
               "export and no aoe-target command"
            << (o.export_dir.empty() ? "" : " (--export-dir: nothing written)")
            << ". Serve the ISO at that URL with any HTTP server.\n";
        return 0;
    }
    // aoe-target needs an interface (or EAL args) besides the export; --iface names it.
    out << (r.kis ? "Serve the filesystem image (read-only) with:\n" : "Serve the ISO with:\n")
        << "  aoe-target --export " << shell_quote(aoe.dotted() + "=" + r.image) << " --iface "
        << shell_quote(o.iface) << "\n"
        << "  aoe-target " << aoe.shelf << " " << static_cast<unsigned>(aoe.slot) << " "
        << shell_quote(o.iface) << " " << shell_quote(r.image) << "\n";
    return 0;
}

} // namespace aoe::pxe
