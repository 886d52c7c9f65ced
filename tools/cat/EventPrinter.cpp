#include "EventPrinter.hpp"

#include <ctime>
#include <ostream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "hermes/protocol/ProtocolError.hpp"

namespace hermes::cat {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const char* kindName(hermes::v1::MessageKind kind) {
    switch (kind) {
        case hermes::v1::MESSAGE_KIND_ACTION:
            return "action";
        case hermes::v1::MESSAGE_KIND_NOTICE:
            return "notice";
        case hermes::v1::MESSAGE_KIND_FILE:
            return "file";
        case hermes::v1::MESSAGE_KIND_EDIT:
            return "edit";
        case hermes::v1::MESSAGE_KIND_DELETE:
            return "delete";
        case hermes::v1::MESSAGE_KIND_REACT:
            return "react";
        case hermes::v1::MESSAGE_KIND_UNREACT:
            return "unreact";
        default:
            return "text";
    }
}

const char* presenceName(hermes::v1::PresenceKind kind) {
    switch (kind) {
        case hermes::v1::PRESENCE_KIND_JOINED:
            return "joined";
        case hermes::v1::PRESENCE_KIND_LEFT:
            return "left";
        case hermes::v1::PRESENCE_KIND_QUIT:
            return "quit";
        case hermes::v1::PRESENCE_KIND_NICK_CHANGED:
            return "nick_changed";
        case hermes::v1::PRESENCE_KIND_AWAY:
            return "away";
        case hermes::v1::PRESENCE_KIND_BACK:
            return "back";
        case hermes::v1::PRESENCE_KIND_KICKED:
            return "kicked";
        case hermes::v1::PRESENCE_KIND_BANNED:
            return "banned";
        case hermes::v1::PRESENCE_KIND_UNBANNED:
            return "unbanned";
        case hermes::v1::PRESENCE_KIND_MUTED:
            return "muted";
        case hermes::v1::PRESENCE_KIND_UNMUTED:
            return "unmuted";
        case hermes::v1::PRESENCE_KIND_OPPED:
            return "opped";
        case hermes::v1::PRESENCE_KIND_DEOPPED:
            return "deopped";
        case hermes::v1::PRESENCE_KIND_MODE_CHANGED:
            return "mode_changed";
        case hermes::v1::PRESENCE_KIND_INVITED:
            return "invited";
        default:
            return "unspecified";
    }
}

std::string isoTime(std::int64_t timeMs) {
    const auto seconds = static_cast<std::time_t>(timeMs / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[40];
    const auto used = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    char millis[16];
    std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(timeMs % 1000));
    return std::string(buffer, used) + millis;
}

Array nickArray(const google::protobuf::RepeatedPtrField<std::string>& nicks) {
    Array array;
    for (const auto& nick : nicks) {
        array.add(nick);
    }
    return array;
}

void emit(std::ostream& out, const Object& object) {
    object.stringify(out);
    out << '\n';
}

}  // namespace

EventPrinter::EventPrinter(std::ostream& out, std::ostream& err, bool json, bool showBacklog,
                           bool showTyping)
    : out_(out), err_(err), json_(json), showBacklog_(showBacklog), showTyping_(showTyping) {}

std::string EventPrinter::clockTime(std::int64_t timeMs) {
    const auto seconds = static_cast<std::time_t>(timeMs / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char buffer[16];
    const auto used = std::strftime(buffer, sizeof buffer, "%H:%M:%S", &local);
    return std::string(buffer, used);
}

void EventPrinter::print(const hermes::v1::Envelope& envelope) {
    switch (envelope.body_case()) {
        case hermes::v1::Envelope::kMessage:
            message(envelope.message(), false, {});
            break;
        case hermes::v1::Envelope::kHistoryPage:
            if (!envelope.history_page().backlog() || showBacklog_) {
                for (const auto& m : envelope.history_page().messages()) {
                    message(m, envelope.history_page().backlog(), envelope.history_page().peer());
                }
            }
            break;
        case hermes::v1::Envelope::kPresence:
            presence(envelope.presence());
            break;
        case hermes::v1::Envelope::kMembers:
            members(envelope.members());
            break;
        case hermes::v1::Envelope::kTopic:
            if (!repeatsShownTopic(envelope.topic())) {
                topic(envelope.topic());
            }
            break;
        case hermes::v1::Envelope::kError:
            error(envelope.error());
            break;
        case hermes::v1::Envelope::kBye:
            bye(envelope.bye());
            break;
        case hermes::v1::Envelope::kTypingNotice:
            if (json_ && showTyping_) {
                typing(envelope.typing_notice());
            }
            break;
        case hermes::v1::Envelope::kReadMarkers:
            if (json_) {
                readMarkers(envelope.read_markers());
            }
            break;
        default:
            break;  // Pong, Stats, RoomList: nothing hermes-cat asked for
    }
    out_.flush();
}

void EventPrinter::typing(const hermes::v1::TypingNotice& n) {
    Object object(Poco::JSON_PRESERVE_KEY_ORDER);
    object.set("type", "typing");
    object.set("room", n.room());
    object.set("from", n.from());
    object.set("stopped", n.stopped());
    object.set("expires_ms", static_cast<Poco::UInt64>(n.expires_ms()));
    emit(out_, object);
}

void EventPrinter::readMarkers(const hermes::v1::ReadMarkers& m) {
    Object object(Poco::JSON_PRESERVE_KEY_ORDER);
    object.set("type", "read_markers");
    Poco::JSON::Array markers;
    for (const auto& marker : m.markers()) {
        Object one(Poco::JSON_PRESERVE_KEY_ORDER);
        if (!marker.room().empty()) {
            one.set("room", marker.room());
        } else {
            one.set("peer", marker.peer());
        }
        one.set("seq", static_cast<Poco::UInt64>(marker.seq()));
        markers.add(one);
    }
    object.set("markers", markers);
    object.set("all", m.all());
    object.set("durable", m.durable());
    emit(out_, object);
}

void EventPrinter::status(const std::string& text) {
    if (json_) {
        Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "status");
        object.set("text", text);
        emit(out_, object);
        out_.flush();
    } else {
        err_ << "hermes-cat: " << text << '\n';
    }
}

void EventPrinter::message(const hermes::v1::ChatMessage& m, bool backlog,
                           const std::string& peer) {
    if (json_) {
        Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "message");
        object.set("room", m.room());
        object.set("seq", static_cast<Poco::UInt64>(m.seq()));
        object.set("epoch", static_cast<Poco::UInt64>(m.epoch()));
        object.set("time", isoTime(m.time_ms()));
        object.set("time_ms", static_cast<Poco::Int64>(m.time_ms()));
        object.set("from", m.from());
        object.set("kind", kindName(m.kind()));
        object.set("text", m.text());
        if (!m.to().empty()) {
            object.set("to", m.to());
        }
        if (m.has_file()) {
            Object file(Poco::JSON_PRESERVE_KEY_ORDER);
            file.set("name", m.file().name());
            file.set("size", static_cast<Poco::UInt64>(m.file().size()));
            file.set("media_type", m.file().media_type());
            file.set("sha256", m.file().sha256());
            if (!m.file().preview().empty()) {
                file.set("preview", m.file().preview());
            }
            object.set("file", file);
        }
        if (m.reply_to() != 0) {
            object.set("reply_to", static_cast<Poco::UInt64>(m.reply_to()));
        }
        if (m.target_seq() != 0) {
            object.set("target_seq", static_cast<Poco::UInt64>(m.target_seq()));
        }
        if (!m.reaction().empty()) {
            object.set("reaction", m.reaction());
        }
        if (!m.reactor().empty()) {
            object.set("reactor", m.reactor());
        }
        if (backlog) {
            object.set("backlog", true);
        }
        if (m.private_seq() != 0) {
            object.set("private_seq", static_cast<Poco::UInt64>(m.private_seq()));
        }
        if (m.waited()) {
            object.set("waited", true);
        }
        if (m.offline()) {
            object.set("offline", true);
        }
        if (!peer.empty()) {
            object.set("peer", peer);  // a page of the conversation with peer
        }
        emit(out_, object);
        return;
    }
    const std::string when = "[" + clockTime(m.time_ms()) + "] ";
    const std::string who = m.to().empty() ? m.from() : m.from() + " -> " + m.to();
    const std::string target = std::to_string(m.target_seq());
    const std::string reply =
        m.reply_to() == 0 ? std::string() : "(re " + std::to_string(m.reply_to()) + ") ";
    switch (m.kind()) {
        case hermes::v1::MESSAGE_KIND_EDIT:
            out_ << when << "-- " << who << " edited " << target << ": " << m.text() << '\n';
            return;
        case hermes::v1::MESSAGE_KIND_DELETE:
            out_ << when << "-- " << who << " deleted " << target << '\n';
            return;
        case hermes::v1::MESSAGE_KIND_REACT:
            out_ << when << "-- " << who << " reacted " << m.reaction() << " to " << target << '\n';
            return;
        case hermes::v1::MESSAGE_KIND_UNREACT:
            out_ << when << "-- " << who << " removed " << m.reaction() << " from " << target
                 << '\n';
            return;
        default:
            break;
    }
    switch (m.kind()) {
        case hermes::v1::MESSAGE_KIND_ACTION:
            out_ << when << reply << "* " << who << ' ' << m.text() << '\n';
            break;
        case hermes::v1::MESSAGE_KIND_NOTICE:
            out_ << when << "-!- " << m.text() << '\n';
            break;
        case hermes::v1::MESSAGE_KIND_FILE:
            // The seq names it for --download; the hash checks it.
            out_ << when << "#" << m.seq() << " " << who << ' ' << m.text()
                 << " sha256:" << m.file().sha256() << '\n';
            break;
        default:
            out_ << when << '<' << who << "> " << reply << m.text();
            if (m.waited()) {
                out_ << " (sent while you were away)";
            } else if (m.offline()) {
                out_ << " (" << m.to() << " is offline: it waits for their next sign-in)";
            }
            out_ << '\n';
    }
}

void EventPrinter::presence(const hermes::v1::Presence& p) {
    if (json_) {
        Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "presence");
        object.set("room", p.room());
        object.set("kind", presenceName(p.kind()));
        object.set("nicks", nickArray(p.nicks()));
        if (!p.new_nick().empty()) {
            object.set("new_nick", p.new_nick());
        }
        if (!p.reason().empty()) {
            object.set("reason", p.reason());
        }
        if (!p.by().empty()) {
            object.set("by", p.by());
        }
        object.set("time_ms", static_cast<Poco::Int64>(p.time_ms()));
        emit(out_, object);
        return;
    }
    const std::string reason = p.reason().empty() ? "" : " (" + p.reason() + ")";
    if (p.kind() == hermes::v1::PRESENCE_KIND_MODE_CHANGED) {
        out_ << "-- " << p.by() << " set " << p.room() << ": " << p.reason() << '\n';
        return;
    }
    for (const auto& nick : p.nicks()) {
        switch (p.kind()) {
            case hermes::v1::PRESENCE_KIND_JOINED:
                out_ << "-- " << nick << " joined\n";
                break;
            case hermes::v1::PRESENCE_KIND_LEFT:
                out_ << "-- " << nick << " left" << reason << '\n';
                break;
            case hermes::v1::PRESENCE_KIND_QUIT:
                out_ << "-- " << nick << " quit" << reason << '\n';
                break;
            case hermes::v1::PRESENCE_KIND_NICK_CHANGED:
                out_ << "-- " << nick << " is now known as " << p.new_nick() << '\n';
                break;
            case hermes::v1::PRESENCE_KIND_AWAY:
                out_ << "-- " << nick << " is away: " << p.reason() << '\n';
                break;
            case hermes::v1::PRESENCE_KIND_BACK:
                out_ << "-- " << nick << " is back\n";
                break;
            case hermes::v1::PRESENCE_KIND_OPPED:
                out_ << "-- " << p.by() << " made " << nick << " an operator" << reason << '\n';
                break;
            case hermes::v1::PRESENCE_KIND_DEOPPED:
                out_ << "-- " << p.by() << " took operator from " << nick << reason << '\n';
                break;
            case hermes::v1::PRESENCE_KIND_INVITED:
                out_ << "-- " << p.by() << " invited " << nick << reason << '\n';
                break;
            case hermes::v1::PRESENCE_KIND_KICKED:
            case hermes::v1::PRESENCE_KIND_BANNED:
            case hermes::v1::PRESENCE_KIND_UNBANNED:
            case hermes::v1::PRESENCE_KIND_MUTED:
            case hermes::v1::PRESENCE_KIND_UNMUTED:
                out_ << "-- " << nick << " was " << presenceName(p.kind()) << " by " << p.by()
                     << reason << '\n';
                break;
            default:
                break;
        }
    }
}

void EventPrinter::members(const hermes::v1::MemberList& m) {
    if (json_) {
        Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "members");
        object.set("room", m.room());
        object.set("nicks", nickArray(m.nicks()));
        emit(out_, object);
        return;
    }
    out_ << "-- members of " << m.room() << ':';
    for (const auto& nick : m.nicks()) {
        out_ << ' ' << nick;
    }
    out_ << '\n';
}

bool EventPrinter::repeatsShownTopic(const hermes::v1::Topic& t) {
    auto shown = std::make_tuple(t.text(), t.set_by(), t.time_ms());
    auto [it, added] = shownTopics_.try_emplace(t.room(), shown);
    if (added) {
        return false;
    }
    if (it->second == shown) {
        return true;
    }
    it->second = std::move(shown);
    return false;
}

void EventPrinter::topic(const hermes::v1::Topic& t) {
    if (json_) {
        Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "topic");
        object.set("room", t.room());
        object.set("text", t.text());
        object.set("set_by", t.set_by());
        object.set("time_ms", static_cast<Poco::Int64>(t.time_ms()));
        emit(out_, object);
        return;
    }
    out_ << "-- topic of " << t.room() << ": " << t.text();
    if (!t.set_by().empty()) {
        out_ << " (set by " << t.set_by() << ')';
    }
    out_ << '\n';
}

void EventPrinter::error(const hermes::v1::Error& e) {
    const std::string code(hermes::protocol::errorCodeName(e.code()));
    if (json_) {
        Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "error");
        object.set("code", code);
        object.set("text", e.text());
        object.set("client_msg_id", static_cast<Poco::UInt64>(e.client_msg_id()));
        object.set("room", e.room());
        object.set("fatal", e.fatal());
        emit(out_, object);
        return;
    }
    err_ << "hermes-cat: hub error " << code << (e.fatal() ? " (fatal)" : "") << ": " << e.text();
    if (e.client_msg_id() != 0) {
        err_ << " [message " << e.client_msg_id() << ']';
    }
    err_ << '\n';
}

void EventPrinter::bye(const hermes::v1::Bye& b) {
    if (json_) {
        Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "bye");
        object.set("reason", hermes::v1::ByeReason_Name(b.reason()));
        object.set("text", b.text());
        emit(out_, object);
        return;
    }
    err_ << "hermes-cat: the hub says goodbye (" << hermes::v1::ByeReason_Name(b.reason())
         << "): " << b.text() << '\n';
}

}  // namespace hermes::cat
