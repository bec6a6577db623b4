#include "hal/metal/options.hpp"

#include "target/address.hpp"
#include "target/options.hpp"

namespace metal {
namespace {

struct Word {
    const char* s = nullptr;
    std::uint32_t n = 0;
    bool is(const char* lit) const {
        std::uint32_t i = 0;
        for (; i < n; ++i)
            if (lit[i] != s[i]) return false;
        return lit[i] == '\0';
    }
};

bool space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool next_word(const char*& p, Word& w) {
    while (*p && space(*p)) ++p;
    if (!*p) return false;
    w.s = p;
    while (*p && !space(*p)) ++p;
    w.n = static_cast<std::uint32_t>(p - w.s);
    return true;
}

bool parse_num(const char* s, std::uint32_t n, std::uint64_t max, std::uint64_t& out) {
    if (n == 0 || n > 12) return false;
    std::uint64_t v = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    if (v > max) return false;
    out = v;
    return true;
}

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool parse_mac(const char* s, std::uint32_t n, aoe::Mac& m) {
    if (n != aoe::kMacTextLen) return false;
    for (int i = 0; i < 6; ++i) {
        const int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':')) return false;
        m.b[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

const char* set_address(std::uint64_t shelf, std::uint64_t slot, Address& a) {
    if (const char* d = aoe::describe(aoe::check_shelf(shelf)); *d) return d;
    if (const char* d = aoe::describe(aoe::check_slot(slot)); *d) return d;
    a.given = true;
    a.shelf = static_cast<std::uint16_t>(shelf);
    a.slot = static_cast<std::uint8_t>(slot);
    return nullptr;
}

// QEMU starts each command line with the file's name; GRUB does not. A first word that is
// none of ours (an option, a number, eS.L / S.L) is that name.
bool is_argument(const Word& w) {
    if (w.n == 0) return false;
    if (w.s[0] == '-') return true;
    std::uint64_t v = 0;
    if (parse_num(w.s, w.n, ~0ull >> 8, v)) return true;
    aoe::AddressText t;
    std::uint64_t a = 0, b = 0;
    return aoe::split_address(w.s, w.n, t) &&
           parse_num(t.shelf, static_cast<std::uint32_t>(t.shelf_len), ~0ull >> 8, a) &&
           parse_num(t.slot, static_cast<std::uint32_t>(t.slot_len), ~0ull >> 8, b);
}

} // namespace

const char* cmdline_name(const char* cmdline, std::uint32_t& len) {
    const char* p = cmdline;
    Word w;
    len = 0;
    if (!p || !next_word(p, w) || is_argument(w)) return nullptr;
    len = w.n;
    return w.s;
}

const char* parse_cmdline(const char* cmdline, Options& o, Address& addr, const char*& bad) {
    const char* p = cmdline;
    if (!p) return nullptr;
    std::uint32_t name_len = 0;
    if (const char* name = cmdline_name(cmdline, name_len)) p = name + name_len;
    Word w;
    while (next_word(p, w)) {
        bad = w.s;
        std::uint64_t v = 0;
        auto value = [&](Word& arg) -> bool { return next_word(p, arg); };
        Word arg;
        if (w.is("--mtu")) {
            static_assert(aoe::kMtuMin == 576, "the message below");
            if (!value(arg) || !parse_num(arg.s, arg.n, 9000, v) || v < aoe::kMtuMin)
                return "--mtu must be 576..9000";
            o.mtu = static_cast<std::uint16_t>(v);
        } else if (w.is("--mac-allow")) {
            if (!value(arg)) return "--mac-allow needs MAC[,MAC...]";
            const char* s = arg.s;
            const char* end = arg.s + arg.n;
            while (s < end) {
                const char* c = s;
                while (c < end && *c != ',') ++c;
                aoe::Mac m{};
                if (!parse_mac(s, static_cast<std::uint32_t>(c - s), m))
                    return "--mac-allow: not a MAC address (aa:bb:cc:dd:ee:ff)";
                if (m.b[0] & 1) return "--mac-allow: a group (multicast) address";
                if (o.allow_n == kMaxAllow) return "--mac-allow: more than 16 addresses";
                o.allow[o.allow_n++] = m;
                s = c + 1;
            }
        } else if (w.is("--vlan")) {
            static_assert(aoe::kVlanRange.min == 1 && aoe::kVlanRange.max == 4094, "the message");
            if (!value(arg) || !parse_num(arg.s, arg.n, aoe::kVlanRange.max, v) ||
                !aoe::kVlanRange.holds(v))
                return "--vlan must be 1..4094";
            o.vlan = static_cast<std::uint16_t>(v);
        } else if (w.is("--advertise-interval")) {
            static_assert(aoe::kAdvertIntervalRange.min == 0 &&
                              aoe::kAdvertIntervalRange.max == 3600,
                          "the message below");
            if (!value(arg) || !parse_num(arg.s, arg.n, aoe::kAdvertIntervalRange.max, v))
                return "--advertise-interval must be 0..3600 seconds";
            o.advertise_s = static_cast<std::uint32_t>(v);
        } else if (w.is("--peer-interval")) {
            static_assert(aoe::kPeerIntervalRange.min == 1 && aoe::kPeerIntervalRange.max == 3600,
                          "the message below");
            if (!value(arg) || !parse_num(arg.s, arg.n, aoe::kPeerIntervalRange.max, v) ||
                (v != 0 && !aoe::kPeerIntervalRange.holds(v)))
                return "--peer-interval must be 0 (off) or 1..3600 seconds";
            o.peer_s = static_cast<std::uint32_t>(v);
        } else if (w.is("--stats-interval")) {
            if (!value(arg) || !parse_num(arg.s, arg.n, 86400, v))
                return "--stats-interval must be 0..86400 seconds";
            o.stats_s = static_cast<std::uint32_t>(v);
        } else if (w.is("--tick-hz")) {
            if (!value(arg) || !parse_num(arg.s, arg.n, 10000, v) || v < 100)
                return "--tick-hz must be 100..10000";
            o.tick_hz = static_cast<std::uint32_t>(v);
        } else if (w.is("--idle-spin-ms")) {
            if (!value(arg) || !parse_num(arg.s, arg.n, 1000, v))
                return "--idle-spin-ms must be 0..1000";
            o.idle_spin_ms = static_cast<std::uint32_t>(v);
        } else if (w.is("--rw")) {
            addr.rw = true;
        } else if (w.is("--no-fast-path")) {
            o.fast_path = false;
        } else if (w.is("--copy")) {
            o.copy = true;
        } else if (w.n > 0 && w.s[0] >= '0' && w.s[0] <= '9' &&
                   parse_num(w.s, w.n, ~0ull >> 8, v)) {
            // "S L": a bare shelf number must be followed by the slot number
            std::uint64_t slot = 0;
            const char* before = p;
            if (!next_word(p, arg) || !parse_num(arg.s, arg.n, ~0ull >> 8, slot)) {
                p = before;
                return "a bare shelf number must be followed by a slot number (\"0 1\")";
            }
            if (const char* e = set_address(v, slot, addr)) return e;
        } else {
            aoe::AddressText t;
            std::uint64_t shelf = 0, slot = 0;
            if (w.s[0] == '-' || !aoe::split_address(w.s, w.n, t))
                return "unknown word (expected S L, eS.L, --rw, --mtu, --mac-allow, --vlan, "
                       "--copy, "
                       "--advertise-interval, --peer-interval, --stats-interval)";
            if (!parse_num(t.shelf, static_cast<std::uint32_t>(t.shelf_len), ~0ull >> 8, shelf) ||
                !parse_num(t.slot, static_cast<std::uint32_t>(t.slot_len), ~0ull >> 8, slot))
                return "shelf.slot must be decimal numbers (e0.1, 0.1 or \"0 1\")";
            if (const char* e = set_address(shelf, slot, addr)) return e;
        }
    }
    bad = nullptr;
    return nullptr;
}

} // namespace metal
