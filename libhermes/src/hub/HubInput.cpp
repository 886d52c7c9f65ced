// Input: bytes to frames to Envelopes, the rate limit's waiting frames,
// and dispatch to the handler for each request kind.

#include "HubImpl.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <google/protobuf/unknown_field_set.h>

#include "hermes/codec/FrameDecoder.hpp"

namespace hermes::hub {

namespace {

// Waiting frames are kept in a vector read from a head index; the consumed
// front is erased once it is this long and at least half the vector.
constexpr std::size_t kWaitingCompactAt = 16;

std::string bodyName(const v1::Envelope& envelope) {
    if (envelope.body_case() == v1::Envelope::BODY_NOT_SET) {
        return "an empty or unknown message type";
    }
    const auto* field =
        v1::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(envelope.body_case()));
    return field == nullptr ? "an unknown message type" : field->name();
}

}  // namespace

// While input is paused for the output budget (HubFlowControl.cpp) the
// bytes stay in the decoder, in order, until it resumes.
void Hub::Impl::receive(Session& s, std::string_view bytes) {
    s.active = true;
    s.decoder.feed(bytes);
    drainWaiting(s);
    std::string_view payload;
    while (!s.doomed) {
        if (!takingInput()) {
            holdInput(s);
            break;
        }
        if (!s.decoder.nextPayload(payload)) {
            if (s.decoder.failed()) {
                decodeFailed(s);
            }
            break;
        }
        s.lastHeard = now;
        s.pingOutstanding = false;
        if (!codec::parseEnvelope(payload, in)) {
            rejectPayload(s, payload);
            continue;
        }
        admit(s, in);
    }
}

// The frame's length was sound but its payload is no Envelope. If it is
// still protobuf wire format, a string field was not UTF-8 (proto3
// refuses those while parsing): the stream is intact, so the client gets
// INVALID_TEXT like any other bad text and stays. Anything else is
// garbage and closes the connection.
void Hub::Impl::rejectPayload(Session& s, std::string_view payload) {
    google::protobuf::UnknownFieldSet fields;
    if (payload.size() > static_cast<std::size_t>(INT32_MAX) ||
        !fields.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        fatal(s, v1::ERROR_CODE_BAD_FRAME,
              std::string(codec::describe(codec::DecodeError::BadPayload)), "bad_frame",
              "bad frame");
        return;
    }
    // Point the error at the Say or PrivateMessage it answers, if it is one.
    std::uint64_t clientMsgId = 0;
    std::string room;
    for (int i = 0; i < fields.field_count(); ++i) {
        const auto& field = fields.field(i);
        const bool textMessage = field.number() == v1::Envelope::kSayFieldNumber ||
                                 field.number() == v1::Envelope::kPrivateMessageFieldNumber;
        google::protobuf::UnknownFieldSet inner;
        if (!textMessage || field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED ||
            !inner.ParseFromString(field.length_delimited())) {
            continue;
        }
        for (int k = 0; k < inner.field_count(); ++k) {
            const auto& part = inner.field(k);
            if (part.number() == 2 && part.type() == google::protobuf::UnknownField::TYPE_VARINT) {
                clientMsgId = part.varint();
            } else if (part.number() == 1 &&
                       part.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED &&
                       protocol::isValidUtf8(part.length_delimited())) {
                room = part.length_delimited();
            }
        }
    }
    sendError(s, v1::ERROR_CODE_INVALID_TEXT, "frame ignored: a text in it is not valid UTF-8",
              room, clientMsgId);
}

void Hub::Impl::decodeFailed(Session& s) {
    const codec::DecodeError error = s.decoder.error();
    if (error == codec::DecodeError::FrameTooLarge) {
        fatal(s, v1::ERROR_CODE_FRAME_TOO_LARGE,
              "frame of " + std::to_string(s.decoder.claimedLength()) + " bytes; the most is " +
                  std::to_string(s.decoder.maxFrameBytes()),
              "frame_too_large", "frame too large");
        return;
    }
    fatal(s, v1::ERROR_CODE_BAD_FRAME, std::string(codec::describe(error)), "bad_frame",
          "bad frame");
}

// Rate limit: a frame runs now if nothing waits and a token is free;
// otherwise it waits its turn, and too many waiting is a flood.
void Hub::Impl::admit(Session& s, v1::Envelope& envelope) {
    const auto body = envelope.body_case();
    if (s.welcomed && (body == v1::Envelope::kPing || body == v1::Envelope::kPong)) {
        dispatch(s, envelope);  // liveness never waits and costs no token
        return;
    }
    if (s.waitingCount() == 0 && s.bucket.tryTake(now)) {
        dispatch(s, envelope);
        return;
    }
    if (s.waitingCount() >= config.floodBacklog) {
        fatal(s, v1::ERROR_CODE_FLOOD,
              "more than " + std::to_string(config.floodBacklog) +
                  " frames waiting for the rate limit of " + std::to_string(config.ratePerSecond) +
                  "/s",
              "flood", "flood");
        return;
    }
    if (s.waitingHead >= kWaitingCompactAt && s.waitingHead * 2 >= s.waiting.size()) {
        s.waiting.erase(s.waiting.begin(),
                        s.waiting.begin() + static_cast<std::ptrdiff_t>(s.waitingHead));
        s.waitingHead = 0;
    }
    s.waiting.push_back(std::move(envelope));
    if (!s.throttled) {
        s.throttled = true;
        throttled.push_back(s.id);
    }
}

void Hub::Impl::drainWaiting(Session& s) {
    while (!s.doomed && s.waitingCount() > 0) {
        if (!takingInput()) {
            holdInput(s);
            return;
        }
        if (!s.bucket.tryTake(now)) {
            break;
        }
        v1::Envelope envelope = std::move(s.waiting[s.waitingHead++]);
        dispatch(s, envelope);
    }
    if (s.waitingCount() == 0) {
        s.waiting.clear();
        s.waitingHead = 0;
    }
}

void Hub::Impl::dispatch(Session& s, const v1::Envelope& envelope) {
    ++stats.messagesIn;
    if (!s.welcomed) {
        if (envelope.body_case() == v1::Envelope::kHello) {
            onHello(s, envelope.hello());
        } else {
            fatal(s, v1::ERROR_CODE_HANDSHAKE_REQUIRED,
                  "send Hello first; got " + bodyName(envelope), "handshake_required",
                  "handshake required");
        }
        return;
    }
    switch (envelope.body_case()) {
        case v1::Envelope::kHello:
            sendError(s, v1::ERROR_CODE_ALREADY_WELCOMED,
                      "already welcomed as " + s.nick + "; use SetNick to change nick");
            return;
        case v1::Envelope::kJoin:
            onJoin(s, envelope.join());
            return;
        case v1::Envelope::kLeave:
            onLeave(s, envelope.leave());
            return;
        case v1::Envelope::kSay:
            onSay(s, envelope.say());
            return;
        case v1::Envelope::kPrivateMessage:
            onPrivateMessage(s, envelope.private_message());
            return;
        case v1::Envelope::kWho:
            onWho(s, envelope.who());
            return;
        case v1::Envelope::kTopic:
            onTopic(s, envelope.topic());
            return;
        case v1::Envelope::kRoomListRequest:
            onRoomList(s);
            return;
        case v1::Envelope::kHistoryRequest:
            onHistory(s, envelope.history_request());
            return;
        case v1::Envelope::kSearchRequest:
            onSearch(s, envelope.search_request());
            return;
        case v1::Envelope::kPing: {
            out.Clear();
            out.mutable_pong()->set_nonce(envelope.ping().nonce());
            send(s, out);
            return;
        }
        case v1::Envelope::kPong:
            return;  // life was already recorded when the frame arrived
        case v1::Envelope::kBye:
            onBye(s, envelope.bye());
            return;
        case v1::Envelope::kStatsRequest:
            onStats(s);
            return;
        case v1::Envelope::kSetNick:
            onSetNick(s, envelope.set_nick());
            return;
        case v1::Envelope::kWhoisRequest:
            onWhois(s, envelope.whois_request());
            return;
        case v1::Envelope::kSetAway:
            onSetAway(s, envelope.set_away());
            return;
        default:
            sendError(s, v1::ERROR_CODE_UNSUPPORTED,
                      "the hub does not accept " + bodyName(envelope) + " from clients");
            return;
    }
}

}  // namespace hermes::hub
