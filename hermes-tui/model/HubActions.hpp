#pragma once
// What the model asks of the hub connection. The application implements it
// over hermes::client::ClientCore; tests implement it with a recorder. Every
// call must return at once (ClientCore only queues).
//
// Threading: called on the UI thread only.

#include <cstdint>
#include <string>

#include "hermes/v1/hermes.pb.h"

namespace hermes::tui {

class HubActions {
public:
    virtual ~HubActions() = default;
    // Return the client_msg_id, 0 if the line could not be queued.
    virtual std::uint64_t say(const std::string& room, const std::string& text, bool action) = 0;
    virtual std::uint64_t privateMessage(const std::string& nick, const std::string& text,
                                         bool action) = 0;
    // A Say with its other fields: a reply, an edit, a delete, a reaction
    // (client_msg_id is set by the client). Returns as say().
    virtual std::uint64_t sendSay(const hermes::v1::Say& say) = 0;
    virtual bool join(const std::string& room) = 0;
    virtual bool leave(const std::string& room, const std::string& reason) = 0;
    virtual bool setNick(const std::string& nick) = 0;
    virtual bool setTopic(const std::string& room, const std::string& text) = 0;
    virtual bool who(const std::string& room) = 0;
    virtual bool requestRoomList() = 0;
    virtual void retryNick(const std::string& nick) = 0;
    // SearchRequest: hits older than `beforeSeq` (0: from the newest).
    virtual bool search(const std::string& room, const std::string& query,
                        std::uint64_t beforeSeq) = 0;
    // SearchRequest{peer}: our private conversation with `peer`.
    virtual bool searchPrivate(const std::string& peer, const std::string& query,
                               std::uint64_t beforeSeq) = 0;
    // HistoryRequest: up to `limit` messages with seq > afterSeq.
    virtual bool requestHistory(const std::string& room, std::uint64_t afterSeq,
                                std::uint32_t limit) = 0;
    // HistoryRequest{peer}: up to `limit` messages of our private conversation
    // with `peer` with private_seq > afterSeq.
    virtual bool requestPrivateHistory(const std::string& peer, std::uint64_t afterSeq,
                                       std::uint32_t limit) = 0;
    // WhoisRequest about `nick`.
    virtual bool whois(const std::string& nick) = 0;
    // SetAway: away with `text`, or back when it is empty.
    virtual bool setAway(const std::string& text) = 0;
    // ModerationRequest (`room` empty: the hub-wide ban list); `action` a
    // v1::ModerationAction, `targetKind` a v1::TargetKind.
    virtual bool moderate(const std::string& room, int action, const std::string& target,
                          int targetKind, const std::string& reason,
                          std::uint32_t expirySeconds) = 0;
    // BanListRequest (`room` empty: the hub-wide list).
    virtual bool requestBans(const std::string& room) = 0;
    // Accounts (Register, Identify, ChangePassword). Each also keeps the
    // password for the Hellos of later reconnects.
    virtual bool registerNick(const std::string& password) = 0;
    virtual bool identify(const std::string& nick, const std::string& password) = 0;
    virtual bool changePassword(const std::string& oldPassword, const std::string& newPassword) = 0;
    // After a refused Hello for a registered nick: Hello again with its password.
    virtual void retryNick(const std::string& nick, const std::string& password) = 0;
    // Typing: in `target` (a room, or a nick when `query`), or stopped.
    // Best-effort: the core writes it at once or drops it.
    virtual bool typing(const std::string& target, bool query, bool stopped) = 0;
    // MarkRead: the person has read `room` (or, `query`, the private
    // conversation with that nick: seq is its private_seq) up to `seq`.
    virtual bool markRead(const std::string& target, bool query, std::uint64_t seq) = 0;
    // ReadMarkersRequest{}: every marker of ours.
    virtual bool requestReadMarkers() = 0;
    // The hub password the next connection's Hello carries.
    virtual void setHubPassword(const std::string& password) = 0;
    // A file transfer's frame (FileOffer, FileChunk, FileRequest): false if
    // the send queue is full (send it again shortly).
    virtual bool sendFrame(const hermes::v1::Envelope& frame) = 0;
};

}  // namespace hermes::tui
