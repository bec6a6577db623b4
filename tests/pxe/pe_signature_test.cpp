// pe_signature: the Authenticode check of --inspect / --check, on PE images built here byte by
// byte and on Debian's own signed and unsigned EFI binaries.
#include "pe_signature.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace aoe::pxe;

namespace {

void put16(std::string& b, std::size_t at, std::uint32_t v) {
    b[at] = static_cast<char>(v & 0xff);
    b[at + 1] = static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& b, std::size_t at, std::uint32_t v) {
    put16(b, at, v & 0xffff);
    put16(b, at + 2, v >> 16);
}

// A PE32+ (or PE32) header with 16 data directories; entry 4 (certificate table) at
// cert_off/cert_size, and `certs` appended at cert_off.
std::string pe(bool plus, std::uint32_t cert_off, std::uint32_t cert_size,
               const std::string& certs = "", std::size_t size = 0x400) {
    std::string b(size, '\0');
    b[0] = 'M';
    b[1] = 'Z';
    const std::size_t pe_at = 0x80;
    put32(b, 0x3c, pe_at);
    b.replace(pe_at, 4, std::string("PE\0\0", 4));
    const std::size_t opt = pe_at + 24, dirs = plus ? 112 : 96;
    put16(b, pe_at + 20, static_cast<std::uint32_t>(dirs + 16 * 8)); // SizeOfOptionalHeader
    put16(b, opt, plus ? 0x20b : 0x10b);
    put32(b, opt + dirs - 4, 16); // NumberOfRvaAndSizes
    put32(b, opt + dirs + 4 * 8, cert_off);
    put32(b, opt + dirs + 4 * 8 + 4, cert_size);
    if (!certs.empty()) {
        if (b.size() < cert_off + certs.size()) b.resize(cert_off + certs.size());
        b.replace(cert_off, certs.size(), certs);
    }
    return b;
}

// One WIN_CERTIFICATE of `type` with `payload` bytes after its 8-byte header.
std::string win_cert(std::uint32_t type, std::size_t payload) {
    std::string c(8 + payload, '\x30');
    put32(c, 0, static_cast<std::uint32_t>(c.size()));
    put16(c, 4, 0x0200); // WIN_CERT_REVISION_2_0
    put16(c, 6, type);
    return c;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("PE images built here: signed, unsigned, not a PE, broken tables") {
    using K = PeSignature::Kind;
    const auto cert = win_cert(2, 40);
    auto s = pe(true, 0x400, static_cast<std::uint32_t>(cert.size()), cert);
    CHECK(s.size() == 0x400 + 48);
    auto r = pe_signature(s);
    CHECK(r.kind == K::Signed);
    CHECK(r.cert_offset == 0x400);
    CHECK(r.cert_size == 48);
    CHECK_FALSE(secure_boot_refuses(r));
    CHECK(describe(r).rfind("Authenticode-signed (PKCS#7 in the PE certificate table, 48 bytes;",
                            0) == 0);
    CHECK(pe_signature(pe(false, 0x400, 48, cert)).kind == K::Signed); // PE32 too

    // An X.509 (type 1) entry first, then the PKCS#7 one (8-byte aligned).
    const auto two = win_cert(1, 13) + std::string(3, '\0') + cert;
    CHECK(pe_signature(pe(true, 0x400, static_cast<std::uint32_t>(two.size()), two)).kind ==
          K::Signed);

    r = pe_signature(pe(true, 0, 0));
    CHECK(r.kind == K::Unsigned);
    CHECK(secure_boot_refuses(r));
    CHECK(describe(r) == "UNSIGNED (a PE image with an empty certificate table): a UEFI client "
                         "with Secure Boot on refuses it");

    // Fewer than 5 data directories: no certificate table at all.
    auto few = pe(true, 0x400, 48, cert);
    put32(few, 0x80 + 24 + 108, 4);
    CHECK(pe_signature(few).kind == K::Unsigned);

    // The table runs past the end of the file (a cut-short download, a truncated copy).
    r = pe_signature(pe(true, 0x3f0, 48));
    CHECK(r.kind == K::Malformed);
    CHECK(r.why == "certificate table (offset 1008, 48 bytes) lies outside the 1024-byte file");
    CHECK(secure_boot_refuses(r));
    // A table with only a non-PKCS#7 entry.
    const auto x509 = win_cert(1, 40);
    CHECK(pe_signature(pe(true, 0x400, 48, x509)).kind == K::Malformed);

    CHECK(pe_signature("").kind == K::NotPe);
    CHECK(pe_signature(std::string(4096, 'x')).kind == K::NotPe);
    auto mz = std::string(0x100, '\0');
    mz[0] = 'M';
    mz[1] = 'Z';
    put32(mz, 0x3c, 0xfffffff0); // e_lfanew far outside the file
    r = pe_signature(mz);
    CHECK(r.kind == K::NotPe);
    CHECK(describe(r) == "UNSIGNED (not an EFI executable: no PE header (a kernel without an EFI "
                         "stub)): a UEFI client with Secure Boot on refuses it");
    auto bad_magic = pe(true, 0, 0);
    put16(bad_magic, 0x80 + 24, 0x107);
    CHECK(pe_signature(bad_magic).kind == K::Malformed);
}

TEST_CASE("Debian's EFI binaries: shim and GRUB signed, the unsigned shim not") {
    // shim-signed and grub-efi-amd64-signed are in scripts/setup: the test fails when they are
    // missing instead of passing on nothing.
    const char* signed_files[] = {"/usr/lib/shim/shimx64.efi.signed",
                                  "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"};
    for (const char* f : signed_files) {
        REQUIRE_MESSAGE(std::filesystem::exists(f),
                        f << " is missing (apt-get install shim-signed grub-efi-amd64-signed)");
        auto r = pe_signature(slurp(f));
        INFO(f);
        CHECK(r.kind == PeSignature::Kind::Signed);
        CHECK(r.cert_size > 1000); // Debian's certificate chain
    }
    REQUIRE(std::filesystem::exists("/usr/lib/shim/shimx64.efi"));
    CHECK(pe_signature(slurp("/usr/lib/shim/shimx64.efi")).kind == PeSignature::Kind::Unsigned);
}
