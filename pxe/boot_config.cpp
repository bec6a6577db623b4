#include "boot_config.hpp"

#include "managed_block.hpp"
#include "text_util.hpp"

#include <algorithm>

namespace aoe::pxe {

namespace {

bool is_url(std::string_view p) {
    return p.find("://") != std::string_view::npos;
}

// Calls fn(line_start, line_without_newline) for every line outside managed blocks.
template <class Fn> void each_foreign_line(std::string_view t, Fn fn) {
    auto blocks = parse_managed_blocks(t);
    std::size_t pos = 0;
    while (pos < t.size()) {
        auto nl = t.find('\n', pos);
        std::size_t next = nl == std::string_view::npos ? t.size() : nl + 1;
        if (outside_blocks(blocks, pos))
            fn(pos, t.substr(pos, (nl == std::string_view::npos ? t.size() : nl) - pos));
        pos = next;
    }
}

std::string grub_path(std::string_view p) {
    if (is_url(p)) {
        // http://host/dir/file -> (http,host)/dir/file. GRUB names a port as a third field,
        // (http,host,port): "host:port" in the second would be looked up as a host name.
        auto rest = p.substr(p.find("://") + 3);
        auto slash = rest.find('/');
        auto authority = rest.substr(0, slash);
        std::string port;
        auto colon = authority.rfind(':');
        if (colon != std::string_view::npos &&
            authority.find(']', colon) == std::string_view::npos) {
            port = std::string(authority.substr(colon + 1));
            authority = authority.substr(0, colon);
        }
        return "(http," + std::string(authority) + (port.empty() ? "" : "," + port) + ")" +
               std::string(slash == std::string_view::npos ? "/" : rest.substr(slash));
    }
    return "(tftp)/" + std::string(p);
}

std::string ipxe_path(std::string_view p) {
    return is_url(p) ? std::string(p) : "tftp://${next-server}/" + std::string(p);
}

} // namespace

std::string http_base_problem(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme)
        return "'" + std::string(url) +
               "' is not an http:// URL (lpxelinux.0 and GRUB fetch plain HTTP only; "
               "e.g. http://10.0.0.1/tftp)";
    auto rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    auto colon = authority.rfind(':');
    auto host = authority;
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
        auto port = authority.substr(colon + 1);
        host = authority.substr(0, colon);
        bool digits = !port.empty() && port.size() <= 5;
        for (char c : port) digits = digits && c >= '0' && c <= '9';
        if (!digits || std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535)
            return "'" + std::string(url) + "': the port '" + std::string(port) +
                   "' is not a number from 1 to 65535";
    }
    if (host.empty()) return "'" + std::string(url) + "' names no host";
    for (char c : url) {
        // Characters the three config formats would split or expand, or that a base URL
        // cannot carry once "/boot/linux" is appended (query, fragment).
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '"' || c == '\'' ||
            c == '\\' || c == '$' || c == '{' || c == '}' || c == ';' || c == '?' || c == '#' ||
            c == '(' || c == ')' || c == '`')
            return "'" + std::string(url) + "' contains '" +
                   (c == ' ' ? std::string("a space") : std::string(1, c)) +
                   "', which the pxelinux, GRUB or iPXE entry cannot carry";
    }
    return {};
}

const char* kind_name(ConfigKind k) {
    switch (k) {
    case ConfigKind::Pxelinux:
        return "pxelinux";
    case ConfigKind::Grub:
        return "grub";
    case ConfigKind::Ipxe:
        return "ipxe";
    }
    return "?";
}

std::string compose_args(bool kiwi_net, std::string_view aoe, std::string_view extra) {
    // KIWI's dracut module: rd.kiwi.live.pxe names the NIC, rd.neednet=1 ip=dhcp bring it up
    // (needed since KIWI 2025-05 dropped its automatic network setup; older initrds ignore
    // them). root=live:AOEINTERFACE=eS.L is the seed's AoE root.
    std::string s;
    if (kiwi_net) s = "rd.kiwi.live.pxe rd.neednet=1 ip=dhcp ";
    s += "root=live:AOEINTERFACE=" + std::string(aoe);
    auto x = text::trim(extra);
    if (!x.empty()) s += " " + std::string(x);
    return s;
}

std::string compose_livenet_args(std::string_view url, std::string_view extra) {
    std::string s = "rd.neednet=1 ip=dhcp root=live:" + std::string(url);
    auto x = text::trim(extra);
    if (!x.empty()) s += " " + std::string(x);
    return s;
}

std::string compose_kis_args(bool kiwi_net, std::string_view aoe, std::string_view extra) {
    std::string s;
    if (kiwi_net) s = std::string(kKisNetArgs) + " ";
    s += "root=overlay:aoe=" + std::string(aoe);
    auto x = text::trim(extra);
    if (!x.empty()) s += " " + std::string(x);
    return s;
}

std::string render_entry(ConfigKind k, const EntrySpec& e) {
    if (e.initrd.empty()) {
        // A kernel alone (--kernel-only: iPXE, memtest): no initrd line, only e.args.
        const std::string sp_args = e.args.empty() ? std::string() : " " + e.args;
        switch (k) {
        case ConfigKind::Pxelinux:
            // A LABEL without APPEND gets the file's global APPEND; "append -" passes nothing.
            return "LABEL " + e.label + "\n    kernel " + e.kernel + "\n    append " +
                   (e.args.empty() ? std::string("-") : e.args) + "\n";
        case ConfigKind::Grub:
            return "menuentry '" + e.label + "' --id " + e.label + " {\n    linux " +
                   grub_path(e.kernel) + sp_args + "\n}\n";
        case ConfigKind::Ipxe:
            return ":" + e.label + "\nkernel " + ipxe_path(e.kernel) + sp_args + "\nboot\n";
        }
        return {};
    }
    switch (k) {
    case ConfigKind::Pxelinux:
        // The seed procedure's three lines (docs/seed-procedure.md step 3).
        return "LABEL " + e.label + "\n    kernel " + e.kernel + "\n    append initrd=" + e.initrd +
               " " + e.args + "\n";
    case ConfigKind::Grub:
        return "menuentry '" + e.label + "' --id " + e.label + " {\n    linux " +
               grub_path(e.kernel) + " " + e.args + "\n    initrd " + grub_path(e.initrd) + "\n}\n";
    case ConfigKind::Ipxe:
        // initrd=<name> lets an EFI-stub kernel find the initrd iPXE registered under that name.
        return ":" + e.label + "\nkernel " + ipxe_path(e.kernel) + " initrd=initrd " + e.args +
               "\ninitrd --name initrd " + ipxe_path(e.initrd) + "\nboot\n";
    }
    return {};
}

std::string default_label_of(ConfigKind k, std::string_view body) {
    for (auto raw : text::lines(body)) {
        auto [w, rest] = text::split_word(raw);
        if (k == ConfigKind::Pxelinux && text::iequals(w, "default"))
            return std::string(text::split_word(rest).first);
        auto line = text::trim(raw);
        if (k == ConfigKind::Grub && line.substr(0, 12) == "set default=") {
            std::string v(text::split_word(line.substr(12)).first);
            if (v.size() >= 2 && (v.front() == '"' || v.front() == '\''))
                v = v.substr(1, v.size() - 2);
            return v;
        }
        if (k == ConfigKind::Ipxe && w == "goto") return std::string(text::split_word(rest).first);
    }
    return {};
}

std::string render_default(ConfigKind k, std::string_view label, std::string_view previous,
                           bool fresh) {
    std::string choose;
    switch (k) {
    case ConfigKind::Pxelinux:
        choose = "DEFAULT " + std::string(label);
        break;
    case ConfigKind::Grub:
        choose = "set default=\"" + std::string(label) + "\"";
        break;
    case ConfigKind::Ipxe:
        choose = "goto " + std::string(label);
        break;
    }
    std::string out = choose + "\n";
    if (fresh) {
        // A file we create must boot unattended: pxelinux boots DEFAULT at once with PROMPT 0
        // (TIMEOUT, in tenths of a second, only matters if someone opens the prompt).
        if (k == ConfigKind::Pxelinux) out += "PROMPT 0\nTIMEOUT 50\n";
        if (k == ConfigKind::Grub) out += "set timeout=5\n";
        return out;
    }
    for (auto raw : text::lines(previous)) {
        std::string line(raw);
        if (!default_label_of(k, line + "\n").empty()) continue; // the old choice
        out += line + "\n";
    }
    return out;
}

std::string fresh_file(ConfigKind k) {
    switch (k) {
    case ConfigKind::Pxelinux:
        return "# pxelinux.cfg/default created by stage-pxe. Lines outside the stage-pxe blocks "
               "are yours.\n";
    case ConfigKind::Grub:
        return "# grub.cfg created by stage-pxe. Lines outside the stage-pxe blocks are yours.\n";
    case ConfigKind::Ipxe:
        return "#!ipxe\n# created by stage-pxe. Lines outside the stage-pxe blocks are yours.\n";
    }
    return {};
}

std::size_t default_block_offset(ConfigKind k, std::string_view t) {
    if (k == ConfigKind::Ipxe && t.substr(0, 2) == "#!") {
        auto nl = t.find('\n');
        return nl == std::string_view::npos ? t.size() : nl + 1;
    }
    return 0;
}

std::vector<std::string> foreign_labels(ConfigKind k, std::string_view t) {
    std::vector<std::string> out;
    each_foreign_line(t, [&](std::size_t, std::string_view raw) {
        auto line = text::trim(raw);
        auto [w, rest] = text::split_word(line);
        if (k == ConfigKind::Pxelinux && text::iequals(w, "label") && !rest.empty())
            out.emplace_back(rest);
        if (k == ConfigKind::Ipxe && line.size() > 1 && line.front() == ':')
            out.emplace_back(text::split_word(line.substr(1)).first);
        if (k == ConfigKind::Grub && w == "menuentry") {
            auto r = text::trim(rest);
            if (!r.empty() && (r.front() == '\'' || r.front() == '"')) {
                auto end = r.find(r.front(), 1);
                out.emplace_back(
                    r.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
            } else {
                out.emplace_back(text::split_word(r).first);
            }
            auto ws = text::words(rest);
            for (std::size_t i = 0; i + 1 < ws.size(); ++i)
                if (ws[i] == "--id") out.push_back(ws[i + 1]);
        }
    });
    return out;
}

std::string disable_foreign_defaults(ConfigKind k, std::string_view t) {
    std::string out;
    std::size_t copied = 0;
    each_foreign_line(t, [&](std::size_t pos, std::string_view raw) {
        auto w = text::split_word(raw).first;
        bool hit = (k == ConfigKind::Pxelinux &&
                    (text::iequals(w, "default") || text::iequals(w, "ontimeout"))) ||
                   (k == ConfigKind::Grub && text::trim(raw).substr(0, 12) == "set default=");
        if (!hit) return;
        out += t.substr(copied, pos - copied);
        out += kDisabledPrefix;
        copied = pos;
    });
    out += t.substr(copied);
    return out;
}

std::string restore_foreign_defaults(std::string_view t) {
    std::string out;
    std::size_t pos = 0;
    while (pos < t.size()) {
        auto nl = t.find('\n', pos);
        std::size_t next = nl == std::string_view::npos ? t.size() : nl + 1;
        auto line = t.substr(pos, next - pos);
        if (line.substr(0, kDisabledPrefix.size()) == kDisabledPrefix)
            line.remove_prefix(kDisabledPrefix.size());
        out += line;
        pos = next;
    }
    return out;
}

std::string adopted_prefix(std::string_view label) {
    return "# stage-pxe adopted " + std::string(label) + ": ";
}

std::string adopt_foreign(ConfigKind k, std::string_view t, std::string_view label) {
    // Lines that belong to a pxelinux LABEL stanza (syslinux wiki, "LABEL" section).
    static const char* stanza_kw[] = {
        "kernel",    "linux", "append", "initrd", "ipappend", "menu", "text",    "endtext",
        "localboot", "com32", "config", "boot",   "bss",      "pxe",  "fdimage", "comboot"};
    std::vector<std::size_t> starts; // line starts to prefix
    bool in = false;
    int depth = 0;
    each_foreign_line(t, [&](std::size_t pos, std::string_view raw) {
        auto line = text::trim(raw);
        auto [w, rest] = text::split_word(line);
        if (k == ConfigKind::Pxelinux) {
            if (text::iequals(w, "label"))
                in = text::trim(rest) == label;
            else if (in) {
                bool member = false;
                for (const char* kw : stanza_kw) member = member || text::iequals(w, kw);
                if (!member && !line.empty() && !(raw.size() && text::is_space(raw[0]))) in = false;
            }
        } else if (k == ConfigKind::Ipxe) {
            if (!line.empty() && line.front() == ':')
                in = text::split_word(line.substr(1)).first == label;
        } else {
            if (!in && w == "menuentry") {
                auto ls = foreign_labels(ConfigKind::Grub, std::string(line) + "\n");
                in = std::find(ls.begin(), ls.end(), std::string(label)) != ls.end();
                depth = 0;
            }
            if (in) {
                starts.push_back(pos);
                for (char c : line) depth += c == '{' ? 1 : c == '}' ? -1 : 0;
                if (depth <= 0 && line.find('}') != std::string_view::npos) in = false;
                return;
            }
        }
        if (in) starts.push_back(pos);
    });
    std::string out;
    std::size_t copied = 0;
    for (auto pos : starts) {
        out += t.substr(copied, pos - copied);
        out += adopted_prefix(label);
        copied = pos;
    }
    out += t.substr(copied);
    return out;
}

std::string release_adopted(std::string_view t, std::string_view label) {
    const std::string prefix = adopted_prefix(label);
    std::string out;
    std::size_t pos = 0;
    while (pos < t.size()) {
        auto nl = t.find('\n', pos);
        std::size_t next = nl == std::string_view::npos ? t.size() : nl + 1;
        auto line = t.substr(pos, next - pos);
        if (line.substr(0, prefix.size()) == prefix) line.remove_prefix(prefix.size());
        out += line;
        pos = next;
    }
    return out;
}

} // namespace aoe::pxe
