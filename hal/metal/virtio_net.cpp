#include "hal/metal/virtio_net.hpp"

#include "hal/metal/io.hpp"

extern "C" void* memset(void*, int, unsigned long);

namespace metal {
namespace {

// Legacy virtio-pci registers (offsets in I/O BAR 0), without MSI-X.
constexpr std::uint16_t kDeviceFeatures = 0x00;
constexpr std::uint16_t kGuestFeatures = 0x04;
constexpr std::uint16_t kQueuePfn = 0x08;
constexpr std::uint16_t kQueueSize = 0x0C;
constexpr std::uint16_t kQueueSelect = 0x0E;
constexpr std::uint16_t kQueueNotify = 0x10;
constexpr std::uint16_t kStatus = 0x12;
constexpr std::uint16_t kConfig = 0x14; // virtio-net config: mac[6], status

constexpr std::uint8_t kAck = 1, kDriver = 2, kDriverOk = 4, kFailed = 0x80;
constexpr std::uint32_t kFeatureMac = 1u << 5;
constexpr std::uint16_t kDescNext = 1, kDescWrite = 2;
constexpr std::uint16_t kAvailNoInterrupt = 1, kUsedNoNotify = 1;

constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}

// Bytes of one legacy virtqueue of `n` entries: descriptors and available ring, then the used
// ring on the next 4 KiB boundary.
constexpr std::uint64_t ring_bytes(std::uint16_t n) {
    return align_up(16ull * n + 6 + 2ull * n, 4096) + align_up(6 + 8ull * n, 4096);
}

std::uint16_t io_base(PciAddr pci) {
    return static_cast<std::uint16_t>(pci_read32(pci, 0x10) & ~3u);
}

std::uint16_t queue_size(std::uint16_t io, std::uint16_t index) {
    outw(io + kQueueSelect, index);
    return inw(io + kQueueSize);
}

std::uint32_t stride(std::uint32_t frame) {
    return static_cast<std::uint32_t>(align_up(VirtioNet::kNetHdr + frame, 64));
}

} // namespace

std::uint64_t VirtioNet::arena_bytes(PciAddr pci, std::uint32_t rx_frame, std::uint32_t tx_frame) {
    const std::uint16_t io = io_base(pci);
    const std::uint16_t nrx = queue_size(io, 0), ntx = queue_size(io, 1);
    return ring_bytes(nrx) + 4096 + ring_bytes(ntx) + 4096 + std::uint64_t{nrx} * stride(rx_frame) +
           64 + std::uint64_t{ntx} / 2 * stride(tx_frame) + 64 + 2ull * ntx + 8;
}

const char* VirtioNet::setup_queue(std::uint16_t index, Virtq& q, aoe::Arena& arena) {
    outw(io_ + kQueueSelect, index);
    q.size = inw(io_ + kQueueSize);
    if (q.size == 0) return "virtio-net: the device has no such virtqueue";
    if (q.size & (q.size - 1)) return "virtio-net: queue size is not a power of two";
    const std::uint64_t bytes = ring_bytes(q.size);
    auto* mem = static_cast<std::uint8_t*>(arena.carve(bytes, 4096));
    if (!mem) return "virtio-net: no memory left for a virtqueue";
    memset(mem, 0, bytes);
    q.desc = reinterpret_cast<VirtqDesc*>(mem);
    q.avail = reinterpret_cast<volatile std::uint16_t*>(mem + 16ull * q.size);
    q.used = mem + align_up(16ull * q.size + 6 + 2ull * q.size, 4096);
    q.avail[0] = kAvailNoInterrupt; // polled: no interrupts please
    const std::uint64_t pfn = reinterpret_cast<std::uint64_t>(mem) >> 12;
    if (pfn >> 32) return "virtio-net: virtqueue above 16 TiB";
    outl(io_ + kQueuePfn, static_cast<std::uint32_t>(pfn));
    return nullptr;
}

const char* VirtioNet::init(PciAddr pci, aoe::Arena& arena, std::uint32_t rx_frame,
                            std::uint32_t tx_frame) {
    const std::uint32_t bar0 = pci_read32(pci, 0x10);
    if (!(bar0 & 1))
        return "virtio-net: BAR 0 is not an I/O BAR (a modern-only device; use a transitional "
               "virtio-net-pci, i.e. without disable-legacy=on)";
    io_ = static_cast<std::uint16_t>(bar0 & ~3u);
    // Command: I/O space and bus mastering (the device reads rings and buffers from RAM).
    pci_write16(pci, 0x04, static_cast<std::uint16_t>(pci_read16(pci, 0x04) | 0x0005));

    outb(io_ + kStatus, 0); // reset
    outb(io_ + kStatus, kAck);
    outb(io_ + kStatus, kAck | kDriver);
    const std::uint32_t offered = inl(io_ + kDeviceFeatures);
    features_ = offered & kFeatureMac;
    outl(io_ + kGuestFeatures, features_);
    if (const char* e = setup_queue(0, rx_, arena)) {
        outb(io_ + kStatus, kFailed);
        return e;
    }
    if (const char* e = setup_queue(1, tx_, arena)) {
        outb(io_ + kStatus, kFailed);
        return e;
    }
    if (features_ & kFeatureMac) {
        for (int i = 0; i < 6; ++i) mac_.b[i] = inb(static_cast<std::uint16_t>(io_ + kConfig + i));
    } else {
        // No MAC from the device: a locally administered one (the device accepts any source).
        const std::uint8_t fallback[6] = {0x02, 0xAE, 0x0B, 0x00, 0x00, 0x01};
        for (int i = 0; i < 6; ++i) mac_.b[i] = fallback[i];
    }

    // RX: one device-writable descriptor per buffer, all posted.
    rx_stride_ = stride(rx_frame);
    rx_bufs_ = static_cast<std::uint8_t*>(arena.carve(std::uint64_t{rx_.size} * rx_stride_, 64));
    tx_frame_ = tx_frame;
    tx_stride_ = stride(tx_frame);
    tx_slots_ = static_cast<std::uint16_t>(tx_.size / 2);
    tx_bufs_ = static_cast<std::uint8_t*>(arena.carve(std::uint64_t{tx_slots_} * tx_stride_, 64));
    tx_free_ = static_cast<std::uint16_t*>(arena.carve(2ull * tx_slots_, 8));
    if (!rx_bufs_ || !tx_bufs_ || !tx_free_) {
        outb(io_ + kStatus, kFailed);
        return "virtio-net: no memory left for buffers";
    }
    for (std::uint16_t i = 0; i < rx_.size; ++i) {
        rx_.desc[i] =
            VirtqDesc{reinterpret_cast<std::uint64_t>(rx_bufs_ + std::uint64_t{i} * rx_stride_),
                      kNetHdr + rx_frame, kDescWrite, 0};
        rx_.avail[2 + i] = i;
    }
    rx_.avail_idx = rx_.size;
    // TX: slot s owns descriptors 2s (net header + reply header) and 2s+1 (sector data).
    for (std::uint16_t s = 0; s < tx_slots_; ++s) {
        std::uint8_t* b = tx_bufs_ + std::uint64_t{s} * tx_stride_;
        memset(b, 0, kNetHdr); // flags 0, GSO_NONE: nothing for the device to do
        tx_free_[s] = s;
    }
    tx_free_n_ = tx_slots_;

    outb(io_ + kStatus, kAck | kDriver | kDriverOk);
    barrier();
    rx_.avail[1] = rx_.avail_idx;
    full_fence();
    notify(0);
    return nullptr;
}

void VirtioNet::notify(std::uint16_t queue) {
    outw(io_ + kQueueNotify, queue);
}

bool VirtioNet::rx_next(std::uint8_t*& frame, std::uint32_t& len, std::uint16_t& id) {
    for (;;) {
        if (rx_.last_used == rx_.used_idx()) return false;
        barrier();
        const std::uint32_t d = rx_.used_id(rx_.last_used);
        const std::uint32_t l = rx_.used_len(rx_.last_used);
        ++rx_.last_used;
        if (d >= rx_.size || l < kNetHdr) { // a device bug: count it, give the buffer back
            ++c_.rx_bad;
            if (d < rx_.size) rx_release(static_cast<std::uint16_t>(d));
            continue;
        }
        id = static_cast<std::uint16_t>(d);
        frame = rx_bufs_ + std::uint64_t{d} * rx_stride_ + kNetHdr;
        len = l - kNetHdr;
        ++c_.rx_frames;
        return true;
    }
}

void VirtioNet::rx_release(std::uint16_t id) {
    rx_.avail[2 + rx_.avail_idx % rx_.size] = id;
    ++rx_.avail_idx;
}

void VirtioNet::rx_publish() {
    if (rx_.avail[1] == rx_.avail_idx) return;
    barrier();
    rx_.avail[1] = rx_.avail_idx;
    full_fence();
    if (!(rx_.used_flags() & kUsedNoNotify)) notify(0);
}

void VirtioNet::tx_reap() {
    while (tx_.last_used != tx_.used_idx()) {
        barrier();
        const std::uint32_t head = tx_.used_id(tx_.last_used);
        ++tx_.last_used;
        if (head < tx_.size && tx_free_n_ < tx_slots_)
            tx_free_[tx_free_n_++] = static_cast<std::uint16_t>(head / 2);
    }
}

std::uint8_t* VirtioNet::tx_slot(std::uint16_t& slot) {
    if (tx_free_n_ == 0) tx_reap();
    if (tx_free_n_ == 0) {
        ++c_.tx_ring_full;
        tx_kick(); // everything queued goes now; then wait for the device to hand slots back
        while (tx_free_n_ == 0) {
            asm volatile("pause");
            tx_reap();
        }
    }
    slot = tx_free_[--tx_free_n_];
    return tx_bufs_ + std::uint64_t{slot} * tx_stride_ + kNetHdr;
}

void VirtioNet::tx_submit(std::uint16_t slot, std::uint32_t header_len, const std::uint8_t* data,
                          std::uint32_t data_len) {
    const auto head = static_cast<std::uint16_t>(2 * slot);
    VirtqDesc& d0 = tx_.desc[head];
    d0.addr = reinterpret_cast<std::uint64_t>(tx_bufs_ + std::uint64_t{slot} * tx_stride_);
    d0.len = kNetHdr + header_len;
    if (data_len) {
        VirtqDesc& d1 = tx_.desc[head + 1];
        d1.addr = reinterpret_cast<std::uint64_t>(data);
        d1.len = data_len;
        d1.flags = 0;
        d0.flags = kDescNext;
        d0.next = static_cast<std::uint16_t>(head + 1);
    } else {
        d0.flags = 0;
    }
    tx_.avail[2 + tx_.avail_idx % tx_.size] = head;
    ++tx_.avail_idx;
    ++tx_pending_;
    ++c_.tx_frames;
}

void VirtioNet::tx_kick() {
    if (!tx_pending_) return;
    barrier();
    tx_.avail[1] = tx_.avail_idx;
    full_fence();
    tx_pending_ = 0;
    if (!(tx_.used_flags() & kUsedNoNotify)) {
        notify(1);
        ++c_.tx_kicks;
    }
}

} // namespace metal
