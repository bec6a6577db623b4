#include "error.hpp"
#include "fixtures.hpp"
#include "precheck.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace aoe::iso;

namespace {

std::string pvd_block(std::uint32_t blocks, const char* volid) {
    std::string b(2048, '\0');
    b[0] = 1;
    std::memcpy(&b[1], "CD001", 5);
    b[6] = 1;
    std::string id(32, ' ');
    std::memcpy(id.data(), volid, std::strlen(volid));
    std::memcpy(&b[40], id.data(), 32);
    for (int i = 0; i < 4; ++i) {
        b[static_cast<std::size_t>(80 + i)] = static_cast<char>((blocks >> (8 * i)) & 0xFF); // LE
        b[static_cast<std::size_t>(87 - i)] = static_cast<char>((blocks >> (8 * i)) & 0xFF); // BE
    }
    return b;
}

ErrorKind kind_of(const fixtures::fs::path& p) {
    try {
        precheck_iso_file(p);
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find(p.string()) != std::string::npos); // names the file
        return e.kind();
    }
    FAIL("no error for " << p);
    return ErrorKind::Library;
}

} // namespace

TEST_CASE("parse_pvd reads volume size and id (ECMA-119 8.4.6, 8.4.8)") {
    PvdInfo info;
    auto b = pvd_block(190, "KIWI_TEST");
    REQUIRE(parse_pvd(reinterpret_cast<const unsigned char*>(b.data()), b.size(), info));
    CHECK(info.volume_blocks == 190);
    CHECK(info.volume_id == "KIWI_TEST");
    b[1] = 'X';
    CHECK_FALSE(parse_pvd(reinterpret_cast<const unsigned char*>(b.data()), b.size(), info));
    CHECK_FALSE(parse_pvd(reinterpret_cast<const unsigned char*>(b.data()), 100, info));
}

TEST_CASE("precheck tells each bad file apart and names it") {
    fixtures::TempDir d;
    fixtures::write_file(d / "empty", "");
    fixtures::write_file(d / "short", fixtures::random_bytes(1000, 1));
    fixtures::write_file(d / "random", fixtures::random_bytes(64 * 1024, 2));
    std::string iso = std::string(16 * 2048, '\0') + pvd_block(100, "X") + std::string(2048, '\0');
    fixtures::write_file(d / "truncated", iso); // says 100 blocks, has 18
    std::string good =
        std::string(16 * 2048, '\0') + pvd_block(18, "GOOD") + std::string(2048, '\0');
    fixtures::write_file(d / "good", good);

    CHECK(kind_of(d / "missing") == ErrorKind::Missing);
    CHECK(kind_of(d.path) == ErrorKind::NotAFile);
    CHECK(kind_of("/dev/null") == ErrorKind::NotAFile);
    CHECK(kind_of(d / "empty") == ErrorKind::Empty);
    CHECK(kind_of(d / "short") == ErrorKind::TooSmall);
    CHECK(kind_of(d / "random") == ErrorKind::NotIso);
    CHECK(kind_of(d / "truncated") == ErrorKind::Truncated);
    auto info = precheck_iso_file(d / "good");
    CHECK(info.volume_blocks == 18);
    CHECK(info.volume_id == "GOOD");
}
