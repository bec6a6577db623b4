// How a platform drives the engine's replies: "take a buffer, ask the engine for the next
// reply, send it, until done", written once here for every HAL (hal/dpdk's lcore loop,
// hal/metal's poll loop). The platform supplies the buffers and the send; the engine decides
// what the replies are.
//
// A platform's sink `s` has:
//   std::uint8_t* s.buffer(std::uint32_t& cap)  a buffer for the next reply (at least
//       kMaxInlineReply bytes; a platform out of buffers hands scratch memory and drops the
//       reply in send(), so the engine's state still advances);
//   void s.send(const Reply& r)                 the reply the engine just built in that buffer;
//   void s.unused()                             the engine had no reply: the buffer goes back;
//   bool s.room()                               (ticks only) whether the platform can take
//       more now; a round cut short resumes at its cursor on the next call.
#pragma once

#include <cstdint>

#include "engine.hpp"

namespace aoe {

// The most replies one call sends. No frame has more than one reply per export (a broadcast
// Query Config; --max-exports is at most 255) and no tick more than one advert per export
// and allow-list MAC or one probe per peer, so the bound is never reached by a correct
// engine: it only keeps a platform's loop finite whatever the engine returns.
inline constexpr int kMaxRepliesPerCall = 1024;

// Every reply to a frame accept() returned Verdict::reply for. Returns the replies sent.
template <class Sink> int send_frame_replies(Engine& e, FrameState& st, Sink& s) {
    int n = 0;
    while (n < kMaxRepliesPerCall) {
        std::uint32_t cap = 0;
        std::uint8_t* out = s.buffer(cap);
        Reply r;
        if (!e.next_reply(st, out, cap, r)) {
            s.unused();
            break;
        }
        s.send(r);
        ++n;
        if (r.last) break; // no second next_reply() (every unicast frame)
    }
    return n;
}

// The periodic work that is due (adverts, peer discovery and probes), while the platform has
// room. Returns the frames sent.
template <class Sink>
int send_tick_frames(Engine& e, std::uint64_t now_ns, std::uint16_t& cursor, Sink& s) {
    int n = 0;
    while (n < kMaxRepliesPerCall && s.room()) {
        std::uint32_t cap = 0;
        std::uint8_t* out = s.buffer(cap);
        Reply r;
        if (!e.tick(now_ns, cursor, out, cap, r)) {
            s.unused();
            break;
        }
        s.send(r);
        ++n;
    }
    return n;
}

} // namespace aoe
