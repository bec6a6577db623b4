#include "hal/dpdk/kernel_drops.hpp"

#include "hal/dpdk/af_packet.hpp"

#include <linux/if_packet.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stop_token>
#include <thread>

namespace aoehal {
namespace {

// A PMD socket and whether it is still open (after rte_eth_dev_stop its total stays).
struct Sock {
    PacketSocket s;
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

// Reads and clears the kernel's counters of every live socket (PACKET_STATISTICS resets them
// on read). Holding state().mu.
void read_locked(State& s) {
    for (auto& p : s.ports)
        for (auto& k : p.socks) {
            if (!k.live) continue;
            if (!same_socket(k.s)) {
                k.live = false; // the PMD closed it (port stopped): keep the total
                continue;
            }
            // TPACKET_V2 socket: struct tpacket_stats (tp_packets counts the drops too).
            tpacket_stats st{};
            socklen_t len = sizeof st;
            if (getsockopt(k.s.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) {
                k.live = false;
                continue;
            }
            p.drops.dropped += st.tp_drops;
        }
}

} // namespace

void start_ring_drop_counting(const std::vector<PortState>& ports) {
    State& s = state();
    {
        std::lock_guard<std::mutex> lock(s.mu);
        if (s.reader.joinable()) return; // once
        for (const auto& ps : ports) {
            if (ps.driver != "net_af_packet") continue;
            const int ifindex = port_ifindex(ps.port_id);
            if (ifindex == 0) continue;
            Port p;
            p.drops.port_id = ps.port_id;
            p.drops.port = ps.label;
            p.ifindex = ifindex;
            for (const auto& k : packet_sockets(ifindex)) p.socks.push_back(Sock{k, true});
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
