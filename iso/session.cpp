#include "session.hpp"

#include "error.hpp"

#include <cstdint>
#include <libisofs.h>
#include <mutex>
#include <string>

namespace aoe::iso {

namespace {
std::mutex g_mutex;               // guards g_session only; libisofs itself is single-threaded
std::weak_ptr<Session> g_session; // NOLINT: process-wide by nature (libisofs is)
} // namespace

Session::Session() : owner_(std::this_thread::get_id()) {
    // Flag 1: leave the locale alone; the program owns it.
    int rc = iso_init_with_flag(1);
    if (rc < 0)
        throw Error(ErrorKind::Library, "cannot initialise libisofs: " + libisofs_message(rc));
    // Queue NOTE and worse for us to read; print nothing to stderr ourselves.
    static char queue[] = "NOTE";
    static char print[] = "NEVER";
    static char prefix[] = "libisofs";
    iso_set_msgs_severities(queue, print, prefix);
}

Session::~Session() {
    iso_finish();
}

std::shared_ptr<Session> Session::acquire() {
    std::lock_guard lock(g_mutex);
    if (auto live = g_session.lock()) {
        live->check_thread();
        return live;
    }
    std::shared_ptr<Session> s(new Session());
    g_session = s;
    return s;
}

void Session::check_thread() const {
    if (std::this_thread::get_id() != owner_)
        throw Error(ErrorKind::Thread,
                    "libisofs used from a second thread (it is single-threaded)");
}

std::string Session::drain_messages() {
    std::string worst;
    int worst_sev = -1;
    static char all[] = "ALL";
    for (;;) {
        int code = 0, imgid = 0;
        char text[ISO_MSGS_MESSAGE_LEN];
        char sev[80];
        if (iso_obtain_msgs(all, &code, &imgid, text, sev) <= 0) break;
        int s = iso_error_get_severity(code);
        if (s > worst_sev) {
            worst_sev = s;
            worst = text;
        }
    }
    return worst;
}

} // namespace aoe::iso
