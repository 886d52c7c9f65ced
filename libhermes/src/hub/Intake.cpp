#include "Intake.hpp"

#include <chrono>
#include <iterator>
#include <utility>

namespace hermes::hub {

namespace {

// Waiting frames are kept in a vector read from a head index; the consumed
// front is erased once it is this long and at least half the vector.
constexpr std::size_t kWaitingCompactAt = 16;

}  // namespace

void Intake::feed(Session& s, std::string_view bytes) {
    s.in.active_ = true;
    s.in.decoder_.feed(bytes);
}

Intake::Next Intake::nextPayload(Session& s, std::string_view& payload) {
    if (s.in.decoder_.nextPayload(payload)) {
        return Next::Payload;
    }
    return s.in.decoder_.failed() ? Next::Broken : Next::None;
}

// A frame runs now if nothing waits and a token is free; otherwise it waits
// its turn, and too many waiting is a flood.
Intake::Admission Intake::admit(Session& s, v1::Envelope& envelope, TimePoint now) {
    const auto body = envelope.body_case();
    if (s.who.welcomed() && (body == v1::Envelope::kPing || body == v1::Envelope::kPong ||
                             body == v1::Envelope::kTyping)) {
        // Liveness never waits and costs no token; typing has a bucket of
        // its own (TypingRelay) and is dropped, never queued, past it.
        return Admission::Now;
    }
    SessionInput& in = s.in;
    // An upload's chunks have their own flow control (the window and the
    // paced FileProgress, Transfers.hpp): no token of the message rate, so
    // an upload never holds its sender's chat back.
    if (body == v1::Envelope::kFileChunk && s.who.welcomed()) {
        if (in.waiting() == 0 && !in.awaitingRead_) {
            return Admission::Now;
        }
        // Behind frames that wait (another upload's commit or a busy disk,
        // a read, tokens) it keeps its place, but it is no flood and will
        // take no token: a client keeping to its windows has up to a window
        // of each upload in flight whatever the hub is doing (three at once
        // from a page held behind one commit were closed as a flood). What
        // the windows allow is the bound; past it, a flood.
        const std::size_t cost = envelope.file_chunk().data().size() + kChunkOverheadBytes;
        if (in.waitingChunkBytes_ + cost > maxWaitingChunkBytes()) {
            return Admission::Flood;
        }
        ++in.waitingChunks_;
        in.waitingChunkBytes_ += cost;
        queue(s, envelope);
        return Admission::Waiting;
    }
    // While a history read runs for the session, what it sends next waits
    // for the answer (and counts towards a flood, as frames waiting for tokens).
    if (in.waiting() == 0 && !in.awaitingRead_ && in.bucket_.tryTake(now)) {
        in.spent_ = true;
        return Admission::Now;
    }
    if (in.waiting() - in.waitingChunks_ >= config_.floodBacklog) {
        return Admission::Flood;
    }
    queue(s, envelope);
    return Admission::Waiting;
}

void Intake::queue(Session& s, v1::Envelope& envelope) {
    SessionInput& in = s.in;
    if (in.waitingHead_ >= kWaitingCompactAt && in.waitingHead_ * 2 >= in.waiting_.size()) {
        in.waiting_.erase(in.waiting_.begin(),
                          in.waiting_.begin() + static_cast<std::ptrdiff_t>(in.waitingHead_));
        in.waitingHead_ = 0;
    }
    in.waiting_.push_back(std::move(envelope));
    relist(s);
}

std::size_t Intake::maxWaitingChunkBytes() const {
    return config_.maxUploadsPerClient * (config_.fileWindowBytes + config_.maxFrameBytes) +
           config_.floodBacklog * kChunkOverheadBytes;
}

bool Intake::popWaiting(Session& s, TimePoint now, v1::Envelope& out) {
    SessionInput& in = s.in;
    if (in.waiting() == 0) {
        return false;
    }
    v1::Envelope& next = in.waiting_[in.waitingHead_];
    if (next.body_case() == v1::Envelope::kFileChunk && s.who.welcomed() && in.waitingChunks_ > 0) {
        // Took no token when it came (admit): takes none now. (A chunk that
        // came before the Welcome was counted as any frame: it takes a token
        // below.)
        --in.waitingChunks_;
        in.waitingChunkBytes_ -=
            std::min(in.waitingChunkBytes_, next.file_chunk().data().size() + kChunkOverheadBytes);
    } else if (!in.bucket_.tryTake(now)) {
        return false;
    } else {
        in.spent_ = true;
    }
    out = std::move(next);
    ++in.waitingHead_;
    return true;
}

void Intake::settleWaiting(Session& s) {
    if (s.in.waiting() == 0) {
        s.in.waiting_.clear();
        s.in.waitingHead_ = 0;
        s.in.waitingChunks_ = 0;
        s.in.waitingChunkBytes_ = 0;
    }
}

std::vector<SessionId> Intake::takeThrottled() {
    std::vector<SessionId> due;
    due.swap(throttled_);
    return due;
}

void Intake::relist(Session& s) {
    if (!s.in.throttled_) {
        s.in.throttled_ = true;
        throttled_.push_back(s.id);
    }
}

void Intake::hold(Session& s) {
    if (!s.in.held_) {
        s.in.held_ = true;
        held_.push_back(s.id);
    }
}

std::vector<SessionId> Intake::takeHeld() {
    std::vector<SessionId> held;
    held.swap(held_);
    return held;
}

void Intake::creditPause(Session& s, Clock::duration paused, TimePoint now) {
    const double seconds = std::chrono::duration<double>(paused).count();
    s.in.bucket_.grant(now, seconds * config_.ratePerSecond);
    // Counts as spending until the next scan: the backlog is read meanwhile.
    s.in.active_ = true;
    s.in.spent_ = true;
}

void Intake::releaseIfIdle(Session& s, bool inputPaused) {
    SessionInput& in = s.in;
    // A backlog is frames, and each takes a token: a whole scan interval
    // with input taken and no token taken or wanted means the backlog the
    // credit was for has been read. Ping and Pong take no token, so they do
    // not keep a credit.
    if (!inputPaused && !in.spent_ && in.waiting() == 0) {
        in.bucket_.dropGrant();
    }
    in.spent_ = false;
    if (!in.active_) {
        if (in.decoder_.buffered() == 0) {
            in.decoder_.shrink();
        }
        if (in.waiting() == 0) {
            std::vector<v1::Envelope>().swap(in.waiting_);
            in.waitingHead_ = 0;
        }
    }
    in.active_ = false;
}

}  // namespace hermes::hub
