#pragma once
// A rule broken by a peer: the stable code sent on the wire and a text a
// person can act on.

#include <string>
#include <string_view>

#include "hermes/v1/hermes.pb.h"

namespace hermes::protocol {

struct ProtocolError {
    hermes::v1::ErrorCode code = hermes::v1::ERROR_CODE_UNSPECIFIED;
    std::string text;
};

// The stable name of a code, e.g. "NICK_TAKEN" (the enum name without prefix).
std::string_view errorCodeName(hermes::v1::ErrorCode code);

}  // namespace hermes::protocol
