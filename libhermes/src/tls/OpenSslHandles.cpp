#include "hermes/tls/OpenSslHandles.hpp"

#include <openssl/err.h>

namespace hermes::tls {

std::string takeOpenSslError(const std::string& fallback) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return fallback;
    }
    // The reason alone ("wrong version number"): the library and function
    // parts of ERR_error_string mean nothing to a user.
    if (const char* reason = ERR_reason_error_string(code); reason != nullptr) {
        return reason;
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

}  // namespace hermes::tls
