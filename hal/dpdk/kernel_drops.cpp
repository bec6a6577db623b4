#include "hal/dpdk/kernel_drops.hpp"

#include <dirent.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stop_token>
#include <thread>

namespace aoehal {
namespace {

// One PMD socket. dev/ino identify it: after rte_eth_dev_stop closed it, the descriptor number
// may name another file, and a read must not go there.
struct Sock {
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    bool live = true;
};

struct Port {
    RingDrops drops;
    int ifindex = 0;
    std::vector<Sock> socks;
};

struct State {
    std::mutex mu; // ports: the reader thread, telemetry and the control thread
    std::vector<Port> ports;
    std::condition_variable_any cv;
    std::jthread reader; // last: stopped and joined before the rest goes (static destruction)
};

State& state() {
    static State s;
    return s;
}

bool same_socket(const Sock& s) {
    struct stat st {};
    return fstat(s.fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == s.dev &&
           st.st_ino == s.ino;
}

// Reads and clears the kernel's counters of every live socket (PACKET_STATISTICS resets them
// on read). Holding state().mu.
void read_locked(State& s) {
    for (auto& p : s.ports)
        for (auto& k : p.socks) {
            if (!k.live) continue;
            if (!same_socket(k)) {
                k.live = false; // the PMD closed it (port stopped): keep the total
                continue;
            }
            // TPACKET_V2 socket: struct tpacket_stats (tp_packets counts the drops too).
            tpacket_stats st{};
            socklen_t len = sizeof st;
            if (getsockopt(k.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) {
                k.live = false;
                continue;
            }
            p.drops.dropped += st.tp_drops;
        }
}

// The AF_PACKET sockets of this process bound to `ifindex`.
std::vector<Sock> packet_sockets(int ifindex) {
    std::vector<Sock> out;
    DIR* d = opendir("/proc/self/fd");
    if (!d) return out;
    const int self = dirfd(d);
    while (dirent* e = readdir(d)) {
        char* end = nullptr;
        const long n = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end || n == self) continue;
        const int fd = static_cast<int>(n);
        struct stat st {};
        if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        int domain = 0;
        socklen_t len = sizeof domain;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_PACKET)
            continue;
        sockaddr_ll sll{};
        len = sizeof sll;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&sll), &len) != 0 ||
            sll.sll_ifindex != ifindex)
            continue;
        // The PMD's sockets are TPACKET_V2 with an RX ring; a plain packet socket (V1) is not.
        int ver = -1;
        len = sizeof ver;
        if (getsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, &len) != 0 || ver != TPACKET_V2)
            continue;
        out.push_back(Sock{fd, st.st_dev, st.st_ino, true});
    }
    closedir(d);
    return out;
}

} // namespace

void start_ring_drop_counting(const std::vector<PortState>& ports) {
    State& s = state();
    {
        std::lock_guard<std::mutex> lock(s.mu);
        if (s.reader.joinable()) return; // once
        for (const auto& ps : ports) {
            if (ps.driver != "net_af_packet") continue;
            rte_eth_dev_info info{};
            if (rte_eth_dev_info_get(ps.port_id, &info) != 0 || info.if_index == 0) continue;
            Port p;
            p.drops.port_id = ps.port_id;
            p.drops.port = ps.label;
            p.ifindex = static_cast<int>(info.if_index);
            p.socks = packet_sockets(p.ifindex);
            if (p.socks.empty()) {
                std::fprintf(stderr,
                             "aoe-target: %s: no AF_PACKET socket of the PMD found; frames its "
                             "kernel ring drops are not counted (no rx_ring_dropped)\n",
                             ps.label.c_str());
                continue;
            }
            // Drops before we started count too: the first read returns them.
            s.ports.push_back(std::move(p));
        }
        if (s.ports.empty()) return;
        read_locked(s);
    }
    // Once a second: tp_drops is 32 bits in the kernel, a flood of 10^6 frames/s would wrap
    // it in about an hour if nobody asked for statistics.
    s.reader = std::jthread([&s](std::stop_token stop) {
        std::unique_lock<std::mutex> lock(s.mu);
        while (!s.cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; }) &&
               !stop.stop_requested())
            read_locked(s);
    });
}

std::vector<RingDrops> ring_drops() {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mu);
    read_locked(s);
    std::vector<RingDrops> out;
    out.reserve(s.ports.size());
    for (const auto& p : s.ports) out.push_back(p.drops);
    return out;
}

} // namespace aoehal
