// Command 3, Reserve/Release (AoE r11 §3.4; docs/aoe-protocol.md §1.5). Enforcement is in ata.cpp.
// Unauthenticated, so set / force set are refused unless remote admin is on (Error 2).
#include "detail.hpp"

namespace aoe::detail {

void reserve(const Ctx& c, const Request& rq, Export& e, ReplyBody& out) {
    const std::uint8_t rcmd = rq.a[rsv::kRCmd];
    const std::uint8_t nmacs = rq.a[rsv::kNMacs];
    const std::uint32_t bytes = 6u * nmacs;
    switch (static_cast<rsv::RCmd>(rcmd)) {
    case rsv::RCmd::read:
        break;
    case rsv::RCmd::set:
    case rsv::RCmd::force_set:
        if (bytes > rq.n - rsv::kArgEnd || nmacs > kMaxReserveEntries ||
            rsv::kArgEnd + bytes > out.cap) {
            out.error(AoeError::bad_argument); // strict: NMacs * 6 must be present
        } else if (!c.opts.remote_admin) {
            out.error(AoeError::bad_argument);
        } else if (static_cast<rsv::RCmd>(rcmd) == rsv::RCmd::set && !e.control.reserve.empty() &&
                   !e.control.reserve.contains(rq.src)) {
            out.error(AoeError::target_reserved); // set only by a member (or on an empty list)
        } else {
            e.control.reserve.assign_wire(rq.a + rsv::kArgEnd, nmacs); // NMacs 0 = release
        }
        break;
    default:
        out.error(AoeError::bad_argument);
        break;
    }
    // The response always carries the current list.
    std::uint64_t keys[kMaxReserveEntries];
    std::uint16_t n = e.control.reserve.snapshot(keys);
    while (n && rsv::kArgEnd + 6u * n > out.cap) --n;
    out.a[rsv::kRCmd] = rcmd;
    out.a[rsv::kNMacs] = static_cast<std::uint8_t>(n);
    for (std::uint16_t i = 0; i < n; ++i)
        store_mac(out.a + rsv::kArgEnd + 6u * i, key_mac(keys[i]));
    out.len = rsv::kArgEnd + 6u * n;
}

} // namespace aoe::detail
