// libisofs has global state (iso_init/iso_finish, one message queue, locale), so the process
// holds one session while any image is open, and every call comes from the thread that
// started it. Images keep a shared_ptr to the session; the last one out calls iso_finish().
#pragma once

#include <memory>
#include <thread>

namespace aoe::iso {

class Session {
  public:
    // Returns the live session or starts one. Throws Error(Library) if iso_init fails,
    // Error(Thread) if a session started on another thread is still alive.
    static std::shared_ptr<Session> acquire();
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Throws Error(Thread) unless called on the session's thread.
    void check_thread() const;
    // Drops libisofs' queued messages (NOTEs about hidden EFI images and the like); returns
    // the most severe one's text, for error reports.
    static std::string drain_messages();

  private:
    Session();
    std::thread::id owner_;
};

} // namespace aoe::iso
