#pragma once
// A HubActions that records what the model asked for, and helpers that build
// the hub's envelopes, for model and view tests.

#include <string>
#include <vector>

#include "model/ChatModel.hpp"
#include "model/Utf8.hpp"

namespace hermes::tui::test {

class FakeHub : public HubActions {
public:
    struct Said {
        std::uint64_t id;
        std::string target;
        std::string text;
        bool action;
        bool isPrivate;
    };
    std::vector<Said> said;
    std::vector<std::string> calls;  // "join lobby", "nick x", ...
    std::uint64_t nextId = 1;
    bool full = false;

    std::uint64_t say(const std::string& room, const std::string& text, bool action) override {
        if (full) {
            return 0;
        }
        said.push_back({nextId, room, text, action, false});
        return nextId++;
    }
    std::uint64_t privateMessage(const std::string& nick, const std::string& text,
                                 bool action) override {
        said.push_back({nextId, nick, text, action, true});
        return nextId++;
    }
    // Replies, edits, deletes and reactions, as sent.
    std::vector<hermes::v1::Say> says;
    std::uint64_t sendSay(const hermes::v1::Say& say) override {
        says.push_back(say);
        says.back().set_client_msg_id(nextId);
        return nextId++;
    }
    bool join(const std::string& room) override { return record("join " + room); }
    bool leave(const std::string& room, const std::string& reason) override {
        return record("leave " + room + " " + reason);
    }
    bool setNick(const std::string& nick) override { return record("nick " + nick); }
    bool setTopic(const std::string& room, const std::string& text) override {
        return record("topic " + room + " " + text);
    }
    bool who(const std::string& room) override { return record("who " + room); }
    bool requestRoomList() override { return record("rooms"); }
    void retryNick(const std::string& nick) override { record("retry " + nick); }
    bool search(const std::string& room, const std::string& query,
                std::uint64_t beforeSeq) override {
        return record("search " + room + " before " + std::to_string(beforeSeq) + ": " + query);
    }
    bool requestHistory(const std::string& room, std::uint64_t afterSeq,
                        std::uint32_t limit) override {
        return record("history " + room + " after " + std::to_string(afterSeq) + " limit " +
                      std::to_string(limit));
    }
    bool searchPrivate(const std::string& peer, const std::string& query,
                       std::uint64_t beforeSeq) override {
        return record("search with " + peer + " before " + std::to_string(beforeSeq) + ": " +
                      query);
    }
    bool requestPrivateHistory(const std::string& peer, std::uint64_t afterSeq,
                               std::uint32_t limit) override {
        return record("private history " + peer + " after " + std::to_string(afterSeq) + " limit " +
                      std::to_string(limit));
    }
    bool whois(const std::string& nick) override { return record("whois " + nick); }
    bool setAway(const std::string& text) override { return record("away " + text); }
    bool moderate(const std::string& room, int action, const std::string& target, int targetKind,
                  const std::string& reason, std::uint32_t expirySeconds) override {
        return record("moderate " + room + " " + std::to_string(action) + " " +
                      std::to_string(targetKind) + ":" + target + " " +
                      std::to_string(expirySeconds) + " " + reason);
    }
    bool requestBans(const std::string& room) override { return record("bans " + room); }
    bool typing(const std::string& target, bool query, bool stopped) override {
        return record(std::string(stopped ? "stopped " : "typing ") + (query ? "@" : "") + target);
    }
    bool requestReadMarkers() override { return record("markers"); }
    bool markRead(const std::string& target, bool query, std::uint64_t seq) override {
        return record("markread " + std::string(query ? "@" : "") + target + " " +
                      std::to_string(seq));
    }
    bool registerNick(const std::string& password) override {
        return record("register " + password);
    }
    bool identify(const std::string& nick, const std::string& password) override {
        return record("identify " + nick + " " + password);
    }
    bool changePassword(const std::string& oldPassword, const std::string& newPassword) override {
        return record("password " + oldPassword + " " + newPassword);
    }
    void retryNick(const std::string& nick, const std::string& password) override {
        record("retry " + nick + " with password " + password);
    }
    void setHubPassword(const std::string& password) override {
        record("hub password " + password);
    }
    std::vector<hermes::v1::Envelope> frames;  // sendFrame: file transfers
    bool sendFrame(const hermes::v1::Envelope& frame) override {
        if (full) {
            return false;
        }
        frames.push_back(frame);
        return true;
    }

private:
    bool record(std::string call) {
        calls.push_back(std::move(call));
        return true;
    }
};

inline hermes::client::Event welcomed(const std::string& nick, std::uint64_t epoch = 1,
                                      unsigned rate = 0, unsigned burst = 10) {
    hermes::client::Event e;
    e.kind = hermes::client::EventKind::Welcomed;
    e.envelope = std::make_unique<hermes::v1::Envelope>();
    auto* w = e.envelope->mutable_welcome();
    w->set_nick(nick);
    w->set_server_name("testhub");
    w->set_epoch(epoch);
    w->mutable_limits()->set_rate_per_second(rate);
    w->mutable_limits()->set_rate_burst(burst);
    return e;
}

inline hermes::v1::Envelope joined(const std::string& room, const std::string& nick) {
    hermes::v1::Envelope env;
    auto* p = env.mutable_presence();
    p->set_room(room);
    p->set_kind(hermes::v1::PRESENCE_KIND_JOINED);
    p->add_nicks(nick);
    return env;
}

inline hermes::v1::Envelope message(const std::string& room, const std::string& from,
                                    const std::string& text, std::uint64_t seq,
                                    std::uint64_t clientMsgId = 0,
                                    hermes::v1::MessageKind kind = hermes::v1::MESSAGE_KIND_TEXT) {
    hermes::v1::Envelope env;
    auto* m = env.mutable_message();
    m->set_room(room);
    m->set_from(from);
    m->set_text(text);
    m->set_seq(seq);
    m->set_epoch(1);
    m->set_time_ms(45296000);  // 12:34:56 UTC, 1 Jan 1970
    m->set_client_msg_id(clientMsgId);
    m->set_kind(kind);
    return env;
}

inline void type(ChatModel& model, const std::string& text, SteadyTime now) {
    std::size_t len = 0;
    for (std::size_t pos = 0; pos < text.size(); pos += len) {
        Key k;
        k.ch = utf8::decode(text, pos, len);
        model.handleKey(k, now);
    }
    Key enter;
    enter.code = KeyCode::Enter;
    model.handleKey(enter, now);
}

}  // namespace hermes::tui::test
