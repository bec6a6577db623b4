#include "bench/initiator/raw_socket.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <time.h>

#include <cerrno>
#include <cstring>

namespace aoeclient {

RawSocket::~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::open(const std::string& iface, std::string& error) {
    const std::uint16_t proto = vlan_ ? ETH_P_ALL : aoe::kEtherTypeAoe;
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
    if (fd_ < 0) {
        error = std::string("AF_PACKET socket: ") + std::strerror(errno) + " (needs CAP_NET_RAW)";
        return false;
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd_, SIOCGIFINDEX, &ifr) != 0) {
        error = "unknown interface '" + iface + "'";
        return false;
    }
    ifindex_ = ifr.ifr_ifindex;
    if (ioctl(fd_, SIOCGIFHWADDR, &ifr) != 0) {
        error = iface + ": cannot read MAC: " + std::strerror(errno);
        return false;
    }
    std::memcpy(mac_.b, ifr.ifr_hwaddr.sa_data, 6);
    if (ioctl(fd_, SIOCGIFMTU, &ifr) == 0) mtu_ = static_cast<std::uint32_t>(ifr.ifr_mtu);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(proto);
    sll.sll_ifindex = ifindex_;
    int one = 1;
    setsockopt(fd_, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
    // Our own transmitted frames never reach the socket (Linux >= 4.20): a client that sends
    // fast (a flood test, aoe-bench's many clients) would otherwise fill its receive buffer
    // with copies of them and drop real replies. recv() still skips PACKET_OUTGOING for older
    // kernels.
    setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
        error = iface + ": bind: " + std::strerror(errno);
        return false;
    }
    int sz = 8 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz);
    return true;
}

std::uint64_t RawSocket::drops() {
    tpacket_stats st{};
    socklen_t len = sizeof st;
    if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) return 0;
    return st.tp_drops;
}

bool RawSocket::send(const std::uint8_t* in, std::size_t len) {
    std::uint8_t tagged[9220];
    const std::uint8_t* frame = in;
    if (vlan_ && len + 4 <= sizeof tagged) {
        std::memcpy(tagged, in, 12);
        aoe::store_be16(tagged + 12, aoe::kEtherTypeVlan);
        aoe::store_be16(tagged + 14, vlan_);
        std::memcpy(tagged + 16, in + 12, len - 12);
        frame = tagged;
        len += 4;
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex_;
    sll.sll_halen = 6;
    std::memcpy(sll.sll_addr, frame, 6);
    for (;;) {
        ssize_t n = ::sendto(fd_, frame, len, 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
        if (n == static_cast<ssize_t>(len)) return true;
        if (n < 0 && (errno == EINTR)) continue;
        if (n < 0 && (errno == ENOBUFS || errno == EAGAIN)) {
            usleep(50);
            continue;
        }
        return false;
    }
}

long RawSocket::recv(std::uint8_t* buf, std::size_t cap, std::int64_t timeout_us) {
    timespec t0{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const std::int64_t start = t0.tv_sec * 1000000LL + t0.tv_nsec / 1000;
    for (;;) {
        sockaddr_ll from{};
        iovec iov{buf, cap};
        alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(tpacket_auxdata))];
        msghdr mh{};
        mh.msg_name = &from;
        mh.msg_namelen = sizeof from;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        ssize_t n = ::recvmsg(fd_, &mh, MSG_DONTWAIT);
        if (n > 0) {
            if (from.sll_pkttype == PACKET_OUTGOING) continue;
            std::uint16_t vid = 0;
            for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
                tpacket_auxdata aux;
                std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
                if (aux.tp_status & TP_STATUS_VLAN_VALID) vid = aux.tp_vlan_tci & 0x0FFF;
            }
            if (n >= 18 && aoe::load_be16(buf + 12) == aoe::kEtherTypeVlan) { // tag left in line
                vid = aoe::load_be16(buf + 14) & 0x0FFF;
                std::memmove(buf + 12, buf + 16, static_cast<std::size_t>(n) - 16);
                n -= 4;
            }
            if (vid != vlan_) continue; // another VLAN (or untagged while we want a VLAN)
            if (n < 14 || aoe::load_be16(buf + 12) != aoe::kEtherTypeAoe) continue;
            return n;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
        timespec t{};
        clock_gettime(CLOCK_MONOTONIC, &t);
        std::int64_t left = timeout_us - (t.tv_sec * 1000000LL + t.tv_nsec / 1000 - start);
        if (left <= 0) return 0;
        pollfd p{fd_, POLLIN, 0};
        timespec ts{static_cast<time_t>(left / 1000000), static_cast<long>(left % 1000000) * 1000};
        int r = ::ppoll(&p, 1, &ts, nullptr);
        if (r < 0 && errno != EINTR) return -1;
    }
}

} // namespace aoeclient
