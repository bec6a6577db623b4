// Test fixtures made by the tests themselves: temp dirs, random files, ISOs built with xorriso
// and with libisofs' writer API, and a runner for the stage-pxe binary. Nothing lands in git.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fixtures {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
// Mode 0755 so a test can run the tool as another user.
struct TempDir {
    fs::path path;
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    fs::path operator/(const std::string& rel) const { return path / rel; }
};

std::string random_bytes(std::size_t n, std::uint32_t seed);
void write_file(const fs::path& p, const std::string& data);
std::string read_file(const fs::path& p);
std::string sha256(const std::string& data);
std::string sha256_of_file(const fs::path& p);

// files: relative path -> content; links: relative path -> symlink target.
struct Tree {
    std::map<std::string, std::string> files;
    std::map<std::string, std::string> links;
};
void make_tree(const fs::path& root, const Tree& t);

// xorriso -as mkisofs -R -J -V <volid> [extra...] -o <out> <dir>. Throws on failure (the
// tests fail loudly when xorriso is missing).
fs::path xorriso_iso(const fs::path& out, const fs::path& dir, const std::string& volid,
                     const std::vector<std::string>& extra = {});
// The same tree written through libisofs' own writer (Rock Ridge + Joliet).
fs::path libisofs_iso(const fs::path& out, const Tree& t, const std::string& volid);

struct RunResult {
    int status = -1; // exit code, or 128+signal
    std::string out;
    std::string err;
};
// Runs argv (argv[0] a path) with extra environment entries "K=V".
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

// Typical fixtures: KIWI layout for an arch, with small random kernel/initrd.
Tree kiwi_tree(const std::string& arch, std::uint32_t seed);

} // namespace fixtures
