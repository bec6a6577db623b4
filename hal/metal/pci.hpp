// PCI configuration space through mechanism #1 (ports 0xCF8/0xCFC) and a scan for one
// device (vendor, device id) over every bus, device and function.
#pragma once

#include <cstdint>

namespace metal {

struct PciAddr {
    std::uint8_t bus = 0, dev = 0, fn = 0;
};

std::uint32_t pci_read32(PciAddr a, std::uint8_t off);
std::uint16_t pci_read16(PciAddr a, std::uint8_t off);
void pci_write16(PciAddr a, std::uint8_t off, std::uint16_t v);

// The first function with this vendor and one of the device ids; false when none.
bool pci_find(std::uint16_t vendor, const std::uint16_t* ids, int nids, PciAddr& out,
              std::uint16_t& id_out);
// How many functions the scan saw (for the log).
std::uint32_t pci_functions_seen();

} // namespace metal
