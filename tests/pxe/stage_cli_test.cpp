// The stage-pxe program end to end, on ISOs and TFTP roots made in temp dirs.
#include "fixtures.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fcntl.h>
#include <map>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fx = fixtures;
namespace fs = std::filesystem;

namespace {

const std::string kBin = STAGE_PXE_BIN;

fx::RunResult stage(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), kBin);
    return fx::run(args, env);
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Every file under root with its bytes and mtime in ns: the "nothing changed" witness.
std::map<std::string, std::pair<std::string, long long>> snapshot(const fs::path& root) {
    std::map<std::string, std::pair<std::string, long long>> m;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        struct stat st {};
        ::lstat(e.path().c_str(), &st);
        std::string data = e.is_regular_file() ? fx::read_file(e.path()) : std::string();
        m[fs::relative(e.path(), root).string()] = {data, st.st_mtim.tv_sec * 1'000'000'000LL +
                                                              st.st_mtim.tv_nsec};
    }
    return m;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

struct Kiwi {
    fx::Tree tree;
    fs::path iso;
};

Kiwi make_kiwi(const fx::TempDir& d, const std::string& name, std::uint32_t seed,
               const std::string& arch = "x86_64") {
    Kiwi k{fx::kiwi_tree(arch, seed), {}};
    fx::make_tree(d / ("src-" + name), k.tree);
    k.iso =
        fx::xorriso_iso(d / (name + ".iso"), d / ("src-" + name), "KIWI_" + std::to_string(seed));
    return k;
}

const char* kSeedEntry = "LABEL Live-Boot\n"
                         "    kernel boot/linux\n"
                         "    append initrd=boot/initrd root=live:AOEINTERFACE=e0.1\n";

} // namespace

TEST_CASE(
    "KIWI ISO: the seed's layout and entry, exact hashes, modes; a second run changes nothing") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 1);
    auto root = d / "tftp";
    auto r = stage({k.iso.string(), "--tftp-root", root.string(), "--no-kiwi-net"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    // The seed's line does not boot current KIWI initrds (e2e.kiwi-seed-entry): say what it costs.
    CHECK(contains(r.err, "stage-pxe: warning: --no-kiwi-net: the entry lacks 'rd.kiwi.live.pxe "
                          "rd.neednet=1 ip=dhcp'"));
    CHECK(contains(r.err, "gives up waiting for /dev/etherd/e0.1 after about 4 minutes"));
    CHECK(contains(r.err, "They need at least 'ip=dhcp' (--append ip=dhcp)"));
    CHECK(fx::sha256_of_file(root / "boot/linux") ==
          fx::sha256(k.tree.files["boot/x86_64/loader/linux"]));
    CHECK(fx::sha256_of_file(root / "boot/initrd") ==
          fx::sha256(k.tree.files["boot/x86_64/loader/initrd"]));
    CHECK(mode_of(root / "boot/linux") == 0644);
    CHECK(mode_of(root / "boot/initrd") == 0644);
    CHECK(mode_of(root / "pxelinux.cfg/default") == 0644);
    CHECK(mode_of(root / "boot") == 0755);
    CHECK(mode_of(root / "pxelinux.cfg") == 0755);
    CHECK(mode_of(root / "stage-pxe.manifest.json") == 0640);
    auto cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(contains(cfg, "# BEGIN stage-pxe Live-Boot (managed; do not edit)\n" +
                            std::string(kSeedEntry) + "# END stage-pxe Live-Boot\n"));
    CHECK(contains(cfg, "DEFAULT Live-Boot\nPROMPT 0\n")); // boots unattended
    CHECK(contains(r.out, "aoe-target --export 0.1=" + k.iso.string() + " --iface IFACE\n"));
    CHECK(contains(r.out, "aoe-target 0 1 IFACE " + k.iso.string() + "\n"));
    CHECK(
        contains(r.err, "stage-pxe: warning: '" + (root / "pxelinux.0").string() + "' is missing"));

    auto before = snapshot(root);
    auto r2 = stage({k.iso.string(), "--tftp-root", root.string(), "--no-kiwi-net"});
    REQUIRE(r2.status == 0);
    CHECK(snapshot(root) == before); // same bytes, same mtimes, no .bak, no temp files
    CHECK(contains(r2.out, "pxelinux.cfg/default  unchanged"));

    // The default of docs/decisions.md, "stage-pxe": the KIWI network arguments are added
    // (replaces the block in place).
    auto r3 = stage({k.iso.string(), "--tftp-root", root.string()});
    REQUIRE(r3.status == 0);
    CHECK_FALSE(contains(r3.err, "--no-kiwi-net"));
    // The minimal entry that boots current KIWI initrds (e2e.kiwi-minimal-entry): no warning.
    fx::TempDir d2;
    auto r4 = stage({k.iso.string(), "--tftp-root", (d2 / "tftp").string(), "--no-kiwi-net",
                     "--append", "ip=dhcp"});
    REQUIRE(r4.status == 0);
    CHECK_FALSE(contains(r4.err, "--no-kiwi-net"));
    CHECK(contains(fx::read_file(d2 / "tftp/pxelinux.cfg/default"),
                   "    append initrd=boot/initrd root=live:AOEINTERFACE=e0.1 ip=dhcp\n"));
    CHECK(contains(fx::read_file(root / "pxelinux.cfg/default"),
                   "    append initrd=boot/initrd rd.kiwi.live.pxe rd.neednet=1 ip=dhcp "
                   "root=live:AOEINTERFACE=e0.1\n"));
    CHECK(fx::read_file(root / "pxelinux.cfg/default.bak") == cfg);
}

TEST_CASE("aarch64 KIWI ISO with --arch, and --install-bootloader") {
    fx::TempDir d;
    auto k = make_kiwi(d, "arm", 2, "aarch64");
    auto root = d / "tftp";
    auto r = stage({k.iso.string(), "--tftp-root", root.string()});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "KIWI layout for aarch64 (use --arch)"));
    r = stage({k.iso.string(), "--tftp-root", root.string(), "--arch", "aarch64",
               "--install-bootloader"});
    REQUIRE(r.status == 0);
    CHECK(fx::sha256_of_file(root / "boot/linux") ==
          fx::sha256(k.tree.files["boot/aarch64/loader/linux"]));
    if (fs::exists("/usr/lib/PXELINUX/pxelinux.0")) {
        CHECK(fx::read_file(root / "pxelinux.0") == fx::read_file("/usr/lib/PXELINUX/pxelinux.0"));
        CHECK_FALSE(contains(r.err, "pxelinux.0' is missing"));
    }
}

TEST_CASE("an admin's entries survive; --default is reversible by --remove") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 3);
    auto root = d / "tftp";
    const std::string admin = "DEFAULT local\r\nTIMEOUT 100\r\nLABEL local\r\n  LOCALBOOT 0\r\n"
                              "LABEL memtest\r\n  KERNEL memtest86+.bin\r\n";
    fx::write_file(root / "pxelinux.cfg/default", admin);
    REQUIRE(stage({k.iso.string(), "--tftp-root", root.string()}).status == 0);
    auto cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(cfg.substr(0, admin.size()) == admin); // untouched, DEFAULT still the admin's
    CHECK_FALSE(contains(cfg, "@default"));
    REQUIRE(stage({k.iso.string(), "--tftp-root", root.string(), "--default"}).status == 0);
    cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(cfg.rfind("# BEGIN stage-pxe @default (managed; do not edit)\nDEFAULT Live-Boot\n", 0) ==
          0);
    CHECK(contains(cfg, "# stage-pxe --default: DEFAULT local\r\n"));
    CHECK(contains(cfg, "LABEL memtest\r\n  KERNEL memtest86+.bin\r\n"));
    auto snap = snapshot(root);
    REQUIRE(stage({k.iso.string(), "--tftp-root", root.string(), "--default"}).status == 0);
    CHECK(snapshot(root) == snap); // --default again: nothing changes
    auto r = stage({"--remove", "Live-Boot", "--tftp-root", root.string()});
    REQUIRE(r.status == 0);
    CHECK(fx::read_file(root / "pxelinux.cfg/default") == admin);
    CHECK_FALSE(fs::exists(root / "boot/linux"));
    CHECK_FALSE(fs::exists(root / "boot/initrd"));
}

TEST_CASE("three images side by side, then one removed") {
    fx::TempDir d;
    auto root = d / "tftp";
    const std::string admin = "DEFAULT local\nLABEL local\n  LOCALBOOT 0\n";
    fx::write_file(root / "pxelinux.cfg/default", admin);
    std::vector<Kiwi> isos;
    for (std::uint32_t i = 0; i < 3; ++i)
        isos.push_back(make_kiwi(d, "img" + std::to_string(i), 10 + i));
    const char* names[] = {"alpha", "beta", "gamma"};
    for (int i = 0; i < 3; ++i) {
        auto r = stage({isos[i].iso.string(), "--tftp-root", root.string(), "--name", names[i]});
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(contains(r.out, "aoe-target --export 0." + std::to_string(i + 1) + "="));
        CHECK(fx::sha256_of_file(root / "boot" / names[i] / "initrd") ==
              fx::sha256(isos[i].tree.files["boot/x86_64/loader/initrd"]));
    }
    auto cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(cfg.substr(0, admin.size()) == admin);
    CHECK(contains(cfg, "LABEL beta\n    kernel boot/beta/linux\n    append "
                        "initrd=boot/beta/initrd rd.kiwi.live.pxe "
                        "rd.neednet=1 ip=dhcp root=live:AOEINTERFACE=e0.2\n"));
    auto list = stage({"--list", "--tftp-root", root.string()});
    CHECK(contains(list.out, "alpha\te0.1\t"));
    CHECK(contains(list.out, "gamma\te0.3\t"));

    auto r = stage({"--remove", "beta", "--tftp-root", root.string()});
    REQUIRE(r.status == 0);
    cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(cfg.substr(0, admin.size()) == admin);
    CHECK_FALSE(contains(cfg, "beta"));
    CHECK(contains(cfg, "LABEL alpha\n"));
    CHECK(contains(cfg, "LABEL gamma\n"));
    CHECK_FALSE(fs::exists(root / "boot/beta"));
    CHECK(fs::exists(root / "boot/gamma/linux"));
    list = stage({"--list", "--tftp-root", root.string()});
    CHECK_FALSE(contains(list.out, "beta"));
    // The freed slot is reused; a different ISO on a taken slot is refused.
    r = stage({isos[1].iso.string(), "--tftp-root", root.string(), "--name", "delta"});
    CHECK(contains(r.out, "--export 0.2="));
    r = stage(
        {isos[1].iso.string(), "--tftp-root", root.string(), "--name", "eps", "--aoe", "e0.1"});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "AoE address e0.1 already serves"));
    CHECK(stage({"--remove", "beta", "--tftp-root", root.string()}).status == 1);
}

namespace {

// Starts stage-pxe with the test hook set; returns its pid once the hook has stopped it
// (SIGSTOP before the rename of `hook`), or -1 if it ended without stopping.
pid_t stop_at(const std::vector<std::string>& args, const std::string& hook) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::setenv("STAGE_PXE_TEST_STOP_BEFORE_RENAME", hook.c_str(), 1);
        std::vector<char*> argv{const_cast<char*>(kBin.c_str())};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(kBin.c_str(), argv.data());
        ::_exit(127);
    }
    int st = 0;
    REQUIRE(::waitpid(pid, &st, WUNTRACED) == pid);
    return WIFSTOPPED(st) ? pid : -1;
}

// SIGKILLs a stopped stage-pxe; true if it died by the signal.
bool kill_stopped(pid_t pid) {
    int st = 0;
    ::kill(pid, SIGKILL);
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    return WIFSIGNALED(st);
}

// Runs stage-pxe until the test hook stops it, then SIGKILLs it. False if it never stopped.
bool kill_at(const std::vector<std::string>& args, const std::string& hook) {
    const pid_t pid = stop_at(args, hook);
    return pid > 0 && kill_stopped(pid);
}

} // namespace

TEST_CASE("SIGKILL between writing and renaming leaves the previous config intact") {
    fx::TempDir d;
    auto root = d / "tftp";
    auto a = make_kiwi(d, "a", 20), b = make_kiwi(d, "b", 21);
    REQUIRE(stage({a.iso.string(), "--tftp-root", root.string(), "--name", "first"}).status == 0);
    const auto before = fx::read_file(root / "pxelinux.cfg/default");

    const pid_t pid = stop_at({b.iso.string(), "--tftp-root", root.string(), "--name", "second"},
                              "pxelinux.cfg/default");
    REQUIRE(pid > 0); // stopped itself after fsync of the temp file, before rename
    bool temp_seen = false;
    for (const auto& e : fs::directory_iterator(root / "pxelinux.cfg"))
        if (contains(e.path().filename().string(), ".stage-pxe-tmp.")) {
            temp_seen = true;
            CHECK(contains(fx::read_file(e.path()), "LABEL second")); // the new content was written
        }
    CHECK(temp_seen);
    CHECK(fx::read_file(root / "pxelinux.cfg/default") == before);
    CHECK(kill_stopped(pid));
    CHECK(fx::read_file(root / "pxelinux.cfg/default") == before); // intact and loadable:
    auto list = stage({"--list", "--tftp-root", root.string()});
    CHECK(list.status == 0);
    // The lock died with the process; the next run completes and sweeps the temp file.
    auto r = stage({b.iso.string(), "--tftp-root", root.string(), "--name", "second"});
    REQUIRE(r.status == 0);
    for (const auto& e : fs::directory_iterator(root / "pxelinux.cfg"))
        CHECK_FALSE(contains(e.path().filename().string(), ".stage-pxe-tmp."));
    auto cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(contains(cfg, "LABEL first\n"));
    CHECK(contains(cfg, "LABEL second\n"));
}

TEST_CASE("label conflict is refused; --adopt takes the label over and --remove gives it back") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 4);
    auto root = d / "tftp";
    const std::string admin =
        "DEFAULT Live-Boot\nLABEL Live-Boot\n  KERNEL old/linux\n  APPEND initrd=old/initrd\n";
    fx::write_file(root / "pxelinux.cfg/default", admin);
    auto r = stage({k.iso.string(), "--tftp-root", root.string()});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "stage-pxe: label conflict: "));
    CHECK(contains(r.err, "--adopt"));
    CHECK(fx::read_file(root / "pxelinux.cfg/default") == admin);
    CHECK_FALSE(fs::exists(root / "pxelinux.cfg/default.bak"));
    CHECK_FALSE(fs::exists(root / "boot")); // a refused run writes nothing at all
    r = stage({k.iso.string(), "--tftp-root", root.string(), "--adopt"});
    REQUIRE(r.status == 0);
    auto cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(contains(cfg, "# stage-pxe adopted Live-Boot: LABEL Live-Boot\n"));
    CHECK(contains(cfg, "DEFAULT Live-Boot\n"));
    REQUIRE(stage({"--remove", "Live-Boot", "--tftp-root", root.string()}).status == 0);
    CHECK(fx::read_file(root / "pxelinux.cfg/default") == admin);
}

TEST_CASE("--dry-run prints the diff and writes nothing; --check finds drift") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 5);
    auto root = d / "tftp";
    fs::create_directories(root);
    auto r = stage({k.iso.string(), "--tftp-root", root.string(), "--dry-run"});
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "+++ b/pxelinux.cfg/default\n"));
    CHECK(contains(r.out, "+    kernel boot/linux\n"));
    CHECK(fs::is_empty(root));
    REQUIRE(stage({k.iso.string(), "--tftp-root", root.string()}).status == 0);
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);
    fx::write_file(root / "boot/initrd", "tampered");
    auto c = stage({"--check", "--tftp-root", root.string()});
    CHECK(c.status == 1);
    CHECK(contains(c.out, "boot/initrd does not match its ISO"));
    REQUIRE(stage({k.iso.string(), "--tftp-root", root.string()}).status == 0); // repairs
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);
    fs::last_write_time(k.iso, fs::last_write_time(k.iso) + std::chrono::seconds(5));
    c = stage({"--check", "--tftp-root", root.string()});
    CHECK(c.status == 1);
    CHECK(contains(c.out, "changed on disk"));
}

TEST_CASE("--grub, --ipxe, --export-dir and --aoe") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 6);
    auto root = d / "tftp";
    auto r =
        stage({k.iso.string(), "--tftp-root", root.string(), "--grub", "--ipxe", "--aoe", "3.7",
               "--export-dir", (d / "exports.d").string(), "--append", "console=ttyS0"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto grub = fx::read_file(root / "grub/grub.cfg");
    CHECK(contains(grub, "set default=\"Live-Boot\"\n"));
    CHECK(contains(
        grub,
        "menuentry 'Live-Boot' --id Live-Boot {\n    linux (tftp)/boot/linux rd.kiwi.live.pxe "
        "rd.neednet=1 ip=dhcp root=live:AOEINTERFACE=e3.7 console=ttyS0\n"));
    auto ipxe = fx::read_file(root / "boot.ipxe");
    CHECK(ipxe.rfind("#!ipxe\n", 0) == 0);
    CHECK(contains(ipxe, "goto Live-Boot\n"));
    CHECK(contains(ipxe, ":Live-Boot\nkernel tftp://${next-server}/boot/linux initrd=initrd "));
    CHECK(fx::read_file(d / "exports.d/Live-Boot.conf").find("\n3.7=" + k.iso.string() + "\n") !=
          std::string::npos);
    CHECK(contains(r.out, "aoe-target 3 7 IFACE "));
    auto before = snapshot(root);
    REQUIRE(stage({k.iso.string(), "--tftp-root", root.string(), "--aoe", "e3.7", "--append",
                   "console=ttyS0", "--export-dir", (d / "exports.d").string()})
                .status == 0);
    CHECK(snapshot(root) == before); // grub and ipxe stay managed without repeating the flags
    REQUIRE(stage({"--remove", "Live-Boot", "--tftp-root", root.string()}).status == 0);
    CHECK_FALSE(fs::exists(d / "exports.d/Live-Boot.conf"));
    CHECK_FALSE(contains(fx::read_file(root / "grub/grub.cfg"), "menuentry"));
}

TEST_CASE("--name skips shelf.slots that hand-written files in --export-dir use") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 12);
    auto root = d / "tftp";
    auto ed = d / "exports.d";
    fs::create_directories(ed);
    fx::write_file(ed / "manual.conf",
                   "# by hand\n0.1=/srv/other.iso\n export = 0.3=/srv/rw.img,rw\n");
    auto ex = [&](const std::string& name, std::vector<std::string> more = {}) {
        std::vector<std::string> a{k.iso.string(), "--tftp-root",  root.string(), "--name",
                                   name,           "--export-dir", ed.string()};
        a.insert(a.end(), more.begin(), more.end());
        return stage(a);
    };
    auto a = ex("a");
    INFO(a.err);
    REQUIRE(a.status == 0);
    CHECK(contains(fx::read_file(ed / "a.conf"), "\n0.2=" + k.iso.string() + "\n"));
    REQUIRE(ex("b").status == 0); // 0.1 by hand, 0.2 a, 0.3 by hand
    CHECK(contains(fx::read_file(ed / "b.conf"), "\n0.4=" + k.iso.string() + "\n"));
    REQUIRE(ex("a").status == 0); // a re-run keeps its slot (its own file is not "by hand")
    CHECK(contains(fx::read_file(ed / "a.conf"), "\n0.2="));

    // An explicit --aoe on a hand-written slot is refused, naming the file and line, and
    // nothing changes.
    auto before = snapshot(root);
    auto c = ex("c", {"--aoe", "e0.3"});
    CHECK(c.status == 1);
    CHECK(contains(c.err, "e0.3 is already exported by " + (ed / "manual.conf").string() +
                              ":3 ('/srv/rw.img')"));
    CHECK(snapshot(root) == before);
    CHECK_FALSE(fs::exists(ed / "c.conf"));
}

TEST_CASE("TFTP root not writable") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 7);
    auto root = d / "tftp";
    fs::create_directories(root);
    fs::permissions(root, fs::perms(0555));
    fx::RunResult r;
    if (::geteuid() == 0) {
        // root writes anywhere: run the tool as nobody to meet a real permission check.
        r = fx::run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kBin,
                     k.iso.string(), "--tftp-root", root.string()});
    } else {
        r = stage({k.iso.string(), "--tftp-root", root.string()});
    }
    CHECK(r.status == 1);
    CHECK(contains(r.err, "stage-pxe: TFTP root '" + root.string() + "' is not writable"));
    CHECK(fs::is_empty(root));
}

TEST_CASE("bad inputs: exit codes and messages") {
    fx::TempDir d;
    auto k = make_kiwi(d, "good", 8);
    auto bytes = fx::read_file(k.iso);
    fx::write_file(d / "empty.iso", "");
    fx::write_file(d / "random.iso", fx::random_bytes(1 << 20, 9));
    fx::write_file(d / "truncated.iso", bytes.substr(0, bytes.size() / 2));
    fx::write_file(d / "tiny.iso", "hello\n");
    fx::Tree nk;
    nk.files["README"] = "no kernel here\n";
    fx::make_tree(d / "src-nokernel", nk);
    auto nokernel = fx::xorriso_iso(d / "nokernel.iso", d / "src-nokernel", "NOKERNEL");
    auto root = (d / "tftp").string();
    struct Case {
        std::vector<std::string> args;
        int status;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{(d / "empty.iso").string()}, 1, "empty.iso': empty file, not an ISO image"},
        {{(d / "random.iso").string()}, 1, "random.iso': not an ISO 9660 image (no CD001"},
        {{(d / "truncated.iso").string()}, 1, "truncated.iso': truncated ISO image"},
        {{(d / "tiny.iso").string()}, 1, "tiny.iso': too small to be an ISO image"},
        {{d.path.string()}, 1, "': is a directory, not an ISO image file"},
        {{nokernel.string()}, 1, "nokernel.iso': no kernel/initrd pair found. Looked for:"},
        {{(d / "missing.iso").string()}, 1, "missing.iso': no such file"},
        {{k.iso.string(), "--aoe", "e65535.1"}, 2, "--aoe: shelf 65535 is reserved"},
        {{k.iso.string(), "--name", "../x"}, 2, "--name '../x'"},
        {{k.iso.string(), "--name", "linux"}, 2, "would collide with boot/linux"},
        {{}, 2, "no ISO given"},
        {{k.iso.string(), "--bogus"},
         2,
         "stage-pxe: The following argument was not expected: --bogus"},
        {{"--list", "--check"}, 2, "exclude each other"},
    };
    for (const auto& c : cases) {
        auto args = c.args;
        args.insert(args.end(), {"--tftp-root", root});
        auto r = stage(args);
        INFO("args: " << (args.empty() ? "" : args[0]) << " stderr: " << r.err);
        CHECK(r.status == c.status);
        CHECK(r.err.rfind("stage-pxe: ", 0) == 0);
        CHECK(contains(r.err, c.message));
    }
    CHECK_FALSE(fs::exists(root)); // nothing was created for any bad input
    CHECK(stage({"--version"}).status == 0);
    CHECK(stage({"--help"}).status == 0);
}

TEST_CASE("concurrent runs are serialised by the lock: no lost entries, unique slots") {
    fx::TempDir d;
    auto root = d / "tftp";
    fs::create_directories(root);
    std::vector<Kiwi> isos;
    for (std::uint32_t i = 0; i < 4; ++i)
        isos.push_back(make_kiwi(d, "c" + std::to_string(i), 30 + i));
    std::vector<pid_t> pids;
    for (std::size_t i = 0; i < isos.size(); ++i) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, 1);
            ::dup2(null, 2);
            auto name = "par" + std::to_string(i);
            ::execl(kBin.c_str(), kBin.c_str(), isos[i].iso.string().c_str(), "--tftp-root",
                    root.string().c_str(), "--name", name.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        pids.push_back(pid);
    }
    for (auto pid : pids) {
        int st = 0;
        REQUIRE(::waitpid(pid, &st, 0) == pid);
        CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
    }
    auto cfg = fx::read_file(root / "pxelinux.cfg/default");
    auto list = stage({"--list", "--tftp-root", root.string()}).out;
    for (int i = 0; i < 4; ++i) {
        CHECK(contains(cfg, "LABEL par" + std::to_string(i) + "\n"));
        CHECK(contains(list, "\te0." + std::to_string(i + 1) + "\t"));
    }
}

TEST_CASE("other layouts through the CLI, including an ISO from libisofs' writer") {
    fx::TempDir d;
    auto root = d / "tftp";
    fx::Tree t;
    t.files["casper/vmlinuz"] = fx::random_bytes(3000, 40);
    t.files["casper/initrd"] = fx::random_bytes(4000, 41);
    auto iso = fx::libisofs_iso(d / "casper.iso", t, "UBUNTU_LIKE");
    auto r = stage({iso.string(), "--tftp-root", root.string(), "--name", "ubuntu"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "(casper, volume id 'UBUNTU_LIKE')"));
    CHECK(contains(
        r.err,
        "warning: casper layout: root=live:AOEINTERFACE is understood by KIWI initrds only"));
    CHECK(fx::sha256_of_file(root / "boot/ubuntu/linux") == fx::sha256(t.files["casper/vmlinuz"]));
    CHECK(fx::sha256_of_file(root / "boot/ubuntu/initrd") == fx::sha256(t.files["casper/initrd"]));
    auto insp = stage({"--inspect", iso.string()});
    CHECK(insp.status == 0);
    CHECK(contains(insp.out, "layout:      casper\n"));
}

TEST_CASE("--http, --json, a symlinked config, and a dry run on a root that does not exist") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 50);
    auto root = d / "tftp";
    auto r = stage({k.iso.string(), "--tftp-root", root.string(), "--dry-run"});
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "+LABEL Live-Boot\n"));
    CHECK_FALSE(fs::exists(root));

    // The admin keeps the real file elsewhere and links it in.
    fx::write_file(d / "real.cfg", "LABEL local\n  LOCALBOOT 0\n");
    fs::create_directories(root / "pxelinux.cfg");
    fs::create_symlink(d / "real.cfg", root / "pxelinux.cfg/default");
    r = stage({k.iso.string(), "--tftp-root", root.string(), "--http", "http://10.0.0.1/tftp/"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(fs::is_symlink(root / "pxelinux.cfg/default"));
    auto cfg = fx::read_file(d / "real.cfg");
    CHECK(contains(cfg, "    kernel http://10.0.0.1/tftp/boot/linux\n"
                        "    append initrd=http://10.0.0.1/tftp/boot/initrd rd.kiwi.live.pxe"));
    CHECK(contains(r.err, "lpxelinux.0"));
    CHECK(fx::read_file(d / "real.cfg.bak") == "LABEL local\n  LOCALBOOT 0\n");

    auto j = stage({"--inspect", "--json", k.iso.string()});
    REQUIRE(j.status == 0);
    CHECK(contains(j.out, "\"layout\": \"kiwi x86_64\""));
    CHECK(contains(j.out, "\"sha256\": \"" + fx::sha256(k.tree.files["boot/x86_64/loader/initrd"]) +
                              "\""));
    auto l = stage({"--list", "--json", "--tftp-root", root.string()});
    CHECK(contains(l.out, "\"Live-Boot\": {"));
    auto c = stage({"--check", "--json", "--tftp-root", root.string()});
    CHECK(c.status == 0);
    CHECK(contains(c.out, "\"ok\": true"));
}

namespace {

// The kernel and initrd paths the pxelinux entry `label` names (as pxelinux reads them).
std::pair<std::string, std::string> entry_paths(const std::string& cfg, const std::string& label) {
    std::string kernel, initrd;
    bool in = false;
    std::istringstream is(cfg);
    for (std::string line; std::getline(is, line);) {
        std::istringstream ls(line);
        std::string word;
        ls >> word;
        if (word == "LABEL") {
            std::string l;
            ls >> l;
            in = l == label;
        } else if (in && word == "kernel") {
            ls >> kernel;
        } else if (in && word == "append") {
            for (std::string tok; ls >> tok;)
                if (tok.starts_with("initrd=")) initrd = tok.substr(7);
        }
    }
    return {kernel, initrd};
}

std::vector<fs::path> generation_dirs(const fs::path& root) {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(root / "boot"))
        if (contains(e.path().filename().string(), ".stage-pxe-gen.")) v.push_back(e.path());
    return v;
}

} // namespace

TEST_CASE("an update killed at every commit point: the entry names the old pair or the new one, "
          "never a mix; the next run converges to the final layout") {
    fx::TempDir d;
    auto a = make_kiwi(d, "a", 40), b = make_kiwi(d, "b", 41);
    const auto& la = a.tree.files["boot/x86_64/loader/linux"];
    const auto& ia = a.tree.files["boot/x86_64/loader/initrd"];
    const auto& lb = b.tree.files["boot/x86_64/loader/linux"];
    const auto& ib = b.tree.files["boot/x86_64/loader/initrd"];
    REQUIRE(la != lb);
    REQUIRE(ia != ib);
    struct Case {
        std::string what;
        std::vector<std::string> extra; // stage-pxe arguments besides ISO and root
        std::string label, dir;
        std::vector<std::string> hooks; // every commit point of the update, in order
    };
    const std::vector<Case> cases = {
        // boot/linux + boot/initrd: the config names the versioned pair while they are replaced.
        {"default entry",
         {},
         "Live-Boot",
         "boot",
         {"linux", "initrd", "pxelinux.cfg/default", "boot/linux", "boot/initrd",
          "pxelinux.cfg/default#2", "stage-pxe.manifest.json"}},
        // boot/NAME/ with unchanged config text: one directory exchange.
        {"named entry",
         {"--name", "n"},
         "n",
         "boot/n",
         {"linux", "initrd", "boot/n", "stage-pxe.manifest.json"}},
        // boot/NAME/ whose config text changes too (new --append): switched through the config.
        {"named entry, new arguments",
         {"--name", "n", "--append", "quiet"},
         "n",
         "boot/n",
         {"linux", "initrd", "pxelinux.cfg/default.bak", "pxelinux.cfg/default", "boot/n/linux",
          "boot/n/initrd", "pxelinux.cfg/default#2", "stage-pxe.manifest.json"}},
    };
    for (const auto& c : cases) {
        for (const auto& hook : c.hooks) {
            CAPTURE(c.what);
            CAPTURE(hook);
            auto root = d / "tftp";
            fs::remove_all(root);
            std::vector<std::string> first{a.iso.string(), "--tftp-root", root.string()};
            if (!c.extra.empty()) first.insert(first.end(), c.extra.begin(), c.extra.begin() + 2);
            REQUIRE(stage(first).status == 0);
            std::vector<std::string> args{b.iso.string(), "--tftp-root", root.string()};
            args.insert(args.end(), c.extra.begin(), c.extra.end());
            REQUIRE(kill_at(args, hook));

            // Right after the kill: the entry's two files are one ISO's pair.
            const auto cfg = fx::read_file(root / "pxelinux.cfg/default");
            const auto [kp, ip] = entry_paths(cfg, c.label);
            REQUIRE_FALSE(kp.empty());
            REQUIRE_FALSE(ip.empty());
            const auto kd = fx::read_file(root / kp), id = fx::read_file(root / ip);
            const bool old_pair = kd == la && id == ia, new_pair = kd == lb && id == ib;
            CHECK((old_pair || new_pair));
            if (contains(kp, ".stage-pxe-gen.")) {
                // A config names the versioned pair: a TFTP server must be able to read it.
                CHECK(new_pair);
                CHECK(mode_of((root / kp).parent_path()) == 0755);
                CHECK(mode_of(root / kp) == 0644);
                CHECK(mode_of(root / ip) == 0644);
            }

            // The next run completes and leaves exactly the final layout.
            auto r = stage(args);
            INFO(r.err);
            REQUIRE(r.status == 0);
            const auto cfg2 = fx::read_file(root / "pxelinux.cfg/default");
            CHECK(entry_paths(cfg2, c.label) ==
                  std::pair<std::string, std::string>{c.dir + "/linux", c.dir + "/initrd"});
            CHECK(fx::read_file(root / c.dir / "linux") == lb);
            CHECK(fx::read_file(root / c.dir / "initrd") == ib);
            CHECK(generation_dirs(root).empty());
            if (fs::exists(root / "pxelinux.cfg/default.bak")) // the admin's text, never ours
                CHECK_FALSE(
                    contains(fx::read_file(root / "pxelinux.cfg/default.bak"), ".stage-pxe-gen."));
            for (const auto& e : fs::recursive_directory_iterator(root))
                CHECK_FALSE(contains(e.path().filename().string(), ".stage-pxe-tmp."));
            CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);
        }
    }
}

TEST_CASE("an update without a kill: final layout, no versioned leftovers, .bak of the admin's "
          "version, and a re-run changes nothing") {
    fx::TempDir d;
    auto a = make_kiwi(d, "a", 42), b = make_kiwi(d, "b", 43);
    auto root = d / "tftp";
    REQUIRE(stage({a.iso.string(), "--tftp-root", root.string()}).status == 0);
    REQUIRE(stage({a.iso.string(), "--tftp-root", root.string(), "--name", "n"}).status == 0);
    const auto cfg_a = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(fs::exists(root / "pxelinux.cfg/default.bak")); // the second run added a block
    fs::remove(root / "pxelinux.cfg/default.bak");

    // Default entry, same config text: switched via the config and back; no .bak is made for
    // a config whose final text did not change.
    auto r = stage({b.iso.string(), "--tftp-root", root.string()});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "boot/linux  " +
                              std::to_string(b.tree.files["boot/x86_64/loader/linux"].size()) +
                              " bytes"));
    CHECK(fx::read_file(root / "pxelinux.cfg/default") == cfg_a);
    CHECK_FALSE(fs::exists(root / "pxelinux.cfg/default.bak"));
    CHECK(fx::sha256_of_file(root / "boot/linux") ==
          fx::sha256(b.tree.files["boot/x86_64/loader/linux"]));
    CHECK(fx::sha256_of_file(root / "boot/initrd") ==
          fx::sha256(b.tree.files["boot/x86_64/loader/initrd"]));
    // The other entry's files are untouched.
    CHECK(fx::sha256_of_file(root / "boot/n/linux") ==
          fx::sha256(a.tree.files["boot/x86_64/loader/linux"]));
    CHECK(generation_dirs(root).empty());

    // Named entry with new arguments: the .bak holds the text before this run.
    const auto before = fx::read_file(root / "pxelinux.cfg/default");
    REQUIRE(
        stage({b.iso.string(), "--tftp-root", root.string(), "--name", "n", "--append", "quiet"})
            .status == 0);
    CHECK(fx::read_file(root / "pxelinux.cfg/default.bak") == before);
    CHECK(contains(fx::read_file(root / "pxelinux.cfg/default"),
                   "    kernel boot/n/linux\n    append initrd=boot/n/initrd"));
    CHECK_FALSE(contains(fx::read_file(root / "pxelinux.cfg/default"), ".stage-pxe-gen."));
    CHECK(generation_dirs(root).empty());
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);

    // Same inputs again: no byte and no mtime changes anywhere.
    auto snap = snapshot(root);
    REQUIRE(
        stage({b.iso.string(), "--tftp-root", root.string(), "--name", "n", "--append", "quiet"})
            .status == 0);
    REQUIRE(stage({b.iso.string(), "--tftp-root", root.string()}).status == 0);
    CHECK(snapshot(root) == snap);
}

namespace {

// An image whose boot config names a kernel and no initrd, laid out like Debian's ipxe.iso
// (package ipxe): /isolinux.cfg next to the El Torito /isolinux.bin, KERNEL ipxe.krn.
struct KernelOnly {
    fx::Tree tree;
    fs::path iso;
    const std::string& kernel() const { return tree.files.at("ipxe.krn"); }
};

KernelOnly make_kernel_only(const fx::TempDir& d, const std::string& name, std::uint32_t seed) {
    KernelOnly k;
    k.tree.files["ipxe.krn"] = fx::random_bytes(6000 + seed, seed);
    k.tree.files["isolinux.bin"] = fx::random_bytes(2048, seed + 1);
    k.tree.files["ldlinux.c32"] = fx::random_bytes(1000, seed + 2);
    k.tree.files["isolinux.cfg"] = "SAY iPXE ISO boot image\nTIMEOUT 0\nDEFAULT ipxe.lkrn\n"
                                   "LABEL ipxe.lkrn\n KERNEL ipxe.krn\n";
    fx::make_tree(d / ("src-" + name), k.tree);
    k.iso = fx::xorriso_iso(d / (name + ".iso"), d / ("src-" + name), "ISOIMAGE",
                            {"-b", "isolinux.bin", "-c", "boot.cat", "-no-emul-boot"});
    return k;
}

} // namespace

TEST_CASE("kernel-only image: --inspect says what its boot configuration names; staging refuses "
          "without --kernel-only and stages the kernel alone with it") {
    fx::TempDir d;
    auto ko = make_kernel_only(d, "ipxe", 60);
    auto root = d / "tftp";
    auto ed = d / "exports.d";

    auto i = stage({"--inspect", ko.iso.string()});
    INFO(i.err);
    REQUIRE(i.status == 0);
    CHECK(contains(i.out, "layout:      isolinux /isolinux.cfg\n"
                          "config:      /isolinux.cfg, label ipxe.lkrn\n"
                          "kernel:      /ipxe.krn (" +
                              std::to_string(ko.kernel().size()) + " bytes, sha256 " +
                              fx::sha256(ko.kernel()) + ")\ninitrd:      none\n"));
    CHECK(contains(i.out, "kernel only: the image's boot configuration (/isolinux.cfg, label "
                          "ipxe.lkrn) names kernel /ipxe.krn without an initrd.\n"));
    CHECK(contains(i.out, "not a Linux live system booting root=live:AOEINTERFACE: no AoE root"));
    CHECK(contains(i.out, "stage-pxe --kernel-only --name NAME " + ko.iso.string() + "\n"));
    auto j = stage({"--inspect", "--json", ko.iso.string()});
    REQUIRE(j.status == 0);
    CHECK(contains(j.out, "\"kernel_only\": true"));
    CHECK(contains(j.out, "\"initrd\": null"));
    CHECK(contains(j.out, "\"boot_config\": {\n    \"file\": \"/isolinux.cfg\",\n    \"label\": "
                          "\"ipxe.lkrn\"\n  }"));
    CHECK(contains(j.out, "\"sha256\": \"" + fx::sha256(ko.kernel()) + "\""));

    // Without --kernel-only: refused, saying why, and nothing is written.
    const std::string admin = "DEFAULT local\nLABEL local\n  LOCALBOOT 0\n";
    fx::write_file(root / "pxelinux.cfg/default", admin);
    auto before = snapshot(root);
    auto r = stage({ko.iso.string(), "--tftp-root", root.string(), "--name", "ipxe", "--export-dir",
                    ed.string()});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "stage-pxe: '" + ko.iso.string() +
                              "': no kernel/initrd pair found: the image's boot configuration "
                              "(/isolinux.cfg, label ipxe.lkrn) names only a kernel, /ipxe.krn, "
                              "and no initrd, so an entry that boots the ISO as its live root "
                              "over AoE (root=live:AOEINTERFACE) cannot be made. Use "
                              "--kernel-only to stage the kernel alone"));
    CHECK(snapshot(root) == before);
    CHECK_FALSE(fs::exists(ed));

    // Usage errors: an AoE address for an entry that reads no root over AoE; --kernel-only on
    // a live system (its kernel without its initrd boots nowhere).
    r = stage({ko.iso.string(), "--tftp-root", root.string(), "--kernel-only", "--aoe", "e0.5"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "--aoe and --kernel-only exclude each other"));
    auto k = make_kiwi(d, "live", 61);
    r = stage({k.iso.string(), "--tftp-root", root.string(), "--kernel-only"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "--kernel-only: '" + k.iso.string() +
                              "' has a kernel/initrd pair (kiwi x86_64: "
                              "/boot/x86_64/loader/linux + /boot/x86_64/loader/initrd)"));
    CHECK(snapshot(root) == before);

    // With --kernel-only: the kernel alone in every config, --append's arguments only.
    r = stage({ko.iso.string(), "--tftp-root", root.string(), "--name", "ipxe", "--kernel-only",
               "--grub", "--ipxe", "--export-dir", ed.string(), "--append", "console=ttyS0"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "staged 'ipxe' from " + ko.iso.string() +
                              " (isolinux /isolinux.cfg, volume id 'ISOIMAGE'), kernel only\n"));
    CHECK(fx::sha256_of_file(root / "boot/ipxe/linux") == fx::sha256(ko.kernel()));
    CHECK(mode_of(root / "boot/ipxe/linux") == 0644);
    CHECK_FALSE(fs::exists(root / "boot/ipxe/initrd"));
    auto cfg = fx::read_file(root / "pxelinux.cfg/default");
    CHECK(cfg.substr(0, admin.size()) == admin);
    CHECK(contains(cfg, "# BEGIN stage-pxe ipxe (managed; do not edit)\nLABEL ipxe\n"
                        "    kernel boot/ipxe/linux\n    append console=ttyS0\n"
                        "# END stage-pxe ipxe\n"));
    auto grub = fx::read_file(root / "grub/grub.cfg");
    CHECK(contains(grub, "menuentry 'ipxe' --id ipxe {\n    linux (tftp)/boot/ipxe/linux "
                         "console=ttyS0\n}\n"));
    auto ipxe = fx::read_file(root / "boot.ipxe");
    CHECK(contains(ipxe, ":ipxe\nkernel tftp://${next-server}/boot/ipxe/linux console=ttyS0\n"
                         "boot\n"));
    for (const auto& t : {cfg, grub, ipxe}) {
        CHECK_FALSE(contains(t, "initrd"));
        CHECK_FALSE(contains(t, "AOEINTERFACE"));
    }
    // No export and no aoe-target command: nothing reads a root over AoE.
    CHECK_FALSE(fs::exists(ed / "ipxe.conf"));
    CHECK_FALSE(contains(r.out, "aoe-target --export"));
    CHECK(contains(r.out,
                   "Kernel only (/isolinux.cfg, label ipxe.lkrn): no initrd, no "
                   "root=live:AOEINTERFACE; the entry reads nothing over AoE, so there is "
                   "no export and no aoe-target command (--export-dir: nothing written).\n"));
    CHECK_FALSE(contains(r.err, "understood by KIWI initrds only"));
    auto man = fx::read_file(root / "stage-pxe.manifest.json");
    CHECK(contains(man, "\"kernel_only\": true"));
    CHECK(contains(man, "\"aoe\": \"\""));

    // A second identical run changes no byte and no mtime; a dry run shows no diff.
    auto snap = snapshot(root);
    REQUIRE(stage({ko.iso.string(), "--tftp-root", root.string(), "--name", "ipxe", "--kernel-only",
                   "--export-dir", ed.string(), "--append", "console=ttyS0"})
                .status == 0);
    auto dry = stage({ko.iso.string(), "--tftp-root", root.string(), "--name", "ipxe",
                      "--kernel-only", "--append", "console=ttyS0", "--dry-run"});
    REQUIRE(dry.status == 0);
    CHECK_FALSE(contains(dry.out, "+++ "));
    CHECK(snapshot(root) == snap);
    CHECK_FALSE(fs::exists(ed));

    // --list, --check: the entry has no AoE address and no initrd.
    auto l = stage({"--list", "--tftp-root", root.string()});
    CHECK(contains(l.out, "ipxe\t-\tisolinux /isolinux.cfg (kernel only)\tgrub,ipxe,pxelinux\t" +
                              ko.iso.string() + "\n"));
    auto c = stage({"--check", "--tftp-root", root.string()});
    CHECK(c.status == 0);
    CHECK(contains(c.out, "ipxe (kernel only): ok\n"));
    fx::write_file(root / "boot/ipxe/linux", "tampered");
    c = stage({"--check", "--json", "--tftp-root", root.string()});
    CHECK(c.status == 1);
    CHECK(contains(c.out, "boot/ipxe/linux does not match its ISO (sha256)"));
    REQUIRE(stage({ko.iso.string(), "--tftp-root", root.string(), "--name", "ipxe", "--kernel-only",
                   "--append", "console=ttyS0"})
                .status == 0); // repairs
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);

    // It takes no shelf.slot: a live image named next to it gets e0.1.
    r = stage({k.iso.string(), "--tftp-root", root.string(), "--name", "live"});
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "aoe-target --export 0.1="));

    // --remove takes out the kernel, the blocks of all three configs and the manifest entry.
    r = stage({"--remove", "ipxe", "--tftp-root", root.string()});
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "  boot/ipxe/linux  removed\n"));
    CHECK_FALSE(fs::exists(root / "boot/ipxe"));
    CHECK_FALSE(contains(fx::read_file(root / "pxelinux.cfg/default"), "LABEL ipxe\n"));
    CHECK_FALSE(contains(fx::read_file(root / "grub/grub.cfg"), "menuentry 'ipxe'"));
    CHECK_FALSE(contains(fx::read_file(root / "boot.ipxe"), ":ipxe\n"));
    CHECK_FALSE(contains(stage({"--list", "--tftp-root", root.string()}).out, "ipxe"));
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);
}

TEST_CASE("an entry switched between a kernel/initrd pair and a kernel alone, killed at every "
          "commit point: it names one image's files; the next run leaves exactly the new kind") {
    fx::TempDir d;
    auto live = make_kiwi(d, "live", 62);
    auto ko = make_kernel_only(d, "ipxe", 63);
    const auto ed = d / "exports.d";
    struct Image {
        std::vector<std::string> args; // besides --tftp-root and --name
        std::string kernel, initrd;    // initrd empty: kernel only
    };
    const Image pair{{live.iso.string(), "--export-dir", ed.string()},
                     live.tree.files["boot/x86_64/loader/linux"],
                     live.tree.files["boot/x86_64/loader/initrd"]};
    const Image alone{
        {ko.iso.string(), "--kernel-only", "--export-dir", ed.string()}, ko.kernel(), ""};
    struct Case {
        std::string what;
        const Image *from, *to;
        std::string name, label, dir; // --name ("" for the default entry), LABEL, boot dir
        std::vector<std::string> hooks;
    };
    const std::vector<Case> cases = {
        // The config names the versioned kernel (an entry without initrd) while boot/linux is
        // replaced: no moment where the pair's entry names the new kernel with the old initrd.
        {"pair to kernel only",
         &pair,
         &alone,
         "",
         "Live-Boot",
         "boot",
         {"linux", "pxelinux.cfg/default.bak", "pxelinux.cfg/default", "boot/linux",
          "pxelinux.cfg/default#2", "stage-pxe.manifest.json"}},
        {"pair to kernel only, named",
         &pair,
         &alone,
         "n",
         "n",
         "boot/n",
         {"linux", "pxelinux.cfg/default.bak", "pxelinux.cfg/default", "boot/n/linux",
          "pxelinux.cfg/default#2", "stage-pxe.manifest.json"}},
        {"kernel only to pair",
         &alone,
         &pair,
         "",
         "Live-Boot",
         "boot",
         {"linux", "initrd", "pxelinux.cfg/default.bak", "pxelinux.cfg/default", "boot/linux",
          "boot/initrd", "pxelinux.cfg/default#2", "Live-Boot.conf", "stage-pxe.manifest.json"}},
    };
    for (const auto& c : cases) {
        for (const auto& hook : c.hooks) {
            CAPTURE(c.what);
            CAPTURE(hook);
            auto root = d / "tftp";
            fs::remove_all(root);
            fs::remove_all(ed);
            auto args = [&](const Image& im) {
                std::vector<std::string> a = im.args;
                a.insert(a.end(), {"--tftp-root", root.string()});
                if (!c.name.empty()) a.insert(a.end(), {"--name", c.name});
                return a;
            };
            REQUIRE(stage(args(*c.from)).status == 0);
            CHECK(fs::exists(ed / (c.label + ".conf")) == !c.from->initrd.empty());
            REQUIRE(kill_at(args(*c.to), hook));

            // Right after the kill: the entry names one image's files, old or new.
            const auto [kp, ip] =
                entry_paths(fx::read_file(root / "pxelinux.cfg/default"), c.label);
            REQUIRE_FALSE(kp.empty());
            auto names = [&](const Image& im) {
                return fx::read_file(root / kp) == im.kernel &&
                       (im.initrd.empty() ? ip.empty()
                                          : !ip.empty() && fx::read_file(root / ip) == im.initrd);
            };
            CHECK((names(*c.from) || names(*c.to)));

            // The next run completes and leaves exactly the new kind of entry.
            auto r = stage(args(*c.to));
            INFO(r.err);
            REQUIRE(r.status == 0);
            const bool to_pair = !c.to->initrd.empty();
            CHECK(entry_paths(fx::read_file(root / "pxelinux.cfg/default"), c.label) ==
                  std::pair<std::string, std::string>{c.dir + "/linux",
                                                      to_pair ? c.dir + "/initrd" : ""});
            CHECK(fx::read_file(root / c.dir / "linux") == c.to->kernel);
            CHECK(fs::exists(root / c.dir / "initrd") == to_pair);
            if (to_pair) CHECK(fx::read_file(root / c.dir / "initrd") == c.to->initrd);
            // The pair's export goes with it (aoe-target would keep serving an ISO no entry
            // boots from), and comes back with it.
            CHECK(fs::exists(ed / (c.label + ".conf")) == to_pair);
            CHECK(generation_dirs(root).empty());
            for (const auto& e : fs::recursive_directory_iterator(root)) {
                CHECK_FALSE(contains(e.path().filename().string(), ".stage-pxe-tmp."));
                CHECK_FALSE(contains(e.path().filename().string(), ".stage-pxe-new."));
            }
            CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);
            auto snap = snapshot(root);
            REQUIRE(stage(args(*c.to)).status == 0);
            CHECK(snapshot(root) == snap);
        }
    }
}

TEST_CASE("--http with --install-bootloader: lpxelinux.0 installed, all three configs by URL; "
          "a URL that is not http:// is bad usage") {
    fx::TempDir d;
    auto k = make_kiwi(d, "live", 51);
    auto root = d / "tftp";
    auto r = stage({k.iso.string(), "--tftp-root", root.string(), "--http", "https://10.0.0.1/tftp",
                    "--install-bootloader"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "stage-pxe: --http: 'https://10.0.0.1/tftp' is not an http:// URL"));
    CHECK_FALSE(fs::exists(root / "boot/linux"));
    r = stage({k.iso.string(), "--tftp-root", root.string(), "--http", "http://h:99999/"});
    CHECK(r.status == 2);
    CHECK(contains(r.err, "port '99999'"));

    r = stage({k.iso.string(), "--tftp-root", root.string(), "--http", "http://10.77.0.1:8080/",
               "--grub", "--ipxe", "--install-bootloader", "--default"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(contains(fx::read_file(root / "pxelinux.cfg/default"),
                   "    kernel http://10.77.0.1:8080/boot/linux\n"
                   "    append initrd=http://10.77.0.1:8080/boot/initrd "));
    auto grub = fx::read_file(root / "grub/grub.cfg");
    CHECK(contains(grub, "    linux (http,10.77.0.1,8080)/boot/linux "));
    CHECK(contains(grub, "    initrd (http,10.77.0.1,8080)/boot/initrd\n"));
    auto ipxe = fx::read_file(root / "boot.ipxe");
    CHECK(contains(ipxe, "kernel http://10.77.0.1:8080/boot/linux initrd=initrd "));
    CHECK(contains(ipxe, "initrd --name initrd http://10.77.0.1:8080/boot/initrd\n"));
    CHECK(contains(r.err, "lpxelinux.0 as their DHCP boot file"));
    if (fs::exists("/usr/lib/PXELINUX/lpxelinux.0")) {
        // The file the HTTP entries need, copied because --http was given.
        CHECK(fx::read_file(root / "lpxelinux.0") ==
              fx::read_file("/usr/lib/PXELINUX/lpxelinux.0"));
        CHECK(contains(r.out, "lpxelinux.0: installed from /usr/lib/PXELINUX/lpxelinux.0"));
    } else {
        CHECK(contains(r.err, "lpxelinux.0' is missing"));
    }
    // Without --http, lpxelinux.0 is neither installed nor asked for.
    auto root2 = d / "tftp2";
    r = stage({k.iso.string(), "--tftp-root", root2.string(), "--install-bootloader"});
    REQUIRE(r.status == 0);
    CHECK_FALSE(fs::exists(root2 / "lpxelinux.0"));
    CHECK_FALSE(contains(r.err, "lpxelinux"));
}

TEST_CASE("Debian's ipxe.iso (package ipxe): --inspect, refused without --kernel-only, staged "
          "as a kernel alone with it") {
    const fs::path iso = "/usr/lib/ipxe/ipxe.iso";
    REQUIRE_MESSAGE(fs::exists(iso), "/usr/lib/ipxe/ipxe.iso is missing: install the Debian "
                                     "package ipxe (apt-get install ipxe; scripts/setup lists it)");
    fx::TempDir d;
    auto root = d / "tftp";
    // A TFTP root that pxelinux boots from (what --install-bootloader would copy).
    for (const char* f :
         {"/usr/lib/PXELINUX/pxelinux.0", "/usr/lib/syslinux/modules/bios/ldlinux.c32"}) {
        REQUIRE_MESSAGE(fs::exists(f), f << " is missing: install pxelinux and syslinux-common");
        fx::write_file(root / fs::path(f).filename(), fx::read_file(f));
    }
    // The kernel as xorriso reads it out of the image, to compare with what stage-pxe writes.
    auto x = fx::run({"xorriso", "-osirrox", "on", "-indev", iso.string(), "-extract", "/ipxe.krn",
                      (d / "ipxe.krn").string()});
    REQUIRE_MESSAGE(x.status == 0, x.err);
    const std::string krn = fx::read_file(d / "ipxe.krn");
    REQUIRE(krn.size() > 0x206);
    CHECK(krn.substr(0x202, 4) == "HdrS"); // a Linux boot-protocol image: pxelinux's "kernel"

    auto i = stage({"--inspect", iso.string()});
    INFO(i.err);
    REQUIRE(i.status == 0);
    CHECK(contains(i.out, "layout:      isolinux /isolinux.cfg\n"
                          "config:      /isolinux.cfg, label ipxe.lkrn\n"
                          "kernel:      /ipxe.krn (" +
                              std::to_string(krn.size()) + " bytes, sha256 " + fx::sha256(krn) +
                              ")\ninitrd:      none\n"));
    CHECK(contains(i.out, "kernel only: the image's boot configuration (/isolinux.cfg, label "
                          "ipxe.lkrn) names kernel /ipxe.krn without an initrd.\n"));
    CHECK(contains(i.out, "It is not a Linux live system booting root=live:AOEINTERFACE"));
    CHECK(contains(i.out, "stage-pxe --kernel-only --name NAME /usr/lib/ipxe/ipxe.iso\n"));

    const auto before = snapshot(root);
    auto r = stage({iso.string(), "--tftp-root", root.string(), "--name", "ipxe"});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "stage-pxe: '/usr/lib/ipxe/ipxe.iso': no kernel/initrd pair found: the "
                          "image's boot configuration (/isolinux.cfg, label ipxe.lkrn) names only "
                          "a kernel, /ipxe.krn, and no initrd"));
    CHECK(contains(r.err, "Use --kernel-only to stage the kernel alone"));
    CHECK(snapshot(root) == before);

    r = stage({iso.string(), "--tftp-root", root.string(), "--name", "ipxe", "--kernel-only"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty()); // the bootloader is there; no warning applies
    CHECK(fx::read_file(root / "boot/ipxe/linux") == krn);
    CHECK_FALSE(fs::exists(root / "boot/ipxe/initrd"));
    CHECK(fx::read_file(root / "pxelinux.cfg/default") ==
          "# pxelinux.cfg/default created by stage-pxe. Lines outside the stage-pxe blocks are "
          "yours.\n"
          "# BEGIN stage-pxe @default (managed; do not edit)\nDEFAULT ipxe\nPROMPT 0\nTIMEOUT 50\n"
          "# END stage-pxe @default\n"
          "# BEGIN stage-pxe ipxe (managed; do not edit)\nLABEL ipxe\n"
          "    kernel boot/ipxe/linux\n    append -\n# END stage-pxe ipxe\n");
    CHECK(contains(r.out, "no export and no aoe-target command.\n"));
    auto snap = snapshot(root);
    REQUIRE(stage({iso.string(), "--tftp-root", root.string(), "--name", "ipxe", "--kernel-only"})
                .status == 0);
    CHECK(snapshot(root) == snap);
    CHECK(stage({"--check", "--tftp-root", root.string()}).status == 0);
}

TEST_CASE("--install-bootloader without an ISO: every client kind's loader, the DHCP lines") {
    struct Want {
        const char* name;
        const char* from;
    };
    const Want want[] = {{"pxelinux.0", "/usr/lib/PXELINUX/pxelinux.0"},
                         {"ldlinux.c32", "/usr/lib/syslinux/modules/bios/ldlinux.c32"},
                         {"shimx64.efi", "/usr/lib/shim/shimx64.efi.signed"},
                         {"grubx64.efi", "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"}};
    for (const auto& w : want)
        REQUIRE_MESSAGE(fs::exists(w.from), w.from << " is missing: install pxelinux, "
                                                      "syslinux-common, shim-signed and "
                                                      "grub-efi-amd64-signed (scripts/setup)");
    fx::TempDir d;
    auto root = d / "tftp";
    auto r = stage({"--install-bootloader", "--tftp-root", root.string()});
    CHECK(r.status == 1);
    CHECK(contains(r.err, "stage-pxe: '" + root.string() +
                              "': no such directory (the TFTP root; create it)"));
    fs::create_directories(root);
    r = stage({"--install-bootloader", "--tftp-root", root.string()});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    for (const auto& w : want) {
        CHECK(fx::read_file(root / w.name) == fx::read_file(w.from));
        CHECK(mode_of(root / w.name) == 0644);
        CHECK(contains(r.out, std::string("  ") + w.name + ": installed from " + w.from));
    }
    CHECK(contains(r.out, "tftp-root=" + root.string() + "\n"));
    CHECK(contains(r.out, "dhcp-match=set:efi64,option:client-arch,7\n"
                          "dhcp-match=set:efi64,option:client-arch,9\n"
                          "dhcp-match=set:efihttp,option:client-arch,16\n"));
    CHECK(contains(r.out, "dhcp-boot=tag:!efi64,tag:!efihttp,pxelinux.0\n"));
    CHECK(contains(r.out, "dhcp-boot=tag:efi64,shimx64.efi\n"));
    CHECK(contains(r.out, "dhcp-option-force=tag:efihttp,60,HTTPClient\n"));
    CHECK(contains(r.out, "dhcp-boot=tag:efihttp,http://SERVER/shimx64.efi\n"));
    CHECK_FALSE(contains(r.out, "iPXE"));

    // Again: nothing changes; --http fills in the URL, --ipxe adds the iPXE clients' script.
    CHECK_FALSE(fs::exists(root / "lpxelinux.0")); // only for HTTP entries
    r = stage({"--install-bootloader", "--tftp-root", root.string()});
    REQUIRE(r.status == 0);
    auto before = snapshot(root);
    r = stage({"--install-bootloader", "--tftp-root", root.string(), "--http",
               "http://10.0.0.1/tftp/", "--ipxe"});
    REQUIRE(r.status == 0);
    CHECK(contains(r.out, "  shimx64.efi: present (kept)\n"));
    CHECK(contains(r.out, "dhcp-boot=tag:efihttp,http://10.0.0.1/tftp/shimx64.efi\n"));
    CHECK_FALSE(contains(r.out, "SERVER"));
    CHECK(contains(r.out, "dhcp-userclass=set:ipxe,iPXE\ndhcp-boot=tag:ipxe,boot.ipxe\n"));
    CHECK(contains(r.out, "dhcp-boot=tag:!efi64,tag:!efihttp,tag:!ipxe,lpxelinux.0\n"));
    CHECK(contains(r.out, "  lpxelinux.0: installed from /usr/lib/PXELINUX/lpxelinux.0"));
    CHECK(contains(r.out, "dhcp-boot=tag:efi64,tag:!ipxe,shimx64.efi\n"));

    // Staging with --grub but without --install-bootloader: the UEFI loaders are named too.
    fx::TempDir d2;
    auto k = make_kiwi(d2, "live", 41);
    auto root2 = d2 / "tftp";
    r = stage({k.iso.string(), "--tftp-root", root2.string(), "--grub"});
    REQUIRE(r.status == 0);
    CHECK(contains(r.err, "stage-pxe: warning: '" + (root2 / "shimx64.efi").string() +
                              "' is missing; UEFI PXE and HTTP Boot clients cannot boot without "
                              "it. Get it with: apt-get install shim-signed && cp "
                              "/usr/lib/shim/shimx64.efi.signed " +
                              (root2 / "shimx64.efi").string()));
    CHECK(contains(r.err, "grubx64.efi' is missing; UEFI clients cannot boot"));
    r = stage({k.iso.string(), "--tftp-root", root2.string(), "--grub", "--install-bootloader"});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    CHECK(fx::read_file(root2 / "grubx64.efi") ==
          fx::read_file("/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"));
    CHECK(contains(r.out, "dhcp-boot=tag:efi64,shimx64.efi\n"));
}

TEST_CASE("--inspect and --check say whether the kernel is signed for Secure Boot") {
    const fs::path signed_pe = "/usr/lib/shim/shimx64.efi.signed";
    REQUIRE_MESSAGE(fs::exists(signed_pe), "apt-get install shim-signed (scripts/setup)");
    fx::TempDir d;
    // The fixture's kernel is random bytes: not a PE at all.
    auto k = make_kiwi(d, "live", 42);
    auto i = stage({"--inspect", k.iso.string()});
    REQUIRE(i.status == 0);
    CHECK(contains(i.out, "signature:   kernel UNSIGNED (not an EFI executable: no MZ header): a "
                          "UEFI client with Secure Boot on refuses it\n"));
    auto j = stage({"--inspect", "--json", k.iso.string()});
    CHECK(contains(j.out, "\"signed\": false"));
    auto root = d / "tftp";
    REQUIRE(stage({k.iso.string(), "--tftp-root", root.string()}).status == 0);
    auto c = stage({"--check", "--tftp-root", root.string()});
    CHECK(c.status == 0); // a note, not a mismatch: the ISO's own kernel is what was staged
    CHECK(contains(c.out, "Live-Boot (e0.1): ok\n  note: boot/linux: UNSIGNED (not an EFI "
                          "executable"));

    // A kernel that is a signed PE (Debian's signed shim stands in for one).
    fx::TempDir d2;
    fx::Tree t = fx::kiwi_tree("x86_64", 43);
    t.files["boot/x86_64/loader/linux"] = fx::read_file(signed_pe);
    fx::make_tree(d2 / "src", t);
    auto iso = fx::xorriso_iso(d2 / "signed.iso", d2 / "src", "KIWI_SIGNED");
    i = stage({"--inspect", iso.string()});
    REQUIRE(i.status == 0);
    CHECK(contains(i.out, "signature:   kernel Authenticode-signed (PKCS#7 in the PE certificate "
                          "table, "));
    auto root2 = d2 / "tftp";
    REQUIRE(stage({iso.string(), "--tftp-root", root2.string()}).status == 0);
    c = stage({"--check", "--tftp-root", root2.string()});
    CHECK(c.status == 0);
    CHECK_FALSE(contains(c.out, "note:"));
    c = stage({"--check", "--json", "--tftp-root", root2.string()});
    CHECK(contains(c.out, "\"notes\": []"));
}
