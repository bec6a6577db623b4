#include "sha256.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace aoe::pxe {

struct Sha256::Ctx {
    EVP_MD_CTX* md = nullptr;
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    ctx_->md = EVP_MD_CTX_new();
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL: cannot start SHA-256");
}
Sha256::~Sha256() = default;

void Sha256::update(std::span<const std::byte> data) {
    if (EVP_DigestUpdate(ctx_->md, data.data(), data.size()) != 1)
        throw std::runtime_error("OpenSSL: SHA-256 update failed");
}

std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx_->md, md, &len) != 1)
        throw std::runtime_error("OpenSSL: SHA-256 final failed");
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 15];
    }
    return out;
}

std::string sha256_file(const std::filesystem::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("'" + p.string() + "': " + std::strerror(errno));
    Sha256 h;
    std::vector<std::byte> buf(1 << 20);
    for (;;) {
        ssize_t k = ::read(fd, buf.data(), buf.size());
        if (k < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            throw std::runtime_error("'" + p.string() + "': read: " + std::strerror(e));
        }
        if (k == 0) break;
        h.update(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(k)));
    }
    ::close(fd);
    return h.hex();
}

} // namespace aoe::pxe
