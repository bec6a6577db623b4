// aoe-firmware's command line: the kernel's (QEMU -append, GRUB `multiboot FILE ARGS`) and each
// module's (QEMU -initrd "FILE ARGS", GRUB `module FILE ARGS`). QEMU puts the file's name first,
// GRUB does not: a first word that is not an argument is that name and is skipped.
// Words (docs/metal.md, "Command line"):
//   S L | eS.L | S.L        the module's shelf.slot (default e0.1, then the next free slot)
//   --rw                    (module) writable export: writes land in RAM, lost at power-off;
//                           served through the copy path like aoe-target's ,rw exports
//   --mtu N                 576..9000 (default 1500): sector count and buffer sizes follow it
//   --mac-allow MAC[,MAC]   answer only these clients (like vblade -m); repeatable, 16 at most
//   --vlan ID               serve only 802.1Q VLAN ID
//   --advertise-interval S  seconds between adverts, 0 = off (default 1)
//   --peer-interval S       seconds between checks for other targets, 1..3600 (default 30,
//                           0 = off)
//   --copy                  copy sector data into the transmit buffer (no zero copy)
//   --no-fast-path          every frame through accept()/next_reply(), no Engine::serve_read
//   --tick-hz N             idle wake-up tick, 100..10000 per second (default 1000): the
//                           longest idle sleep, so the first reply after idling waits <= 1 tick
//   --idle-spin-ms N        keep polling N ms after the last AoE frame before sleeping, 0..1000
//                           (default 50): the first reply after a pause shorter than that
//                           does not wait for a tick
//   --stats-interval S      print the statistics every S seconds while frames arrive (default 10)
// Freestanding: parsing only, the words of each fault in `error`.
#pragma once

#include <cstdint>

#include "target/wire.hpp"

namespace metal {

inline constexpr std::uint16_t kMaxAllow = 16;
inline constexpr std::uint16_t kMaxModules = 16;

struct Options {
    std::uint16_t mtu = 1500;
    aoe::Mac allow[kMaxAllow]{};
    std::uint16_t allow_n = 0;
    std::uint16_t vlan = 0;
    std::uint32_t advertise_s = 1;
    std::uint32_t peer_s = 30;
    bool copy = false;
    bool fast_path = true;
    std::uint32_t stats_s = 10;
    std::uint32_t tick_hz = 1000;
    std::uint32_t idle_spin_ms = 50;
};

struct Address {
    bool rw = false;
    bool given = false;
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0; // meaningful only when `given` (else e0.1 or the next free slot)
};

// The file name a loader put first on `cmdline` (QEMU does, GRUB does not), or nullptr.
const char* cmdline_name(const char* cmdline, std::uint32_t& len);

// Parses `cmdline` (NUL-terminated; a leading file name skipped) into `o` and, if present, `addr`.
// Returns nullptr, or the fault; `bad` then points at the word (for the message).
const char* parse_cmdline(const char* cmdline, Options& o, Address& addr, const char*& bad);

} // namespace metal
