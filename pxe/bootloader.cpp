#include "bootloader.hpp"

#include "atomic_file.hpp"
#include "errors.hpp"
#include "quote.hpp"

#include <filesystem>
#include <string>

namespace aoe::pxe {

namespace fs = std::filesystem;

const std::vector<Loader>& loaders() {
    // shim asks for grubx64.efi in the directory it was itself loaded from; Debian's signed
    // network GRUB (grubnetx64) goes there under that name. It then reads $prefix/grub.cfg,
    // prefix being /grub on the server it came from: stage-pxe's default --grub-cfg.
    static const std::vector<Loader> all = {
        {"pxelinux.0", "/usr/lib/PXELINUX/pxelinux.0", "pxelinux", "BIOS PXE clients", false},
        {"ldlinux.c32", "/usr/lib/syslinux/modules/bios/ldlinux.c32", "syslinux-common",
         "BIOS PXE clients", false},
        // Entries with http:// paths (--http): plain pxelinux.0 speaks TFTP only; lpxelinux.0,
        // from the same package, adds HTTP and FTP (and loads the same ldlinux.c32).
        {"lpxelinux.0", "/usr/lib/PXELINUX/lpxelinux.0", "pxelinux",
         "BIOS PXE clients of HTTP entries", false, true},
        {"shimx64.efi", "/usr/lib/shim/shimx64.efi.signed", "shim-signed",
         "UEFI PXE and HTTP Boot clients", true},
        {"grubx64.efi", "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed",
         "grub-efi-amd64-signed", "UEFI clients", true}};
    return all;
}

namespace {

enum class State { Present, Installed, Missing };

State ensure(const Options& o, const Loader& l, bool install, std::ostream& out) {
    std::error_code ec;
    if (fs::exists(o.tftp_root / l.name, ec)) return State::Present;
    if (!install || o.dry_run || !fs::exists(l.debian_path, ec)) return State::Missing;
    std::string data;
    read_file(l.debian_path, data);
    write_file_atomic(o.tftp_root / l.name, data);
    out << "  " << l.name << ": installed from " << l.debian_path << " (for " << l.role << ")\n";
    return State::Installed;
}

void warn_missing(const Options& o, const Loader& l, std::ostream& err) {
    std::error_code ec;
    err << "stage-pxe: warning: " << in_quotes(o.tftp_root / l.name) << " is missing; " << l.role
        << " cannot boot without it. ";
    if (o.install_bootloader && !fs::exists(l.debian_path, ec))
        err << l.debian_path << " is not on this host either: apt-get install " << l.package
            << "\n";
    else
        err << "Get it with: apt-get install " << l.package << " && cp " << l.debian_path << " "
            << (o.tftp_root / l.name).string() << " (or run with --install-bootloader)\n";
}

} // namespace

int check_bootloader(const Options& o, std::ostream& out, std::ostream& err) {
    int missing = 0;
    for (const auto& l : loaders()) {
        if (l.uefi && !o.grub && !o.install_bootloader) continue;
        if (l.http && o.http_base.empty()) continue;
        if (ensure(o, l, o.install_bootloader, out) != State::Missing) continue;
        ++missing;
        warn_missing(o, l, err);
    }
    return missing;
}

int install_bootloaders(const Options& o, std::ostream& out, std::ostream& err) {
    std::error_code ec;
    if (!fs::is_directory(o.tftp_root, ec))
        throw Failure(in_quotes(o.tftp_root) + ": no such directory (the TFTP root; create it)");
    int missing = 0;
    for (const auto& l : loaders()) {
        if (l.http && o.http_base.empty()) continue;
        auto st = ensure(o, l, !o.dry_run, out);
        if (st == State::Present) out << "  " << l.name << ": present (kept)\n";
        if (st == State::Missing && o.dry_run) {
            out << "  " << l.name << ": would install from " << l.debian_path << "\n";
        } else if (st == State::Missing) {
            ++missing;
            warn_missing(o, l, err);
        }
    }
    out << "DHCP: dnsmasq lines that hand each client kind its boot file (a conf file, e.g. "
           "/etc/dnsmasq.d/aoeboot.conf):\n"
        << dnsmasq_lines(o);
    return missing ? 1 : 0;
}

std::string dnsmasq_lines(const Options& o) {
    std::string http = o.http_base;
    while (!http.empty() && http.back() == '/') http.pop_back();
    const bool placeholder = http.empty();
    if (placeholder) http = "http://SERVER";
    std::string s;
    s += "enable-tftp\n";
    s += "tftp-root=" + o.tftp_root.string() + "\n";
    s += "# Client architecture (DHCP option 93): 7 and 9 are x86-64 UEFI PXE, 16 is x86-64 UEFI "
         "HTTP Boot.\n";
    s += "dhcp-match=set:efi64,option:client-arch,7\n";
    s += "dhcp-match=set:efi64,option:client-arch,9\n";
    s += "dhcp-match=set:efihttp,option:client-arch,16\n";
    if (o.ipxe) {
        s += "# iPXE (a NIC's iPXE ROM, or iPXE chain-loaded) says so in its user class: the "
             "script.\n";
        s += "dhcp-userclass=set:ipxe,iPXE\n";
        s += "dhcp-boot=tag:ipxe," + o.ipxe_script + "\n";
    }
    const std::string not_ipxe = o.ipxe ? ",tag:!ipxe" : "";
    const char* bios = placeholder ? "pxelinux.0" : "lpxelinux.0"; // HTTP entries need lpxelinux
    s += std::string("# BIOS PXE: ") + bios +
         " (it loads ldlinux.c32, then pxelinux.cfg/default).\n";
    s += "dhcp-boot=tag:!efi64,tag:!efihttp" + not_ipxe + "," + bios + "\n";
    s += "# UEFI PXE, Secure Boot on or off: Debian's signed shim; it loads grubx64.efi from the "
         "same place,\n# which reads " +
         o.grub_cfg + ".\n";
    s += "dhcp-boot=tag:efi64" + not_ipxe + ",shimx64.efi\n";
    s += "# UEFI HTTP Boot (no TFTP): the firmware takes a URL and wants the vendor class "
         "echoed.\n";
    if (placeholder)
        s += "# SERVER: the HTTP server whose document root is " + o.tftp_root.string() +
             " (stage-pxe --http URL fills it in).\n";
    s += "dhcp-vendorclass=set:efihttp,HTTPClient\n";
    s += "dhcp-option-force=tag:efihttp,60,HTTPClient\n";
    s += "dhcp-boot=tag:efihttp," + http + "/shimx64.efi\n";
    return s;
}

} // namespace aoe::pxe
