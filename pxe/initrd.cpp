#include "initrd.hpp"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <memory>
#include <set>
#include <sstream>

namespace aoe::pxe {

namespace {

// A file of the initrd as its cpio archives list it (a later archive's entry wins, as when the
// kernel unpacks them one after the other).
struct Node {
    bool dir = false, link = false, file = false;
    std::string target; // symlink target
};

// Files whose text is kept: dracut's module list, the kernel's built-in module list, and shell
// scripts (hooks, KIWI's libraries). Anything bigger than this is not one of them.
constexpr std::int64_t kKeepLimit = 4 << 20;

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string basename_of(const std::string& p) {
    auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

bool keep_text(const std::string& path) {
    const std::string b = basename_of(path);
    return ends_with(b, ".sh") || b == "modules.txt" || b == "modules.builtin" ||
           b == "livenetroot";
}

// "./usr/bin/sh", "/usr/bin/sh" -> "usr/bin/sh"
std::string normal(std::string p) {
    while (p.rfind("./", 0) == 0) p.erase(0, 2);
    while (!p.empty() && p.front() == '/') p.erase(0, 1);
    while (!p.empty() && p.back() == '/') p.pop_back();
    return p == "." ? std::string() : p;
}

struct Tree {
    std::map<std::string, Node> nodes;
    std::map<std::string, std::string> texts; // kept file contents, by path

    // Follows symlinks in every component (bin -> usr/bin, usr/bin/sh -> dash), at most 40.
    std::string resolve(const std::string& path) const {
        std::vector<std::string> todo;
        std::stringstream ss(normal(path));
        for (std::string c; std::getline(ss, c, '/');)
            if (!c.empty() && c != ".") todo.push_back(c);
        std::reverse(todo.begin(), todo.end());
        std::string cur;
        int hops = 0;
        while (!todo.empty()) {
            std::string c = todo.back();
            todo.pop_back();
            if (c == "..") {
                auto s = cur.rfind('/');
                cur = s == std::string::npos ? std::string() : cur.substr(0, s);
                continue;
            }
            std::string next = cur.empty() ? c : cur + "/" + c;
            auto it = nodes.find(next);
            if (it != nodes.end() && it->second.link) {
                if (++hops > 40) return next;
                const std::string& t = it->second.target;
                if (!t.empty() && t.front() == '/') cur.clear();
                std::vector<std::string> parts;
                std::stringstream ts(t);
                for (std::string p; std::getline(ts, p, '/');)
                    if (!p.empty() && p != ".") parts.push_back(p);
                for (auto p = parts.rbegin(); p != parts.rend(); ++p) todo.push_back(*p);
                continue;
            }
            cur = next;
        }
        return cur;
    }
    bool is_file(const std::string& path) const {
        auto it = nodes.find(resolve(path));
        return it != nodes.end() && it->second.file;
    }
    const std::string* text(const std::string& path) const {
        auto it = texts.find(resolve(path));
        return it == texts.end() ? nullptr : &it->second;
    }
};

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};

// Reads one archive starting at data[0]. Returns the bytes of the raw input it used when that
// is known exactly (an uncompressed archive: the format's own position), 0 otherwise.
std::uint64_t read_one(std::span<const std::byte> data, Tree& t, InitrdArchive& info,
                       std::string& error) {
    std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_cpio(a.get());
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
        error = archive_error_string(a.get()) ? archive_error_string(a.get()) : "cannot open";
        return 0;
    }
    archive_entry* e = nullptr;
    int r;
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK ||
           r == ARCHIVE_WARN) {
        ++info.entries;
        const std::string path = normal(archive_entry_pathname(e) ? archive_entry_pathname(e)
                                                                  : "");
        Node n;
        const auto type = archive_entry_filetype(e);
        n.dir = type == AE_IFDIR;
        n.link = type == AE_IFLNK;
        n.file = type == AE_IFREG;
        if (n.link && archive_entry_symlink(e)) n.target = archive_entry_symlink(e);
        if (!path.empty()) t.nodes[path] = n;
        if (n.file && keep_text(path) && archive_entry_size(e) <= kKeepLimit) {
            std::string body(static_cast<std::size_t>(archive_entry_size(e)), '\0');
            la_ssize_t got = body.empty() ? 0 : archive_read_data(a.get(), body.data(), body.size());
            if (got < 0) {
                error = archive_error_string(a.get()) ? archive_error_string(a.get())
                                                      : "read error";
                return 0;
            }
            body.resize(static_cast<std::size_t>(got));
            t.texts[path] = std::move(body);
        } else if (archive_read_data_skip(a.get()) != ARCHIVE_OK) {
            error = archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error";
            return 0;
        }
    }
    if (archive_filter_count(a.get()) > 0)
        info.compression = archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_NONE
                               ? "uncompressed"
                               : archive_filter_name(a.get(), 0);
    if (r != ARCHIVE_EOF) {
        error = archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error";
        return 0;
    }
    if (archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_NONE) return 0;
    return static_cast<std::uint64_t>(archive_filter_bytes(a.get(), 0));
}

bool listed(const InitrdFacts& f, const std::string& m) {
    return std::find(f.dracut_modules.begin(), f.dracut_modules.end(), m) !=
           f.dracut_modules.end();
}

// A line that starts a function the bash way: "function name" (dash: "function: not found").
bool uses_function_keyword(const std::string& text) {
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) {
        auto p = line.find_first_not_of(" \t");
        if (p == std::string::npos || line.compare(p, 9, "function ") != 0) continue;
        return true;
    }
    return false;
}

void derive(const Tree& t, InitrdFacts& f) {
    // dracut writes the modules it included to /lib/dracut/modules.txt (usr/lib with merged /usr).
    for (const char* p : {"usr/lib/dracut/modules.txt", "lib/dracut/modules.txt"}) {
        if (const std::string* txt = t.text(p)) {
            f.dracut = true;
            f.dracut_evidence = t.resolve(p);
            std::stringstream ss(*txt);
            for (std::string m; std::getline(ss, m);) {
                while (!m.empty() && (m.back() == ' ' || m.back() == '\r')) m.pop_back();
                if (!m.empty()) f.dracut_modules.push_back(m);
            }
            break;
        }
    }
    if (!f.dracut)
        for (const char* p : {"usr/lib/dracut-lib.sh", "lib/dracut-lib.sh"})
            if (t.is_file(p)) {
                f.dracut = true;
                f.dracut_evidence = t.resolve(p);
                break;
            }
    // A module counts when dracut lists it or its own scripts are there (an initrd whose
    // modules.txt is missing still says what it holds).
    bool live_script = false, overlay_script = false, livenet_script = false;
    for (const auto& [path, node] : t.nodes) {
        if (!node.file) continue;
        const std::string b = basename_of(path);
        if (b.find("parse-kiwi-live") != std::string::npos) live_script = true;
        if (b.find("parse-kiwi-overlay") != std::string::npos) overlay_script = true;
        if (b == "livenetroot" || b.find("parse-livenet") != std::string::npos)
            livenet_script = true;
        if ((b == "aoe.ko" || b.rfind("aoe.ko.", 0) == 0) &&
            path.find("lib/modules/") != std::string::npos) {
            f.aoe_module = true;
            f.aoe_module_where = path;
        }
        if (b == "modules.builtin" && !f.aoe_module) {
            auto it = t.texts.find(path);
            if (it != t.texts.end() &&
                it->second.find("drivers/block/aoe/aoe.ko") != std::string::npos) {
                f.aoe_module = true;
                f.aoe_module_where = "built into the kernel (" + path + ")";
            }
        }
        // KIWI's scripts for each module, and its shared libraries.
        if (ends_with(b, ".sh")) {
            auto it = t.texts.find(path);
            if (it == t.texts.end() || !uses_function_keyword(it->second)) continue;
            if (b.find("kiwi-live") != std::string::npos)
                f.bash_only_scripts["kiwi-live"].push_back(path);
            if (b.find("kiwi-overlay") != std::string::npos || b == "kiwi-filesystem-lib.sh")
                f.bash_only_scripts["kiwi-overlay"].push_back(path);
        }
    }
    f.kiwi_live = listed(f, "kiwi-live") || live_script;
    f.kiwi_overlay = listed(f, "kiwi-overlay") || overlay_script;
    f.livenet = listed(f, "livenet") || livenet_script;
    std::set<std::string> versions;
    for (const auto& [path, node] : t.nodes) {
        for (const std::string pre : {"lib/modules/", "usr/lib/modules/"}) {
            if (path.rfind(pre, 0) != 0) continue;
            auto v = path.substr(pre.size());
            v = v.substr(0, v.find('/'));
            if (!v.empty()) versions.insert(v);
        }
    }
    f.kernel_versions.assign(versions.begin(), versions.end());
    for (const char* p : {"bin/sh", "usr/bin/sh"}) {
        const std::string r = t.resolve(p);
        if (!t.nodes.count(r)) continue;
        f.sh = r;
        f.sh_is_bash = basename_of(r) == "bash";
        break;
    }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

} // namespace

InitrdFacts read_initrd(std::span<const std::byte> data) {
    InitrdFacts f;
    Tree t;
    std::uint64_t off = 0;
    while (off < data.size()) {
        InitrdArchive info;
        info.offset = off;
        std::string error;
        const std::uint64_t used = read_one(data.subspan(off), t, info, error);
        if (!error.empty()) {
            if (f.archives.empty())
                f.unreadable_why = error;
            else
                f.later_error = "the archive at byte " + std::to_string(off) + ": " + error;
            break;
        }
        f.archives.push_back(info);
        f.readable = true;
        if (used == 0) break; // a compressed archive: its raw end is not known
        off += used;
        // The kernel skips zero padding between archives.
        while (off < data.size() && data[off] == std::byte{0}) ++off;
    }
    if (f.readable) derive(t, f);
    return f;
}

const char* root_syntax(NetRoot r) {
    switch (r) {
    case NetRoot::KiwiLiveAoe: return "root=live:AOEINTERFACE=";
    case NetRoot::KiwiOverlayAoe: return "root=overlay:aoe=";
    case NetRoot::Livenet: return "root=live:URL";
    }
    return "";
}

bool can_tell(const InitrdFacts& f) { return f.readable && f.dracut; }

std::vector<std::string> cannot_mount(const InitrdFacts& f, NetRoot r) {
    std::vector<std::string> why;
    if (!can_tell(f)) return why;
    const char* mod = r == NetRoot::KiwiLiveAoe      ? "kiwi-live"
                      : r == NetRoot::KiwiOverlayAoe ? "kiwi-overlay"
                                                     : "livenet";
    const bool has = r == NetRoot::KiwiLiveAoe      ? f.kiwi_live
                     : r == NetRoot::KiwiOverlayAoe ? f.kiwi_overlay
                                                    : f.livenet;
    if (!has)
        why.push_back(std::string("it has no ") + mod + " dracut module, which is what reads " +
                      root_syntax(r) + (r == NetRoot::KiwiOverlayAoe
                                            ? " (Debian: kiwi-dracut-overlay, and a "
                                              "dracut.conf.d line add_dracutmodules+=\" "
                                              "kiwi-overlay \" in the image)"
                                        : r == NetRoot::KiwiLiveAoe
                                            ? " (KIWI live ISOs: kiwi-dracut-live)"
                                            : ""));
    if (r != NetRoot::Livenet && !f.aoe_module)
        why.push_back("it has no aoe kernel module (aoe.ko), so /dev/etherd/ never appears");
    if (has && r != NetRoot::Livenet && !f.sh_is_bash) {
        auto it = f.bash_only_scripts.find(mod);
        if (it != f.bash_only_scripts.end() && !it->second.empty())
            why.push_back(std::string("its ") + mod + " scripts use bash-only syntax ('function "
                          "NAME', in " + join(it->second, ", ") + ") but /bin/sh is " +
                          (f.sh.empty() ? std::string("missing") : "/" + f.sh) +
                          ", not bash: dracut sources them with /bin/sh, they fail ('function: "
                          "not found') and the root is never mounted. Add dracut's bash module "
                          "to the image: a dracut.conf.d file with the line " +
                          kBashDracutLine);
    }
    return why;
}

std::string roots_summary(const InitrdFacts& f) {
    if (!f.readable)
        return "not a readable cpio archive (" + f.unreadable_why +
               "): cannot tell which roots it mounts";
    if (!f.dracut) return "not a dracut initrd: cannot tell which roots it mounts";
    std::vector<std::string> roots;
    for (NetRoot r : {NetRoot::KiwiLiveAoe, NetRoot::KiwiOverlayAoe, NetRoot::Livenet}) {
        const bool has = r == NetRoot::KiwiLiveAoe      ? f.kiwi_live
                         : r == NetRoot::KiwiOverlayAoe ? f.kiwi_overlay
                                                        : f.livenet;
        if (!has) continue;
        const char* mod = r == NetRoot::KiwiLiveAoe      ? "kiwi-live"
                          : r == NetRoot::KiwiOverlayAoe ? "kiwi-overlay"
                                                         : "livenet";
        std::string s = std::string(mod) + " (" + root_syntax(r) +
                        (r == NetRoot::Livenet ? ")" : "eS.L)");
        if (!cannot_mount(f, r).empty()) s += " [but cannot mount it]";
        roots.push_back(s);
    }
    if (roots.empty()) return "dracut initrd with none of kiwi-live, kiwi-overlay, livenet";
    return "dracut initrd; network roots: " + join(roots, ", ");
}

std::vector<std::string> describe_initrd(const InitrdFacts& f) {
    std::vector<std::string> lines;
    lines.push_back("roots:     " + roots_summary(f));
    if (!f.readable) return lines;
    std::vector<std::string> parts;
    for (const auto& a : f.archives)
        parts.push_back("cpio (" + a.compression + ", " + std::to_string(a.entries) +
                        " entries) at byte " + std::to_string(a.offset));
    lines.push_back("archives:  " + join(parts, "; "));
    if (!f.later_error.empty()) lines.push_back("unread:    " + f.later_error);
    if (!f.dracut) return lines;
    lines.push_back("dracut:    " + f.dracut_evidence +
                    (f.dracut_modules.empty()
                         ? std::string()
                         : " (" + std::to_string(f.dracut_modules.size()) + " modules)"));
    lines.push_back(std::string("aoe:       ") +
                    (f.aoe_module ? f.aoe_module_where : "no aoe kernel module"));
    if (!f.kernel_versions.empty()) lines.push_back("kernel:    " + join(f.kernel_versions, ", "));
    lines.push_back("/bin/sh:   " + (f.sh.empty() ? std::string("none") : "/" + f.sh) +
                    (f.sh_is_bash ? " (bash)" : ""));
    return lines;
}

} // namespace aoe::pxe
