// Incremental SHA-256 over OpenSSL's EVP interface (manifest checksums).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

namespace aoe::pxe {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::span<const std::byte> data);
    std::string hex(); // finalises

  private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

// sha256 of a file on disk, lowercase hex; throws std::runtime_error naming the file.
std::string sha256_file(const std::filesystem::path& p);

} // namespace aoe::pxe
