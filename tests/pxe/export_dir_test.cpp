// pxe/export_dir.cpp: the *.conf files stage-pxe writes into --export-dir, and the exports the
// other files there hold, read with aoe-target's own export-line reader
// (target/export_line.hpp), so both programs see the same shelf.slots (docs/export-line.md).
#include "export_dir.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

using namespace aoe::pxe;
namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path p;
    Dir() {
        char tmpl[] = "/tmp/aoe-pxe-test.XXXXXX";
        p = mkdtemp(tmpl);
    }
    ~Dir() { fs::remove_all(p); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(p / name) << text;
    }
};

} // namespace

TEST_CASE("foreign exports: the lines aoe-target would serve, and only those") {
    Dir d;
    d.write("hand.conf", "# by hand\r\n"
                         "0.2=/srv/ro.iso,ro\r\n"
                         "  0.3 = /srv/rw.img,rw\n"
                         "export = e0.4=/srv/a,b.iso\n"
                         "0.5=/srv/x #1.iso\n"
                         "010.6=/srv/octal-or-decimal.iso\n" // refused by aoe-target: skipped
                         "0.7=relative.iso\n"                // refused: not absolute
                         "0x8.1=/srv/hex.iso\n");            // refused: not decimal
    d.write("Live-Boot.conf", "0.1=/srv/replaced-by-this-run.iso\n");
    d.write("notes.txt", "0.9=/srv/not-a-conf.iso\n");
    Manifest man;
    auto got = foreign_exports(d.p, man, "Live-Boot");
    REQUIRE(got.size() == 4);
    CHECK(got.at("e0.2").image == "/srv/ro.iso");
    CHECK(got.at("e0.2").where == (d.p / "hand.conf").string() + ":2");
    CHECK(got.at("e0.3").image == "/srv/rw.img");
    CHECK(got.at("e0.4").image == "/srv/a,b.iso");
    CHECK(got.at("e0.5").image == "/srv/x #1.iso");
}

TEST_CASE("the file stage-pxe writes reads back as the same export") {
    Dir d;
    d.write("e.conf", export_file_text("e", AoeAddress{3, 7}, "/srv/live.iso"));
    Manifest man;
    auto got = foreign_exports(d.p, man, "other");
    REQUIRE(got.size() == 1);
    CHECK(got.at("e3.7").image == "/srv/live.iso");
}
