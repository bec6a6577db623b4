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

enum class ExportLineFault : std::uint8_t {
    none,
    no_equals,       // no '=' after the address
    not_an_address,  // the text before '=' is not SHELF.SLOT / eSHELF.SLOT
    not_decimal,     // a number holds something else than 0-9 (0x10, -1, 1a, "")
    leading_zero,    // "010": 8 to strtoul, 10 to vblade's atoi; refused, not guessed
    shelf_range,     // > 65535
    shelf_broadcast, // 65535 (0xFFFF)
    shelf_all_ones,  // 4095 (0x0FFF), refused by Linux clients
    slot_range,      // > 255
    slot_broadcast,  // 255 (0xFF)
    no_file,         // nothing after '=' (or only the mode)
    relative_file,   // in a file, FILE does not start with '/'
};

// shelf_range..slot_broadcast are AddressFault's, in its order (detail_export_line::from).
static_assert(static_cast<int>(ExportLineFault::slot_broadcast) -
                  static_cast<int>(ExportLineFault::shelf_range) ==
              static_cast<int>(AddressFault::slot_broadcast) -
                  static_cast<int>(AddressFault::shelf_range));
static_assert(static_cast<int>(ExportLineFault::shelf_all_ones) -
                  static_cast<int>(ExportLineFault::shelf_range) ==
              static_cast<int>(AddressFault::shelf_all_ones) -
                  static_cast<int>(AddressFault::shelf_range));
static_assert(static_cast<int>(ExportLineFault::slot_range) -
                  static_cast<int>(ExportLineFault::shelf_range) ==
              static_cast<int>(AddressFault::slot_range) -
                  static_cast<int>(AddressFault::shelf_range));

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
    if (n == 0) return ExportLineFault::not_decimal;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return ExportLineFault::not_decimal;
        if (v <= 0xFFFFFFFFu) v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    if (n > 1 && s[0] == '0') return ExportLineFault::leading_zero;
    out = v > 0xFFFFFFFFu ? 0xFFFFFFFFul : static_cast<unsigned long>(v);
    return ExportLineFault::none;
}

// The address faults keep AddressFault's order (static_asserts above): one offset maps them,
// both ways.
constexpr ExportLineFault from(AddressFault f) {
    if (f == AddressFault::none) return ExportLineFault::none;
    return static_cast<ExportLineFault>(static_cast<std::uint8_t>(ExportLineFault::shelf_range) +
                                        static_cast<std::uint8_t>(f) -
                                        static_cast<std::uint8_t>(AddressFault::shelf_range));
}
constexpr AddressFault to_address(ExportLineFault f) {
    return static_cast<AddressFault>(static_cast<std::uint8_t>(AddressFault::shelf_range) +
                                     static_cast<std::uint8_t>(f) -
                                     static_cast<std::uint8_t>(ExportLineFault::shelf_range));
}

} // namespace detail_export_line

// Reads one line (without its '\n'; a trailing '\r' is a blank). `out.file` points into `s`.
constexpr ExportLineFault parse_export_line(const char* s, std::size_t n, ExportSource src,
                                            ExportLine& out) {
    namespace d = detail_export_line;
    out = ExportLine{};
    n = trim(s, n);
    if (src == ExportSource::file && (n == 0 || s[0] == '#')) return ExportLineFault::none;
    std::size_t eq = d::find(s, n, '=');
    if (eq == n) return ExportLineFault::no_equals;
    // The configuration file's key: `export = SPEC`.
    const char* key = s;
    if (d::equals(key, trim(key, eq), "export")) {
        s += eq + 1;
        n = trim(s, n - eq - 1);
        eq = d::find(s, n, '=');
        if (eq == n) return ExportLineFault::no_equals;
    }
    const char* addr = s;
    std::size_t addr_len = trim(addr, eq);
    AddressText t;
    if (!split_address(addr, addr_len, t)) return ExportLineFault::not_an_address;
    unsigned long shelf = 0, slot = 0;
    if (auto f = d::number(t.shelf, t.shelf_len, shelf); f != ExportLineFault::none) return f;
    if (auto f = d::number(t.slot, t.slot_len, slot); f != ExportLineFault::none) return f;
    if (auto f = d::from(check_shelf(shelf)); f != ExportLineFault::none) return f;
    if (auto f = d::from(check_slot(slot)); f != ExportLineFault::none) return f;
    const char* file = s + eq + 1;
    std::size_t file_len = trim(file, n - eq - 1);
    bool writable = false;
    if (file_len >= 3 && file[file_len - 3] == ',' && file[file_len - 2] == 'r' &&
        (file[file_len - 1] == 'w' || file[file_len - 1] == 'o')) {
        writable = file[file_len - 1] == 'w';
        file_len -= 3;
    }
    if (file_len == 0) return ExportLineFault::no_file;
    if (src == ExportSource::file && file[0] != '/') return ExportLineFault::relative_file;
    out.is_export = true;
    out.shelf = static_cast<std::uint16_t>(shelf);
    out.slot = static_cast<std::uint8_t>(slot);
    out.writable = writable;
    out.file = file;
    out.file_len = file_len;
    return ExportLineFault::none;
}

// The words every program uses for a fault (after "FILE:LINE: " or "--export: ").
constexpr const char* describe(ExportLineFault f) {
    switch (f) {
    case ExportLineFault::none:
        return "ok";
    case ExportLineFault::no_equals:
        return "expected SHELF.SLOT=FILE[,rw]";
    case ExportLineFault::not_an_address:
        return "expected SHELF.SLOT (e.g. 0.1) before '='";
    case ExportLineFault::not_decimal:
        return "shelf and slot are decimal numbers (e.g. 0.1)";
    case ExportLineFault::leading_zero:
        return "leading zero in shelf or slot (write 10, not 010: octal or decimal would be a "
               "guess)";
    case ExportLineFault::shelf_range:
    case ExportLineFault::shelf_broadcast:
    case ExportLineFault::shelf_all_ones:
    case ExportLineFault::slot_range:
    case ExportLineFault::slot_broadcast:
        return describe(detail_export_line::to_address(f)); // address.hpp's words
    case ExportLineFault::no_file:
        return "no file after '='";
    case ExportLineFault::relative_file:
        return "the image path must be absolute";
    }
    return "bad export line";
}

} // namespace aoe
