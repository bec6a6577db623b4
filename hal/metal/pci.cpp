#include "hal/metal/pci.hpp"

#include "hal/metal/io.hpp"

namespace metal {
namespace {
std::uint32_t g_seen = 0;

std::uint32_t addr(PciAddr a, std::uint8_t off) {
    return 0x8000'0000u | (std::uint32_t{a.bus} << 16) | (std::uint32_t{a.dev} << 11) |
           (std::uint32_t{a.fn} << 8) | (off & 0xFC);
}
} // namespace

std::uint32_t pci_read32(PciAddr a, std::uint8_t off) {
    outl(0xCF8, addr(a, off));
    return inl(0xCFC);
}

std::uint16_t pci_read16(PciAddr a, std::uint8_t off) {
    return static_cast<std::uint16_t>(pci_read32(a, off) >> ((off & 2) * 8));
}

void pci_write16(PciAddr a, std::uint8_t off, std::uint16_t v) {
    outl(0xCF8, addr(a, off));
    outw(static_cast<std::uint16_t>(0xCFC + (off & 2)), v);
}

bool pci_find(std::uint16_t vendor, const std::uint16_t* ids, int nids, PciAddr& out,
              std::uint16_t& id_out) {
    g_seen = 0;
    for (unsigned bus = 0; bus < 256; ++bus) {
        for (unsigned dev = 0; dev < 32; ++dev) {
            PciAddr a{static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(dev), 0};
            if (pci_read16(a, 0x00) == 0xFFFF) continue;
            const bool multi = (pci_read32(a, 0x0C) >> 16) & 0x80;
            for (unsigned fn = 0; fn < (multi ? 8u : 1u); ++fn) {
                a.fn = static_cast<std::uint8_t>(fn);
                const std::uint32_t id = pci_read32(a, 0x00);
                if ((id & 0xFFFF) == 0xFFFF) continue;
                ++g_seen;
                if ((id & 0xFFFF) != vendor) continue;
                for (int i = 0; i < nids; ++i) {
                    if ((id >> 16) == ids[i]) {
                        out = a;
                        id_out = ids[i];
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

std::uint32_t pci_functions_seen() {
    return g_seen;
}

} // namespace metal
