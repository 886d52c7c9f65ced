#include "Moderation.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "RoomTable.hpp"
#include "hermes/hub/Registry.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

bool lapsed(const StoredBan& ban, std::int64_t nowMs) {
    return ban.expiresMs != 0 && ban.expiresMs <= nowMs;
}

}  // namespace

std::string Moderation::fold(std::string_view name) {
    std::string out(name);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

Moderation::Moderation(const HubConfig& config, std::unique_ptr<ModerationStore> store,
                       Poco::Logger& log)
    : store_(std::move(store)), log_(log) {
    for (const std::string& account : config.operators) {
        hubOperators_.insert(fold(account));
    }
}

void Moderation::setHubOperators(const std::vector<std::string>& accounts) {
    hubOperators_.clear();
    for (const std::string& account : accounts) {
        hubOperators_.insert(fold(account));
    }
}

void Moderation::restore(RoomTable& rooms, const HistoryStore& history, std::int64_t nowMs) {
    if (!store_) {
        return;
    }
    StoredModeration stored = store_->load(nowMs);
    for (StoredBan& ban : stored.bans) {
        if (ban.room.empty()) {
            hubBans_.push_back(std::move(ban));
        } else {
            Room& room = rooms.obtain(ban.room, history);
            room.moderation.bans_.push_back(std::move(ban));
        }
    }
    for (const StoredRoomModes& modes : stored.modes) {
        Room& room = rooms.obtain(modes.room, history);
        room.moderation.topicLocked_ = modes.topicLocked;
        room.moderation.inviteOnly_ = modes.inviteOnly;
    }
    for (const StoredRoomOperator& op : stored.operators) {
        rooms.obtain(op.room, history).moderation.operatorAccounts_.insert(op.account);
    }
    log_.information("moderation (%s): restored %z bans, %z room modes, %z room operators",
                     store_->describe(), stored.bans.size(), stored.modes.size(),
                     stored.operators.size());
}

bool Moderation::hubOperator(const Session& s) const {
    return !s.profile.account.empty() && hubOperators_.contains(fold(s.profile.account));
}

bool Moderation::roomOperator(const Session& s, const Room& room) const {
    const RoomModeration& m = room.moderation;
    if (m.operators_.contains(s.id)) {
        return true;
    }
    if (!s.profile.account.empty() && m.operatorAccounts_.contains(fold(s.profile.account))) {
        return true;
    }
    return hubOperator(s);
}

std::optional<Moderation::Refusal> Moderation::admitJoin(const Session& s,
                                                         std::string_view canonical, Room* room,
                                                         std::int64_t nowMs) {
    if (room == nullptr) {
        return std::nullopt;  // a new room: its creator is its operator
    }
    if (roomOperator(s, *room)) {
        return std::nullopt;  // operators cannot lock themselves out
    }
    if (const StoredBan* ban = roomBan(*room, s, nowMs)) {
        std::string text = "you are banned from " + std::string(canonical) + " by " + ban->setBy;
        if (!ban->reason.empty()) {
            text += ": " + ban->reason;
        }
        return Refusal{v1::ERROR_CODE_BANNED, std::move(text)};
    }
    RoomModeration& m = room->moderation;
    if (m.inviteOnly_) {
        const auto invite = m.invites_.find(fold(s.who.nick()));
        if (invite == m.invites_.end()) {
            return Refusal{v1::ERROR_CODE_INVITE_ONLY,
                           std::string(canonical) +
                               " is invite-only; ask one of its operators "
                               "for an invite"};
        }
        m.invites_.erase(invite);  // once
    }
    return std::nullopt;
}

void Moderation::joined(const Session& s, Room& room, bool created, std::string_view defaultRoom) {
    RoomModeration& m = room.moderation;
    if (created && room.name != protocol::canonicalRoom(defaultRoom)) {
        m.operators_.insert(s.id);
    }
    if (!s.profile.account.empty() && m.mutedAccounts_.contains(fold(s.profile.account))) {
        m.muted_.insert(s.id);
    }
}

bool Moderation::matches(const StoredBan& ban, std::string_view nick, std::string_view address,
                         std::string_view account, std::int64_t nowMs) {
    if (lapsed(ban, nowMs)) {
        return false;
    }
    switch (ban.kind) {
        case BanKind::Nick:
            return !nick.empty() && fold(nick) == ban.target;
        case BanKind::Account:
            return !account.empty() && fold(account) == ban.target;
        case BanKind::Address:
            return address == ban.target;
    }
    return false;
}

const StoredBan* Moderation::hubBan(std::string_view nick, std::string_view address,
                                    std::string_view account, std::int64_t nowMs) const {
    for (const StoredBan& ban : hubBans_) {
        if (matches(ban, nick, address, account, nowMs)) {
            return &ban;
        }
    }
    return nullptr;
}

const StoredBan* Moderation::roomBan(const Room& room, const Session& s, std::int64_t nowMs) const {
    const std::string_view address = Registry::addressOf(s.peer);
    for (const StoredBan& ban : room.moderation.bans_) {
        if (matches(ban, s.who.nick(), address, s.profile.account, nowMs)) {
            return &ban;
        }
    }
    return nullptr;
}

void Moderation::ban(Room* room, StoredBan ban) {
    std::vector<StoredBan>& list = room == nullptr ? hubBans_ : room->moderation.bans_;
    ban.room = room == nullptr ? std::string() : room->name;
    // Stored first: a write that throws (a full disk) leaves the bans in
    // force as they were, and the operator is told (Error{INTERNAL}).
    if (store_) {
        store_->putBan(ban);
    }
    std::erase_if(list,
                  [&](const StoredBan& b) { return b.kind == ban.kind && b.target == ban.target; });
    list.push_back(std::move(ban));
}

bool Moderation::unban(Room* room, BanKind kind, const std::string& target, std::int64_t nowMs) {
    std::vector<StoredBan>& list = room == nullptr ? hubBans_ : room->moderation.bans_;
    prune(list, nowMs);
    const auto removed = std::erase_if(
        list, [&](const StoredBan& b) { return b.kind == kind && b.target == target; });
    if (removed > 0 && store_) {
        store_->removeBan(room == nullptr ? std::string() : room->name, kind, target);
    }
    return removed > 0;
}

const std::vector<StoredBan>& Moderation::bans(Room* room, std::int64_t nowMs) {
    std::vector<StoredBan>& list = room == nullptr ? hubBans_ : room->moderation.bans_;
    prune(list, nowMs);
    return list;
}

void Moderation::prune(std::vector<StoredBan>& bans, std::int64_t nowMs) {
    std::erase_if(bans, [&](const StoredBan& ban) {
        if (!lapsed(ban, nowMs)) {
            return false;
        }
        if (store_) {
            store_->removeBan(ban.room, ban.kind, ban.target);
        }
        return true;
    });
}

void Moderation::setMuted(Room& room, const Session& target, bool muted) {
    RoomModeration& m = room.moderation;
    const std::string account = fold(target.profile.account);
    if (muted) {
        m.muted_.insert(target.id);
        if (!account.empty()) {
            m.mutedAccounts_.insert(account);
        }
    } else {
        m.muted_.erase(target.id);
        if (!account.empty()) {
            m.mutedAccounts_.erase(account);
        }
    }
}

void Moderation::setOperator(Room& room, const Session& target, bool on) {
    RoomModeration& m = room.moderation;
    if (on) {
        if (target.profile.account.empty()) {
            m.operators_.insert(target.id);
        } else {
            setOperatorAccount(room, target.profile.account, true);
        }
        return;
    }
    m.operators_.erase(target.id);
    if (!target.profile.account.empty()) {
        setOperatorAccount(room, target.profile.account, false);
    }
}

void Moderation::setOperatorAccount(Room& room, const std::string& account, bool on) {
    const std::string folded = fold(account);
    RoomModeration& m = room.moderation;
    const bool changed =
        on ? m.operatorAccounts_.insert(folded).second : m.operatorAccounts_.erase(folded) > 0;
    if (changed && store_) {
        const StoredRoomOperator op{room.name, folded};
        if (on) {
            store_->putOperator(op);
        } else {
            store_->removeOperator(op);
        }
    }
}

void Moderation::invite(Room& room, std::string_view nick) {
    room.moderation.invites_.insert(fold(nick));
}

void Moderation::uninvite(Room& room, std::string_view nick) {
    room.moderation.invites_.erase(fold(nick));
}

bool Moderation::invited(const Room& room, std::string_view nick) {
    return room.moderation.invites_.contains(fold(nick));
}

const std::set<std::string>& Moderation::invites(const Room& room) {
    return room.moderation.invites_;
}

std::vector<StoredBan> Moderation::clusterBans(const RoomTable& rooms) const {
    std::vector<StoredBan> out;
    auto add = [&out](const std::vector<StoredBan>& list) {
        for (const StoredBan& ban : list) {
            if (ban.clusterVersion > 0) {
                out.push_back(ban);
            }
        }
    };
    add(hubBans_);
    rooms.forEach([&add](const Room& room) { add(room.moderation.bans_); });
    return out;
}

void Moderation::setTopicLocked(Room& room, bool locked) {
    room.moderation.topicLocked_ = locked;
    storeModes(room);
}

void Moderation::setInviteOnly(Room& room, bool inviteOnly) {
    room.moderation.inviteOnly_ = inviteOnly;
    if (!inviteOnly) {
        room.moderation.invites_.clear();
    }
    storeModes(room);
}

void Moderation::storeModes(const Room& room) {
    if (store_) {
        store_->putModes(
            StoredRoomModes{room.name, room.moderation.topicLocked_, room.moderation.inviteOnly_});
    }
}

}  // namespace hermes::hub
