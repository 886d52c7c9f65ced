#include "hermes/client/RoomTracker.hpp"

#include "hermes/protocol/Validation.hpp"

namespace hermes::client {

bool RoomTracker::isOwnNick(std::string_view nick) const {
    return !ownNick_.empty() && protocol::nickKey(nick) == protocol::nickKey(ownNick_);
}

bool RoomTracker::onWelcome(const hermes::v1::Welcome& welcome, bool sameHub) {
    ownNick_ = welcome.nick();
    const bool changed = welcomedBefore_ && welcome.epoch() != epoch_;
    welcomedBefore_ = true;
    epoch_ = welcome.epoch();
    // A hub with durable history continues every room's seqs after a restart:
    // keep the cursors, so the catch-up fetches only what was missed.
    const bool seqsRestart = changed && (!welcome.durable_history() || !sameHub);
    if (seqsRestart) {
        seqs_.clear();
    }
    return seqsRestart;
}

bool RoomTracker::onPresence(const hermes::v1::Presence& presence) {
    if (presence.kind() == hermes::v1::PRESENCE_KIND_NICK_CHANGED) {
        if (presence.room().empty()) {
            ownNick_ = presence.new_nick();
            return true;
        }
        return false;
    }
    bool mentionsUs = false;
    for (const auto& nick : presence.nicks()) {
        mentionsUs = mentionsUs || isOwnNick(nick);
    }
    if (!mentionsUs || presence.room().empty()) {
        return false;
    }
    if (presence.kind() == hermes::v1::PRESENCE_KIND_JOINED) {
        joined_.insert(presence.room());
    } else if (presence.kind() == hermes::v1::PRESENCE_KIND_LEFT ||
               presence.kind() == hermes::v1::PRESENCE_KIND_QUIT ||
               presence.kind() == hermes::v1::PRESENCE_KIND_KICKED ||
               presence.kind() == hermes::v1::PRESENCE_KIND_BANNED) {
        // Kicked or banned: not rejoined after a reconnect.
        // Seq tracking is kept: after a rejoin the backlog is deduplicated.
        joined_.erase(presence.room());
    }
    return false;
}

void RoomTracker::onMemberList(const hermes::v1::MemberList& members) {
    // The joiner gets a MemberList naming itself; a Who about a room we are not
    // in does not name us and changes nothing.
    for (const auto& nick : members.nicks()) {
        if (isOwnNick(nick)) {
            joined_.insert(members.room());
            return;
        }
    }
}

bool RoomTracker::isJoined(std::string_view room) const {
    return joined_.find(room) != joined_.end();
}

std::vector<std::string> RoomTracker::joinedRooms() const {
    return {joined_.begin(), joined_.end()};
}

void RoomTracker::advance(Seqs& seqs) {
    while (!seqs.ahead.empty() && *seqs.ahead.begin() <= seqs.contiguous + 1) {
        seqs.contiguous = std::max(seqs.contiguous, *seqs.ahead.begin());
        seqs.ahead.erase(seqs.ahead.begin());
    }
    if (seqs.ahead.size() > kMaxAhead) {
        // The hole below is not being filled: give it up rather than grow.
        seqs.contiguous = *seqs.ahead.rbegin();
        seqs.ahead.clear();
    }
}

bool RoomTracker::accept(const std::string& room, std::uint64_t seq) {
    if (seq == 0) {
        return true;
    }
    auto& seqs = seqs_[room];
    if (!seqs.started) {
        seqs.started = true;
        seqs.contiguous = seq;
        return true;
    }
    if (seq <= seqs.contiguous || seqs.ahead.count(seq) != 0) {
        return false;
    }
    seqs.ahead.insert(seq);
    advance(seqs);
    return true;
}

void RoomTracker::markGone(const std::string& room, std::uint64_t firstSeq, std::uint64_t lastSeq) {
    if (lastSeq < firstSeq) {
        return;
    }
    auto& seqs = seqs_[room];
    if (!seqs.started) {
        seqs.started = true;
        seqs.contiguous = lastSeq;
        return;
    }
    if (firstSeq <= seqs.contiguous + 1) {
        seqs.contiguous = std::max(seqs.contiguous, lastSeq);
        advance(seqs);
    }
}

void RoomTracker::startAt(const std::string& room, std::uint64_t seq) {
    auto& seqs = seqs_[room];
    if (!seqs.started) {
        seqs.started = true;
        seqs.contiguous = seq;
    }
}

void RoomTracker::restartAt(const std::string& room, std::uint64_t seq) {
    seqs_[room] = Seqs{true, seq, {}};
}

std::uint64_t RoomTracker::lastSeq(std::string_view room) const {
    const auto it = seqs_.find(room);
    return it == seqs_.end() ? 0 : it->second.contiguous;
}

}  // namespace hermes::client
