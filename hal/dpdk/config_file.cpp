// Hand-written key = value parser: the format has one rule per line and no sections, so a
// library (inih) would add a dependency without removing code.
#include "hal/dpdk/config_file.hpp"

#include "target/export_line.hpp"
#include "target/text.hpp"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace aoehal {
namespace {

// The project's one trim (target/text.hpp), on std::string.
std::string trim(const std::string& s) {
    const char* p = s.data();
    std::size_t n = aoe::trim(p, s.size());
    return std::string(p, n);
}

std::string read_text(const std::string& path, std::string& text) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return path + ": cannot read: " + std::strerror(errno);
    std::ostringstream ss;
    ss << f.rdbuf();
    text = ss.str();
    return "";
}

// Calls fn(line_number, trimmed_line) for every line that is not blank or a comment.
template <class F> std::string each_line(const std::string& text, F fn) {
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        std::string err = fn(n, t);
        if (!err.empty()) return err;
    }
    return "";
}

bool same_address(const ExportSpec& a, const ExportSpec& b) {
    return a.shelf == b.shelf && a.slot == b.slot;
}

// "" when no export of `list` has e's shelf.slot, else the error naming both places.
std::string duplicate_in(const std::vector<LocatedExport>& list, const ExportSpec& e,
                         const std::string& where) {
    for (const auto& x : list)
        if (same_address(x.spec, e))
            return where + ": shelf.slot " + std::to_string(e.shelf) + "." +
                   std::to_string(e.slot) + " is already exported by " + x.origin;
    return "";
}

} // namespace

std::string parse_config_text(const std::string& text, const std::string& file,
                              std::vector<ConfigEntry>& out) {
    return each_line(text, [&](int n, const std::string& t) -> std::string {
        std::string where = file + ":" + std::to_string(n);
        ConfigEntry e;
        e.origin = where;
        auto eq = t.find('=');
        e.key = trim(t.substr(0, eq));
        if (eq != std::string::npos) e.value = trim(t.substr(eq + 1));
        if (e.key.rfind("--", 0) == 0) e.key.erase(0, 2); // tolerate "--mtu = 9000"
        if (e.key.empty()) return where + ": expected 'key = value', got '" + t + "'";
        if (!file_option(e.key)) {
            if (e.key == "config" || e.key == "stats" || e.key == "json" || e.key == "help" ||
                e.key == "version")
                return where + ": '" + e.key + "' is a command-line option only";
            return where + ": unknown option '" + e.key + "' (see aoe-target --help)";
        }
        bool is_flag = e.key == "remote-admin" || e.key == "copy" || e.key == "no-kernel-filter";
        if (eq == std::string::npos) {
            if (!is_flag) return where + ": '" + e.key + "' needs a value ('" + e.key + " = ...')";
            e.value = "yes";
        } else if (e.value.empty()) {
            return where + ": '" + e.key + "' has an empty value";
        }
        out.push_back(e);
        return "";
    });
}

std::string parse_exports_text(const std::string& text, const std::string& file,
                               std::vector<LocatedExport>& out) {
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        std::string where = file + ":" + std::to_string(n);
        aoe::ExportLine l;
        auto fault = aoe::parse_export_line(line.data(), line.size(), aoe::ExportSource::file, l);
        if (fault != aoe::ExportLineError::none)
            return where + ": " + aoe::describe(fault) + ": '" + trim(line) + "'";
        if (!l.is_export) continue; // blank or comment
        const ExportSpec e = export_spec(l);
        if (std::string dup = duplicate_in(out, e, where); !dup.empty()) return dup;
        out.push_back({e, where});
    }
    return "";
}

std::string read_export_dir(const std::string& dir, std::vector<LocatedExport>& out) {
    DIR* d = opendir(dir.c_str());
    if (!d) return dir + ": cannot open the export directory: " + std::strerror(errno);
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n.empty() || n[0] == '.' || n.size() < 6 || n.compare(n.size() - 5, 5, ".conf") != 0)
            continue;
        names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        std::string path = dir + (dir.back() == '/' ? "" : "/") + n;
        std::string text;
        std::string err = read_text(path, text);
        if (!err.empty()) return err;
        err = parse_exports_text(text, path, out);
        if (!err.empty()) return err;
    }
    return "";
}

std::string load_configuration(const Options& cmd, Options& out) {
    Options o;
    std::vector<LocatedExport> exports; // the files' exports, then the command line's
    // 1. The file.
    if (!cmd.config_path.empty()) {
        std::string text;
        std::string err = read_text(cmd.config_path, text);
        if (!err.empty()) return err;
        std::vector<ConfigEntry> entries;
        err = parse_config_text(text, cmd.config_path, entries);
        if (!err.empty()) return err;
        for (const auto& e : entries) {
            err = apply_option(o, e.key, e.value, true);
            if (!err.empty()) {
                if (err.rfind("--", 0) == 0) err.erase(0, 2);
                return e.origin + ": " + err;
            }
            if (e.key == "export") {
                if (std::string dup = duplicate_in(exports, o.exports.back(), e.origin);
                    !dup.empty())
                    return dup;
                exports.push_back({o.exports.back(), e.origin});
            }
        }
    }
    // 2. The export directory (the command line's, else the file's).
    std::string dir = o.export_dir;
    for (const auto& g : cmd.given)
        if (g.name == "export-dir") dir = g.arg;
    if (!dir.empty()) {
        std::vector<LocatedExport> found;
        std::string err = read_export_dir(dir, found);
        if (!err.empty()) return err;
        // A shelf.slot in both the file and the directory: name both places.
        for (const auto& f : found) {
            if (std::string dup = duplicate_in(exports, f.spec, f.origin); !dup.empty()) return dup;
            exports.push_back(f);
        }
    }
    // 3. The command line on top.
    bool cleared_iface = false, cleared_xdp = false, cleared_mac = false;
    for (const auto& g : cmd.given) {
        if (g.name == "export") {
            aoe::ExportLineFault fault{};
            auto e = parse_export(g.arg, aoe::ExportSource::command_line, fault);
            if (!e) return export_error(g.arg, fault);
            exports.erase(std::remove_if(exports.begin(), exports.end(),
                                         [&](const LocatedExport& x) {
                                             return !x.origin.empty() && same_address(x.spec, *e);
                                         }),
                          exports.end());
            exports.push_back({*e, ""});
            continue;
        }
        if (g.name == "iface" && !cleared_iface) {
            o.ifaces.clear();
            cleared_iface = true;
        }
        if (g.name == "xdp" && !cleared_xdp) {
            o.xdp_ifaces.clear();
            cleared_xdp = true;
        }
        if (g.name == "mac-allow" && !cleared_mac) {
            o.mac_allow.clear();
            cleared_mac = true;
        }
        std::string err = apply_option(o, g.name, g.arg, false);
        if (!err.empty()) return err;
    }
    o.exports.clear();
    o.export_origins.clear();
    for (const auto& x : exports) {
        o.exports.push_back(x.spec);
        o.export_origins.push_back(x.origin);
    }
    if (cmd.user_eal) {
        o.eal_args = cmd.eal_args;
        o.user_eal = true;
    }
    o.export_dir = dir;
    o.config_path = cmd.config_path;
    o.given = cmd.given;
    o.positional = cmd.positional;
    std::string err = validate_options(o, !dir.empty());
    if (!err.empty()) return err;
    out = std::move(o);
    return "";
}

} // namespace aoehal
