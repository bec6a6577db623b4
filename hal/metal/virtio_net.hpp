// The virtio-net driver of aoe-firmware: legacy virtio-pci (virtio 0.9.5 register layout in I/O
// BAR 0; QEMU's default `virtio-net-pci` is a transitional device that offers it), polled, no
// interrupts. Queue 0 receives, queue 1 transmits; features: VIRTIO_NET_F_MAC only, so every
// buffer starts with the 10-byte struct virtio_net_hdr (no mergeable RX buffers, no offloads).
// See docs/metal.md, "virtio-net".
//
// All memory (rings and buffers) is carved once from the start-up arena; nothing is freed.
// A transmitted reply is one descriptor chain of one or two descriptors: [net header + reply
// header] and, for sector data, a descriptor pointing straight into the image (zero copy).
#pragma once

#include <cstdint>

#include "hal/metal/pci.hpp"
#include "target/arena.hpp"
#include "target/wire.hpp"

namespace metal {

struct VirtqDesc {
    std::uint64_t addr;
    std::uint32_t len;
    std::uint16_t flags;
    std::uint16_t next;
};

struct Virtq {
    std::uint16_t size = 0;
    VirtqDesc* desc = nullptr;
    volatile std::uint16_t* avail = nullptr; // flags, idx, ring[size]
    volatile std::uint8_t* used = nullptr;   // flags, idx, {id, len}[size]
    std::uint16_t avail_idx = 0;             // our shadow of avail->idx
    std::uint16_t last_used = 0;
    std::uint16_t used_idx() const {
        return *reinterpret_cast<volatile const std::uint16_t*>(used + 2);
    }
    std::uint16_t used_flags() const {
        return *reinterpret_cast<volatile const std::uint16_t*>(used);
    }
    std::uint32_t used_id(std::uint16_t i) const {
        return *reinterpret_cast<volatile const std::uint32_t*>(used + 4 + 8 * (i % size));
    }
    std::uint32_t used_len(std::uint16_t i) const {
        return *reinterpret_cast<volatile const std::uint32_t*>(used + 8 + 8 * (i % size));
    }
};

struct NicCounters {
    std::uint64_t rx_frames = 0, rx_bad = 0, tx_frames = 0, tx_kicks = 0, tx_ring_full = 0;
};

class VirtioNet {
  public:
    static constexpr std::uint32_t kNetHdr = 10; // struct virtio_net_hdr without num_buffers

    // Finds nothing itself: `pci` is the function pci_find returned. rx_frame/tx_frame: the
    // largest frame either way (without the net header). Returns nullptr or what went wrong.
    const char* init(PciAddr pci, aoe::Arena& arena, std::uint32_t rx_frame,
                     std::uint32_t tx_frame);
    // What init will carve from the arena (queue sizes read from the device).
    static std::uint64_t arena_bytes(PciAddr pci, std::uint32_t rx_frame, std::uint32_t tx_frame);

    const aoe::Mac& mac() const { return mac_; }
    std::uint16_t io() const { return io_; }
    std::uint32_t features() const { return features_; }
    std::uint16_t rx_size() const { return rx_.size; }
    std::uint16_t tx_slots() const { return tx_slots_; }

    // RX: the next received frame, if any; give its id back with rx_release, then rx_publish.
    // The frame's buffer is the caller's to overwrite until then.
    bool rx_next(std::uint8_t*& frame, std::uint32_t& len, std::uint16_t& id);
    void rx_release(std::uint16_t id);
    void rx_publish();

    // TX: a free slot's buffer for one reply (the engine writes the frame's header at the
    // returned pointer, `tx_cap()` bytes); waits for the device when every slot is in flight.
    std::uint8_t* tx_slot(std::uint16_t& slot);
    std::uint32_t tx_cap() const { return tx_frame_; }
    // Queues slot's `header_len` bytes followed by `data_len` bytes at `data` (a second
    // descriptor into the image; none when data_len is 0). Sent at the next tx_kick.
    void tx_submit(std::uint16_t slot, std::uint32_t header_len, const std::uint8_t* data,
                   std::uint32_t data_len);
    void tx_kick();
    // Gives back a slot taken with tx_slot and never submitted.
    void tx_return(std::uint16_t slot) { tx_free_[tx_free_n_++] = slot; }
    bool tx_idle() const { return tx_free_n_ == tx_slots_; }
    void tx_reap();

    const NicCounters& counters() const { return c_; }

  private:
    const char* setup_queue(std::uint16_t index, Virtq& q, aoe::Arena& arena);
    void notify(std::uint16_t queue);

    std::uint16_t io_ = 0;
    std::uint32_t features_ = 0;
    aoe::Mac mac_{};
    Virtq rx_, tx_;
    std::uint8_t* rx_bufs_ = nullptr;
    std::uint32_t rx_stride_ = 0;
    std::uint8_t* tx_bufs_ = nullptr;
    std::uint32_t tx_stride_ = 0, tx_frame_ = 0;
    std::uint16_t tx_slots_ = 0;
    std::uint16_t* tx_free_ = nullptr;
    std::uint16_t tx_free_n_ = 0;
    std::uint16_t tx_pending_ = 0;
    NicCounters c_;
};

} // namespace metal
