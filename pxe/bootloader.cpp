#include "bootloader.hpp"

#include "atomic_file.hpp"
#include "quote.hpp"

#include <filesystem>
#include <string>

namespace aoe::pxe {

namespace fs = std::filesystem;

void check_bootloader(const Options& o, std::ostream& out, std::ostream& err) {
    struct Need {
        const char* name;
        const char* debian_path;
        const char* package;
    };
    static const Need needs[] = {
        {"pxelinux.0", "/usr/lib/PXELINUX/pxelinux.0", "pxelinux"},
        {"ldlinux.c32", "/usr/lib/syslinux/modules/bios/ldlinux.c32", "syslinux-common"},
        // Entries with http:// paths (--http): plain pxelinux.0 speaks TFTP only; lpxelinux.0,
        // from the same package, adds HTTP and FTP (and loads the same ldlinux.c32).
        {"lpxelinux.0", "/usr/lib/PXELINUX/lpxelinux.0", "pxelinux"}};
    for (const auto& n : needs) {
        if (std::string(n.name) == "lpxelinux.0" && o.http_base.empty()) continue;
        std::error_code ec;
        if (fs::exists(o.tftp_root / n.name, ec)) continue;
        if (o.install_bootloader && !o.dry_run && fs::exists(n.debian_path, ec)) {
            std::string data;
            read_file(n.debian_path, data);
            write_file_atomic(o.tftp_root / n.name, data);
            out << "  " << n.name << ": installed from " << n.debian_path << "\n";
            continue;
        }
        err << "stage-pxe: warning: " << in_quotes(o.tftp_root / n.name)
            << " is missing; clients cannot boot "
            << "without it. Get it with: apt-get install " << n.package << " && cp "
            << n.debian_path << " " << o.tftp_root.string()
            << "/ (or run with --install-bootloader)\n";
    }
}

} // namespace aoe::pxe
