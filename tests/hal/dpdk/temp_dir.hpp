// A scratch directory for the hal/ unit tests, removed with everything in it at scope exit.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace aoehal::test {

struct TempDir {
    std::filesystem::path p;
    TempDir() {
        char tmpl[] = "/tmp/aoe-hal-test.XXXXXX";
        p = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(p); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path(const std::string& name) const { return (p / name).string(); }
    // Writes `text` to NAME (making its directories) and returns its path.
    std::string write(const std::string& name, const std::string& text) const {
        std::filesystem::create_directories((p / name).parent_path());
        std::ofstream(p / name) << text;
        return path(name);
    }
};

} // namespace aoehal::test
