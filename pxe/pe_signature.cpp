#include "pe_signature.hpp"

namespace aoe::pxe {

namespace {

std::uint32_t le16(std::string_view b, std::size_t at) {
    return static_cast<std::uint8_t>(b[at]) | static_cast<std::uint8_t>(b[at + 1]) << 8;
}

std::uint32_t le32(std::string_view b, std::size_t at) {
    return le16(b, at) | le16(b, at + 2) << 16;
}

} // namespace

// PE/COFF layout (Microsoft's "PE Format" specification): the DOS header's e_lfanew (offset
// 0x3c) points at "PE\0\0", then the 20-byte COFF header, then the optional header whose magic
// is 0x10b (PE32) or 0x20b (PE32+); its data directories start at 96 (PE32) or 112 (PE32+)
// bytes in, 8 bytes each, and entry 4 is the certificate table: a file offset (not an RVA) and
// a size. Each WIN_CERTIFICATE there is dwLength (4), wRevision (2), wCertificateType (2),
// with type 2 for PKCS#7 signed data (Authenticode).
PeSignature pe_signature(std::string_view b) {
    PeSignature s;
    auto fail = [&](PeSignature::Kind k, std::string why) {
        s.kind = k;
        s.why = std::move(why);
        return s;
    };
    if (b.size() < 0x40 || b[0] != 'M' || b[1] != 'Z')
        return fail(PeSignature::Kind::NotPe, "no MZ header");
    const std::uint32_t pe = le32(b, 0x3c);
    if (pe > b.size() || b.size() - pe < 24 || b.substr(pe, 4) != std::string_view("PE\0\0", 4))
        return fail(PeSignature::Kind::NotPe, "no PE header (a kernel without an EFI stub)");
    const std::uint32_t opt_size = le16(b, pe + 20);
    const std::size_t opt = pe + 24;
    if (opt_size < 2 || b.size() - opt < opt_size)
        return fail(PeSignature::Kind::Malformed, "PE optional header cut short");
    const std::uint32_t magic = le16(b, opt);
    std::size_t dirs = 0, count_at = 0;
    if (magic == 0x10b) {
        dirs = 96;
        count_at = 92;
    } else if (magic == 0x20b) {
        dirs = 112;
        count_at = 108;
    } else {
        return fail(PeSignature::Kind::Malformed, "PE optional header magic is neither PE32 "
                                                  "nor PE32+");
    }
    // NumberOfRvaAndSizes below 5, or an optional header too short for entry 4: no table.
    if (opt_size < count_at + 4 || le32(b, opt + count_at) < 5 || opt_size < dirs + 5 * 8) {
        s.kind = PeSignature::Kind::Unsigned;
        return s;
    }
    s.cert_offset = le32(b, opt + dirs + 4 * 8);
    s.cert_size = le32(b, opt + dirs + 4 * 8 + 4);
    if (s.cert_offset == 0 || s.cert_size == 0) {
        s.kind = PeSignature::Kind::Unsigned;
        return s;
    }
    if (s.cert_offset > b.size() || b.size() - s.cert_offset < s.cert_size || s.cert_size < 8)
        return fail(PeSignature::Kind::Malformed,
                    "certificate table (offset " + std::to_string(s.cert_offset) + ", " +
                        std::to_string(s.cert_size) + " bytes) lies outside the " +
                        std::to_string(b.size()) + "-byte file");
    // Walk the table's entries (8-byte aligned) for a PKCS#7 one.
    std::size_t at = s.cert_offset;
    const std::size_t end = std::size_t{s.cert_offset} + s.cert_size;
    while (end - at >= 8) {
        const std::uint32_t len = le32(b, at);
        if (len < 8 || len > end - at) break;
        if (le16(b, at + 6) == 0x0002) {
            s.kind = PeSignature::Kind::Signed;
            return s;
        }
        at += (len + 7) & ~std::size_t{7};
    }
    return fail(PeSignature::Kind::Malformed, "certificate table holds no PKCS#7 signature");
}

std::string describe(const PeSignature& s) {
    switch (s.kind) {
    case PeSignature::Kind::Signed:
        return "Authenticode-signed (PKCS#7 in the PE certificate table, " +
               std::to_string(s.cert_size) +
               " bytes; not verified here: the client's firmware "
               "and shim check it against their keys)";
    case PeSignature::Kind::Unsigned:
        return "UNSIGNED (a PE image with an empty certificate table): a UEFI client with "
               "Secure Boot on refuses it";
    case PeSignature::Kind::Malformed:
        return "UNSIGNED (" + s.why + "): a UEFI client with Secure Boot on refuses it";
    case PeSignature::Kind::NotPe:
        break;
    }
    return "UNSIGNED (not an EFI executable: " + s.why +
           "): a UEFI client with Secure Boot on refuses it";
}

} // namespace aoe::pxe
