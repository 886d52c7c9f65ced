#include "hermes/codec/WebSocketFrame.hpp"

#include <algorithm>

namespace hermes::codec {

std::size_t writeWsHeader(WsOpcode opcode, std::uint64_t length, char* out) {
    out[0] = static_cast<char>(0x80u | static_cast<std::uint8_t>(opcode));
    if (length < 126) {
        out[1] = static_cast<char>(length);
        return 2;
    }
    if (length <= 0xFFFF) {
        out[1] = static_cast<char>(126);
        out[2] = static_cast<char>((length >> 8) & 0xFFu);
        out[3] = static_cast<char>(length & 0xFFu);
        return 4;
    }
    out[1] = static_cast<char>(127);
    for (int i = 0; i < 8; ++i) {
        out[2 + i] = static_cast<char>((length >> (8 * (7 - i))) & 0xFFu);
    }
    return 10;
}

void appendWsControlFrame(WsOpcode opcode, std::string_view payload, std::string& out) {
    payload = payload.substr(0, kWsMaxControlPayload);
    char header[kWsMaxServerHeaderBytes];
    const std::size_t size = writeWsHeader(opcode, payload.size(), header);
    out.append(header, size);
    out.append(payload);
}

std::string wsClosePayload(WsCloseCode code, std::string_view reason) {
    const auto value = static_cast<std::uint16_t>(code);
    std::string payload;
    payload.push_back(static_cast<char>(value >> 8));
    payload.push_back(static_cast<char>(value & 0xFFu));
    std::size_t keep = std::min(reason.size(), kWsMaxControlPayload - 2);
    // Never cut a UTF-8 sequence: back off over continuation bytes.
    while (keep < reason.size() && keep > 0 &&
           (static_cast<std::uint8_t>(reason[keep]) & 0xC0u) == 0x80u) {
        --keep;
    }
    payload.append(reason.substr(0, keep));
    return payload;
}

bool wsCloseCodeAllowed(std::uint16_t code) {
    if (code >= 3000 && code <= 4999) {
        return true;  // registered by libraries (3xxx) or private use (4xxx)
    }
    switch (code) {
        case 1000:
        case 1001:
        case 1002:
        case 1003:
        case 1007:
        case 1008:
        case 1009:
        case 1010:
        case 1011:
        case 1012:
        case 1013:
        case 1014:
            return true;
        default:
            return false;  // 1004-1006 and 1015 are never sent; the rest unassigned
    }
}

}  // namespace hermes::codec
