#include "hal/dpdk/af_packet.hpp"

#include <dirent.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace aoehal {

std::vector<PacketSocket> packet_sockets(int ifindex) {
    std::vector<PacketSocket> out;
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
        out.push_back(PacketSocket{fd, st.st_dev, st.st_ino});
    }
    closedir(d);
    return out;
}

bool same_socket(const PacketSocket& s) {
    struct stat st {};
    return fstat(s.fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == s.dev &&
           st.st_ino == s.ino;
}

int port_ifindex(std::uint16_t port_id) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(port_id, &info) != 0) return 0;
    return static_cast<int>(info.if_index);
}

const std::vector<sock_filter>& aoe_filter() {
    // Offsets are from the frame's first byte as the filter sees it (the kernel may already
    // have moved the outer VLAN tag into metadata). Jumps count instructions after this one.
    constexpr std::uint32_t kAccept = 0x40000; // the whole frame
    static const std::vector<sock_filter> prog = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),                  // 0: EtherType
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_AOE, 8, 0),    // 1: AoE -> 10
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_8021Q, 1, 0),  // 2: tag -> 4
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_8021AD, 0, 5), // 3: tag -> 4, else -> 9
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 16),                  // 4: after one tag
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_AOE, 4, 0),    // 5: AoE -> 10
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_8021Q, 0, 2),  // 6: inner tag -> 7, else 9
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),                  // 7: after two tags
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_AOE, 1, 0),    // 8: AoE -> 10, else 9
        BPF_STMT(BPF_RET | BPF_K, 0),                            // 9: not ours: drop
        BPF_STMT(BPF_RET | BPF_K, kAccept),                      // 10: AoE: keep
    };
    return prog;
}

namespace {

// Empties the RX queues of a port whose filter is attached, and reads (which resets) the
// sockets' drop counts; returns the frames that were in the rings plus those the kernel
// dropped because a ring was full before the filter. A frame still arriving meanwhile has
// passed the filter, but it is discarded too: the target has not said it is ready, and an AoE
// client sends again. rx_ring_dropped (kernel_drops.cpp) starts counting after this.
std::uint64_t discard_queued(std::uint16_t port_id, std::uint16_t nq,
                             const std::vector<PacketSocket>& socks) {
    std::uint64_t n = 0;
    rte_mbuf* burst[32];
    for (std::uint16_t q = 0; q < nq; ++q)
        for (std::uint16_t got; (got = rte_eth_rx_burst(port_id, q, burst, 32)) > 0;) {
            rte_pktmbuf_free_bulk(burst, got);
            n += got;
        }
    for (const auto& s : socks) {
        tpacket_stats st{};
        socklen_t len = sizeof st;
        if (getsockopt(s.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) n += st.tp_drops;
    }
    return n;
}

} // namespace

std::vector<std::string> filter_af_packet_ports(std::vector<PortState>& ports, std::uint16_t nq,
                                                bool& ok) {
    std::vector<std::string> lines;
    ok = true;
    const auto& prog = aoe_filter();
    sock_fprog fprog{static_cast<unsigned short>(prog.size()),
                     const_cast<sock_filter*>(prog.data())};
    for (auto& ps : ports) {
        if (ps.driver != "net_af_packet") continue;
        const int ifindex = port_ifindex(ps.port_id);
        auto socks = ifindex ? packet_sockets(ifindex) : std::vector<PacketSocket>{};
        if (socks.empty()) {
            lines.push_back(ps.label + ": no AF_PACKET socket of the PMD found: not filtered");
            ok = false;
            continue;
        }
        std::string err;
        for (const auto& s : socks)
            if (setsockopt(s.fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0)
                err = std::strerror(errno);
        if (!err.empty()) {
            lines.push_back(ps.label + ": cannot attach the kernel filter: " + err);
            ok = false;
            continue;
        }
        ps.rx_before_filter = discard_queued(ps.port_id, nq, socks);
        lines.push_back(ps.label + ": kernel filter: AoE frames only (" +
                        std::to_string(socks.size()) + " socket" + (socks.size() == 1 ? "" : "s") +
                        "); " + std::to_string(ps.rx_before_filter) +
                        " frame(s) that came before it discarded");
    }
    return lines;
}

} // namespace aoehal
