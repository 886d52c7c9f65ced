#include "WebSocketStream.hpp"

namespace hermes::bench {

namespace {

// Any fixed key will do for a bench: the hub unmasks every byte either way.
constexpr unsigned char kMask[4] = {0x5a, 0xc3, 0x91, 0x0e};

}  // namespace

std::string WebSocketStream::upgradeRequest(const std::string& host, std::uint16_t port) {
    const std::string authority = host + ":" + std::to_string(port);
    return "GET /ws HTTP/1.1\r\nHost: " + authority +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: aGVybWVzLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Origin: http://" +
           authority + "\r\n\r\n";
}

void WebSocketStream::appendMessage(const google::protobuf::MessageLite& message,
                                    std::string& out) {
    const std::size_t length = message.ByteSizeLong();
    out.push_back(static_cast<char>(0x82));  // FIN, binary
    if (length < 126) {
        out.push_back(static_cast<char>(0x80 | length));
    } else if (length <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(length >> 8));
        out.push_back(static_cast<char>(length & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i) {
            out.push_back(
                static_cast<char>((static_cast<std::uint64_t>(length) >> (8 * i)) & 0xFF));
        }
    }
    out.append(reinterpret_cast<const char*>(kMask), sizeof kMask);
    const std::size_t at = out.size();
    out.resize(at + length);
    message.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(out.data() + at));
    for (std::size_t i = 0; i < length; ++i) {
        out[at + i] = static_cast<char>(static_cast<unsigned char>(out[at + i]) ^ kMask[i & 3]);
    }
}

bool WebSocketStream::takeHead(std::string_view& chunk) {
    const std::size_t before = tail_.size();
    tail_.append(chunk);
    const std::size_t end = tail_.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (tail_.size() > kMaxHeadBytes) {
            error_ = "no end to the upgrade's answer";
        }
        chunk = {};
        return false;
    }
    if (tail_.compare(0, 13, "HTTP/1.1 101 ") != 0) {
        error_ = "upgrade refused: " + tail_.substr(0, tail_.find("\r\n"));
        return false;
    }
    upgraded_ = true;
    chunk.remove_prefix(end + 4 - before);
    std::string().swap(tail_);
    return true;
}

WebSocketStream::Parse WebSocketStream::header(const char* p, std::size_t available,
                                               std::size_t& offset, std::uint64_t& length) {
    if (available < 2) {
        return Parse::Incomplete;
    }
    const auto second = static_cast<std::uint8_t>(p[1]);
    if ((second & 0x80u) != 0) {
        error_ = "a masked frame from the hub";
        return Parse::Bad;
    }
    length = second & 0x7Fu;
    offset = 2;
    if (length == 126) {
        offset = 4;
    } else if (length == 127) {
        offset = 10;
    }
    if (available < offset) {
        return Parse::Incomplete;
    }
    if (offset > 2) {
        length = 0;
        for (std::size_t i = 2; i < offset; ++i) {
            length = (length << 8) | static_cast<std::uint8_t>(p[i]);
        }
    }
    if (length > maxMessageBytes_) {
        error_ = "a message of " + std::to_string(length) + " bytes from the hub";
        return Parse::Bad;
    }
    return Parse::Complete;
}

}  // namespace hermes::bench
