#include "Stamper.hpp"

#include "Room.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/protocol/FileRules.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

std::optional<Stamper::Refusal> Stamper::check(v1::MessageKind kind, std::string_view text) const {
    if (kind != v1::MESSAGE_KIND_TEXT && kind != v1::MESSAGE_KIND_ACTION) {
        return Refusal{v1::ERROR_CODE_UNSUPPORTED, "message kind " + std::to_string(kind) +
                                                       " cannot be sent; use TEXT or ACTION"};
    }
    if (auto error = protocol::checkText(text, config_.maxTextBytes, "message")) {
        return Refusal{v1::ERROR_CODE_INVALID_TEXT, error->text};
    }
    return std::nullopt;
}

void Stamper::stamp(std::string_view room, std::uint64_t seq, std::string_view from,
                    std::string_view to, std::uint64_t clientMsgId, v1::MessageKind kind,
                    std::string_view text, std::string_view away) {
    // assign() into the fields' own strings: no allocation once they have grown.
    chat_.mutable_room()->assign(room);
    chat_.set_seq(seq);
    chat_.set_epoch(epoch_);
    chat_.set_time_ms(wallClock_());
    chat_.mutable_from()->assign(from);
    chat_.set_client_msg_id(clientMsgId);
    chat_.set_kind(kind);
    chat_.mutable_text()->assign(text);
    // Usually empty (a room message): clearing costs less than assigning.
    if (to.empty()) {
        chat_.clear_to();
    } else {
        chat_.mutable_to()->assign(to);
    }
    if (away.empty()) {
        chat_.clear_away();
    } else {
        chat_.mutable_away()->assign(away);
    }
    if (extras_) {
        // Only after a reply or an event: a plain message pays one test.
        chat_.clear_reply_to();
        chat_.clear_target_seq();
        chat_.clear_reaction();
        chat_.clear_reactor();
        extras_ = false;
    }
    if (account_) {
        chat_.clear_from_account();
        account_ = false;
    }
}

void Stamper::fromAccount(const Session& from) {
    if (!from.profile.account.empty()) {
        chat_.mutable_from_account()->assign(from.profile.account);
        account_ = true;
    }
}

// Frames chat_ into frame_ without copying it into the envelope.
void Stamper::serialize() {
    envelope_.Clear();
    envelope_.set_allocated_message(&chat_);
    frame_.clear();
    codec::appendFrame(envelope_, frame_);
    [[maybe_unused]] v1::ChatMessage* released = envelope_.release_message();
}

bool Stamper::backplaneMessage(std::string_view room, std::string_view message, std::uint64_t seq) {
    // Whatever the last stamp left, parsing replaces every field: the next
    // stamp clears what this one may carry.
    extras_ = true;
    account_ = true;
    privateFields_ = true;
    if (!chat_.ParseFromArray(message.data(), static_cast<int>(message.size())) ||
        chat_.room() != room || chat_.seq() != 0 || !chat_.to().empty()) {
        chat_.Clear();
        return false;
    }
    chat_.set_seq(seq);
    serialize();
    return true;
}

void Stamper::eraseText() {
    chat_.clear_text();
    serialize();
}

bool Stamper::backplanePrivate(std::string_view message, std::uint64_t privateSeq) {
    extras_ = true;
    account_ = true;
    privateFields_ = true;
    if (!chat_.ParseFromArray(message.data(), static_cast<int>(message.size())) ||
        !chat_.room().empty() || chat_.seq() != 0 || chat_.private_seq() != 0 ||
        chat_.to().empty() || chat_.from().empty()) {
        chat_.Clear();
        return false;
    }
    chat_.clear_offline();
    if (privateSeq != 0) {
        chat_.set_private_seq(privateSeq);
    }
    serialize();
    return true;
}

void Stamper::roomMessage(const Room& room, std::uint64_t seq, Session& from, const v1::Say& say,
                          TimePoint now) {
    from.profile.lastSpoke = now;
    if (privateFields_) {  // rarely: the last stamp was a conversation's
        clearPrivateFields();
    }
    stamp(room.name, seq, from.who.nick(), {}, say.client_msg_id(), say.kind(), say.text(), {});
    fromAccount(from);
    if (say.reply_to() != 0) {
        chat_.set_reply_to(say.reply_to());
        extras_ = true;
    }
    serialize();
}

std::optional<Stamper::Refusal> Stamper::checkEvent(const v1::Say& say) const {
    switch (say.kind()) {
        case v1::MESSAGE_KIND_EDIT:
            if (auto error = protocol::checkText(say.text(), config_.maxTextBytes, "message")) {
                return Refusal{v1::ERROR_CODE_INVALID_TEXT, "edit: " + error->text};
            }
            break;
        case v1::MESSAGE_KIND_DELETE:
            break;  // its text is ignored
        case v1::MESSAGE_KIND_REACT:
        case v1::MESSAGE_KIND_UNREACT:
            if (auto error = protocol::checkText(say.text(), kMaxReactionBytes, "reaction")) {
                return Refusal{v1::ERROR_CODE_INVALID_REACTION, error->text};
            }
            if (say.text().find(' ') != std::string::npos) {
                return Refusal{v1::ERROR_CODE_INVALID_REACTION,
                               "a reaction is one emoji or word, without spaces"};
            }
            break;
        default:
            return check(say.kind(), say.text());
    }
    if (say.reply_to() != 0) {
        return Refusal{v1::ERROR_CODE_UNSUPPORTED,
                       "reply_to is for TEXT and ACTION; an edit, delete or reaction names its "
                       "message in target_seq"};
    }
    return std::nullopt;
}

void Stamper::roomEvent(const Room& room, std::uint64_t seq, Session& from, const v1::Say& say,
                        const std::string& reactor) {
    const std::string target = std::to_string(say.target_seq());
    std::string text;
    switch (say.kind()) {
        case v1::MESSAGE_KIND_EDIT:
            text = say.text();
            break;
        case v1::MESSAGE_KIND_DELETE:
            text = "deleted message " + target;
            break;
        case v1::MESSAGE_KIND_REACT:
            text = "reacted " + say.text() + " to message " + target;
            break;
        default:
            text = "removed reaction " + say.text() + " from message " + target;
            break;
    }
    if (privateFields_) {
        clearPrivateFields();
    }
    stamp(room.name, seq, from.who.nick(), {}, say.client_msg_id(), say.kind(), text, {});
    fromAccount(from);
    chat_.set_target_seq(say.target_seq());
    if (say.kind() == v1::MESSAGE_KIND_REACT || say.kind() == v1::MESSAGE_KIND_UNREACT) {
        chat_.set_reaction(say.text());
        chat_.set_reactor(reactor);
    }
    extras_ = true;
    serialize();
}

void Stamper::clearPrivateFields() {
    chat_.clear_private_seq();
    chat_.clear_offline();
    privateFields_ = false;
}

void Stamper::privateMessage(Session& from, std::string_view to, const v1::PrivateMessage& pm,
                             std::uint64_t privateSeq, TimePoint now) {
    from.profile.lastSpoke = now;
    conversationFields(privateSeq, false);
    stamp({}, 0, from.who.nick(), to, pm.client_msg_id(), pm.kind(), pm.text(), {});
    serialize();
}

void Stamper::waitingMessage(Session& from, std::string_view to, const v1::PrivateMessage& pm,
                             std::uint64_t privateSeq, TimePoint now) {
    from.profile.lastSpoke = now;
    conversationFields(privateSeq, true);
    stamp({}, 0, from.who.nick(), to, pm.client_msg_id(), pm.kind(), pm.text(), {});
    serialize();
}

void Stamper::conversationFields(std::uint64_t privateSeq, bool offline) {
    if (privateSeq == 0 && !privateFields_) {
        return;
    }
    chat_.set_private_seq(privateSeq);
    chat_.set_offline(offline);
    privateFields_ = privateSeq != 0;
}

void Stamper::awayReply(const Session& sender, const Session& target) {
    awayReply(sender, target.who.nick(), target.profile.away);
}

void Stamper::awayReply(const Session& sender, const std::string& targetNick,
                        const std::string& away) {
    conversationFields(0, false);
    stamp({}, 0, targetNick, sender.who.nick(), 0, v1::MESSAGE_KIND_NOTICE,
          targetNick + " is away: " + away, away);
    serialize();
}

const v1::ChatMessage& Stamper::fileMessage(const Room& room, std::uint64_t seq, Session& from,
                                            std::uint64_t clientMsgId, const v1::FileInfo& file,
                                            TimePoint now) {
    from.profile.lastSpoke = now;
    file_.Clear();
    file_.set_room(room.name);
    file_.set_seq(seq);
    file_.set_epoch(epoch_);
    file_.set_time_ms(wallClock_());
    file_.set_from(from.who.nick());
    file_.set_client_msg_id(clientMsgId);
    file_.set_kind(v1::MESSAGE_KIND_FILE);
    file_.set_text(protocol::fileMessageText(file));
    *file_.mutable_file() = file;
    envelope_.Clear();
    *envelope_.mutable_message() = file_;
    frame_.clear();
    codec::appendFrame(envelope_, frame_);
    envelope_.Clear();
    return file_;
}

}  // namespace hermes::hub
