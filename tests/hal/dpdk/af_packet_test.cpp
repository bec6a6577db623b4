// The kernel filter of af_packet ports (hal/dpdk/af_packet.cpp): the classic BPF program run by
// the kernel itself. A datagram socket pair runs socket filters on what it receives, so the
// program is tested here on real frames without a network device: AoE passes (untagged, behind
// one or two VLAN tags, as the kernel shows it with or without the outer tag in metadata),
// everything else (IPv4 and TFTP, ARP, 0x88A3, tagged IPv4, runts) is dropped.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "hal/dpdk/af_packet.hpp"

namespace {

using Frame = std::vector<std::uint8_t>;

Frame frame(std::vector<std::uint16_t> types, std::size_t payload = 46) {
    Frame f(12, 0x02); // dst, src
    for (std::size_t i = 0; i < types.size(); ++i) {
        f.push_back(static_cast<std::uint8_t>(types[i] >> 8));
        f.push_back(static_cast<std::uint8_t>(types[i]));
        if (i + 1 < types.size()) { // a tag: TCI after its TPID
            f.push_back(0x00);
            f.push_back(0x05);
        }
    }
    f.resize(f.size() + payload, 0);
    return f;
}

// Sends each frame through a filtered socket pair; returns which ones came out.
std::vector<bool> pass(const std::vector<Frame>& frames) {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    const auto& prog = aoehal::aoe_filter();
    sock_fprog fprog{static_cast<unsigned short>(prog.size()),
                     const_cast<sock_filter*>(prog.data())};
    REQUIRE(setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) == 0);
    std::vector<bool> out;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        Frame f = frames[i];
        f[0] = static_cast<std::uint8_t>(i); // which frame this is
        REQUIRE(send(sv[0], f.data(), f.size(), 0) == static_cast<ssize_t>(f.size()));
    }
    out.assign(frames.size(), false);
    static std::uint8_t buf[16384];
    ssize_t n;
    while ((n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        REQUIRE(buf[0] < frames.size());
        CHECK(static_cast<std::size_t>(n) == frames[buf[0]].size()); // the whole frame
        out[buf[0]] = true;
    }
    close(sv[0]);
    close(sv[1]);
    return out;
}

} // namespace

TEST_CASE("kernel filter: AoE passes, untagged or behind VLAN tags") {
    auto got = pass({frame({0x88A2}), frame({0x8100, 0x88A2}), frame({0x88A8, 0x88A2}),
                     frame({0x88A8, 0x8100, 0x88A2}), frame({0x8100, 0x8100, 0x88A2}),
                     frame({0x88A2}, 8000)});
    CHECK(got == std::vector<bool>{true, true, true, true, true, true});
}

TEST_CASE("kernel filter: everything else stays in the kernel") {
    auto got =
        pass({frame({0x0800}),                         // IPv4: DHCP, TFTP
              frame({0x0806}),                         // ARP
              frame({0x86DD}),                         // IPv6
              frame({0x88A3}),                         // next to AoE
              frame({0x8100, 0x0800}),                 // tagged IPv4
              frame({0x88A8, 0x8100, 0x0800}),         // double-tagged IPv4
              frame({0x8100, 0x8100, 0x8100, 0x88A2}), // three tags: the engine's limit is two
              Frame(13, 0x02)});                       // a runt: no EtherType at all
    CHECK(got == std::vector<bool>(8, false));
}
