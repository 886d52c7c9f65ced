#pragma once
// SHA-256 of a stream of bytes, through OpenSSL's EVP interface, and its
// text form: 64 lowercase hex digits (the name of a file in the hub's store,
// FileInfo.sha256 on the wire).
//
// Threading: one instance per thread; not copyable.

#include <string>
#include <string_view>

namespace hermes::files {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256(Sha256&& other) noexcept;
    Sha256& operator=(Sha256&& other) noexcept;

    void update(std::string_view bytes);
    // The hash of everything updated so far, as hex; the instance starts over.
    std::string finishHex();

    // The hash of `bytes`, as hex.
    static std::string hex(std::string_view bytes);
    // The hash of the first `length` bytes of the file at `path` (all of it
    // when length is npos), as hex. Throws std::system_error naming the file.
    static std::string ofFile(const std::string& path, std::size_t length = std::string::npos);

private:
    void* context_;  // EVP_MD_CTX
};

}  // namespace hermes::files
