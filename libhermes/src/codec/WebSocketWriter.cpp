#include "hermes/codec/WebSocketWriter.hpp"

#include <algorithm>
#include <cstring>

#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::codec {

namespace {

// A varint length prefix: bytes == 0 when incomplete (or longer than 5).
// Read by hand, not with readLengthPrefix() (protobuf's CodedInputStream) as
// FrameDecoder does: this runs once per frame per browser member, and a
// CodedInputStream per frame was a large part of the first writer's 2.47x
// TCP's CPU per delivery (docs/PERFORMANCE.md, "Browsers").
struct Prefix {
    std::uint64_t value = 0;
    std::size_t bytes = 0;
};

Prefix decodePrefix(const char* p, std::size_t available) {
    Prefix prefix;
    for (std::size_t i = 0; i < FrameDecoder::kMaxVarintBytes && i < available; ++i) {
        const auto byte = static_cast<std::uint8_t>(p[i]);
        prefix.value |= static_cast<std::uint64_t>(byte & 0x7Fu) << (7 * i);
        if ((byte & 0x80u) == 0) {
            prefix.bytes = i + 1;
            return prefix;
        }
    }
    return Prefix{};
}

// Reads the Hermes stream across the hub's pieces.
class Cursor {
public:
    explicit Cursor(std::span<const std::string_view> pieces) : pieces_(pieces) { skipEmpty(); }

    bool atEnd() const { return piece_ == pieces_.size(); }
    // The contiguous bytes from here to the end of this piece.
    std::string_view here() const { return pieces_[piece_].substr(offset_); }
    void advance(std::size_t n) {
        while (n > 0 && !atEnd()) {
            const std::size_t step = std::min(n, pieces_[piece_].size() - offset_);
            offset_ += step;
            n -= step;
            skipEmpty();
        }
    }
    // The length prefix here; one piece ending inside it is rare.
    Prefix prefix() const {
        const std::string_view run = here();
        const Prefix prefix = decodePrefix(run.data(), run.size());
        if (prefix.bytes > 0 || run.size() >= FrameDecoder::kMaxVarintBytes) {
            return prefix;
        }
        char bytes[FrameDecoder::kMaxVarintBytes];
        std::size_t got = 0;
        Cursor copy = *this;
        while (got < sizeof bytes && !copy.atEnd()) {
            bytes[got++] = copy.here().front();
            copy.advance(1);
        }
        return decodePrefix(bytes, got);
    }

private:
    void skipEmpty() {
        while (piece_ < pieces_.size() && offset_ == pieces_[piece_].size()) {
            ++piece_;
            offset_ = 0;
        }
    }

    std::span<const std::string_view> pieces_;
    std::size_t piece_ = 0;
    std::size_t offset_ = 0;
};

// The runs being filled: bytes that follow the previous run in memory
// extend it instead of taking another slot.
class Runs {
public:
    explicit Runs(std::span<std::string_view> runs) : runs_(runs) {}

    bool canAdd(const char* data) const {
        return used_ < runs_.size() || (used_ > 0 && extends(data));
    }
    void add(const char* data, std::size_t size) {
        if (used_ > 0 && extends(data)) {
            runs_[used_ - 1] =
                std::string_view(runs_[used_ - 1].data(), runs_[used_ - 1].size() + size);
        } else {
            runs_[used_++] = std::string_view(data, size);
        }
    }
    std::size_t used() const { return used_; }

private:
    bool extends(const char* data) const {
        return runs_[used_ - 1].data() + runs_[used_ - 1].size() == data;
    }

    std::span<std::string_view> runs_;
    std::size_t used_ = 0;
};

}  // namespace

std::size_t WebSocketWriter::plan(std::span<const std::string_view> hermes, Plan& plan,
                                  std::span<std::string_view> runs) {
    char* const staging = plan.staging_.get();
    std::size_t& staged = plan.staged_;
    staged = 0;
    plan.hermes_ = hermes;
    plan.socketBytes_ = 0;
    plan.hermesBytes_ = 0;
    plan.endPayloadLeft_ = payloadLeft_;
    plan.controlPlanned_ = false;
    if (closeSent_ || runs.empty()) {
        return 0;
    }
    Runs out(runs);
    Cursor in(hermes);
    // Own bytes and small payloads: copied into staging, which extends the
    // run before it when that run is staging too.
    const auto stage = [&](const char* data, std::size_t size) {
        std::memcpy(staging + staged, data, size);
        out.add(staging + staged, size);
        staged += size;
        plan.socketBytes_ += size;
    };
    // Payload bytes of the current frame, from the hub's output; returns
    // how many of `left` could not be planned.
    const auto payload = [&](std::uint64_t left, bool copy) -> std::uint64_t {
        while (left > 0 && !in.atEnd()) {
            const std::string_view here = in.here();
            const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(left, here.size()));
            if (copy) {
                stage(here.data(), size);
            } else if (out.canAdd(here.data())) {
                out.add(here.data(), size);
                plan.socketBytes_ += size;
            } else {
                break;
            }
            plan.hermesBytes_ += size;
            left -= size;
            in.advance(size);
        }
        return left;
    };

    // 1. The rest of a header cut by the last write, then its payload.
    if (headerRestSize_ > 0) {
        stage(headerRest_.data() + headerRestAt_, headerRestSize_ - headerRestAt_);
    }
    if (payloadLeft_ > 0) {
        plan.endPayloadLeft_ = payload(payloadLeft_, false);
        if (plan.endPayloadLeft_ > 0) {
            return out.used();  // the hub's output (or the runs) end inside this payload
        }
    }

    // 2. Control frames, at a message boundary. Nothing follows a close.
    if (controlSent_ < control_.size()) {
        if (!out.canAdd(staging + staged)) {
            return out.used();
        }
        stage(control_.data() + controlSent_, control_.size() - controlSent_);
        plan.controlPlanned_ = true;
    }
    if (closeQueued_) {
        return out.used();
    }

    // 3. The hub's frames: a header for each varint, then its payload.
    while (!in.atEnd()) {
        // The usual case first: a run of small whole frames inside one
        // piece (a room's block), copied header by header in one tight loop
        // and added as one run.
        if (out.canAdd(staging + staged)) {
            const std::string_view here = in.here();
            const char* from = here.data();
            const char* const end = from + here.size();
            char* to = staging + staged;
            char* const toEnd = staging + kStagingBytes;
            while (end - from >= 2) {
                const auto first = static_cast<std::uint8_t>(from[0]);
                std::size_t length = first;
                std::size_t prefixBytes = 1;
                if (first >= 0x80) {
                    const auto second = static_cast<std::uint8_t>(from[1]);
                    if (second >= 0x80) {
                        break;
                    }
                    length = (first & 0x7Fu) | (std::size_t{second} << 7);
                    prefixBytes = 2;
                }
                const std::size_t headerBytes = length < 126 ? 2 : 4;
                if (length >= kCopyBelow ||
                    static_cast<std::size_t>(end - from) < prefixBytes + length ||
                    static_cast<std::size_t>(toEnd - to) < headerBytes + length) {
                    break;
                }
                to[0] = static_cast<char>(0x82);
                if (headerBytes == 2) {
                    to[1] = static_cast<char>(length);
                } else {
                    to[1] = 126;
                    to[2] = static_cast<char>(length >> 8);
                    to[3] = static_cast<char>(length & 0xFFu);
                }
                std::memcpy(to + headerBytes, from + prefixBytes, length);
                to += headerBytes + length;
                from += prefixBytes + length;
            }
            const auto took = static_cast<std::size_t>(from - here.data());
            if (took > 0) {
                const auto made = static_cast<std::size_t>(to - (staging + staged));
                out.add(staging + staged, made);
                staged += made;
                plan.socketBytes_ += made;
                plan.hermesBytes_ += took;
                plan.endPayloadLeft_ = 0;
                in.advance(took);
                continue;
            }
        }
        const Prefix prefix = in.prefix();
        if (prefix.bytes == 0) {
            break;  // a cut run of pieces (the rest comes next time), or not Hermes frames
        }
        const std::uint64_t length = prefix.value;
        const std::size_t headerBytes = wsHeaderSize(length);
        const bool copy = length < kCopyBelow;
        if (headerBytes + (copy ? length : 0) > kStagingBytes - staged ||
            !out.canAdd(staging + staged)) {
            break;
        }
        writeWsHeader(WsOpcode::Binary, length, staging + staged);
        out.add(staging + staged, headerBytes);
        staged += headerBytes;
        plan.socketBytes_ += headerBytes;
        plan.hermesBytes_ += prefix.bytes;
        in.advance(prefix.bytes);
        plan.endPayloadLeft_ = payload(length, copy);
        if (plan.endPayloadLeft_ > 0) {
            break;
        }
    }
    return out.used();
}

void WebSocketWriter::controlWritten(std::size_t bytes) {
    controlSent_ += bytes;
    if (controlSent_ == control_.size()) {
        closeSent_ = closeQueued_;
        std::string().swap(control_);
        controlSent_ = 0;
        lastPongAt_ = std::string::npos;
    }
}

std::size_t WebSocketWriter::written(std::size_t sent, const Plan& plan) {
    if (sent == plan.socketBytes_) {
        // The whole plan went out: the state it ended in.
        headerRestSize_ = headerRestAt_ = 0;
        payloadLeft_ = plan.endPayloadLeft_;
        if (plan.controlPlanned_) {
            controlWritten(control_.size() - controlSent_);
        }
        return plan.hermesBytes_;
    }
    // Part of it: walk the plan's bytes again, in its order, counting.
    std::size_t budget = sent;
    std::size_t hermes = 0;
    if (headerRestSize_ > 0) {
        const std::size_t take = std::min<std::size_t>(budget, headerRestSize_ - headerRestAt_);
        headerRestAt_ = static_cast<std::uint8_t>(headerRestAt_ + take);
        budget -= take;
        if (headerRestAt_ == headerRestSize_) {
            headerRestAt_ = headerRestSize_ = 0;
        }
    }
    Cursor in(plan.hermes_);
    if (payloadLeft_ > 0 && budget > 0) {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(budget, payloadLeft_));
        hermes += take;
        payloadLeft_ -= take;
        budget -= take;
        in.advance(take);
    }
    if (plan.controlPlanned_ && budget > 0) {
        const std::size_t take = std::min(budget, control_.size() - controlSent_);
        controlWritten(take);
        budget -= take;
    }
    while (budget > 0) {
        const Prefix prefix = in.prefix();  // planned, so complete
        const std::uint64_t length = prefix.value;
        const std::size_t headerBytes = wsHeaderSize(length);
        hermes += prefix.bytes;
        in.advance(prefix.bytes);
        payloadLeft_ = length;
        if (budget < headerBytes) {
            // The rest of this header is ours to send first next time.
            writeWsHeader(WsOpcode::Binary, length, headerRest_.data());
            headerRestSize_ = static_cast<std::uint8_t>(headerBytes);
            headerRestAt_ = static_cast<std::uint8_t>(budget);
            return hermes;
        }
        budget -= headerBytes;
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(budget, length));
        hermes += take;
        payloadLeft_ -= take;
        budget -= take;
        in.advance(take);
    }
    return hermes;
}

void WebSocketWriter::queuePong(std::string_view payload) {
    if (closeQueued_) {
        return;
    }
    if (lastPongAt_ != std::string::npos && lastPongAt_ >= controlSent_) {
        control_.resize(lastPongAt_);  // not begun: the newer ping's answer replaces it
    }
    lastPongAt_ = control_.size();
    appendWsControlFrame(WsOpcode::Pong, payload, control_);
}

void WebSocketWriter::queueClose(WsCloseCode code, std::string_view reason) {
    if (closeQueued_) {
        return;
    }
    closeQueued_ = true;
    appendWsControlFrame(WsOpcode::Close, wsClosePayload(code, reason), control_);
}

}  // namespace hermes::codec
