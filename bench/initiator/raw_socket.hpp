// An AF_PACKET raw socket bound to one interface and the AoE EtherType: the kernel transport
// of the test client (aoe-bench will reuse the request logic over DPDK).
#pragma once

#include <cstdint>
#include <string>

#include "target/wire.hpp"

namespace aoeclient {

class RawSocket {
  public:
    RawSocket() = default;
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;
    ~RawSocket();

    bool open(const std::string& iface, std::string& error);
    // Call before open(): tag every sent frame with 802.1Q VID `vid` and accept only frames of
    // that VLAN. The socket then listens to all EtherTypes, because the kernel only shows the
    // tag (in the packet aux data) to ETH_P_ALL taps when no VLAN netdev exists.
    void set_vlan(std::uint16_t vid) { vlan_ = vid; }
    bool send(const std::uint8_t* frame, std::size_t len);
    // Waits up to timeout_us for one incoming AoE frame (our own outgoing frames are skipped).
    // Returns its length, 0 on timeout, -1 on error.
    long recv(std::uint8_t* buf, std::size_t cap, std::int64_t timeout_us);

    // Frames the kernel dropped because our receive queue was full (since the last call).
    std::uint64_t drops();

    const aoe::Mac& mac() const { return mac_; }
    std::uint32_t mtu() const { return mtu_; }

  private:
    int fd_ = -1;
    int ifindex_ = 0;
    aoe::Mac mac_{};
    std::uint32_t mtu_ = 1500;
    std::uint16_t vlan_ = 0;
};

} // namespace aoeclient
