// frame-impair: a two-port Ethernet forwarder that loses, duplicates and reorders frames.
//
// Stands in for `tc netem` where the kernel has no sch_netem (this machine's kernel ships
// without it). Run it inside a namespace that holds two veth ends, A and B: every frame that
// arrives on one is sent out of the other, after the impairment of that direction.
//
//   frame-impair --a IF --b IF [--loss P] [--dup P] [--reorder P] [--seed N]
//
// P are percentages (0..100, fractions allowed). Reorder: a chosen frame is held back and
// sent after the next frame in the same direction (or after 2 ms if none comes), so the two
// swap places. Counters go to stderr on SIGTERM/SIGINT:
//   frame-impair: a->b in=N out=N lost=N duplicated=N reordered=N (and b->a).
// Exit status: 0 ok, 1 failure, 2 usage error.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

int open_port(const std::string& iface) {
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) return -1;
    // Never see our own transmissions (otherwise every forwarded frame loops back).
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    int buf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    sockaddr_ll sa{};
    sa.sll_family = AF_PACKET;
    sa.sll_protocol = htons(ETH_P_ALL);
    sa.sll_ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    if (sa.sll_ifindex == 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

struct Direction {
    const char* name;
    int in, out;
    std::uint64_t rx = 0, tx = 0, lost = 0, duplicated = 0, reordered = 0, send_errors = 0;
    std::vector<std::uint8_t> held; // a frame held back for reordering
    std::int64_t held_since_us = 0;

    void send(const std::uint8_t* f, std::size_t n) {
        if (::send(out, f, n, 0) == static_cast<ssize_t>(n))
            ++tx;
        else
            ++send_errors;
    }
    void release() {
        if (held.empty()) return;
        send(held.data(), held.size());
        held.clear();
    }
};

std::int64_t now_us() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

bool parse_pct(const char* s, double& out) {
    char* end = nullptr;
    out = std::strtod(s, &end);
    return end && *end == '\0' && out >= 0.0 && out <= 100.0;
}

} // namespace

int main(int argc, char** argv) {
    std::string a, b;
    double loss = 0, dup = 0, reorder = 0;
    unsigned long seed = 1;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        if (k == "--help") {
            std::puts(
                "Usage: frame-impair --a IF --b IF [--loss P] [--dup P] [--reorder P] [--seed N]\n"
                "Forwards frames between IF a and IF b, losing, duplicating and reordering P% of "
                "them.\n"
                "Exit status: 0 ok, 1 failure, 2 usage error.");
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "frame-impair: %s needs a value\n", k.c_str());
            return 2;
        }
        const char* v = argv[++i];
        bool ok = true;
        if (k == "--a")
            a = v;
        else if (k == "--b")
            b = v;
        else if (k == "--loss")
            ok = parse_pct(v, loss);
        else if (k == "--dup")
            ok = parse_pct(v, dup);
        else if (k == "--reorder")
            ok = parse_pct(v, reorder);
        else if (k == "--seed")
            seed = std::strtoul(v, nullptr, 0);
        else
            ok = false;
        if (!ok) {
            std::fprintf(stderr, "frame-impair: bad option %s %s\n", k.c_str(), v);
            return 2;
        }
    }
    if (a.empty() || b.empty()) {
        std::fprintf(stderr, "frame-impair: --a and --b are required\n");
        return 2;
    }
    int fa = open_port(a), fb = open_port(b);
    if (fa < 0 || fb < 0) {
        std::fprintf(stderr, "frame-impair: cannot open %s / %s: %s\n", a.c_str(), b.c_str(),
                     std::strerror(errno));
        return 1;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> pct(0.0, 100.0);

    Direction dirs[2] = {{"a->b", fa, fb, {}, {}, {}, {}, {}, {}, {}, 0},
                         {"b->a", fb, fa, {}, {}, {}, {}, {}, {}, {}, 0}};
    std::vector<std::uint8_t> buf(65536);
    std::fprintf(stderr,
                 "frame-impair: ready (%s <-> %s, loss %.2f%%, dup %.2f%%, reorder %.2f%%)\n",
                 a.c_str(), b.c_str(), loss, dup, reorder);
    pollfd pfd[2] = {{fa, POLLIN, 0}, {fb, POLLIN, 0}};
    while (!g_stop) {
        int r = poll(pfd, 2, 1);
        const std::int64_t now = now_us();
        for (auto& d : dirs)
            if (!d.held.empty() && now - d.held_since_us > 2000) d.release();
        if (r <= 0) continue;
        for (int p = 0; p < 2; ++p) {
            if (!(pfd[p].revents & POLLIN)) continue;
            Direction& d = dirs[p];
            // Drain what is queued on this port (bounded, so the other direction gets a turn).
            for (int burst = 0; burst < 64; ++burst) {
                ssize_t n = recv(d.in, buf.data(), buf.size(), MSG_DONTWAIT);
                if (n <= 0) break;
                ++d.rx;
                const auto len = static_cast<std::size_t>(n);
                if (pct(rng) < loss) {
                    ++d.lost;
                    continue;
                }
                if (d.held.empty() && pct(rng) < reorder) {
                    d.held.assign(buf.data(), buf.data() + len);
                    d.held_since_us = now;
                    ++d.reordered;
                    continue;
                }
                d.send(buf.data(), len);
                if (pct(rng) < dup) {
                    ++d.duplicated;
                    d.send(buf.data(), len);
                }
                d.release(); // a held frame goes out after the one that overtook it
            }
        }
    }
    for (auto& d : dirs) {
        d.release();
        std::fprintf(stderr,
                     "frame-impair: %s in=%llu out=%llu lost=%llu duplicated=%llu reordered=%llu "
                     "send_errors=%llu\n",
                     d.name, (unsigned long long)d.rx, (unsigned long long)d.tx,
                     (unsigned long long)d.lost, (unsigned long long)d.duplicated,
                     (unsigned long long)d.reordered, (unsigned long long)d.send_errors);
    }
    return 0;
}
