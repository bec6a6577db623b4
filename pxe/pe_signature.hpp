// Whether a kernel carries an Authenticode signature: the certificate table of its PE header
// (the EFI stub's). A UEFI client with Secure Boot on refuses a kernel without one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aoe::pxe {

struct PeSignature {
    enum class Kind {
        NotPe,    // no "MZ"/"PE\0\0" header: not an EFI executable at all
        Unsigned, // a PE image whose certificate table is empty
        Signed,   // a PKCS#7 (WIN_CERT_TYPE_PKCS_SIGNED_DATA) certificate in the table
        Malformed // a certificate table that points outside the file or holds no PKCS#7
    };
    Kind kind = Kind::NotPe;
    std::uint32_t cert_offset = 0; // the certificate table's file offset and size (0 if none)
    std::uint32_t cert_size = 0;
    std::string why; // for NotPe / Malformed: what is wrong, for the message
};

// Reads the PE headers of `image` (the whole file: the certificate table is at its end).
// The signature is found, not verified: whether it chains to a key in the firmware's db is
// the firmware's (and shim's) decision.
PeSignature pe_signature(std::string_view image);

// One phrase for --inspect / --check: "Authenticode-signed (PKCS#7, N bytes)", "UNSIGNED: ...".
std::string describe(const PeSignature& s);

// True when a Secure Boot client would refuse the image for want of a signature.
inline bool secure_boot_refuses(const PeSignature& s) {
    return s.kind != PeSignature::Kind::Signed;
}

} // namespace aoe::pxe
