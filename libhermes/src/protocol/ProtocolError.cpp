#include "hermes/protocol/ProtocolError.hpp"

namespace hermes::protocol {

std::string_view errorCodeName(hermes::v1::ErrorCode code) {
    static constexpr std::string_view kPrefix = "ERROR_CODE_";
    const std::string& full = hermes::v1::ErrorCode_Name(code);
    if (full.empty()) {
        return "UNKNOWN";
    }
    std::string_view name(full);
    if (name.starts_with(kPrefix)) {
        name.remove_prefix(kPrefix.size());
    }
    return name;
}

}  // namespace hermes::protocol
