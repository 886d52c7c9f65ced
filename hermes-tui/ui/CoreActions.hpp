#pragma once
// HubActions over the real connection: each call queues on ClientCore and
// returns at once.
//
// Threading: UI thread (ClientCore's send side is any-thread).

#include "hermes/client/ClientCore.hpp"
#include "model/HubActions.hpp"

namespace hermes::tui {

class CoreActions : public HubActions {
public:
    explicit CoreActions(hermes::client::ClientCore& core) : core_(&core) {}
    // A new core (after the user trusted a new hub); the old one is stopped.
    void rebind(hermes::client::ClientCore& core) { core_ = &core; }

    std::uint64_t say(const std::string& room, const std::string& text, bool action) override;
    std::uint64_t sendSay(const hermes::v1::Say& say) override;
    std::uint64_t privateMessage(const std::string& nick, const std::string& text,
                                 bool action) override;
    bool join(const std::string& room) override { return core_->join(room); }
    bool leave(const std::string& room, const std::string& reason) override {
        return core_->leave(room, reason);
    }
    bool setNick(const std::string& nick) override { return core_->setNick(nick); }
    bool setTopic(const std::string& room, const std::string& text) override {
        return core_->setTopic(room, text);
    }
    bool who(const std::string& room) override { return core_->who(room); }
    bool requestRoomList() override { return core_->requestRoomList(); }
    void retryNick(const std::string& nick) override { core_->retryNick(nick); }
    bool search(const std::string& room, const std::string& query,
                std::uint64_t beforeSeq) override;
    bool requestHistory(const std::string& room, std::uint64_t afterSeq,
                        std::uint32_t limit) override {
        return core_->requestHistory(room, afterSeq, limit);
    }
    bool searchPrivate(const std::string& peer, const std::string& query,
                       std::uint64_t beforeSeq) override;
    bool requestPrivateHistory(const std::string& peer, std::uint64_t afterSeq,
                               std::uint32_t limit) override {
        return core_->requestPrivateHistory(peer, afterSeq, limit);
    }
    bool whois(const std::string& nick) override;
    bool setAway(const std::string& text) override;
    bool typing(const std::string& target, bool query, bool stopped) override;
    bool markRead(const std::string& target, bool query, std::uint64_t seq) override;
    bool requestReadMarkers() override;
    bool moderate(const std::string& room, int action, const std::string& target, int targetKind,
                  const std::string& reason, std::uint32_t expirySeconds) override;
    bool requestBans(const std::string& room) override;
    bool registerNick(const std::string& password) override {
        return core_->registerNick(password);
    }
    bool identify(const std::string& nick, const std::string& password) override {
        return core_->identify(nick, password);
    }
    bool changePassword(const std::string& oldPassword, const std::string& newPassword) override {
        return core_->changePassword(oldPassword, newPassword);
    }
    void retryNick(const std::string& nick, const std::string& password) override {
        core_->retryNick(nick, password);
    }
    void setHubPassword(const std::string& password) override { core_->setHubPassword(password); }
    bool sendFrame(const hermes::v1::Envelope& frame) override { return core_->send(frame); }

private:
    hermes::client::ClientCore* core_;
};

}  // namespace hermes::tui
