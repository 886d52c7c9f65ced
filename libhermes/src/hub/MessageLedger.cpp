#include "MessageLedger.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "RoomTable.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

bool MessageLedger::isEvent(v1::MessageKind kind) {
    return kind == v1::MESSAGE_KIND_EDIT || kind == v1::MESSAGE_KIND_DELETE ||
           kind == v1::MESSAGE_KIND_REACT || kind == v1::MESSAGE_KIND_UNREACT;
}

namespace {

std::string messageName(const Room& room, std::uint64_t seq) {
    return "message " + std::to_string(seq) + " of " + room.name;
}

}  // namespace

std::string MessageLedger::reactorOf(const Session& s) const {
    if (!s.profile.account.empty()) {
        return protocol::nickKey(s.profile.account);
    }
    // "~" is in no nick, so no account's reactor.
    return "~" + startTag_ + "." + std::to_string(s.id);
}

const std::string& MessageLedger::authorOf(const v1::ChatMessage& message, const Session& s) {
    return message.reactor().empty() ? s.profile.account : message.reactor();
}

void MessageLedger::restore(RoomTable& rooms, const HistoryStore& history, std::int64_t startMs) {
    char tag[24];
    std::snprintf(tag, sizeof tag, "%llx", static_cast<unsigned long long>(startMs));
    startTag_ = tag;
    if (window_ == 0) {
        return;
    }
    rooms.forEach([&](Room& room) {
        for (auto& [m, author] : history.authoredTail(room.name, window_)) {
            if (isEvent(m.kind())) {
                recordEvent(room, m);
            } else {
                // Its session is gone (0): an account author still edits.
                Entry& entry = push(room.ledger, m.seq());
                entry.file = m.kind() == v1::MESSAGE_KIND_FILE;
                entry.account = std::move(author);
            }
        }
    });
}

void MessageLedger::inCluster(std::string_view hubName) {
    // Hub names have no white space (cluster.hub_name), "." ends this one.
    startTag_.insert(0, std::string(hubName) + ".");
}

const MessageLedger::Entry* MessageLedger::find(const RoomLedger& ledger, std::uint64_t seq) {
    if (ledger.count_ == 0 || seq < ledger.firstSeq_ || seq - ledger.firstSeq_ >= ledger.count_) {
        return nullptr;
    }
    const auto offset = static_cast<std::size_t>(seq - ledger.firstSeq_);
    return &ledger.ring_[(ledger.oldest_ + offset) % ledger.ring_.size()];
}

MessageLedger::Entry* MessageLedger::find(RoomLedger& ledger, std::uint64_t seq) {
    return const_cast<Entry*>(find(static_cast<const RoomLedger&>(ledger), seq));
}

MessageLedger::Entry& MessageLedger::push(RoomLedger& ledger, std::uint64_t seq) {
    if (ledger.count_ > 0 && seq != ledger.firstSeq_ + ledger.count_) {
        // Not the next seq: what the ring holds is not contiguous with it.
        ledger.oldest_ = 0;
        ledger.count_ = 0;
    }
    if (ledger.count_ == 0) {
        ledger.firstSeq_ = seq;
    }
    if (ledger.count_ == ledger.ring_.size() && ledger.ring_.size() < window_) {
        // Grow (doubling, up to the window), oldest first again.
        std::vector<Entry> grown(std::min(window_, std::max<std::size_t>(16, 2 * ledger.count_)));
        for (std::size_t i = 0; i < ledger.count_; ++i) {
            grown[i] = std::move(ledger.ring_[(ledger.oldest_ + i) % ledger.ring_.size()]);
        }
        ledger.ring_ = std::move(grown);
        ledger.oldest_ = 0;
    }
    Entry* slot = nullptr;
    if (ledger.count_ < ledger.ring_.size()) {
        slot = &ledger.ring_[(ledger.oldest_ + ledger.count_) % ledger.ring_.size()];
        ++ledger.count_;
    } else {
        // Full: the oldest slot is reused (its strings keep their memory).
        slot = &ledger.ring_[ledger.oldest_];
        ledger.oldest_ = (ledger.oldest_ + 1) % ledger.ring_.size();
        ++ledger.firstSeq_;
    }
    slot->seq = seq;
    slot->session = 0;
    slot->account.clear();
    slot->event = false;
    slot->deleted = false;
    slot->file = false;
    slot->elsewhere = false;
    slot->reactions.reset();
    return *slot;
}

std::optional<MessageLedger::Refusal> MessageLedger::checkTarget(const Room& room,
                                                                 std::uint64_t seq) const {
    const std::uint64_t head = room.log.nextSeq() - 1;
    if (seq == 0 || seq > head) {
        return Refusal{v1::ERROR_CODE_NO_SUCH_MESSAGE,
                       room.name + " has no message " + std::to_string(seq) + " (its newest is " +
                           std::to_string(head) + ")"};
    }
    const Entry* entry = find(room.ledger, seq);
    if (entry == nullptr) {
        return Refusal{v1::ERROR_CODE_NO_SUCH_MESSAGE,
                       messageName(room, seq) + " is too old: the hub keeps the newest " +
                           std::to_string(window_) + " of a room for replies, edits and reactions"};
    }
    if (entry->event) {
        return Refusal{v1::ERROR_CODE_NO_SUCH_MESSAGE,
                       messageName(room, seq) +
                           " is an edit, delete or reaction, not a message; name the message"};
    }
    if (entry->deleted) {
        return Refusal{v1::ERROR_CODE_NO_SUCH_MESSAGE, messageName(room, seq) + " was deleted"};
    }
    return std::nullopt;
}

std::optional<MessageLedger::Refusal> MessageLedger::checkEditable(const Room& room,
                                                                   std::uint64_t seq) const {
    const Entry* entry = find(room.ledger, seq);
    if (entry != nullptr && entry->file) {
        // "shared report.pdf" edited to another name would still fetch the
        // same bytes: a file is deleted and shared again instead.
        return Refusal{v1::ERROR_CODE_UNSUPPORTED,
                       messageName(room, seq) + " is a shared file: delete it and share again"};
    }
    return std::nullopt;
}

std::optional<MessageLedger::Refusal> MessageLedger::checkAuthor(const Room& room,
                                                                 std::uint64_t seq,
                                                                 const Session& s, bool op) const {
    const Entry* entry = find(room.ledger, seq);
    if (op || entry == nullptr) {
        return std::nullopt;
    }
    // Signed in: the account, from any session. Otherwise: the same
    // session only, so a later holder of the nick is not its author.
    const bool author = entry->account.empty()
                            ? entry->session != 0 && entry->session == s.id
                            : !s.profile.account.empty() && protocol::nickKey(s.profile.account) ==
                                                                protocol::nickKey(entry->account);
    if (author) {
        return std::nullopt;
    }
    std::string text = messageName(room, seq) + " is not yours";
    if (entry->elsewhere && entry->account.empty()) {
        text +=
            " (its author was a guest of another hub of the cluster, not signed in: no one here "
            "may change it; only operators may delete it)";
    } else if (entry->session == 0 && entry->account.empty()) {
        text +=
            " (its author was not signed in, and the hub has restarted since: only operators "
            "may delete it)";
    } else if (entry->account.empty()) {
        text += " (its author was not signed in: only that connection may change it)";
    }
    return Refusal{v1::ERROR_CODE_NOT_AUTHOR, std::move(text)};
}

std::optional<MessageLedger::Refusal> MessageLedger::checkReaction(const Room& room,
                                                                   std::uint64_t seq,
                                                                   std::string_view reactor,
                                                                   std::string_view reaction,
                                                                   bool add) const {
    const Entry* entry = find(room.ledger, seq);
    if (entry == nullptr) {
        return std::nullopt;
    }
    bool there = false;
    if (entry->reactions) {
        there = std::any_of(entry->reactions->begin(), entry->reactions->end(), [&](const auto& r) {
            return r.first == reactor && r.second == reaction;
        });
    }
    if (add && there) {
        return Refusal{
            v1::ERROR_CODE_REACTION_UNCHANGED,
            "you already reacted " + std::string(reaction) + " to " + messageName(room, seq)};
    }
    if (!add && !there) {
        return Refusal{
            v1::ERROR_CODE_REACTION_UNCHANGED,
            "you have no reaction " + std::string(reaction) + " on " + messageName(room, seq)};
    }
    if (add && entry->reactions && entry->reactions->size() >= kMaxReactionsPerMessage) {
        return Refusal{v1::ERROR_CODE_INVALID_REACTION,
                       messageName(room, seq) + " has the most reactions a message may carry (" +
                           std::to_string(kMaxReactionsPerMessage) + ")"};
    }
    return std::nullopt;
}

void MessageLedger::recordMessage(Room& room, std::uint64_t seq, const Session& s, bool file) {
    if (window_ == 0) {
        return;
    }
    Entry& entry = push(room.ledger, seq);
    entry.session = s.id;
    entry.file = file;
    // As the session has it: assigned into the slot's own string (no
    // allocation once it has grown); compared folded in checkAuthor().
    entry.account.assign(s.profile.account);
}

void MessageLedger::recordMessage(Room& room, std::uint64_t seq, SessionId session,
                                  std::string_view account, bool elsewhere) {
    if (window_ == 0) {
        return;
    }
    Entry& entry = push(room.ledger, seq);
    entry.session = session;
    entry.file = false;
    entry.elsewhere = elsewhere;
    entry.account.assign(account);
}

void MessageLedger::recordEvent(Room& room, const v1::ChatMessage& event) {
    if (window_ == 0) {
        return;
    }
    push(room.ledger, event.seq()).event = true;
    apply(room.ledger, event);
}

void MessageLedger::apply(RoomLedger& ledger, const v1::ChatMessage& event) {
    Entry* target = find(ledger, event.target_seq());
    // In a cluster two hubs may accept conflicting events at once: the later
    // in seq order is a no-op here, as on every hub (a hub alone checked
    // first, so it never meets one).
    if (target == nullptr || target->event || target->deleted) {
        return;
    }
    // A reaction stored before schema version 6 has no reactor: its nick.
    const auto reactor = [&] {
        return event.reactor().empty() ? protocol::nickKey(event.from()) : event.reactor();
    };
    switch (event.kind()) {
        case v1::MESSAGE_KIND_DELETE:
            target->deleted = true;
            target->reactions.reset();
            break;
        case v1::MESSAGE_KIND_REACT: {
            if (!target->reactions) {
                target->reactions =
                    std::make_unique<std::vector<std::pair<std::string, std::string>>>();
            }
            auto& list = *target->reactions;
            std::string key = reactor();
            const bool counted = std::any_of(list.begin(), list.end(), [&](const auto& r) {
                return r.first == key && r.second == event.reaction();
            });
            if (!counted && list.size() < kMaxReactionsPerMessage) {
                list.emplace_back(std::move(key), event.reaction());
            }
            break;
        }
        case v1::MESSAGE_KIND_UNREACT: {
            if (!target->reactions) {
                break;
            }
            const std::string key = reactor();
            auto& list = *target->reactions;
            list.erase(std::remove_if(list.begin(), list.end(),
                                      [&](const auto& r) {
                                          return r.first == key && r.second == event.reaction();
                                      }),
                       list.end());
            break;
        }
        default:
            break;  // EDIT changes nothing the hub checks
    }
}

bool MessageLedger::deleted(const Room& room, std::uint64_t seq) const {
    const Entry* entry = find(room.ledger, seq);
    return entry != nullptr && entry->deleted;
}

std::size_t MessageLedger::reactionsOf(const Room& room, std::uint64_t seq) const {
    const Entry* entry = find(room.ledger, seq);
    return entry == nullptr || !entry->reactions ? 0 : entry->reactions->size();
}

}  // namespace hermes::hub
