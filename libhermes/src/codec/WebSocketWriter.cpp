#include "hermes/codec/WebSocketWriter.hpp"

#include <algorithm>

#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::codec {

namespace {

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
    // Up to `max` bytes from here on, across pieces, copied to `out`.
    std::size_t peek(char* out, std::size_t max) const {
        Cursor copy = *this;
        std::size_t got = 0;
        while (got < max && !copy.atEnd()) {
            const std::string_view run = copy.here();
            const std::size_t step = std::min(max - got, run.size());
            std::copy_n(run.data(), step, out + got);
            got += step;
            copy.advance(step);
        }
        return got;
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
    std::string& staging = plan.staging_;
    auto& entries = plan.entries_;
    staging.clear();
    entries.clear();
    if (closeSent_) {
        return 0;
    }
    Runs out(runs);
    Cursor in(hermes);
    // The staging buffer never reallocates (reserved in Plan()), so runs may
    // point into it while it fills.
    const auto room = [&staging] { return kStagingBytes - staging.size(); };
    const auto stage = [&](std::string_view bytes) -> const char* {
        const char* at = staging.data() + staging.size();
        staging.append(bytes);
        return at;
    };
    // Payload bytes of the current frame, from the hub's output.
    const auto takePayload = [&](std::uint64_t left, bool copy) -> std::uint64_t {
        while (left > 0 && !in.atEnd()) {
            const std::string_view run = in.here().substr(
                0, static_cast<std::size_t>(std::min<std::uint64_t>(left, in.here().size())));
            if (copy) {
                out.add(stage(run), run.size());
            } else if (out.canAdd(run.data())) {
                out.add(run.data(), run.size());
            } else {
                break;
            }
            entries.push_back(
                {Plan::Kind::Payload, 0, static_cast<std::uint32_t>(run.size()), 0, 0});
            left -= run.size();
            in.advance(run.size());
        }
        return left;
    };

    // 1. The rest of a header cut by the last write, then its payload.
    if (headerRestSize_ > 0) {
        const std::string_view rest(headerRest_.data() + headerRestAt_,
                                    headerRestSize_ - headerRestAt_);
        const char* at = stage(rest);
        if (!out.canAdd(at)) {
            return 0;
        }
        out.add(at, rest.size());
        entries.push_back(
            {Plan::Kind::HeaderRest, 0, static_cast<std::uint32_t>(rest.size()), 0, 0});
    }
    if (payloadLeft_ > 0) {
        if (takePayload(payloadLeft_, false) > 0) {
            return out.used();  // the hub's output ends inside this payload
        }
    }

    // 2. Control frames, at a message boundary. Nothing follows a close.
    if (controlSent_ < control_.size()) {
        const std::string_view control = std::string_view(control_).substr(controlSent_);
        if (control.size() <= room()) {
            const char* at = stage(control);
            if (out.canAdd(at)) {
                out.add(at, control.size());
                entries.push_back(
                    {Plan::Kind::Control, 0, static_cast<std::uint32_t>(control.size()), 0, 0});
            }
        }
    }
    if (closeQueued_) {
        return out.used();
    }

    // 3. The hub's frames: a header for each varint, then its payload.
    while (!in.atEnd()) {
        char prefixBytes[FrameDecoder::kMaxVarintBytes];
        const std::size_t got = in.peek(prefixBytes, sizeof prefixBytes);
        const LengthPrefix prefix = readLengthPrefix(std::string_view(prefixBytes, got));
        if (prefix.status != LengthPrefix::Status::Complete) {
            break;  // only a cut run of pieces ends inside a prefix: the rest comes next time
        }
        const std::uint64_t length = prefix.value;
        const std::size_t headerBytes = wsHeaderSize(length);
        const bool copy = length < kCopyBelow && headerBytes + length <= room();
        if (headerBytes > room() || !out.canAdd(staging.data() + staging.size())) {
            break;
        }
        const std::size_t stagedAt = staging.size();
        staging.resize(stagedAt + headerBytes);
        writeWsHeader(WsOpcode::Binary, length, staging.data() + stagedAt);
        out.add(staging.data() + stagedAt, headerBytes);
        entries.push_back({Plan::Kind::Header, static_cast<std::uint8_t>(prefix.bytes),
                           static_cast<std::uint32_t>(headerBytes), stagedAt, length});
        in.advance(prefix.bytes);
        if (takePayload(length, copy) > 0) {
            break;
        }
    }
    return out.used();
}

std::size_t WebSocketWriter::written(std::size_t sent, const Plan& plan) {
    std::size_t hermes = 0;
    for (const Plan::Entry& entry : plan.entries_) {
        if (sent == 0) {
            break;
        }
        const std::size_t take = std::min<std::size_t>(sent, entry.bytes);
        sent -= take;
        switch (entry.kind) {
            case Plan::Kind::HeaderRest:
                headerRestAt_ = static_cast<std::uint8_t>(headerRestAt_ + take);
                if (headerRestAt_ == headerRestSize_) {
                    headerRestAt_ = headerRestSize_ = 0;
                }
                break;
            case Plan::Kind::Control:
                controlSent_ += take;
                if (controlSent_ == control_.size()) {
                    closeSent_ = closeQueued_;
                    std::string().swap(control_);
                    controlSent_ = 0;
                    lastPongAt_ = std::string::npos;
                }
                break;
            case Plan::Kind::Header:
                // The varint is spoken for once any byte of its header is out.
                hermes += entry.prefixBytes;
                payloadLeft_ = entry.payloadBytes;
                if (take < entry.bytes) {
                    headerRestSize_ = static_cast<std::uint8_t>(entry.bytes - take);
                    headerRestAt_ = 0;
                    std::copy_n(plan.staging_.data() + entry.stagedAt + take, headerRestSize_,
                                headerRest_.begin());
                }
                break;
            case Plan::Kind::Payload:
                hermes += take;
                payloadLeft_ -= take;
                break;
        }
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
