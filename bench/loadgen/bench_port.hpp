// aoe-bench's one DPDK port: EAL start-up (vbladed-like defaults through hal/dpdk/eal, or the
// user's EAL arguments), a mempool, one RX/TX queue pair, and a Session-compatible transport
// (send / recv with timeout / mac) for the control steps (discovery, IDENTIFY) that reuse the
// bench/initiator Session. The load loop itself talks to the port directly (loadgen.cpp).
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdint>
#include <string>

#include "bench/loadgen/bench_options.hpp"
#include "target/wire.hpp"

namespace aoebench {

inline constexpr std::uint16_t kBurst = 32;

struct BenchPort {
    std::uint16_t port_id = 0;
    rte_mempool* pool = nullptr;
    aoe::Mac mac{};
    std::uint32_t mtu = 1500; // what we may send and expect to receive
    std::uint32_t data_room = 0;
    std::string driver, label;
    std::string runtime_dir; // our EAL runtime dir (removed at exit when we chose the prefix)
};

// EAL start-up; `program` is argv[0] for EAL messages.
bool start_eal(const BenchOptions& o, std::string& error);
bool open_port(const BenchOptions& o, BenchPort& port, std::string& error);
void close_port(const BenchOptions& o, BenchPort& port);

// For aoeclient::Session / discover: one frame at a time (control path, may allocate).
class DpdkTransport {
  public:
    explicit DpdkTransport(BenchPort& p) : p_(p) {}
    ~DpdkTransport();
    bool send(const std::uint8_t* frame, std::size_t len);
    long recv(std::uint8_t* buf, std::size_t cap, std::int64_t timeout_us);
    const aoe::Mac& mac() const { return p_.mac; }

  private:
    BenchPort& p_;
    rte_mbuf* pending_[kBurst]{};
    std::uint16_t npending_ = 0, next_ = 0;
};

} // namespace aoebench
