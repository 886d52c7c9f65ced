#include "ui/CoreActions.hpp"

namespace hermes::tui {

namespace {
hermes::v1::MessageKind kindOf(bool action) {
    return action ? hermes::v1::MESSAGE_KIND_ACTION : hermes::v1::MESSAGE_KIND_TEXT;
}
}  // namespace

std::uint64_t CoreActions::say(const std::string& room, const std::string& text, bool action) {
    return core_->say(room, text, kindOf(action));
}

std::uint64_t CoreActions::sendSay(const hermes::v1::Say& say) {
    return core_->sendSay(say);
}

std::uint64_t CoreActions::privateMessage(const std::string& nick, const std::string& text,
                                          bool action) {
    return core_->privateMessage(nick, text, kindOf(action));
}

bool CoreActions::search(const std::string& room, const std::string& query,
                         std::uint64_t beforeSeq) {
    hermes::v1::Envelope envelope;
    auto* request = envelope.mutable_search_request();
    request->set_room(room);
    request->set_query(query);
    request->set_before_seq(beforeSeq);
    return core_->send(std::move(envelope));
}

bool CoreActions::searchPrivate(const std::string& peer, const std::string& query,
                                std::uint64_t beforeSeq) {
    hermes::v1::Envelope envelope;
    auto* request = envelope.mutable_search_request();
    request->set_peer(peer);
    request->set_query(query);
    request->set_before_seq(beforeSeq);
    return core_->send(std::move(envelope));
}

bool CoreActions::whois(const std::string& nick) {
    hermes::v1::Envelope envelope;
    envelope.mutable_whois_request()->set_nick(nick);
    return core_->send(std::move(envelope));
}

bool CoreActions::setAway(const std::string& text) {
    hermes::v1::Envelope envelope;
    envelope.mutable_set_away()->set_text(text);
    return core_->send(std::move(envelope));
}

bool CoreActions::typing(const std::string& target, bool query, bool stopped) {
    hermes::v1::Envelope envelope;
    auto* typing = envelope.mutable_typing();
    (query ? typing->mutable_to() : typing->mutable_room())->assign(target);
    typing->set_stopped(stopped);
    return core_->send(std::move(envelope));
}

bool CoreActions::markRead(const std::string& target, bool query, std::uint64_t seq) {
    hermes::v1::Envelope envelope;
    if (query) {
        envelope.mutable_mark_read()->set_peer(target);
    } else {
        envelope.mutable_mark_read()->set_room(target);
    }
    envelope.mutable_mark_read()->set_seq(seq);
    return core_->send(std::move(envelope));
}

bool CoreActions::requestReadMarkers() {
    hermes::v1::Envelope envelope;
    envelope.mutable_read_markers_request();
    return core_->send(std::move(envelope));
}

bool CoreActions::moderate(const std::string& room, int action, const std::string& target,
                           int targetKind, const std::string& reason, std::uint32_t expirySeconds) {
    hermes::v1::Envelope envelope;
    auto* request = envelope.mutable_moderation_request();
    request->set_room(room);
    request->set_action(static_cast<hermes::v1::ModerationAction>(action));
    request->set_target(target);
    request->set_target_kind(static_cast<hermes::v1::TargetKind>(targetKind));
    request->set_reason(reason);
    request->set_expiry_seconds(expirySeconds);
    return core_->send(std::move(envelope));
}

bool CoreActions::requestBans(const std::string& room) {
    hermes::v1::Envelope envelope;
    envelope.mutable_ban_list_request()->set_room(room);
    return core_->send(std::move(envelope));
}

}  // namespace hermes::tui
