// stage-pxe: from image.iso to a bootable PXE entry, without mounting and without root.
// See pxe/README.md and docs/ for the behaviour; this file is only the command line.
#include "actions.hpp"
#include "aoe_address.hpp"
#include "aoeboot_version.hpp"
#include "boot_config.hpp"
#include "bootloader.hpp"
#include "discovery.hpp"
#include "errors.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace {

constexpr const char* kDescription =
    "Stage a live ISO or a KIWI KIS build for PXE boot over AoE: copy its kernel and initrd into\n"
    "a TFTP root and add a managed entry to pxelinux.cfg/default (and optionally GRUB / iPXE\n"
    "configs), then print the aoe-target command that serves the ISO (root=live:AOEINTERFACE=)\n"
    "or the KIS filesystem image (root=overlay:aoe=). The initrd is read first: an entry whose\n"
    "root it cannot mount is refused. Idempotent, atomic, no mount, no root.\n\n"
    "Exit status: 0 ok, 1 failure (bad ISO or KIS build, kernel/initrd not found, an initrd that\n"
    "cannot mount the entry's root, only a kernel without --kernel-only, TFTP root not writable,\n"
    "label conflict, --check mismatch), 2 bad usage.";

} // namespace

int main(int argc, char** argv) {
    using namespace aoe::pxe;
    Options o;
    std::string aoe_text, remove_name;
    bool no_kiwi_net = false, list = false, check = false, do_inspect = false, version = false;

    CLI::App app{kDescription, "stage-pxe"};
    app.set_version_flag("--version", std::string("stage-pxe ") + AOEBOOT_VERSION);
    app.add_option("iso", o.iso,
                   "what to stage: a live ISO (KIWI, Fedora, casper, Debian live, Arch, or "
                   "anything whose isolinux/GRUB config names a kernel), or a KIWI KIS build: "
                   "its output folder, its NAME.ARCH-VERSION.tar.xz bundle, or its filesystem "
                   "image NAME.ARCH-VERSION (the .initrd and -KVER.kernel beside it)")
        ->type_name("IMAGE");
    app.add_option("--kis-kernel", o.kis_kernel,
                   "a KIS build named file by file: its kernel (with --kis-initrd, --kis-image)")
        ->type_name("FILE");
    app.add_option("--kis-initrd", o.kis_initrd, "a KIS build named file by file: its initrd")
        ->type_name("FILE");
    app.add_option("--kis-image", o.kis_image,
                   "a KIS build named file by file: its filesystem image (exported read-only)")
        ->type_name("FILE");
    app.add_option("--image-dir", o.image_dir,
                   "staging a KIS bundle: unpack its filesystem image into DIR (as "
                   "NAME.ARCH-VERSION; unchanged bundles are not unpacked again), the file "
                   "aoe-target exports")
        ->type_name("DIR");
    app.add_option("--live-url", o.live_url,
                   "a live ISO whose initrd has dracut's livenet: write root=live:URL (each "
                   "client downloads the whole ISO from URL into its RAM) instead of the AoE "
                   "root; no shelf.slot, no export. Refused when the initrd lacks livenet")
        ->type_name("URL");
    bool no_initrd_check = false;
    app.add_flag("--no-initrd-check", no_initrd_check,
                 "stage even when the initrd cannot mount the entry's root (no kiwi-live for an "
                 "ISO; no kiwi-overlay, no aoe module or KIWI's scripts under dash for a KIS "
                 "build): a warning instead of exit 1");
    app.add_option("--tftp-root", o.tftp_root, "TFTP root directory")
        ->capture_default_str()
        ->type_name("DIR");
    app.add_option("--name", o.name,
                   "stage side by side: files in boot/NAME/, LABEL NAME "
                   "(default: boot/linux, boot/initrd, LABEL Live-Boot)")
        ->type_name("NAME");
    app.add_option("--aoe", aoe_text,
                   "AoE export as eS.L or S.L (default e0.1; with --name the "
                   "lowest free slot on shelf 0)")
        ->type_name("eS.L");
    app.add_option("--append", o.append, "extra kernel arguments")->type_name("ARGS");
    app.add_flag("--kernel-only", o.kernel_only,
                 "stage an image whose boot configuration names a kernel and no initrd (iPXE, "
                 "memtest): the kernel alone, with --append's arguments only; no initrd, no "
                 "root=live:AOEINTERFACE, no AoE export");
    app.add_flag("--no-kiwi-net", no_kiwi_net,
                 "leave out 'rd.kiwi.live.pxe rd.neednet=1 ip=dhcp' (ISO) or 'rd.driver.pre=aoe "
                 "rd.neednet=1 ip=dhcp' (KIS): the KIWI documentation's line to the letter. "
                 "Current KIWI initrds then never bring the NIC up (ISO: fail after ~4 minutes) "
                 "or never load aoe (KIS); only for old initrds that configure the network");
    app.add_option("--arch", o.arch,
                   "KIWI architecture directory (x86_64, aarch64, ...; default: "
                   "this host's)")
        ->type_name("ARCH");
    app.add_flag("--default", o.make_default, "make this entry the default boot choice");
    app.add_flag("--adopt", o.adopt,
                 "take over an existing LABEL of the same name that stage-pxe "
                 "did not write (it is commented out, restored on --remove)");
    app.add_flag("--dry-run,-n", o.dry_run, "print the diff that would be applied; write nothing");
    app.add_flag("--grub", o.grub, "also manage a GRUB (UEFI PXE) entry");
    app.add_option("--grub-cfg", o.grub_cfg, "GRUB config, relative to the TFTP root")
        ->capture_default_str()
        ->type_name("PATH");
    app.add_flag("--ipxe", o.ipxe, "also manage an iPXE script entry");
    app.add_option("--ipxe-script", o.ipxe_script, "iPXE script, relative to the TFTP root")
        ->capture_default_str()
        ->type_name("PATH");
    app.add_option("--http", o.http_base,
                   "base URL of the TFTP root over HTTP; entries then load "
                   "kernel and initrd by HTTP (lpxelinux.0, iPXE, GRUB)")
        ->type_name("URL");
    app.add_option("--export-dir", o.export_dir,
                   "also write the matching aoe-target export file "
                   "(NAME.conf, 'S.L=/path.iso') into this directory")
        ->type_name("DIR");
    app.add_option("--iface", o.iface, "interface shown in the printed aoe-target commands")
        ->capture_default_str()
        ->type_name("IFACE");
    app.add_flag("--install-bootloader", o.install_bootloader,
                 "copy every client kind's loader from Debian's packages into the TFTP root where "
                 "missing: pxelinux.0 + ldlinux.c32 (BIOS), shimx64.efi (signed shim) + "
                 "grubx64.efi (signed grubnetx64) for UEFI with or without Secure Boot; without "
                 "an ISO it does only that and prints the dnsmasq lines for each client kind");
    app.add_option("--remove", remove_name,
                   "take the entry NAME out (files, config blocks, manifest)")
        ->type_name("NAME");
    app.add_flag("--list", list, "show what is staged");
    app.add_flag("--check", check,
                 "verify staged files against their ISOs / KIS images (exit 1 on mismatch)");
    app.add_flag("--inspect", do_inspect,
                 "show what the ISO or KIS build holds, which roots its initrd mounts, and what "
                 "would be staged; write nothing");
    app.add_flag("--quiet,-q", o.quiet, "no progress output");
    app.add_flag("--json", o.json, "machine-readable output for --list, --check and --inspect");
    (void)version;

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e); // --help, --version
        std::cerr << "stage-pxe: " << e.what() << "\nRun 'stage-pxe --help' for usage.\n";
        return 2;
    }

    try {
        int modes = (list ? 1 : 0) + (check ? 1 : 0) + (do_inspect ? 1 : 0) +
                    (!remove_name.empty() ? 1 : 0);
        if (modes > 1)
            throw UsageError("--list, --check, --inspect and --remove exclude each other");
        if (!aoe_text.empty()) {
            std::string why;
            o.aoe = parse_aoe_address(aoe_text, &why);
            if (!o.aoe) throw UsageError("--aoe: " + why);
        }
        if (!o.http_base.empty()) {
            auto why = http_base_problem(o.http_base);
            if (!why.empty()) throw UsageError("--http: " + why);
        }
        o.kiwi_net = !no_kiwi_net;
        o.initrd_check = !no_initrd_check;
        if (list) return list_images(o, std::cout);
        if (check) return check_images(o, std::cout);
        if (!remove_name.empty()) return remove_image(o, remove_name, std::cout, std::cerr);
        const bool named = !o.kis_kernel.empty() || !o.kis_initrd.empty() || !o.kis_image.empty();
        if (o.iso.empty() && !named && o.install_bootloader && !do_inspect)
            return install_bootloaders(o, std::cout, std::cerr);
        if (o.iso.empty() && !named)
            throw UsageError("no ISO given (stage-pxe [options] image.iso; a KIS build: its "
                             "folder, its .tar.xz bundle, or --kis-kernel K --kis-initrd I "
                             "--kis-image IMG)");
        if (do_inspect) return inspect(o, std::cout);
        return stage(o, std::cout, std::cerr);
    } catch (const UsageError& e) {
        std::cerr << "stage-pxe: " << e.what() << "\nRun 'stage-pxe --help' for usage.\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "stage-pxe: " << e.what() << "\n";
        return 1;
    }
}
