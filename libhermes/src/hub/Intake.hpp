#pragma once
// What the sessions sent that the hub has not handled yet, and the only
// writer of it: each session's frame decoder, its rate limit (token bucket
// and the frames waiting for a token), and the lists of sessions that have
// input left over:
//
//   session.in.throttled   <-> its id is in throttled_ (frames wait for tokens)
//   session.in.held        <-> its id is in held_ (input left undecoded while
//                              the output budget paused input)
//   session.in.awaitingRead    a history read or a password hash (Accounts)
//                              runs off the hub's thread for it:
//                              its next frames wait, so its requests are still
//                              answered in the order it sent them
//
// Intake decides nothing about a frame's meaning: the hub decodes through it
// and dispatches what it admits.
//
// Threading: none; the hub's thread.

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "Session.hpp"
#include "hermes/hub/HubConfig.hpp"

namespace hermes::hub {

class Intake {
public:
    explicit Intake(const HubConfig& config) : config_(config) {}
    Intake(const Intake&) = delete;
    Intake& operator=(const Intake&) = delete;

    // --- decoding ----------------------------------------------------------------

    void feed(Session& s, std::string_view bytes);
    enum class Next { None, Payload, Broken };
    // The next whole frame's payload (valid until the next feed), none yet,
    // or a broken stream (see the decoder's error).
    Next nextPayload(Session& s, std::string_view& payload);
    // After Welcome frames may be larger.
    void setMaxFrameBytes(Session& s, std::size_t bytes) { s.in.decoder_.setMaxFrameBytes(bytes); }

    // --- the rate limit ----------------------------------------------------------

    // The config's rate and burst changed (Hub::reload): every live
    // session's bucket takes them (TokenBucket::retune).
    template <typename Sessions>
    void retune(Sessions& sessions, TimePoint now) {
        sessions.forEach([&](Session& s) {
            s.in.bucket_.retune(config_.ratePerSecond, config_.rateBurst, now);
        });
    }

    // What a waiting FileChunk costs besides its data (Envelope, vector slot).
    static constexpr std::size_t kChunkOverheadBytes = 128;

    enum class Admission { Now, Waiting, Flood };
    // Now: run it (a token was free, or it is liveness or typing). Waiting: moved into
    // the session's waiting frames. Flood: too many wait already.
    Admission admit(Session& s, v1::Envelope& envelope, TimePoint now);
    // The oldest waiting frame, if a token is free for it.
    bool popWaiting(Session& s, TimePoint now, v1::Envelope& out);
    // After the waiting frames were served: frees the list if it ran empty.
    void settleWaiting(Session& s);
    std::vector<SessionId> takeThrottled();
    // Lists the session as throttled if frames still wait.
    void relist(Session& s);
    void unlist(Session& s) { s.in.throttled_ = false; }
    // When the sessions listed as throttled next get a token (not those
    // waiting for a read, whose frames wait for that).
    template <typename Find>
    TimePoint nextTokenAt(TimePoint now, TimePoint fallback, Find&& find) {
        TimePoint wake = fallback;
        for (const SessionId id : throttled_) {
            Session* s = find(id);
            if (s != nullptr && !s->in.awaitingRead_) {
                wake = std::min(wake, s->in.bucket_.nextTokenAt(now));
            }
        }
        return wake;
    }

    // --- input held back -----------------------------------------------------------

    // The output budget paused input with bytes or frames of `s` left: they
    // are decoded when it resumes.
    void hold(Session& s);
    std::vector<SessionId> takeHeld();
    void unhold(Session& s) { s.in.held_ = false; }
    // A history read or a password hash for `s` runs elsewhere; its next
    // frames wait for it.
    void awaitRead(Session& s) { s.in.awaitingRead_ = true; }
    void readDone(Session& s) { s.in.awaitingRead_ = false; }

    // Input was paused for `paused`: what the session's client sent meanwhile
    // waits in its socket and arrives at once. Time paused does not count
    // against its rate: its bucket is raised to what it could have spent
    // meanwhile and a burst (paused x rate + burst), past the bucket's
    // size, so the backlog is neither held back nor taken for a flood. The
    // credit replaces what is left of an earlier one (TokenBucket::grant):
    // pauses do not add up.
    void creditPause(Session& s, Clock::duration paused, TimePoint now);

    // Called by the timer scan. A session that sent nothing since the last
    // scan gives its buffers back. One that took no token since then (and
    // has no frame waiting for one) while input was taken has had its
    // backlog read: what is left of a pause's credit is dropped. Ping and
    // Pong, which take no token, do not keep it.
    void releaseIfIdle(Session& s, bool inputPaused);
    void clear() {
        throttled_.clear();
        held_.clear();
    }

    // Scratch: the envelope frames are parsed into.
    v1::Envelope& scratch() { return in_; }

    const std::vector<SessionId>& throttled() const { return throttled_; }
    // The most a session's waiting FileChunks may cost: a window (and a
    // frame) of each upload it may have.
    std::size_t maxWaitingChunkBytes() const;
    const std::vector<SessionId>& held() const { return held_; }

private:
    void queue(Session& s, v1::Envelope& envelope);  // at the end of its waiting frames

    const HubConfig& config_;
    std::vector<SessionId> throttled_;  // frames waiting for tokens
    std::vector<SessionId> held_;       // input left undecoded by a pause
    v1::Envelope in_;
};

}  // namespace hermes::hub
