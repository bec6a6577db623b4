// Command 2, Mac Mask List (AoE r11 §3.3; docs/aoe-protocol.md §1.4). Unauthenticated, so edits
// are refused unless remote admin is on (MError 1); reads are always answered.
#include "detail.hpp"

namespace aoe::detail {

namespace {

void list(const Export& e, ReplyBody& out) {
    std::uint64_t keys[kMaxMaskEntries];
    std::uint16_t n = e.control.mask.snapshot(keys);
    while (n && mask::kArgEnd + mask::kDirectiveLen * n > out.cap) --n; // never exceed the MTU
    out.a[mask::kDirCount] = static_cast<std::uint8_t>(n);
    for (std::uint16_t i = 0; i < n; ++i) {
        std::uint8_t* d = out.a + mask::kArgEnd + mask::kDirectiveLen * i;
        d[0] = 0;
        d[1] = static_cast<std::uint8_t>(mask::DCmd::none);
        store_mac(d + 2, key_mac(keys[i]));
    }
    out.len = static_cast<std::uint32_t>(mask::kArgEnd + mask::kDirectiveLen * n);
}

} // namespace

void mask(const Ctx& c, const Request& rq, Export& e, ReplyBody& out) {
    const std::uint8_t mcmd = rq.a[mask::kMCmd];
    const std::uint8_t dircount = rq.a[mask::kDirCount];
    std::uint8_t* o = out.a;
    o[hdr::kLen] = 0;
    o[mask::kMCmd] = mcmd;
    o[mask::kMError] = 0;
    o[mask::kDirCount] = 0;
    out.len = mask::kArgEnd;

    if (mcmd == static_cast<std::uint8_t>(mask::MCmd::edit)) {
        if (std::uint32_t{dircount} * mask::kDirectiveLen > rq.n - mask::kArgEnd) {
            out.error(AoeError::bad_argument);
        } else if (!c.opts.remote_admin) {
            o[mask::kMError] = static_cast<std::uint8_t>(mask::MError::unspecified);
            return; // Dir Count 0: the first directive failed
        } else {
            // Directives apply in order; on failure stop, report MError and the index of the
            // failing directive in Dir Count (earlier ones stay applied, as in vblade).
            for (std::uint8_t i = 0; i < dircount; ++i) {
                const std::uint8_t* d = rq.a + mask::kArgEnd + mask::kDirectiveLen * i;
                const Mac m = load_mac(d + 2);
                std::uint8_t err = 0;
                switch (static_cast<mask::DCmd>(d[1])) {
                case mask::DCmd::none:
                    break;
                case mask::DCmd::add:
                    if (!e.control.mask.add(m))
                        err = static_cast<std::uint8_t>(mask::MError::list_full);
                    break;
                case mask::DCmd::remove:
                    e.control.mask.remove(m);
                    break;
                default:
                    err = static_cast<std::uint8_t>(mask::MError::bad_directive);
                    break;
                }
                if (err) {
                    o[mask::kMError] = err;
                    o[mask::kDirCount] = i;
                    return;
                }
            }
        }
    } else if (mcmd != static_cast<std::uint8_t>(mask::MCmd::read)) {
        out.error(AoeError::bad_argument);
    }
    list(e, out); // read, successful edit, and E replies carry the whole list
}

} // namespace aoe::detail
