#pragma once
// Envelopes a test sends, hex helpers for byte-level cases, and readable
// one-line descriptions of what a client received (for failure messages).
//
// Threading: free functions, no shared state.

#include <cstdint>
#include <string>
#include <string_view>

#include "hermes/v1/hermes.pb.h"

namespace hermes::it {

// "0a 0B0c" -> bytes; whitespace between pairs is optional. Throws
// std::invalid_argument naming the offending text.
std::string hexToBytes(std::string_view hex);
std::string toHex(std::string_view bytes, std::size_t maxBytes = 64);

hermes::v1::Envelope helloEnvelope(const std::string& nick);
hermes::v1::Envelope joinEnvelope(const std::string& room, bool skipBacklog = false);
hermes::v1::Envelope leaveEnvelope(const std::string& room, const std::string& reason = {});
hermes::v1::Envelope sayEnvelope(const std::string& room, const std::string& text,
                                 std::uint64_t clientMsgId);
// A Say of an event kind (EDIT, DELETE, REACT, UNREACT) about room seq `target`.
hermes::v1::Envelope eventEnvelope(const std::string& room, hermes::v1::MessageKind kind,
                                   std::uint64_t target, const std::string& text,
                                   std::uint64_t clientMsgId);
hermes::v1::Envelope privateEnvelope(const std::string& to, const std::string& text,
                                     std::uint64_t clientMsgId);
hermes::v1::Envelope topicEnvelope(const std::string& room, const std::string& text);
hermes::v1::Envelope setNickEnvelope(const std::string& nick);
// A ModerationRequest naming a nick (`target` empty: a room mode).
hermes::v1::Envelope moderationEnvelope(const std::string& room,
                                        hermes::v1::ModerationAction action,
                                        const std::string& target, const std::string& reason = {},
                                        std::uint32_t expirySeconds = 0);
hermes::v1::Envelope historyEnvelope(const std::string& room, std::uint64_t afterSeq,
                                     std::uint32_t limit);
hermes::v1::Envelope pingEnvelope(std::uint64_t nonce);
hermes::v1::Envelope byeEnvelope(const std::string& text);
hermes::v1::Envelope statsRequestEnvelope();
hermes::v1::Envelope whoisEnvelope(const std::string& nick);
// SetAway: empty text = back.
hermes::v1::Envelope setAwayEnvelope(const std::string& text);
// Accounts: a Hello with a password (and a hub password), Register, Identify,
// ChangePassword.
hermes::v1::Envelope helloWithPasswordEnvelope(const std::string& nick, const std::string& password,
                                               const std::string& hubPassword = {});
hermes::v1::Envelope registerEnvelope(const std::string& password);
hermes::v1::Envelope identifyEnvelope(const std::string& nick, const std::string& password);
hermes::v1::Envelope changePasswordEnvelope(const std::string& oldPassword,
                                            const std::string& newPassword);

// The frame of `envelope` (length prefix + payload).
std::string frameOf(const hermes::v1::Envelope& envelope);

// First byte of an Envelope payload whose body is a ChatMessage (field 7,
// length-delimited): lets a busy client skip parsing the frames it only
// compares byte for byte.
inline constexpr char kChatMessageTag = 0x3A;
// Ping is field 16: a two-byte tag.
inline bool isPingPayload(std::string_view payload) {
    return payload.size() >= 2 && static_cast<unsigned char>(payload[0]) == 0x82 &&
           payload[1] == 0x01;
}

// One line, at most `maxChars`, for logs and failure messages.
std::string describe(const hermes::v1::Envelope& envelope, std::size_t maxChars = 240);

// True if `message` or any message inside it kept fields its schema does not
// know (the hub must never relay what it did not validate).
bool hasUnknownFields(const google::protobuf::Message& message);

}  // namespace hermes::it
