// Initrds made by the tests: a dracut-like tree (or a busybox one) packed with Debian's cpio and
// compressed by the real gzip / xz / zstd / lz4 commands, optionally behind an uncompressed
// early-microcode cpio as dracut writes it. A tool that is missing fails the test loudly.
#pragma once

#include "fixtures.hpp"

#include <doctest/doctest.h>

#include <string>

namespace initrd_fx {

namespace fx = fixtures;
namespace fs = std::filesystem;

struct Spec {
    bool dracut = true;        // usr/lib/dracut/modules.txt and dracut-lib.sh
    bool modules_txt = true;   // dracut's module list (without it: the scripts alone tell)
    bool kiwi_overlay = false; // KIWI's kiwi-overlay hooks and kiwi-filesystem-lib.sh
    bool kiwi_live = false;    // KIWI's kiwi-live hooks and kiwi-live-lib.sh
    bool livenet = false;      // dracut's livenet
    bool aoe = true;           // usr/lib/modules/KVER/.../aoe.ko.xz
    bool bash = true;          // /bin/sh -> bash (dracut's bash module), else dash
    std::string kver = "6.1.0-13-amd64";
};

inline fx::Tree tree(const Spec& s) {
    fx::Tree t;
    // merged /usr, as Debian 12's dracut writes it
    t.links["bin"] = "usr/bin";
    t.links["lib"] = "usr/lib";
    t.links["sbin"] = "usr/sbin";
    t.files["init"] = "#!/usr/lib/systemd/systemd\n";
    if (!s.dracut) {
        // busybox initrd with its own /init, like scripts/fixture/build-fixture's
        t.files["init"] = "#!/bin/sh\ncase \"$root\" in live:AOEINTERFACE=*) ;; esac\n";
        t.files["usr/bin/busybox"] = "busybox";
        t.links["usr/bin/sh"] = "busybox";
        return t;
    }
    std::string mods = "systemd\nbase\nnetwork\nrootfs-block\n";
    if (s.bash) mods = "bash\n" + mods;
    t.files["usr/lib/dracut-lib.sh"] = "#!/bin/sh\ngetarg() { :; }\n";
    if (s.bash) {
        t.files["usr/bin/bash"] = "bash";
        t.links["usr/bin/sh"] = "bash";
    } else {
        t.files["usr/bin/dash"] = "dash";
        t.links["usr/bin/sh"] = "dash";
    }
    if (s.kiwi_overlay) {
        mods += "kiwi-lib\nkiwi-overlay\n";
        t.files["var/lib/dracut/hooks/cmdline/30-parse-kiwi-overlay.sh"] =
            "#!/bin/bash\ncase \"${overlayroot}\" in\n    overlay:aoe=*) ;;\nesac\n";
        t.files["var/lib/dracut/hooks/pre-mount/30-kiwi-overlay-root.sh"] =
            "#!/bin/bash\n. /lib/kiwi-filesystem-lib.sh\nfunction setupDebugMode {\n    :\n}\n";
        t.files["usr/lib/kiwi-filesystem-lib.sh"] =
            "#!/bin/bash\nfunction getOverlayBaseDirectory {\n    echo /run/overlay\n}\n";
    }
    if (s.kiwi_live) {
        mods += "kiwi-live\n";
        t.files["var/lib/dracut/hooks/cmdline/30-parse-kiwi-live.sh"] =
            "#!/bin/bash\n. /lib/kiwi-live-lib.sh\ncase x in live:AOEINTERFACE=*) ;; esac\n";
        t.files["usr/lib/kiwi-live-lib.sh"] = "#!/bin/bash\nfunction lookupIsoDiskDevice {\n:\n}\n";
    }
    if (s.livenet) {
        mods += "dmsquash-live\nlivenet\n";
        t.files["var/lib/dracut/hooks/cmdline/29-parse-livenet.sh"] = "#!/bin/sh\n";
        t.files["usr/sbin/livenetroot"] = "#!/bin/sh\n";
    }
    if (s.modules_txt) t.files["usr/lib/dracut/modules.txt"] = mods;
    const std::string kmod = "usr/lib/modules/" + s.kver + "/kernel/";
    t.files[kmod + "fs/overlayfs/overlay.ko.xz"] = "overlay";
    if (s.aoe) t.files[kmod + "drivers/block/aoe/aoe.ko.xz"] = "aoe";
    return t;
}

inline std::string sh(const std::string& script) {
    auto r = fx::run({"/bin/sh", "-c", script});
    INFO("script: " << script << "\nstderr: " << r.err);
    REQUIRE_MESSAGE(r.status == 0, "a fixture command failed (is the tool installed? "
                                   "scripts/setup installs cpio, gzip, xz-utils, zstd, lz4)");
    return r.out;
}

// "cat" (uncompressed), "gzip -n", "xz --check=crc32", "zstd -q", "lz4 -l -q" (the kernel's
// legacy lz4 format, as dracut writes it)
inline fs::path pack(const fx::TempDir& d, const std::string& name, const fx::Tree& t,
                     const std::string& compress, bool early_cpio = false) {
    const fs::path src = d / ("tree-" + name), out = d / name;
    fx::make_tree(src, t);
    std::string script = "set -e; cd '" + src.string() + "'; ";
    if (early_cpio) {
        // dracut's early cpio: uncompressed microcode, then the compressed main archive
        const fs::path early = d / ("early-" + name);
        fx::make_tree(early, fx::Tree{{{"kernel/x86/microcode/GenuineIntel.bin", "ucode"}}, {}});
        script += "(cd '" + early.string() +
                  "' && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > '" + out.string() +
                  "'; ";
    } else {
        script += ": > '" + out.string() + "'; ";
    }
    script += "find . | LC_ALL=C sort | cpio -o -H newc --quiet | " + compress + " >> '" +
              out.string() + "'";
    sh(script);
    return out;
}

} // namespace initrd_fx
