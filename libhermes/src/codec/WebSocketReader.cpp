#include "hermes/codec/WebSocketReader.hpp"

#include <algorithm>
#include <limits>

#include <google/protobuf/io/coded_stream.h>

#include "hermes/protocol/Validation.hpp"

namespace hermes::codec {

namespace {

// The Hermes length prefix, written as FrameEncoder writes it.
void appendVarint(std::uint64_t value, std::string& out) {
    std::uint8_t bytes[10];
    const std::uint8_t* end =
        google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(value, bytes);
    out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(end - bytes));
}

bool isControl(WsOpcode opcode) {
    return (static_cast<std::uint8_t>(opcode) & 0x8u) != 0;
}

bool knownOpcode(std::uint8_t opcode) {
    switch (opcode) {
        case 0x0:
        case 0x1:
        case 0x2:
        case 0x8:
        case 0x9:
        case 0xA:
            return true;
        default:
            return false;
    }
}

}  // namespace

void WebSocketReader::fail(WsCloseCode code, std::string_view why) {
    state_ = State::Failed;
    failureCode_ = code;
    failure_ = why;
    release();
}

void WebSocketReader::release() {
    fragmented_ = false;
    std::string().swap(message_);
    std::string().swap(control_);
}

void WebSocketReader::oversize(std::uint64_t length, std::string& hermes) {
    // The prefix alone: the hub's FrameDecoder judges it (FRAME_TOO_LARGE),
    // as it would a TCP client's. Above 2^32 - 1 the prefix says 2^32 - 1,
    // which the hub also takes as too large.
    appendVarint(std::min<std::uint64_t>(length, std::numeric_limits<std::uint32_t>::max()),
                 hermes);
    fail(WsCloseCode::MessageTooBig, "a message over the hub's frame limit (hub.max_frame_bytes)");
}

WebSocketReader::State WebSocketReader::feed(std::string_view bytes, std::string& hermes) {
    while (state_ == State::Open && !bytes.empty()) {
        if (inPayload_) {
            takePayload(bytes, hermes);
            continue;
        }
        while (!headerComplete() && state_ == State::Open && !bytes.empty()) {
            header_[headerHave_++] = static_cast<std::uint8_t>(bytes.front());
            bytes.remove_prefix(1);
        }
        if (state_ == State::Open && headerComplete()) {
            startFrame(hermes);
        }
    }
    return state_;
}

bool WebSocketReader::headerComplete() {
    if (headerHave_ < 2) {
        return false;
    }
    if ((header_[1] & 0x80u) == 0) {
        // Judged as soon as the bit is seen: nothing unmasked is read further.
        fail(WsCloseCode::ProtocolError, "an unmasked frame: a client must mask every frame");
        return false;
    }
    const std::uint8_t length7 = header_[1] & 0x7Fu;
    const std::size_t need = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
    return headerHave_ >= need;
}

void WebSocketReader::startFrame(std::string& hermes) {
    const std::uint8_t first = header_[0];
    const std::uint8_t length7 = header_[1] & 0x7Fu;
    std::size_t at = 2;
    std::uint64_t length = length7;
    if (length7 == 126) {
        length = (std::uint64_t{header_[2]} << 8) | header_[3];
        at = 4;
    } else if (length7 == 127) {
        length = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            length = (length << 8) | header_[2 + i];
        }
        at = 10;
    }
    std::copy_n(header_.begin() + static_cast<std::ptrdiff_t>(at), 4, mask_.begin());
    headerHave_ = 0;
    maskPos_ = 0;
    fin_ = (first & 0x80u) != 0;

    if ((first & 0x70u) != 0) {
        fail(WsCloseCode::ProtocolError, "reserved bits set, and no extension was negotiated");
        return;
    }
    if (!knownOpcode(first & 0x0Fu)) {
        fail(WsCloseCode::ProtocolError, "an unknown opcode");
        return;
    }
    opcode_ = static_cast<WsOpcode>(first & 0x0Fu);
    if ((length7 == 126 && length < 126) || (length7 == 127 && length <= 0xFFFF)) {
        fail(WsCloseCode::ProtocolError, "a length not in its shortest form");
        return;
    }
    if (length7 == 127 && (length >> 63) != 0) {
        fail(WsCloseCode::ProtocolError, "a 64-bit length with its top bit set");
        return;
    }

    if (isControl(opcode_)) {
        if (!fin_) {
            fail(WsCloseCode::ProtocolError, "a fragmented control frame");
            return;
        }
        if (length > kWsMaxControlPayload) {
            fail(WsCloseCode::ProtocolError, "a control frame over 125 bytes");
            return;
        }
        sink_ = Sink::Control;
        control_.clear();
    } else if (opcode_ == WsOpcode::Continuation) {
        if (!fragmented_) {
            fail(WsCloseCode::ProtocolError, "a continuation frame with no message to continue");
            return;
        }
        if (length > maxMessageBytes_ - message_.size()) {
            oversize(message_.size() + length, hermes);
            return;
        }
        sink_ = Sink::Message;
    } else {
        if (fragmented_) {
            fail(WsCloseCode::ProtocolError, "a new message before the fragmented one ended");
            return;
        }
        if (opcode_ == WsOpcode::Text) {
            fail(WsCloseCode::UnsupportedData,
                 "a text message: each Envelope goes in one binary message");
            return;
        }
        if (length > maxMessageBytes_) {
            oversize(length, hermes);
            return;
        }
        if (fin_) {
            // The usual case: the length is known, so the payload streams
            // through as it arrives.
            appendVarint(length, hermes);
            sink_ = Sink::Stream;
        } else {
            fragmented_ = true;
            message_.clear();
            sink_ = Sink::Message;
        }
    }
    left_ = length;
    inPayload_ = true;
    if (left_ == 0) {
        endFrame(hermes);
    }
}

void WebSocketReader::unmask(char* bytes, std::size_t count) {
    // The key turned to start at this position, then applied in step.
    std::array<std::uint8_t, 4> key{};
    for (std::size_t i = 0; i < 4; ++i) {
        key[i] = mask_[(maskPos_ + i) & 3u];
    }
    for (std::size_t i = 0; i < count; ++i) {
        bytes[i] = static_cast<char>(static_cast<std::uint8_t>(bytes[i]) ^ key[i & 3u]);
    }
    maskPos_ = static_cast<std::uint8_t>((maskPos_ + count) & 3u);
}

void WebSocketReader::takePayload(std::string_view& bytes, std::string& hermes) {
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(left_, bytes.size()));
    std::string& sink = sink_ == Sink::Stream    ? hermes
                        : sink_ == Sink::Message ? message_
                                                 : control_;
    const std::size_t at = sink.size();
    sink.append(bytes.data(), take);
    unmask(sink.data() + at, take);
    bytes.remove_prefix(take);
    left_ -= take;
    if (left_ == 0) {
        endFrame(hermes);
    }
}

void WebSocketReader::endFrame(std::string& hermes) {
    inPayload_ = false;
    switch (sink_) {
        case Sink::Stream:
            return;
        case Sink::Message:
            if (fin_) {
                appendVarint(message_.size(), hermes);
                hermes.append(message_);
                fragmented_ = false;
                message_.clear();
                if (message_.capacity() > kKeptMessageCapacity) {
                    std::string().swap(message_);
                }
            }
            return;
        case Sink::Control:
            break;
    }
    ++controlFrames_;
    if (opcode_ == WsOpcode::Ping) {
        ping_ = control_;
        pongOwed_ = true;
    } else if (opcode_ == WsOpcode::Close) {
        if (control_.empty()) {
            peerCloseCode_ = static_cast<std::uint16_t>(WsCloseCode::NoStatus);
        } else if (control_.size() == 1) {
            fail(WsCloseCode::ProtocolError, "a close frame with a 1-byte payload");
            return;
        } else {
            const auto code =
                static_cast<std::uint16_t>((static_cast<std::uint8_t>(control_[0]) << 8) |
                                           static_cast<std::uint8_t>(control_[1]));
            if (!wsCloseCodeAllowed(code)) {
                fail(WsCloseCode::ProtocolError, "a close frame with an invalid code");
                return;
            }
            if (!hermes::protocol::isValidUtf8(std::string_view(control_).substr(2))) {
                fail(WsCloseCode::InvalidPayload, "a close reason that is not UTF-8");
                return;
            }
            peerCloseCode_ = code;
        }
        state_ = State::PeerClosed;
        release();
        return;
    }
    control_.clear();
}

}  // namespace hermes::codec
