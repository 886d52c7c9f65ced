#include "hermes/files/Sha256.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <openssl/evp.h>

namespace hermes::files {

namespace {

EVP_MD_CTX* ctx(void* p) {
    return static_cast<EVP_MD_CTX*>(p);
}

void start(void* p) {
    if (EVP_DigestInit_ex(ctx(p), EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256: EVP_DigestInit_ex failed");
    }
}

}  // namespace

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr) {
        throw std::bad_alloc();
    }
    start(context_);
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(ctx(context_));
}

Sha256::Sha256(Sha256&& other) noexcept : context_(std::exchange(other.context_, nullptr)) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
    std::swap(context_, other.context_);
    return *this;
}

void Sha256::update(std::string_view bytes) {
    if (!bytes.empty() && EVP_DigestUpdate(ctx(context_), bytes.data(), bytes.size()) != 1) {
        throw std::runtime_error("SHA-256: EVP_DigestUpdate failed");
    }
}

std::string Sha256::finishHex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx(context_), digest.data(), &length) != 1) {
        throw std::runtime_error("SHA-256: EVP_DigestFinal_ex failed");
    }
    start(context_);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        hex += kDigits[digest[i] >> 4];
        hex += kDigits[digest[i] & 0xf];
    }
    return hex;
}

std::string Sha256::hex(std::string_view bytes) {
    Sha256 hash;
    hash.update(bytes);
    return hash.finishHex();
}

std::string Sha256::ofFile(const std::string& path, std::size_t length) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot open " + path);
    }
    Sha256 hash;
    std::string buffer(256 * 1024, '\0');
    std::size_t left = length;
    while (left > 0) {
        const std::size_t want = std::min(left, buffer.size());
        const ssize_t got = ::read(fd, buffer.data(), want);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(fd);
            throw std::system_error(error, std::generic_category(), "cannot read " + path);
        }
        if (got == 0) {
            break;
        }
        hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
        if (left != std::string::npos) {
            left -= static_cast<std::size_t>(got);
        }
    }
    ::close(fd);
    return hash.finishHex();
}

}  // namespace hermes::files
