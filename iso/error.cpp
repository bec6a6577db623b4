#include "error.hpp"

#include <cstdint>
#include <cstdio>
#include <libisofs.h>

namespace aoe::iso {

std::string libisofs_message(int rc) {
    const char* text = iso_error_to_msg(rc);
    char code[32];
    std::snprintf(code, sizeof code, " (0x%08X)", static_cast<unsigned>(rc));
    return std::string(text ? text : "unknown libisofs error") + code;
}

} // namespace aoe::iso
