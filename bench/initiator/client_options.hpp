// aoe-client's command line: `aoe-client --iface IFACE [options] COMMAND`. Parsing is pure (no
// socket, no I/O): the program prints the error or the usage and chooses the exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "target/wire.hpp"

namespace aoeclient {

struct ClientOptions {
    std::string command; // discover, identify, read-all, write, flush, latency (checked by main)
    std::string iface;
    std::string target; // as given, for messages; empty: the first export discovered
    std::uint16_t shelf = aoe::kShelfBroadcast;
    std::uint8_t slot = aoe::kSlotBroadcast;
    unsigned timeout_ms = 1000; // discovery wait
    unsigned window = 64;       // requests in flight (capped by the buffer count)
    unsigned sectors = 0;       // per request; 0: the target's Sector Count
    bool lba28 = false;
    std::string compare;     // read-all: the file to compare with
    std::uint64_t lba = 0;   // write: where
    std::uint64_t count = 1; // write: sectors; latency: reads
    std::string data_file;   // write: data source (empty: a pattern)
    bool expect_error = false;
    std::uint16_t vlan = 0; // 802.1Q VLAN ID; 0: untagged
    unsigned pause_ms = 0;  // latency: idle time before each read
    bool help = false, version = false;
};

struct ClientParse {
    std::optional<ClientOptions> options;
    std::string error;
};

ClientParse parse_client_options(int argc, const char* const* argv);
std::string client_usage();

} // namespace aoeclient
