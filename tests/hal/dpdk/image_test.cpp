// An export's disk image (hal/dpdk/image.hpp): the file mapped byte for byte, whole sectors only
// (a trailing partial sector is dropped with a note), a 2 MiB aligned mapping a multiple of
// 2 MiB long, read-only images mapped private and read-only, writable ones shared (a write
// lands in the file, sync() flushes it), errors that name the file, the content identity,
// changed_on_disk() and the background page-in.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hal/dpdk/image.hpp"
#include "temp_dir.hpp"

using namespace aoehal;
namespace fs = std::filesystem;
using aoehal::test::TempDir;

namespace {

// Deterministic, position-dependent bytes, so a shifted or repeated block shows.
std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed = 1) {
    std::vector<std::uint8_t> v(n);
    std::uint32_t x = seed * 2654435761u + 12345u;
    for (std::size_t i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v[i] = static_cast<std::uint8_t>(x);
    }
    return v;
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    REQUIRE(f.good());
}

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The permissions and flags of the mapping that holds `addr`, from /proc/self/maps
// ("r--p", "rw-s", ...), or "" if no mapping holds it.
std::string map_perms(const void* addr) {
    auto a = reinterpret_cast<std::uintptr_t>(addr);
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream in(line);
        std::string range, perms;
        in >> range >> perms;
        auto dash = range.find('-');
        auto lo = std::stoull(range.substr(0, dash), nullptr, 16);
        auto hi = std::stoull(range.substr(dash + 1), nullptr, 16);
        if (a >= lo && a < hi) return perms;
    }
    return "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

TEST_CASE("a read-only image maps the file byte for byte, 2 MiB aligned") {
    TempDir d;
    const std::string path = d.path("ro.img");
    const std::size_t n = (5u << 20) + 3 * 512; // spans three 2 MiB windows
    auto bytes = pattern(n);
    write_file(path, bytes);

    Image img;
    std::string error, note;
    REQUIRE_MESSAGE(img.open(path, false, error, note), error);
    CHECK(error.empty());
    CHECK(note.empty()); // a whole number of sectors: nothing to warn about
    CHECK(img.path() == path);
    CHECK_FALSE(img.writable());
    CHECK(img.file_bytes() == n);
    CHECK(img.sectors() == n / 512);
    REQUIRE(img.data() != nullptr);
    CHECK(std::memcmp(img.data(), bytes.data(), n) == 0);

    CHECK(reinterpret_cast<std::uintptr_t>(img.data()) % kImageAlign == 0);
    CHECK(img.map_bytes() % kImageAlign == 0);
    CHECK(img.map_bytes() >= img.file_bytes());
    CHECK(img.map_bytes() < img.file_bytes() + kImageAlign);
    CHECK(img.map_bytes() == 6u << 20);
    CHECK(map_perms(img.data()) == "r--p"); // MAP_PRIVATE, PROT_READ
    CHECK(img.sync());                      // nothing to flush on a read-only image
}

TEST_CASE("a read-only image cannot be written through its mapping") {
    TempDir d;
    const std::string path = d.path("ro.img");
    auto bytes = pattern(4096, 2);
    write_file(path, bytes);
    Image img;
    std::string error, note;
    REQUIRE_MESSAGE(img.open(path, false, error, note), error);

    // A store into the mapping faults (in a child, so the test survives it).
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core {};
        setrlimit(RLIMIT_CORE, &no_core); // the expected fault leaves no core file
        std::signal(SIGSEGV, SIG_DFL);    // not doctest's crash report: just die of it
        img.data()[100] = static_cast<std::uint8_t>(~img.data()[100]);
        _exit(0); // reached only if the store went through
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGSEGV);
    CHECK(read_file(path) == bytes);
}

TEST_CASE("a writable image is shared with the file: a write lands in it") {
    TempDir d;
    const std::string path = d.path("rw.img");
    const std::size_t n = 64 * 512;
    auto bytes = pattern(n, 3);
    write_file(path, bytes);

    Image img;
    std::string error, note;
    REQUIRE_MESSAGE(img.open(path, true, error, note), error);
    CHECK(note.empty());
    CHECK(img.writable());
    CHECK(img.sectors() == 64);
    CHECK(std::memcmp(img.data(), bytes.data(), n) == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(img.data()) % kImageAlign == 0);
    CHECK(map_perms(img.data()) == "rw-s"); // MAP_SHARED, PROT_READ|PROT_WRITE

    auto sector = pattern(512, 4);
    std::memcpy(img.data() + 7 * 512, sector.data(), 512);
    CHECK(img.sync());
    std::memcpy(bytes.data() + 7 * 512, sector.data(), 512);
    CHECK(read_file(path) == bytes); // through a separate open of the file

    // And the other way: a write to the file shows in the mapping.
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const std::uint8_t b = static_cast<std::uint8_t>(~bytes[9 * 512 + 1]);
    REQUIRE(pwrite(fd, &b, 1, 9 * 512 + 1) == 1);
    close(fd);
    CHECK(img.data()[9 * 512 + 1] == b);
}

TEST_CASE("a size that is not a whole number of sectors: the partial sector is not exported") {
    TempDir d;
    const std::string path = d.path("odd.img");
    const std::size_t n = 3 * 512 + 100;
    auto bytes = pattern(n, 5);
    write_file(path, bytes);

    for (bool writable : {false, true}) {
        CAPTURE(writable);
        Image img;
        std::string error, note;
        REQUIRE_MESSAGE(img.open(path, writable, error, note), error);
        CHECK(img.sectors() == 3);          // rounded down
        CHECK(img.file_bytes() == 3 * 512); // what is served, not the file's size
        CHECK(std::memcmp(img.data(), bytes.data(), 3 * 512) == 0);
        // The warning aoe-target prints: the file, its size, what is served, what is dropped.
        CHECK(starts_with(note, path + ": "));
        CHECK(note.find("1636 bytes") != std::string::npos);
        CHECK(note.find("first 3 sectors") != std::string::npos);
        CHECK(note.find("100 trailing bytes") != std::string::npos);
    }
}

TEST_CASE("an empty file and a file shorter than one sector are refused, naming the file") {
    TempDir d;
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{511}}) {
        CAPTURE(n);
        const std::string path = d.path("short.img");
        write_file(path, pattern(n, 6));
        Image img;
        std::string error, note;
        CHECK_FALSE(img.open(path, false, error, note));
        CHECK(starts_with(error, path + ": too short (" + std::to_string(n) + " bytes"));
        CHECK(img.data() == nullptr);
    }
    // One sector is enough.
    const std::string path = d.path("one.img");
    write_file(path, pattern(512, 7));
    Image img;
    std::string error, note;
    CHECK(img.open(path, false, error, note));
    CHECK(img.sectors() == 1);
}

TEST_CASE("a missing file is refused, naming the file") {
    TempDir d;
    const std::string path = d.path("missing.img");
    for (bool writable : {false, true}) {
        CAPTURE(writable);
        Image img;
        std::string error, note;
        CHECK_FALSE(img.open(path, writable, error, note));
        CHECK(error == path + ": no such file");
        CHECK(img.data() == nullptr);
    }
}

TEST_CASE("a directory is refused, naming it") {
    TempDir d;
    const std::string path = d.path("dir");
    fs::create_directory(path);
    for (bool writable : {false, true}) {
        CAPTURE(writable);
        Image img;
        std::string error, note;
        CHECK_FALSE(img.open(path, writable, error, note));
        CAPTURE(error);
        CHECK(starts_with(error, path + ": "));
        // "is a directory" (read-only) or strerror(EISDIR) (opening it for writing fails).
        CHECK(error.find("s a directory") != std::string::npos);
        CHECK(img.data() == nullptr);
    }
}

TEST_CASE("a file the caller may not write is refused as writable, served read-only") {
    if (geteuid() == 0) {
        MESSAGE("skipped: root may open a mode 0444 file for writing");
        return;
    }
    TempDir d;
    const std::string path = d.path("locked.img");
    write_file(path, pattern(1024, 8));
    REQUIRE(chmod(path.c_str(), 0444) == 0);
    {
        Image img;
        std::string error, note;
        CHECK_FALSE(img.open(path, true, error, note));
        CHECK(starts_with(error, path + ": cannot open for writing: "));
    }
    Image img;
    std::string error, note;
    CHECK(img.open(path, false, error, note));
}

TEST_CASE("identity: 16 hex digits of the size and content, not of the file's name or inode") {
    TempDir d;
    const std::size_t n = 1u << 20; // past the first 64 KiB: the sampled blocks count too
    auto bytes = pattern(n, 9);
    auto identity = [&](const std::string& name, const std::vector<std::uint8_t>& content) {
        write_file(d.path(name), content);
        Image img;
        std::string error, note;
        REQUIRE_MESSAGE(img.open(d.path(name), false, error, note), error);
        return img.identity();
    };
    const std::string a = identity("a.img", bytes);
    CHECK(a.size() == 16);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(identity("copy.img", bytes) == a); // two copies of one image agree

    auto head = bytes;
    head[40000] ^= 1; // in the first 64 KiB
    CHECK(identity("head.img", head) != a);
    auto tail = bytes;
    tail[n - 1] ^= 1; // in the last 4 KiB
    CHECK(identity("tail.img", tail) != a);
    auto shorter = bytes;
    shorter.resize(n - 512);
    CHECK(identity("short.img", shorter) != a);

    // A trailing partial sector is not part of the export, so not of its identity either.
    auto longer = bytes;
    longer.push_back(0x5a);
    CHECK(identity("long.img", longer) == a);
}

TEST_CASE("changed_on_disk: the file replaced, rewritten or removed") {
    TempDir d;
    const std::string path = d.path("img");
    auto bytes = pattern(8192, 10);
    auto open_fresh = [&](Image& img) {
        write_file(path, bytes);
        std::string error, note;
        REQUIRE_MESSAGE(img.open(path, false, error, note), error);
        CHECK_FALSE(img.changed_on_disk());
    };
    {
        Image img;
        open_fresh(img);
        CHECK_FALSE(img.changed_on_disk()); // asking again changes nothing
        const std::string other = d.path("other");
        write_file(other, bytes); // the same bytes, another inode
        fs::rename(other, path);
        CHECK(img.changed_on_disk());
    }
    {
        Image img;
        open_fresh(img);
        struct timespec times[2] = {{1000, 0}, {1000, 0}}; // rewritten in place: a new mtime
        REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
        CHECK(img.changed_on_disk());
    }
    {
        Image img;
        open_fresh(img);
        fs::remove(path);
        CHECK(img.changed_on_disk());
    }
}

TEST_CASE("prefetch pages the image in and reports done; stop is safe at any time") {
    TempDir d;
    const std::string path = d.path("img");
    write_file(path, pattern(3u << 20, 11));
    {
        Image img;
        std::string error, note;
        REQUIRE_MESSAGE(img.open(path, false, error, note), error);
        CHECK_FALSE(img.prefetch_done());
        img.start_prefetch("e0.1", std::uint64_t{1} << 62); // no progress line for this size
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!img.prefetch_done() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        CHECK(img.prefetch_done());
        img.stop_prefetch();
        img.stop_prefetch(); // twice: nothing left to join
    }
    {
        Image img; // never started: stopping (and the destructor) must not block
        std::string error, note;
        REQUIRE_MESSAGE(img.open(path, false, error, note), error);
        img.stop_prefetch();
    }
    {
        Image img; // started and destroyed at once: the destructor stops and joins it
        std::string error, note;
        REQUIRE_MESSAGE(img.open(path, false, error, note), error);
        img.start_prefetch("e0.1", std::uint64_t{1} << 62);
    }
}
