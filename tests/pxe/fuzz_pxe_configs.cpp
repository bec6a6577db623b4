// libFuzzer harness for our own text parsers and the managed-block editor (docs/decisions.md:
// fuzz them in-process). Any input is a config file; invariants are checked with abort().
#include "boot_config.hpp"
#include "grub_cfg.hpp"
#include "isolinux_cfg.hpp"
#include "line_diff.hpp"
#include "managed_block.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace aoe::pxe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string t(reinterpret_cast<const char*>(data), size);
    (void)parse_isolinux_cfg(t);
    (void)parse_grub_cfg(t);
    if (size < 4096) (void)unified_diff(t, "LABEL x\n" + t, "f");
    for (auto k : {ConfigKind::Pxelinux, ConfigKind::Grub, ConfigKind::Ipxe}) {
        try {
            (void)foreign_labels(k, t);
            (void)release_adopted(adopt_foreign(k, t, "a"), "a");
            (void)disable_foreign_defaults(k, t);
        } catch (const ConfigError&) {
        }
    }
    try {
        parse_managed_blocks(t);
    } catch (const ConfigError&) {
        return 0;
    }
    // Editor invariants on any well-formed file: idempotent upsert, exact removal, the
    // admin's bytes kept as a prefix.
    const auto added = upsert_block(t, "zz", "LABEL zz\n");
    if (upsert_block(added, "zz", "LABEL zz\n") != added) std::abort();
    if (added.compare(0, t.size(), t) != 0) std::abort();
    std::string expect = t;
    if (!expect.empty() && expect.back() != '\n') expect += '\n';
    if (remove_block(added, "zz") != expect) std::abort();
    if (t.find(kDisabledPrefix) == std::string::npos &&
        restore_foreign_defaults(disable_foreign_defaults(ConfigKind::Pxelinux, t)) != t)
        std::abort();
    return 0;
}
