// Command 1, Query Config Information (AoE r11 §3.2; docs/aoe-protocol.md §1.3).
// The config string belongs to the clients: it starts empty and only they change it (when
// remote admin is on). Lengths come from the header, never from the (padded) frame length.
#include "detail.hpp"

namespace aoe::detail {

namespace {

std::uint8_t ccmd_of(const Request& rq) {
    return rq.a[cfg::kAoeCCmd] & 0x0F;
}
std::uint16_t len_of(const Request& rq) {
    return load_be16(rq.a + cfg::kStringLen);
}
// Reject a length above 1024 or above the bytes actually present (first action: Error 2).
bool len_ok(const Request& rq) {
    const std::uint16_t len = len_of(rq);
    return len <= cfg::kMaxString && len <= rq.n - cfg::kString;
}
bool same_prefix(const Export& e, const std::uint8_t* s, std::uint16_t len) {
    if (len > e.control.config_len) return false;
    for (std::uint16_t i = 0; i < len; ++i)
        if (static_cast<std::uint8_t>(e.control.config[i]) != s[i]) return false;
    return true;
}

} // namespace

bool config_matches(const Export& e, const Request& rq) {
    const auto cc = static_cast<cfg::CCmd>(ccmd_of(rq));
    if (cc != cfg::CCmd::test && cc != cfg::CCmd::prefix_test) return true;
    if (!len_ok(rq)) return true; // answered with Error 2
    const std::uint16_t len = len_of(rq);
    // test: exact match; prefix test: the argument is a prefix of ours. Otherwise: silence.
    if (cc == cfg::CCmd::test && len != e.control.config_len) return false;
    return same_prefix(e, rq.a + cfg::kString, len);
}

void config_body(const Ctx& c, const Export& e, std::uint8_t ccmd, ReplyBody& out) {
    std::uint8_t* o = out.a;
    const std::uint16_t bufcnt =
        c.opts.buffer_count < kMinBufferCount ? kMinBufferCount : c.opts.buffer_count;
    store_be16(o + cfg::kBufferCount, bufcnt);
    store_be16(o + cfg::kFirmwareVersion, c.opts.firmware_version);
    o[cfg::kSectorCount] = sectors_for_mtu(c.port.mtu); // (MTU - 22) / 512
    o[cfg::kAoeCCmd] = static_cast<std::uint8_t>((kVersion << 4) | (ccmd & 0x0F));
    // Every response, errors included, carries the current string. A set never stores more
    // than the setting port's MTU carries; clamp for a smaller port rather than overrun it.
    std::uint32_t len = e.control.config_len;
    if (cfg::kString + len > out.cap)
        len = out.cap > cfg::kString ? out.cap - static_cast<std::uint32_t>(cfg::kString) : 0;
    store_be16(o + cfg::kStringLen, static_cast<std::uint16_t>(len));
    for (std::uint32_t i = 0; i < len; ++i)
        o[cfg::kString + i] = static_cast<std::uint8_t>(e.control.config[i]);
    out.len = cfg::kString + len;
}

void config(const Ctx& c, const Request& rq, Export& e, ReplyBody& out) {
    const std::uint8_t ccmd = ccmd_of(rq);
    const std::uint16_t len = len_of(rq);
    const std::uint8_t* s = rq.a + cfg::kString;
    switch (static_cast<cfg::CCmd>(ccmd)) {
    case cfg::CCmd::read: // the argument string is ignored
        break;
    case cfg::CCmd::test:
    case cfg::CCmd::prefix_test: // a mismatch never gets here (silent, see config_matches)
        if (!len_ok(rq)) out.error(AoeError::bad_argument);
        break;
    case cfg::CCmd::set:
    case cfg::CCmd::force_set:
        if (!len_ok(rq) || cfg::kString + len > out.cap) {
            out.error(AoeError::bad_argument);
        } else if (!c.opts.remote_admin) {
            out.error(AoeError::bad_argument); // docs/decisions.md: remote admin off -> Error 2
        } else if (static_cast<cfg::CCmd>(ccmd) == cfg::CCmd::set && e.control.config_len != 0 &&
                   !(len == e.control.config_len && same_prefix(e, s, len))) {
            out.error(AoeError::config_string_present); // an identical set is idempotent
        } else {
            for (std::uint16_t i = 0; i < len; ++i) e.control.config[i] = static_cast<char>(s[i]);
            e.control.config_len = len;
        }
        break;
    default:
        out.error(AoeError::bad_argument);
        break;
    }
    config_body(c, e, ccmd, out);
}

} // namespace aoe::detail
