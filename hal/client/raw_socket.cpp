#include "hal/client/raw_socket.hpp"

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
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(aoe::kEtherTypeAoe));
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
    sll.sll_protocol = htons(aoe::kEtherTypeAoe);
    sll.sll_ifindex = ifindex_;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
        error = iface + ": bind: " + std::strerror(errno);
        return false;
    }
    int sz = 8 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz);
    return true;
}

bool RawSocket::send(const std::uint8_t* frame, std::size_t len) {
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
        socklen_t fl = sizeof from;
        ssize_t n = ::recvfrom(fd_, buf, cap, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n > 0) {
            if (from.sll_pkttype == PACKET_OUTGOING) continue;
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
