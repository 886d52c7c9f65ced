#include "Frames.hpp"

#include <cctype>
#include <stdexcept>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/unknown_field_set.h>

#include "hermes/codec/FrameEncoder.hpp"

namespace hermes::it {

namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    const int lower = std::tolower(static_cast<unsigned char>(c));
    if (lower >= 'a' && lower <= 'f') {
        return lower - 'a' + 10;
    }
    return -1;
}

}  // namespace

std::string hexToBytes(std::string_view hex) {
    std::string out;
    int high = -1;
    for (const char c : hex) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (high >= 0) {
                throw std::invalid_argument("odd hex digit before a space in \"" +
                                            std::string(hex) + "\"");
            }
            continue;
        }
        const int value = hexValue(c);
        if (value < 0) {
            throw std::invalid_argument("not a hex digit '" + std::string(1, c) + "' in \"" +
                                        std::string(hex) + "\"");
        }
        if (high < 0) {
            high = value;
        } else {
            out.push_back(static_cast<char>((high << 4) | value));
            high = -1;
        }
    }
    if (high >= 0) {
        throw std::invalid_argument("odd number of hex digits in \"" + std::string(hex) + "\"");
    }
    return out;
}

std::string toHex(std::string_view bytes, std::size_t maxBytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size() && i < maxBytes; ++i) {
        if (i != 0) {
            out.push_back(' ');
        }
        const auto byte = static_cast<unsigned char>(bytes[i]);
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0x0F]);
    }
    if (bytes.size() > maxBytes) {
        out += " ...";
    }
    return out;
}

hermes::v1::Envelope helloEnvelope(const std::string& nick) {
    hermes::v1::Envelope envelope;
    auto* hello = envelope.mutable_hello();
    hello->set_protocol_version(hermes::v1::PROTOCOL_VERSION_1);
    hello->set_nick(nick);
    hello->set_client_name("hermes integration harness");
    return envelope;
}

hermes::v1::Envelope joinEnvelope(const std::string& room, bool skipBacklog) {
    hermes::v1::Envelope envelope;
    envelope.mutable_join()->set_room(room);
    envelope.mutable_join()->set_skip_backlog(skipBacklog);
    return envelope;
}

hermes::v1::Envelope leaveEnvelope(const std::string& room, const std::string& reason) {
    hermes::v1::Envelope envelope;
    envelope.mutable_leave()->set_room(room);
    envelope.mutable_leave()->set_reason(reason);
    return envelope;
}

hermes::v1::Envelope sayEnvelope(const std::string& room, const std::string& text,
                                 std::uint64_t clientMsgId) {
    hermes::v1::Envelope envelope;
    auto* say = envelope.mutable_say();
    say->set_room(room);
    say->set_text(text);
    say->set_client_msg_id(clientMsgId);
    return envelope;
}

hermes::v1::Envelope eventEnvelope(const std::string& room, hermes::v1::MessageKind kind,
                                   std::uint64_t target, const std::string& text,
                                   std::uint64_t clientMsgId) {
    hermes::v1::Envelope envelope = sayEnvelope(room, text, clientMsgId);
    envelope.mutable_say()->set_kind(kind);
    envelope.mutable_say()->set_target_seq(target);
    return envelope;
}

hermes::v1::Envelope privateEnvelope(const std::string& to, const std::string& text,
                                     std::uint64_t clientMsgId) {
    hermes::v1::Envelope envelope;
    auto* message = envelope.mutable_private_message();
    message->set_to(to);
    message->set_text(text);
    message->set_client_msg_id(clientMsgId);
    return envelope;
}

hermes::v1::Envelope topicEnvelope(const std::string& room, const std::string& text) {
    hermes::v1::Envelope envelope;
    envelope.mutable_topic()->set_room(room);
    envelope.mutable_topic()->set_text(text);
    return envelope;
}

hermes::v1::Envelope moderationEnvelope(const std::string& room,
                                        hermes::v1::ModerationAction action,
                                        const std::string& target, const std::string& reason,
                                        std::uint32_t expirySeconds) {
    hermes::v1::Envelope envelope;
    auto* request = envelope.mutable_moderation_request();
    request->set_room(room);
    request->set_action(action);
    request->set_target(target);
    request->set_target_kind(hermes::v1::TARGET_KIND_NICK);
    request->set_reason(reason);
    request->set_expiry_seconds(expirySeconds);
    return envelope;
}

hermes::v1::Envelope setNickEnvelope(const std::string& nick) {
    hermes::v1::Envelope envelope;
    envelope.mutable_set_nick()->set_nick(nick);
    return envelope;
}

hermes::v1::Envelope historyEnvelope(const std::string& room, std::uint64_t afterSeq,
                                     std::uint32_t limit) {
    hermes::v1::Envelope envelope;
    auto* request = envelope.mutable_history_request();
    request->set_room(room);
    request->set_after_seq(afterSeq);
    request->set_limit(limit);
    return envelope;
}

hermes::v1::Envelope pingEnvelope(std::uint64_t nonce) {
    hermes::v1::Envelope envelope;
    envelope.mutable_ping()->set_nonce(nonce);
    return envelope;
}

hermes::v1::Envelope byeEnvelope(const std::string& text) {
    hermes::v1::Envelope envelope;
    envelope.mutable_bye()->set_reason(hermes::v1::BYE_REASON_CLIENT_QUIT);
    envelope.mutable_bye()->set_text(text);
    return envelope;
}

hermes::v1::Envelope statsRequestEnvelope() {
    hermes::v1::Envelope envelope;
    envelope.mutable_stats_request();
    return envelope;
}

hermes::v1::Envelope whoisEnvelope(const std::string& nick) {
    hermes::v1::Envelope envelope;
    envelope.mutable_whois_request()->set_nick(nick);
    return envelope;
}

hermes::v1::Envelope setAwayEnvelope(const std::string& text) {
    hermes::v1::Envelope envelope;
    envelope.mutable_set_away()->set_text(text);
    return envelope;
}

hermes::v1::Envelope helloWithPasswordEnvelope(const std::string& nick, const std::string& password,
                                               const std::string& hubPassword) {
    hermes::v1::Envelope envelope = helloEnvelope(nick);
    envelope.mutable_hello()->set_password(password);
    envelope.mutable_hello()->set_hub_password(hubPassword);
    return envelope;
}

hermes::v1::Envelope registerEnvelope(const std::string& password) {
    hermes::v1::Envelope envelope;
    envelope.mutable_register_nick()->set_password(password);
    return envelope;
}

hermes::v1::Envelope identifyEnvelope(const std::string& nick, const std::string& password) {
    hermes::v1::Envelope envelope;
    envelope.mutable_identify()->set_nick(nick);
    envelope.mutable_identify()->set_password(password);
    return envelope;
}

hermes::v1::Envelope changePasswordEnvelope(const std::string& oldPassword,
                                            const std::string& newPassword) {
    hermes::v1::Envelope envelope;
    envelope.mutable_change_password()->set_old_password(oldPassword);
    envelope.mutable_change_password()->set_new_password(newPassword);
    return envelope;
}

std::string frameOf(const hermes::v1::Envelope& envelope) {
    return hermes::codec::encodeFrame(envelope);
}

std::string describe(const hermes::v1::Envelope& envelope, std::size_t maxChars) {
    std::string text = envelope.ShortDebugString();
    if (text.empty()) {
        text = "(empty envelope)";
    }
    if (text.size() > maxChars) {
        text.resize(maxChars);
        text += "...";
    }
    return text;
}

bool hasUnknownFields(const google::protobuf::Message& message) {
    const auto* reflection = message.GetReflection();
    if (!reflection->GetUnknownFields(message).empty()) {
        return true;
    }
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const auto* field : fields) {
        if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
            continue;
        }
        if (field->is_repeated()) {
            for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
                if (hasUnknownFields(reflection->GetRepeatedMessage(message, field, i))) {
                    return true;
                }
            }
        } else if (hasUnknownFields(reflection->GetMessage(message, field))) {
            return true;
        }
    }
    return false;
}

}  // namespace hermes::it
