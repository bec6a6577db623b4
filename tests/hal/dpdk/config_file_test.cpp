// aoe-target's configuration file and export directory (hal/dpdk/config_file.hpp): the format an
// admin writes, errors that name file and line, and the command line over the file.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hal/dpdk/config_file.hpp"
#include "hal/dpdk/options.hpp"
#include "temp_dir.hpp"

using namespace aoehal;
namespace fs = std::filesystem;
using aoehal::test::TempDir;

namespace {

Options cmdline(std::vector<const char*> args) {
    args.insert(args.begin(), "aoe-target");
    auto r = parse_options(static_cast<int>(args.size()), args.data());
    REQUIRE_MESSAGE(r.options, r.error);
    return *r.options;
}

std::string load(const Options& cmd, Options& out) {
    return load_configuration(cmd, out);
}

} // namespace

TEST_CASE("key = value file: the long option names, comments, flags") {
    TempDir t;
    auto conf = t.write("aoe-target.conf", "# a comment\n"
                                           "iface = eth1\n"
                                           "  iface=eth2  \n"
                                           "\n"
                                           "mtu = 9000\n"
                                           "queues = 2\n"
                                           "remote-admin = yes\n"
                                           "copy\n"
                                           "vlan = 5\n"
                                           "mac-allow = 52:54:00:00:00:01\n"
                                           "export = 0.1=/srv/a.iso\n"
                                           "export = e0.2=/srv/b.img,rw\n");
    Options o;
    REQUIRE(load(cmdline({"--config", conf.c_str()}), o) == "");
    CHECK(o.ifaces == std::vector<std::string>{"eth1", "eth2"});
    CHECK(o.mtu == 9000);
    CHECK(o.queues == 2);
    CHECK(o.remote_admin);
    CHECK(o.force_copy);
    CHECK(o.vlan == 5);
    REQUIRE(o.mac_allow.size() == 1);
    REQUIRE(o.exports.size() == 2);
    CHECK(o.exports[1].writable);
    CHECK(o.exports[1].path == "/srv/b.img");
    CHECK(o.export_origins[0] == conf + ":11");
}

TEST_CASE("the command line overrides the file") {
    TempDir t;
    auto conf = t.write("c.conf", "iface = eth1\nmtu = 9000\nqueues = 2\n"
                                  "export = 0.1=/srv/a.iso\nexport = 0.2=/srv/b.iso\n");
    Options o;
    REQUIRE(load(cmdline({"--config", conf.c_str(), "--mtu", "1500", "--iface", "veth9", "--export",
                          "0.2=other.img"}),
                 o) == "");
    CHECK(o.mtu == 1500);                                 // scalar: command line wins
    CHECK(o.queues == 2);                                 // not given: the file's
    CHECK(o.ifaces == std::vector<std::string>{"veth9"}); // list: replaced
    REQUIRE(o.exports.size() == 2);                       // same shelf.slot: replaced
    CHECK(o.exports[0].path == "/srv/a.iso");
    CHECK(o.exports[1].path == "other.img");
}

TEST_CASE("metrics = IPV4:PORT in the file, the command line's --metrics over it") {
    TempDir t;
    auto conf =
        t.write("m.conf", "iface = eth1\nexport = 0.1=/srv/a.iso\nmetrics = 127.0.0.1:9469\n");
    Options o;
    REQUIRE(load(cmdline({"--config", conf.c_str()}), o) == "");
    CHECK(o.metrics == "127.0.0.1:9469");
    REQUIRE(load(cmdline({"--config", conf.c_str(), "--metrics", "0.0.0.0:9100"}), o) == "");
    CHECK(o.metrics == "0.0.0.0:9100");
    auto bad = t.write("b.conf", "iface = eth1\nmetrics = 127.0.0.1\n");
    CHECK(load(cmdline({"--config", bad.c_str()}), o) ==
          bad + ":2: metrics '127.0.0.1': expected IPV4:PORT (e.g. 127.0.0.1:9469), got no port");
    auto empty = t.write("e.conf", "iface = eth1\nmetrics =\n");
    CHECK(load(cmdline({"--config", empty.c_str()}), o) ==
          empty + ":2: 'metrics' has an empty value");
}

TEST_CASE("export directory: what stage-pxe --export-dir writes") {
    TempDir t;
    // Byte for byte the file pxe/stage.cpp writes.
    t.write("exports.d/Live-Boot.conf", "# written by stage-pxe for entry 'Live-Boot'; same "
                                        "syntax as aoe-target --export\n0.1=/srv/live.iso\n");
    t.write("exports.d/b.conf", "export = 0.3=/srv/disk.img,rw\n");
    t.write("exports.d/.hidden.conf", "garbage\n");
    t.write("exports.d/notes.txt", "garbage\n");
    t.write("exports.d/old.conf~", "garbage\n");
    auto conf =
        t.write("a.conf", "iface = eth0\nexport-dir = " + (t.p / "exports.d").string() + "\n");
    Options o;
    REQUIRE(load(cmdline({"--config", conf.c_str()}), o) == "");
    REQUIRE(o.exports.size() == 2);
    CHECK(o.exports[0].slot == 1); // Live-Boot.conf sorts before b.conf
    CHECK(o.exports[1].slot == 3);
    CHECK(o.exports[1].writable);

    // --export-dir on the command line alone is enough; an empty directory is fine (a reload
    // fills it).
    fs::create_directories(t.p / "empty");
    Options e;
    REQUIRE(load(cmdline({"--iface", "eth0", "--export-dir", (t.p / "empty").c_str()}), e) == "");
    CHECK(e.exports.empty());
}

TEST_CASE("errors name the file, the line and the problem") {
    TempDir t;
    auto check = [&](const std::string& text, const std::string& want) {
        auto conf = t.write("bad.conf", text);
        Options o;
        std::string err = load(cmdline({"--config", conf.c_str()}), o);
        INFO("error: " << err);
        CHECK(err.find(conf + ":") == 0);
        CHECK(err.find(want) != std::string::npos);
    };
    check("iface = eth0\nmtuu = 9000\n", "bad.conf:2: unknown option 'mtuu'");
    check("iface = eth0\nmtu = 100\n", ":2: mtu must be 576..65535");
    check("iface = eth0\n\nexport = 0.255=/x.iso\n", ":3: export: slot 255");
    check("iface = eth0\nexport = 0.1=relative.iso\n",
          ":2: export 0.1=relative.iso: the image path must be absolute");
    check("iface = eth0\nremote-admin = maybe\n", ":2: remote-admin must be yes or no");
    check("iface = eth0\nmtu\n", ":2: 'mtu' needs a value");
    check("iface = eth0\nstats = 1\n", ":2: 'stats' is a command-line option only");
    check("iface = eth0\nexport = 0.1=/a\nexport = 0.1=/b\n",
          ":3: shelf.slot 0.1 is already exported by");

    t.write("d/x.conf", "0.1=/a.iso\n");
    t.write("d/y.conf", "# two lines\n\n0.1=/b.iso\n");
    auto conf = t.write("c.conf", "iface = eth0\nexport-dir = " + (t.p / "d").string() + "\n");
    Options o;
    std::string err = load(cmdline({"--config", conf.c_str()}), o);
    CHECK(err.find("d/y.conf:3: shelf.slot 0.1 is already exported by ") != std::string::npos);
    CHECK(err.find("d/x.conf:1") != std::string::npos);

    Options m;
    err = load(cmdline({"--config", (t.p / "missing.conf").c_str()}), m);
    CHECK(err.find("missing.conf: cannot read") != std::string::npos);
    err = load(cmdline({"--iface", "x", "--export-dir", (t.p / "nodir").c_str()}), m);
    CHECK(err.find("nodir: cannot open the export directory") != std::string::npos);
}

TEST_CASE("a configuration still needs an interface and at most --max-exports exports") {
    TempDir t;
    auto conf = t.write("a.conf", "export = 0.1=/a.iso\n");
    Options o;
    CHECK(load(cmdline({"--config", conf.c_str()}), o).find("no interface") != std::string::npos);
    auto conf2 =
        t.write("b.conf", "iface = e\nmax-exports = 1\nexport = 0.1=/a\nexport = 0.2=/b\n");
    CHECK(load(cmdline({"--config", conf2.c_str()}), o).find("more exports than") !=
          std::string::npos);
}

TEST_CASE("export directory lines: the one export-line grammar (docs/export-line.md)") {
    TempDir t;
    t.write("d/a.conf", "# comment\r\n  0.2 = /srv/ro.iso,ro\r\n0.3=/srv/a #1.img,rw\n");
    const std::string dir = t.path("d");
    Options o;
    REQUIRE(load(cmdline({"--iface", "eth0", "--export-dir", dir.c_str()}), o) == "");
    REQUIRE(o.exports.size() == 2);
    CHECK(o.exports[0].path == "/srv/ro.iso");
    CHECK_FALSE(o.exports[0].writable);
    CHECK(o.exports[1].path == "/srv/a #1.img"); // '#' starts a comment only at a line's start
    CHECK(o.exports[1].writable);

    // Lines two readers could take differently are refused, naming file and line.
    auto refused = [&](const std::string& line, const std::string& want) {
        TempDir u;
        u.write("d/b.conf", "0.1=/srv/ok.iso\n" + line + "\n");
        const std::string udir = u.path("d");
        Options x;
        std::string err = load(cmdline({"--iface", "eth0", "--export-dir", udir.c_str()}), x);
        INFO("error: " << err);
        CHECK(err.find(u.path("d/b.conf") + ":2: " + want) == 0);
    };
    refused("010.1=/srv/a.iso", "leading zero");
    refused("0x10.1=/srv/a.iso", "shelf and slot are decimal");
    refused("0.1", "expected SHELF.SLOT=FILE[,rw]");
    refused("0.2=relative.iso", "the image path must be absolute");

    const char* argv[] = {"aoe-target", "--iface", "eth0", "--export", "010.1=a.iso"};
    CHECK(parse_options(5, argv).error.find("leading zero") != std::string::npos);
}
