#include "Backplane.hpp"

#include <algorithm>
#include <iterator>
#include <unordered_set>
#include <utility>

#include "Moderation.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

// What `map` holds under `ref`, taken out of it; nullopt: nothing.
template <typename Map>
std::optional<typename Map::mapped_type> takeByRef(Map& map, std::uint64_t ref) {
    const auto it = map.find(ref);
    if (it == map.end()) {
        return std::nullopt;
    }
    typename Map::mapped_type out = std::move(it->second);
    map.erase(it);
    return out;
}

}  // namespace

std::uint64_t Backplane::requestPrivate(std::string nickKey, std::string_view account,
                                        std::string message, bool forwarded) {
    const std::uint64_t ref = nextRef_++;
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::Private;
    request.ref = ref;
    request.forwarded = forwarded;
    request.nick = std::move(nickKey);
    request.account = account;
    request.message = std::move(message);
    requests_.push_back(std::move(request));
    return ref;
}

std::optional<std::string> Backplane::refusal() const {
    if (!up_) {
        return std::string(
            "this hub cannot reach the cluster's backplane (Redis); message not "
            "taken, send it again in a moment");
    }
    if (inFlight_.size() + privateInFlight_.size() >= maxInFlight_) {
        return "the cluster's backplane is behind (" +
               std::to_string(inFlight_.size() + privateInFlight_.size()) +
               " messages await Redis, cluster.max_in_flight); message not taken, send it again "
               "in a moment";
    }
    return std::nullopt;
}

void Backplane::publish(SessionId session, const std::string& room, std::uint64_t clientMsgId,
                        std::string_view account, std::string message, std::uint64_t nextSeq) {
    const std::uint64_t ref = nextRef_++;
    inFlight_.emplace(ref, InFlight{session, room, clientMsgId});
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::Publish;
    request.room = room;
    request.ref = ref;
    request.account = account;
    request.message = std::move(message);
    request.fromSeq = nextSeq;
    requests_.push_back(std::move(request));
}

std::optional<Backplane::InFlight> Backplane::answered(std::uint64_t ref) {
    return takeByRef(inFlight_, ref);
}

void Backplane::startRefsAt(std::int64_t startMs) {
    nextRef_ = (static_cast<std::uint64_t>(std::max<std::int64_t>(startMs, 0)) << 16) + 1;
}

void Backplane::published(std::uint64_t ref, SessionId session) {
    published_.emplace(ref, session);
    if (published_.size() > kMaxPublishedSenders) {
        published_.erase(published_.begin());
    }
}

SessionId Backplane::takeSender(std::string_view hub, std::uint64_t ref) {
    if (hub != hubName_) {
        return 0;
    }
    if (const auto it = inFlight_.find(ref); it != inFlight_.end()) {
        it->second.entrySeen = true;
        return it->second.session;
    }
    const auto it = published_.find(ref);
    if (it == published_.end()) {
        return 0;
    }
    const SessionId session = it->second;
    published_.erase(it);
    return session;
}

Backplane::Verdict Backplane::accept(std::uint64_t nextSeq, BackplaneEntry& entry) {
    if (entry.seq < nextSeq) {
        return Verdict::Delivered;
    }
    if (entry.seq == nextSeq) {
        return Verdict::Deliver;
    }
    const std::string room = entry.room;
    waiting_[room].emplace(entry.seq, std::move(entry));
    fill(room, nextSeq);
    return Verdict::Waits;
}

std::optional<BackplaneEntry> Backplane::takeNext(const std::string& room, std::uint64_t nextSeq) {
    const auto it = waiting_.find(room);
    if (it == waiting_.end()) {
        return std::nullopt;
    }
    auto& entries = it->second;
    while (!entries.empty() && entries.begin()->first < nextSeq) {
        entries.erase(entries.begin());
    }
    std::optional<BackplaneEntry> out;
    if (!entries.empty() && entries.begin()->first == nextSeq) {
        out = std::move(entries.begin()->second);
        entries.erase(entries.begin());
    }
    if (entries.empty()) {
        waiting_.erase(it);
    }
    return out;
}

void Backplane::fill(const std::string& room, std::uint64_t nextSeq) {
    if (!up_ || filling_.contains(room)) {
        return;  // asked already (its answer asks again if need be), or asked at reconnect
    }
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::Fill;
    request.room = room;
    request.fromSeq = nextSeq;
    const auto waiting = waiting_.find(room);
    if (waiting != waiting_.end() && !waiting->second.empty()) {
        request.toSeq = waiting->second.rbegin()->first;
    }
    filling_.emplace(room, request.toSeq);
    requests_.push_back(std::move(request));
}

std::uint64_t Backplane::filled(const std::string& room, std::size_t entries, std::uint64_t lastSeq,
                                std::uint64_t nextSeq) {
    std::uint64_t bound = lastSeq;
    if (const auto asked = filling_.find(room); asked != filling_.end()) {
        bound = std::max(bound, asked->second);
        filling_.erase(asked);
    }
    const auto it = waiting_.find(room);
    if (it == waiting_.end() || it->second.empty() || it->second.begin()->first <= nextSeq) {
        if (entries >= kFillPage) {
            fill(room, nextSeq);  // a full page: the stream may hold more
        }
        return 0;
    }
    if (it->second.begin()->first > bound) {
        // Heard while this Fill was out, beyond what it read (a bounded or
        // fenced read): the seqs before it may be in the stream still.
        fill(room, nextSeq);
        return 0;
    }
    // The stream holds nothing from nextSeq up to the first waiting entry,
    // which the read reached: trimmed while this hub was away. Also after a
    // full page whose first entry is above nextSeq: asking from nextSeq
    // again would read the same page for ever; the caller asks for the rest
    // once it has skipped and delivered.
    return it->second.begin()->first;
}

void Backplane::sendPrivate(SessionId session, const v1::PrivateMessage& pm, std::string nickKey,
                            std::string_view account, std::string message) {
    const std::uint64_t ref = requestPrivate(std::move(nickKey), account, message, false);
    privateInFlight_.emplace(ref, PrivateInFlight{session, pm, std::move(message)});
}

void Backplane::forwardPrivate(BackplaneEntry entry, std::string nickKey) {
    const std::uint64_t ref = requestPrivate(nickKey, entry.account, entry.message, true);
    forwarded_.emplace(ref, Forwarded{std::move(nickKey), std::move(entry)});
}

std::optional<Backplane::Forwarded> Backplane::forwardAnswered(std::uint64_t ref) {
    return takeByRef(forwarded_, ref);
}

bool Backplane::signedIn(std::string accountKey) {
    if (!enabled_ || !up_ || accountKey.empty()) {
        return false;
    }
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::SignedIn;
    request.nick = std::move(accountKey);
    requests_.push_back(std::move(request));
    return true;
}

void Backplane::askSignedIn(std::string accountKey) {
    if (!enabled_ || !up_ || accountKey.empty()) {
        return;
    }
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::AskSignedIn;
    request.nick = std::move(accountKey);
    requests_.push_back(std::move(request));
}

void Backplane::sendWaited(WaitingMessage waiting, std::string nickKey, std::string_view account,
                           std::string message) {
    const std::uint64_t ref =
        requestPrivate(std::move(nickKey), account, std::move(message), false);
    waited_.emplace(ref, std::move(waiting));
}

std::optional<WaitingMessage> Backplane::waitedAnswered(std::uint64_t ref) {
    return takeByRef(waited_, ref);
}

bool Backplane::nickPendingHere(const std::string& nickKey) const {
    for (const auto& [ref, claim] : claims_) {
        if (claim.nick == nickKey) {
            return true;
        }
    }
    for (const auto& [session, nick] : owned_) {
        if (nick == nickKey) {
            return true;
        }
    }
    return false;
}

bool Backplane::hold(std::string nickKey, BackplaneEntry entry, TimePoint now) {
    if (heldCount_ >= kMaxHeldPrivate) {
        return false;
    }
    held_[std::move(nickKey)].push_back(Held{std::move(entry), now + kHeldPrivateFor});
    ++heldCount_;
    return true;
}

std::vector<BackplaneEntry> Backplane::takeHeld(const std::string& nickKey) {
    std::vector<BackplaneEntry> out;
    const auto it = held_.find(nickKey);
    if (it == held_.end()) {
        return out;
    }
    for (Held& h : it->second) {
        out.push_back(std::move(h.entry));
    }
    heldCount_ -= it->second.size();
    held_.erase(it);
    return out;
}

std::vector<std::pair<std::string, std::size_t>> Backplane::expireHeld(TimePoint now) {
    std::vector<std::pair<std::string, std::size_t>> dropped;
    for (auto it = held_.begin(); it != held_.end();) {
        std::size_t n = 0;
        while (!it->second.empty() && it->second.front().until <= now) {
            it->second.pop_front();
            ++n;
        }
        heldCount_ -= n;
        if (n != 0) {
            dropped.emplace_back(it->first, n);
        }
        it = it->second.empty() ? held_.erase(it) : std::next(it);
    }
    return dropped;
}

std::optional<Backplane::PrivateInFlight> Backplane::privateAnswered(std::uint64_t ref) {
    return takeByRef(privateInFlight_, ref);
}

Backplane::Verdict Backplane::acceptPrivate(BackplaneEntry& entry) {
    if (entry.seq <= lastPrivate_) {
        return Verdict::Delivered;
    }
    if (entry.seq == lastPrivate_ + 1 || !privateCursorKnown_) {
        // Before the cursor is known a subscription's notices come in
        // order from wherever Redis's count was: each is next.
        lastPrivate_ = entry.seq;
        return Verdict::Deliver;
    }
    const std::uint64_t seq = entry.seq;
    privateWaiting_.emplace(seq, std::move(entry));
    fillPrivate();
    return Verdict::Waits;
}

std::optional<BackplaneEntry> Backplane::takeNextPrivate() {
    while (!privateWaiting_.empty() && privateWaiting_.begin()->first <= lastPrivate_) {
        privateWaiting_.erase(privateWaiting_.begin());
    }
    if (privateWaiting_.empty() || privateWaiting_.begin()->first != lastPrivate_ + 1) {
        return std::nullopt;
    }
    BackplaneEntry out = std::move(privateWaiting_.begin()->second);
    privateWaiting_.erase(privateWaiting_.begin());
    lastPrivate_ = out.seq;
    return out;
}

void Backplane::privateCursor(std::uint64_t count) {
    if (!privateCursorKnown_) {
        privateCursorKnown_ = true;
        lastPrivate_ = std::max(lastPrivate_, count);
        return;
    }
    if (count > lastPrivate_) {
        fillPrivate();  // published while this hub was away
    }
}

void Backplane::fillPrivate() {
    if (!up_ || privateFilling_) {
        return;
    }
    privateFilling_ = true;
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::PrivateFill;
    request.fromSeq = lastPrivate_ + 1;
    requests_.push_back(std::move(request));
}

std::uint64_t Backplane::privateFilled(std::size_t entries) {
    privateFilling_ = false;
    std::uint64_t skipped = 0;
    if (!privateWaiting_.empty() && privateWaiting_.begin()->first > lastPrivate_ + 1) {
        // The stream holds nothing up to the first waiting one (trimmed, or
        // Redis lost it): go on from there. Also after a full page, whose
        // first entry is above the cursor: read from the cursor again, it
        // would be the same page for ever.
        lastPrivate_ = privateWaiting_.begin()->first - 1;
        skipped = lastPrivate_ + 1;
    }
    if (entries >= kFillPage) {
        fillPrivate();  // a full page: the stream may hold more
    }
    return skipped;
}

void Backplane::trimPrivate(TimePoint now) {
    if (!up_ || lastPrivate_ <= trimmedTo_ || now < nextTrimAt_) {
        return;
    }
    trimmedTo_ = lastPrivate_;
    nextTrimAt_ = now + kTrimEvery;
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::PrivateTrim;
    request.fromSeq = lastPrivate_;
    requests_.push_back(std::move(request));
}

void Backplane::fillFailed(const std::string& room) {
    filling_.erase(room);
    refill_.insert(room);
}

void Backplane::privateFillFailed() {
    privateFilling_ = false;
    privateRefill_ = true;
}

std::vector<std::string> Backplane::retryFills() {
    if (!up_) {
        return {};  // the reconnect reads everything again
    }
    if (privateRefill_) {
        privateRefill_ = false;
        fillPrivate();
    }
    std::vector<std::string> rooms(refill_.begin(), refill_.end());
    refill_.clear();
    return rooms;
}

void Backplane::setUp(bool up) {
    if (up && !up_) {
        // Redis's count of this hub's private messages, raised to this
        // hub's cursor if Redis lost it (so that new ones are not taken for
        // ones delivered); then, when known already, what came meanwhile.
        BackplaneRequest request;
        request.kind = BackplaneRequest::Kind::PrivateCursor;
        request.fromSeq = lastPrivate_;
        requests_.push_back(std::move(request));
    }
    if (!up) {
        privateFilling_ = false;  // its answer is lost with the connection
    }
    up_ = up;
    if (!up) {
        // Fills asked on the lost connection are never answered; the
        // reconnect asks again for every room.
        filling_.clear();
    }
}

void Backplane::takeRequests(std::vector<BackplaneRequest>& out) {
    if (out.empty()) {
        out.swap(requests_);  // the usual case: no copy, both keep their capacity
    } else {
        std::move(requests_.begin(), requests_.end(), std::back_inserter(out));
    }
    requests_.clear();
}

void Backplane::claim(SessionId session, std::string nick, const v1::Hello& hello) {
    const std::uint64_t ref = nextRef_++;
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::ClaimNick;
    request.ref = ref;
    request.nick = nick;
    requests_.push_back(std::move(request));
    claims_.emplace(ref, Claim{session, std::move(nick), hello, std::nullopt});
}

void Backplane::claimRename(SessionId session, std::string nick, const v1::SetNick& request) {
    const std::uint64_t ref = nextRef_++;
    BackplaneRequest out;
    out.kind = BackplaneRequest::Kind::ClaimNick;
    out.ref = ref;
    out.nick = nick;
    requests_.push_back(std::move(out));
    claims_.emplace(ref, Claim{session, std::move(nick), {}, request});
}

std::optional<Backplane::Claim> Backplane::claimed(std::uint64_t ref) {
    return takeByRef(claims_, ref);
}

void Backplane::own(SessionId session, std::string nick) {
    auto [it, added] = owned_.try_emplace(session, nick);
    if (!added && it->second != nick) {
        releaseNick(std::exchange(it->second, std::move(nick)));
    }
}

void Backplane::release(SessionId session) {
    const auto it = owned_.find(session);
    if (it == owned_.end()) {
        return;
    }
    std::string nick = std::move(it->second);
    owned_.erase(it);  // first: its own entry does not keep the nick
    releaseNick(std::move(nick));
}

// Redis records a nick per hub, not per session: releasing it frees it on
// every hub. So it is kept while any session here still names it (holds
// it, or claims it and awaits the answer).
void Backplane::releaseNick(std::string nick) {
    if (nickPendingHere(nick)) {
        return;
    }
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::ReleaseNick;
    request.nick = std::move(nick);
    requests_.push_back(std::move(request));
}

void Backplane::announce(const std::string& room, std::string_view kind, std::string_view nick,
                         std::string_view reason) {
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::Presence;
    request.room = room;
    request.presence = kind;
    request.nick = nick;
    request.message = reason;
    requests_.push_back(std::move(request));
}

void Backplane::loadMembers() {
    if (!up_) {
        return;  // read when the backplane is back
    }
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::Members;
    requests_.push_back(std::move(request));
}

void Backplane::syncMembers(std::vector<std::string> entries) {
    if (!up_) {
        return;  // written when the backplane is back
    }
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::SyncMembers;
    request.entries = std::move(entries);
    requests_.push_back(std::move(request));
}

void Backplane::writeState(std::string field, std::string record, StateMode mode, SessionId from) {
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::State;
    request.ref = from;
    request.room = std::move(field);
    request.message = std::move(record);
    request.stateMode = mode;
    requests_.push_back(std::move(request));
}

void Backplane::loadStates() {
    if (!up_) {
        return;  // read when the backplane is back
    }
    BackplaneRequest request;
    request.kind = BackplaneRequest::Kind::States;
    requests_.push_back(std::move(request));
}

bool Backplane::applyPresence(const BackplanePresence& presence) {
    if (presence.hub == hubName_) {
        // Shown here when it happened. A member that moved here from a hub
        // not yet reaped is this hub's now: no longer listed as the dead
        // hub's (the reap skips it, as Redis lists it here).
        if (presence.kind == "joined") {
            profiles_.forget(presence.nick);  // the nick is a member of this hub's now
            const auto room = others_.find(presence.room);
            if (room != others_.end() && room->second.erase(presence.nick) > 0 &&
                room->second.empty()) {
                others_.erase(room);
            }
        }
        return false;
    }
    if (presence.kind == "joined") {
        // The away list is usually empty, the rooms many: it is asked first.
        if (!away_.empty() && away_.contains(protocol::nickKey(presence.nick)) &&
            !listedAnywhere(presence.nick)) {
            away_.erase(protocol::nickKey(presence.nick));  // a new session: back
        }
        // Each JOINED of a session carries its profile (a repair's none).
        profiles_.joined(presence.nick, presence.hub, presence.reason);
        auto& members = others_[presence.room];
        const auto [it, added] = members.try_emplace(presence.nick, presence.hub);
        if (!added && it->second == presence.hub) {
            return false;
        }
        it->second = presence.hub;
        return true;
    }
    if (presence.kind == "renamed") {
        return applyRename(presence);
    }
    const auto room = others_.find(presence.room);
    if (room == others_.end()) {
        return false;
    }
    const auto it = room->second.find(presence.nick);
    if (it == room->second.end() || it->second != presence.hub) {
        return false;  // not listed, or listed since on another hub (it moved)
    }
    if (presence.kind == "away" || presence.kind == "back") {
        // One notice per room it is in: each room shows it, as on its hub.
        if (presence.kind == "away") {
            away_[protocol::nickKey(presence.nick)] = presence.reason;
        } else {
            away_.erase(protocol::nickKey(presence.nick));
        }
        return true;
    }
    room->second.erase(it);
    if (room->second.empty()) {
        others_.erase(room);
    }
    if (presence.kind == "quit") {
        away_.erase(protocol::nickKey(presence.nick));
    }
    // A session that quits from no room sends no QUIT: its leave from its
    // last room is the last this hub hears of it.
    if (presence.kind == "quit" || !listedAnywhere(presence.nick)) {
        profiles_.gone(presence.nick, presence.hub);
    }
    return true;
}

// The new nick is listed in the old one's place; shown only where the old
// one was listed (a room whose JOINED this hub missed gets the new nick
// listed silently).
bool Backplane::applyRename(const BackplanePresence& presence) {
    const std::string& newNick = presence.reason;
    auto& members = others_[presence.room];
    const auto it = members.find(presence.nick);
    const bool listed = it != members.end() && it->second == presence.hub;
    if (listed) {
        members.erase(it);
    }
    members[newNick] = presence.hub;
    const std::string oldKey = protocol::nickKey(presence.nick);
    const std::string newKey = protocol::nickKey(newNick);
    profiles_.renamed(presence.nick, newNick);
    if (oldKey != newKey) {
        if (const auto away = away_.find(oldKey); away != away_.end()) {
            away_[newKey] = std::move(away->second);
            away_.erase(oldKey);
        }
    }
    return listed;
}

bool Backplane::listedAnywhere(const std::string& nick) const {
    return std::any_of(others_.begin(), others_.end(),
                       [&nick](const auto& room) { return room.second.contains(nick); });
}

const std::string& Backplane::awayOf(std::string_view nick) const {
    static const std::string back;
    if (away_.empty()) {
        return back;
    }
    const auto it = away_.find(protocol::nickKey(nick));
    return it == away_.end() ? back : it->second;
}

std::string Backplane::shownAs(std::string_view nick) const {
    const std::string key = protocol::nickKey(nick);
    for (const auto& [room, members] : others_) {
        for (const auto& [listed, hub] : members) {
            if (protocol::nickKey(listed) == key) {
                return listed;
            }
        }
    }
    return std::string(nick);
}

std::vector<std::string> Backplane::roomsOf(std::string_view nick, std::string& hub) const {
    std::vector<std::string> rooms;
    hub.clear();
    const std::string key = protocol::nickKey(nick);
    for (const auto& [room, members] : others_) {
        for (const auto& [listed, on] : members) {
            if (protocol::nickKey(listed) == key) {
                rooms.push_back(room);
                hub = on;
            }
        }
    }
    std::sort(rooms.begin(), rooms.end());
    return rooms;
}

std::vector<BackplanePresence> Backplane::setMembers(const std::vector<BackplaneMember>& members) {
    std::unordered_map<std::string, std::map<std::string, std::string>> listed;
    std::unordered_set<std::string> connected;          // nick keys held by another hub
    std::unordered_map<std::string, std::string> away;  // by nick key
    for (const BackplaneMember& member : members) {
        if (member.hub == hubName_) {
            continue;
        }
        if (member.room.empty()) {
            connected.insert(member.nick);
        } else {
            listed[member.room][member.nick] = member.hub;
            connected.insert(protocol::nickKey(member.nick));
            // A text that breaks the away rules is taken as none, as such a
            // notice is dropped (Hub::backplanePresence).
            if (!member.away.empty() && !protocol::checkOptionalText(
                                            member.away, protocol::kMaxAwayBytes, "away message")) {
                away[protocol::nickKey(member.nick)] = member.away;
            }
        }
    }
    std::vector<BackplanePresence> changes;
    for (const auto& [room, before] : others_) {
        const auto now = listed.find(room);
        for (const auto& [nick, hub] : before) {
            if (now == listed.end() || !now->second.contains(nick)) {
                const bool here = connected.contains(protocol::nickKey(nick));
                changes.push_back({room, here ? "left" : "quit", hub, nick, {}, {}});
            }
        }
    }
    for (const auto& [room, now] : listed) {
        const auto before = others_.find(room);
        for (const auto& [nick, hub] : now) {
            if (before == others_.end() || !before->second.contains(nick)) {
                changes.push_back({room, "joined", hub, nick, {}, {}});
            }
        }
    }
    // Away or back in each room where the member was listed before and is
    // now (one that joined is told its away with its JOINED, as a join is).
    for (const auto& [room, now] : listed) {
        const auto before = others_.find(room);
        for (const auto& [nick, hub] : now) {
            const std::string key = protocol::nickKey(nick);
            const auto text = away.find(key);
            const std::string& was = awayOf(nick);
            const std::string& is = text == away.end() ? std::string() : text->second;
            const bool wasListed = before != others_.end() && before->second.contains(nick);
            if (wasListed ? is != was : !is.empty()) {
                changes.push_back({room, is.empty() ? "back" : "away", hub, nick, is, {}});
            }
        }
    }
    others_ = std::move(listed);
    away_ = std::move(away);
    // Notices were missed meanwhile: a profile kept could be a session's
    // that quit and came back (RemoteProfiles.hpp).
    profiles_.clear();
    return changes;
}

const std::map<std::string, std::string>* Backplane::others(const std::string& room) const {
    const auto it = others_.find(room);
    return it == others_.end() ? nullptr : &it->second;
}

std::optional<std::string> Backplane::otherMember(const std::string& room,
                                                  std::string_view folded) const {
    const auto* members = others(room);
    if (members != nullptr) {
        for (const auto& [nick, hub] : *members) {
            if (Moderation::fold(nick) == folded) {
                return nick;
            }
        }
    }
    return std::nullopt;
}

std::size_t Backplane::waiting() const {
    std::size_t count = 0;
    for (const auto& [room, entries] : waiting_) {
        count += entries.size();
    }
    return count;
}

}  // namespace hermes::hub
