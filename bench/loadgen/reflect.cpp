#include "bench/loadgen/reflect.hpp"

#include <rte_mbuf.h>

#include <cstring>

namespace aoebench {
namespace {

using namespace aoe;

constexpr std::uint64_t kCapacity = 1ull << 32; // sectors the synthetic IDENTIFY reports (2 TiB)

// Turns request `m` into its reply in place; false to drop it.
bool reflect(rte_mbuf* m, const BenchPort& port, std::uint16_t shelf, std::uint8_t slot,
             std::uint8_t scnt) {
    if (m->nb_segs != 1 || m->data_len < kEthHeaderLen + hdr::kLen) return false;
    auto* f = rte_pktmbuf_mtod(m, std::uint8_t*);
    if (load_be16(f + 12) != kEtherTypeAoe) return false;
    std::uint8_t* a = f + kEthHeaderLen;
    if (a[hdr::kVerFlags] & kFlagResponse) return false;
    // Ethernet: back to the sender, from us.
    std::memcpy(f, f + 6, 6);
    store_mac(f + 6, port.mac);
    a[hdr::kVerFlags] = static_cast<std::uint8_t>((kVersion << 4) | kFlagResponse);
    a[hdr::kError] = 0;
    store_be16(a + hdr::kMajor, shelf);
    a[hdr::kMinor] = slot;
    std::uint32_t len = kMinFrameLen;
    if (a[hdr::kCommand] == static_cast<std::uint8_t>(Command::query_config)) {
        std::memset(a + hdr::kLen, 0, cfg::kArgEnd - hdr::kLen);
        store_be16(a + cfg::kBufferCount, 256);
        store_be16(a + cfg::kFirmwareVersion, 0x4000);
        a[cfg::kSectorCount] = scnt;
        a[cfg::kAoeCCmd] = kVersion << 4;
        std::memset(f + kEthHeaderLen + cfg::kArgEnd, 0,
                    kMinFrameLen - (kEthHeaderLen + cfg::kArgEnd));
    } else if (a[hdr::kCommand] == static_cast<std::uint8_t>(Command::ata)) {
        if (m->data_len < kEthHeaderLen + ata::kArgEnd) return false;
        std::uint8_t cmd = a[ata::kCmdStatus];
        std::uint32_t count = a[ata::kSectorCount];
        a[ata::kErrFeature] = 0;
        a[ata::kCmdStatus] = ata::kStatusDrdy;
        if (cmd == ata::kCmdIdentify) {
            std::uint8_t* d = a + ata::kData;
            std::memset(d, 0, ata::kSectorSize);
            store_le16(d + 2 * 49, 0x0200); // LBA supported
            store_le16(d + 2 * 83, 0x5400); // word 83: bit 14, bit 10 LBA48
            store_le16(d + 2 * 86, 0x1400); // word 86: LBA48 enabled
            for (int w = 0; w < 4; ++w)
                store_le16(d + 2 * (100 + w), static_cast<std::uint16_t>(kCapacity >> (16 * w)));
            len = kEthHeaderLen + ata::kArgEnd + ata::kSectorSize;
        } else if (cmd == ata::kCmdReadSectors || cmd == ata::kCmdReadSectorsExt) {
            // The reply size of a real read; the bytes are whatever the buffer holds.
            len = kEthHeaderLen + ata::kArgEnd + count * ata::kSectorSize;
        } else {
            len = kEthHeaderLen + ata::kArgEnd; // writes and the rest: status only
        }
    } else {
        return false;
    }
    if (len < kMinFrameLen) len = kMinFrameLen;
    if (len > rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m)) return false;
    m->data_len = static_cast<std::uint16_t>(len);
    m->pkt_len = len;
    return true;
}

} // namespace

void run_reflect(BenchPort& port, const BenchOptions& o, const std::atomic<bool>& stop,
                 ReflectStats& st) {
    const std::uint16_t shelf = o.have_target ? o.shelf : 0;
    const std::uint8_t slot = o.have_target ? o.slot : 1;
    const std::uint8_t scnt = sectors_for_mtu(port.mtu);
    // A pure busy poll, like testpmd: the reference must not add wake-up latency.
    while (!stop.load(std::memory_order_relaxed)) {
        rte_mbuf* pkts[kBurst];
        rte_mbuf* out[kBurst];
        std::uint16_t n = rte_eth_rx_burst(port.port_id, 0, pkts, kBurst);
        if (!n) continue;
        st.rx += n;
        std::uint16_t k = 0;
        for (std::uint16_t i = 0; i < n; ++i) {
            if (reflect(pkts[i], port, shelf, slot, scnt)) {
                out[k++] = pkts[i];
            } else {
                rte_pktmbuf_free(pkts[i]);
                ++st.dropped;
            }
        }
        std::uint16_t sent = 0;
        // The reference should lose nothing: retry a full TX ring briefly before dropping.
        for (int tries = 0; sent < k && tries < 64; ++tries)
            sent = static_cast<std::uint16_t>(
                sent + rte_eth_tx_burst(port.port_id, 0, out + sent,
                                        static_cast<std::uint16_t>(k - sent)));
        st.tx += sent;
        if (sent < k) {
            st.dropped += k - sent;
            rte_pktmbuf_free_bulk(out + sent, k - sent);
        }
    }
}

} // namespace aoebench
