// The export line: `SHELF.SLOT=FILE[,rw]`, what aoe-target --export takes, what a line of
// --export-dir's *.conf files and the configuration file's `export = ...` hold, and what
// stage-pxe --export-dir writes and reads back. One grammar, one reader, here, for aoe-target
// (hal/dpdk/options.cpp, hal/dpdk/config_file.cpp) and stage-pxe (pxe/export_dir.cpp); the
// grammar and its edge cases are docs/export-line.md's.
//
//   line    = blanks / blanks "#" anything / blanks [export] spec blanks
//   export  = "export" blanks "=" blanks          (the configuration file's key)
//   spec    = address blanks "=" blanks file [mode]
//   address = ["e" / "E"] number "." number       (decimal; "0" or no leading zero)
//   mode    = ",rw" / ",ro"                       (read-only unless ",rw")
//   blanks  = *(" " / "\t" / "\r")               (text.hpp kBlanks)
//
// Comments and blank lines exist only in files; in a file the FILE must be absolute (the
// file's meaning must not depend on the reader's working directory); on the command line it
// is the caller's path. The reserved shelf and slot numbers are address.hpp's.
// Freestanding like the rest of target/: constexpr, no library, no std::string, no heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "target/address.hpp"
#include "target/text.hpp"

namespace aoe {

// Where a line comes from: the rules that differ between a file and the command line.
enum class ExportSource : std::uint8_t {
    file,         // --export-dir *.conf, the configuration file: comments, absolute FILE
    command_line, // --export ARG: one spec, FILE as given
};

// What is wrong with a line, if anything. A shelf or slot number that is no target's address
// is address.hpp's fault, carried as it is (`bad_address` + ExportLineFault::address).
enum class ExportLineError : std::uint8_t {
    none,
    no_equals,      // no '=' after the address
    not_an_address, // the text before '=' is not SHELF.SLOT / eSHELF.SLOT
    not_decimal,    // a number holds something else than 0-9 (0x10, -1, 1a, "")
    leading_zero,   // "010": 8 to strtoul, 10 to vblade's atoi; refused, not guessed
    bad_address,    // check_shelf / check_slot refused the number: see `address`
    no_file,        // nothing after '=' (or only the mode)
    relative_file,  // in a file, FILE does not start with '/'
};

// A line's fault: the error, and for bad_address which AddressFault. Made from either, so a
// caller writes `fault != ExportLineError::none` or `fault == AddressFault::slot_range`.
struct ExportLineFault {
    ExportLineError error = ExportLineError::none;
    AddressFault address = AddressFault::none;

    constexpr ExportLineFault() = default;
    constexpr ExportLineFault(ExportLineError e) : error(e) {}
    constexpr ExportLineFault(AddressFault a)
        : error(a == AddressFault::none ? ExportLineError::none : ExportLineError::bad_address),
          address(a) {}
    friend constexpr bool operator==(const ExportLineFault&, const ExportLineFault&) = default;
};

// What a line says. `is_export` false: a blank or comment line (only from a file).
struct ExportLine {
    bool is_export = false;
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    bool writable = false;
    const char* file = nullptr; // points into the parsed text, not NUL-terminated
    std::size_t file_len = 0;
};

namespace detail_export_line {

constexpr bool equals(const char* s, std::size_t n, const char* lit) {
    std::size_t i = 0;
    for (; i < n; ++i)
        if (lit[i] == '\0' || lit[i] != s[i]) return false;
    return lit[i] == '\0';
}

constexpr std::size_t find(const char* s, std::size_t n, char c) {
    for (std::size_t i = 0; i < n; ++i)
        if (s[i] == c) return i;
    return n;
}

// A decimal number without sign or leading zero. It stops growing past 0xFFFFFFFF (out of
// range for a shelf or a slot either way), so no digit count overflows it.
constexpr ExportLineFault number(const char* s, std::size_t n, unsigned long& out) {
    if (n == 0) return ExportLineError::not_decimal;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return ExportLineError::not_decimal;
        if (v <= 0xFFFFFFFFu) v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    if (n > 1 && s[0] == '0') return ExportLineError::leading_zero;
    out = v > 0xFFFFFFFFu ? 0xFFFFFFFFul : static_cast<unsigned long>(v);
    return ExportLineError::none;
}

} // namespace detail_export_line

// Reads one line (without its '\n'; a trailing '\r' is a blank). `out.file` points into `s`.
constexpr ExportLineFault parse_export_line(const char* s, std::size_t n, ExportSource src,
                                            ExportLine& out) {
    namespace d = detail_export_line;
    out = ExportLine{};
    n = trim(s, n);
    if (src == ExportSource::file && (n == 0 || s[0] == '#')) return ExportLineError::none;
    std::size_t eq = d::find(s, n, '=');
    if (eq == n) return ExportLineError::no_equals;
    // The configuration file's key: `export = SPEC`.
    const char* key = s;
    if (d::equals(key, trim(key, eq), "export")) {
        s += eq + 1;
        n = trim(s, n - eq - 1);
        eq = d::find(s, n, '=');
        if (eq == n) return ExportLineError::no_equals;
    }
    const char* addr = s;
    std::size_t addr_len = trim(addr, eq);
    AddressText t;
    if (!split_address(addr, addr_len, t)) return ExportLineError::not_an_address;
    unsigned long shelf = 0, slot = 0;
    if (auto f = d::number(t.shelf, t.shelf_len, shelf); f != ExportLineError::none) return f;
    if (auto f = d::number(t.slot, t.slot_len, slot); f != ExportLineError::none) return f;
    if (auto f = check_shelf(shelf); f != AddressFault::none) return f;
    if (auto f = check_slot(slot); f != AddressFault::none) return f;
    const char* file = s + eq + 1;
    std::size_t file_len = trim(file, n - eq - 1);
    bool writable = false;
    if (file_len >= 3 && file[file_len - 3] == ',' && file[file_len - 2] == 'r' &&
        (file[file_len - 1] == 'w' || file[file_len - 1] == 'o')) {
        writable = file[file_len - 1] == 'w';
        file_len -= 3;
    }
    if (file_len == 0) return ExportLineError::no_file;
    if (src == ExportSource::file && file[0] != '/') return ExportLineError::relative_file;
    out.is_export = true;
    out.shelf = static_cast<std::uint16_t>(shelf);
    out.slot = static_cast<std::uint8_t>(slot);
    out.writable = writable;
    out.file = file;
    out.file_len = file_len;
    return ExportLineError::none;
}

// The words every program uses for a fault (after "FILE:LINE: " or "--export: ").
constexpr const char* describe(ExportLineFault f) {
    switch (f.error) {
    case ExportLineError::none:
        return "ok";
    case ExportLineError::no_equals:
        return "expected SHELF.SLOT=FILE[,rw]";
    case ExportLineError::not_an_address:
        return "expected SHELF.SLOT (e.g. 0.1) before '='";
    case ExportLineError::not_decimal:
        return "shelf and slot are decimal numbers (e.g. 0.1)";
    case ExportLineError::leading_zero:
        return "leading zero in shelf or slot (write 10, not 010: octal or decimal would be a "
               "guess)";
    case ExportLineError::bad_address:
        return describe(f.address); // address.hpp's words
    case ExportLineError::no_file:
        return "no file after '='";
    case ExportLineError::relative_file:
        return "the image path must be absolute";
    }
    return "bad export line";
}

} // namespace aoe
