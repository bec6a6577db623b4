// The export line (target/export_line.hpp): every row of docs/export-line.md's edge-case table,
// read as a file line and as an --export argument, and the one trim (target/text.hpp).
// The same table is compiled as constant expressions, so the reader stays constexpr.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <string_view>

#include "target/export_line.hpp"
#include "target/text.hpp"

using aoe::AddressFault;
using aoe::ExportLineError;
using aoe::ExportLineFault;
using aoe::ExportSource;

namespace {

using F = ExportLineFault; // made from an ExportLineError (E) or an AddressFault (A)
using E = ExportLineError;
using A = AddressFault;

// One row: the text, what a file line gives, what --export gives; for an export, the values.
struct Row {
    const char* text;
    F in_file;
    F on_command_line;
    bool is_export = false; // in a file
    unsigned shelf = 0, slot = 0;
    const char* file = "";
    bool writable = false;
};

// docs/export-line.md, "Edge cases": keep the two in the same order.
constexpr Row kRows[] = {
    {"0.1=/srv/a.iso", E::none, E::none, true, 0, 1, "/srv/a.iso", false},
    {"e0.1=/srv/a.iso", E::none, E::none, true, 0, 1, "/srv/a.iso", false},
    {"E7.3=/srv/a.iso", E::none, E::none, true, 7, 3, "/srv/a.iso", false},
    {"0.2=/srv/disk.img,rw", E::none, E::none, true, 0, 2, "/srv/disk.img", true},
    {"0.2=/srv/disk.img,ro", E::none, E::none, true, 0, 2, "/srv/disk.img", false},
    {"0.2=/srv/a,b.iso", E::none, E::none, true, 0, 2, "/srv/a,b.iso", false},
    {"0.2=/srv/disk.img,RW", E::none, E::none, true, 0, 2, "/srv/disk.img,RW", false},
    {"0.2=/srv/x=y.iso", E::none, E::none, true, 0, 2, "/srv/x=y.iso", false},
    {"  0.1 = /srv/a.iso \r", E::none, E::none, true, 0, 1, "/srv/a.iso", false},
    {"export = 0.1=/srv/a.iso", E::none, E::none, true, 0, 1, "/srv/a.iso", false},
    {"export=0.1=/srv/a.iso,rw", E::none, E::none, true, 0, 1, "/srv/a.iso", true},
    {"0.1=/srv/a #1.iso", E::none, E::none, true, 0, 1, "/srv/a #1.iso", false},
    {"10.1=/srv/a.iso", E::none, E::none, true, 10, 1, "/srv/a.iso", false},
    {"65534.254=/srv/a.iso", E::none, E::none, true, 65534, 254, "/srv/a.iso", false},
    {"", E::none, E::no_equals},
    {"   \t\r", E::none, E::no_equals},
    {"# a comment", E::none, E::no_equals},
    {"  # 0.1=/srv/a.iso", E::none, E::not_decimal},
    {"0.1=a.iso", E::relative_file, E::none, false, 0, 1, "a.iso", false},
    {"0.1", E::no_equals, E::no_equals},
    {"export = 0.1", E::no_equals, E::no_equals},
    {"01=/srv/a.iso", E::not_an_address, E::not_an_address},
    {"=/srv/a.iso", E::not_an_address, E::not_an_address},
    {".1=/srv/a.iso", E::not_decimal, E::not_decimal},
    {"0.=/srv/a.iso", E::not_decimal, E::not_decimal},
    {"0x10.1=/srv/a.iso", E::not_decimal, E::not_decimal},
    {"-1.1=/srv/a.iso", E::not_decimal, E::not_decimal},
    {"+1.1=/srv/a.iso", E::not_decimal, E::not_decimal},
    {"1 .1=/srv/a.iso", E::not_decimal, E::not_decimal},
    {"1.1.1=/srv/a.iso", E::not_decimal, E::not_decimal},
    {"010.1=/srv/a.iso", E::leading_zero, E::leading_zero},
    {"0.01=/srv/a.iso", E::leading_zero, E::leading_zero},
    {"00.1=/srv/a.iso", E::leading_zero, E::leading_zero},
    {"65536.1=/srv/a.iso", A::shelf_range, A::shelf_range},
    {"99999999999999999999.1=/srv/a.iso", A::shelf_range, A::shelf_range},
    {"65535.1=/srv/a.iso", A::shelf_broadcast, A::shelf_broadcast},
    {"4095.1=/srv/a.iso", A::shelf_all_ones, A::shelf_all_ones},
    {"0.256=/srv/a.iso", A::slot_range, A::slot_range},
    {"0.255=/srv/a.iso", A::slot_broadcast, A::slot_broadcast},
    {"0.1=", E::no_file, E::no_file},
    {"0.1=  ,rw", E::no_file, E::no_file},
    {"0.1=,ro", E::no_file, E::no_file},
};

constexpr bool row_holds(const Row& r, ExportSource src) {
    aoe::ExportLine l;
    const F want = src == ExportSource::file ? r.in_file : r.on_command_line;
    std::size_t n = 0;
    while (r.text[n]) ++n;
    if (aoe::parse_export_line(r.text, n, src, l) != want) return false;
    if (want != E::none) return !l.is_export;
    const bool export_expected = src == ExportSource::file ? r.is_export : true;
    if (l.is_export != export_expected) return false;
    if (!l.is_export) return true;
    std::size_t fn = 0;
    while (r.file[fn]) ++fn;
    if (l.shelf != r.shelf || l.slot != r.slot || l.writable != r.writable || l.file_len != fn)
        return false;
    for (std::size_t i = 0; i < fn; ++i)
        if (l.file[i] != r.file[i]) return false;
    return true;
}

constexpr bool table_holds() {
    for (const Row& r : kRows)
        if (!row_holds(r, ExportSource::file) || !row_holds(r, ExportSource::command_line))
            return false;
    return true;
}
static_assert(table_holds(), "docs/export-line.md's edge-case table, at compile time");

} // namespace

TEST_CASE("export line: every edge case, in a file and on the command line") {
    for (const Row& r : kRows) {
        INFO("line: '" << r.text << "'");
        for (ExportSource src : {ExportSource::file, ExportSource::command_line}) {
            aoe::ExportLine l;
            const F want = src == ExportSource::file ? r.in_file : r.on_command_line;
            const F got = aoe::parse_export_line(r.text, std::strlen(r.text), src, l);
            INFO("source: " << (src == ExportSource::file ? "file" : "command line"));
            CHECK(std::string(aoe::describe(got)) == aoe::describe(want));
            CHECK(row_holds(r, src));
        }
    }
}

TEST_CASE("export line: the file name points into the line, without the mode") {
    const std::string line = "  0.3 = /srv/disk.img,rw  ";
    aoe::ExportLine l;
    REQUIRE(aoe::parse_export_line(line.data(), line.size(), ExportSource::file, l) == E::none);
    CHECK(l.file == line.data() + 8);
    CHECK(std::string_view(l.file, l.file_len) == "/srv/disk.img");
    CHECK(l.writable);
}

TEST_CASE("export line: every fault has its own words") {
    const F all[] = {E::no_equals,      E::not_an_address,  E::not_decimal,    E::leading_zero,
                     A::shelf_range,    A::shelf_broadcast, A::shelf_all_ones, A::slot_range,
                     A::slot_broadcast, E::no_file,         E::relative_file};
    for (F a : all)
        for (F b : all)
            if (a != b) CHECK(std::string(aoe::describe(a)) != aoe::describe(b));
    CHECK(std::string(aoe::describe(E::leading_zero)).find("010") != std::string::npos);
}

TEST_CASE("trim: the blanks of the files, or the caller's characters") {
    auto trimmed = [](std::string_view s, const char* chars = aoe::kBlanks) {
        const char* p = s.data();
        std::size_t n = aoe::trim(p, s.size(), chars);
        return std::string(p, n);
    };
    CHECK(trimmed(" \t a b \r") == "a b");
    CHECK(trimmed("\r\n") == "\n"); // \n is not a blank of a line (lines are split at it)
    CHECK(trimmed("   ") == "");
    CHECK(trimmed("") == "");
    CHECK(trimmed("xxaxx", "x") == "a");
    CHECK(trimmed("\f a \v", " \f\v") == "a");
}
