#pragma once
// Chat messages as the hub writes them: the one check of what a client may
// send as a message (Say and PrivateMessage alike: kind, then text), and the
// one place a ChatMessage is stamped (epoch, the hub's wall clock, the
// sender's nick, seq) and framed, once, for every recipient (and an event
// about a room's message: edit, delete, reaction). Stamping a Say
// or a PrivateMessage sets the sender's "last spoke" (Whois idle time).
//
// Unknown fields of a client's frame never reach anyone: every message is
// built here from validated fields.
//
// Threading: none; the hub's thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "Session.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/HubConfig.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

struct Room;

class Stamper {
public:
    Stamper(std::uint64_t epoch, const WallClock& wallClock, const HubConfig& config)
        : epoch_(epoch), wallClock_(wallClock), config_(config) {}

    struct Refusal {
        v1::ErrorCode code;
        std::string text;
    };
    // Why a message of this kind and text cannot be sent, if it cannot.
    std::optional<Refusal> check(v1::MessageKind kind, std::string_view text) const;
    // The same for a Say of an event kind (EDIT, DELETE, REACT, UNREACT):
    // its text (the new text, or the reaction), and no reply_to.
    std::optional<Refusal> checkEvent(const v1::Say& say) const;

    // The longest reaction, in bytes: an emoji sequence (a family with skin
    // tones is 25 bytes in UTF-8) or a short word.
    static constexpr std::size_t kMaxReactionBytes = 32;

    // The message stamped last (history stores it), and its frame.
    const v1::ChatMessage& message() const { return chat_; }
    std::string_view frame() const { return frame_; }

    // A Say from `from`, the room's message `seq`.
    void roomMessage(const Room& room, std::uint64_t seq, Session& from, const v1::Say& say,
                     TimePoint now);
    // A Say of an event kind from `from`, the room's `seq`: `text` for old
    // clients (the new text of an EDIT, else a line that says what it did),
    // target_seq, and the reaction of a REACT or UNREACT.
    void roomEvent(const Room& room, std::uint64_t seq, Session& from, const v1::Say& say,
                   const std::string& reactor);
    // A room message as the cluster's backplane gave it (Backplane.hpp): its
    // hub's stamp (`message`, serialized, seq 0) with the backplane's `seq`,
    // framed as every hub frames it. False (nothing stamped) when `message`
    // is not a room's ChatMessage of `room`.
    bool backplaneMessage(std::string_view room, std::string_view message, std::uint64_t seq);
    // The message stamped last, its text erased and framed again: a
    // cluster's EDIT ordered after the DELETE of its message (a delete
    // erases, docs/CLUSTER.md "Edits, deletes and reactions across hubs").
    void eraseText();
    // A private message as a hub of the cluster stamped it (`message`,
    // serialized, private_seq 0; Backplane.hpp), with this hub's
    // `privateSeq` (0: not kept here), framed. False (nothing stamped) when
    // `message` is not a private ChatMessage.
    bool backplanePrivate(std::string_view message, std::uint64_t privateSeq);
    // A PrivateMessage from `from` to `to` (the nick, or the account, it is
    // delivered to); `privateSeq` is its seq in their conversation (0: none
    // is kept).
    void privateMessage(Session& from, std::string_view to, const v1::PrivateMessage& pm,
                        std::uint64_t privateSeq, TimePoint now);
    // A PrivateMessage from `from` to the offline account `to`, which keeps
    // it (ChatMessage.offline: the sender's echo says it waits).
    void waitingMessage(Session& from, std::string_view to, const v1::PrivateMessage& pm,
                        std::uint64_t privateSeq, TimePoint now);
    // The notice that `target`, whom `sender` wrote to, is away; or
    // `targetNick`, a member of another hub, away with text `away`.
    void awayReply(const Session& sender, const Session& target);
    void awayReply(const Session& sender, const std::string& targetNick, const std::string& away);
    // A file `from` uploaded, the room's message `seq` (MESSAGE_KIND_FILE);
    // frame() is its frame. Stamped in a message of its own, so the say
    // path's never carries a file.
    const v1::ChatMessage& fileMessage(const Room& room, std::uint64_t seq, Session& from,
                                       std::uint64_t clientMsgId, const v1::FileInfo& file,
                                       TimePoint now);

private:
    void stamp(std::string_view room, std::uint64_t seq, std::string_view from, std::string_view to,
               std::uint64_t clientMsgId, v1::MessageKind kind, std::string_view text,
               std::string_view away);
    void serialize();
    void conversationFields(std::uint64_t privateSeq, bool offline);
    void clearPrivateFields();
    // Room messages: the sender's account (ChatMessage.from_account), if any.
    void fromAccount(const Session& from);

    const std::uint64_t epoch_;
    const WallClock& wallClock_;
    const HubConfig& config_;
    v1::ChatMessage chat_;        // reused: the message path does not allocate
    bool privateFields_ = false;  // chat_ has private_seq or offline set
    v1::ChatMessage file_;        // the last FILE message
    v1::Envelope envelope_;
    std::string frame_;
    bool extras_ = false;   // chat_ carries reply_to, target_seq or reaction
    bool account_ = false;  // chat_ carries from_account
};

}  // namespace hermes::hub
