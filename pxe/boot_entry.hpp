// A kernel/initrd pair as a boot config inside an ISO names it (isolinux LABEL, GRUB menuentry).
#pragma once

#include <string>
#include <vector>

namespace aoe::pxe {

struct BootEntry {
    std::string label;                // LABEL name / menuentry title; may be empty
    std::string kernel;               // path as written, prefixes like "(cd)" removed
    std::vector<std::string> initrds; // in load order
    std::string args;                 // kernel arguments without initrd=
};

} // namespace aoe::pxe
