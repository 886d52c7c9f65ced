// RedisBackplane's room state across hubs (topics, bans, kicks;
// libhermes/src/hub/ClusterState.hpp, docs/CLUSTER.md "Topics, bans and
// kicks across hubs"): the script that versions, keeps and publishes a
// change, the read of every kept record at a (re)connect, and the notices.

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "RedisBackplane.hpp"
#include "hermes/hub/Hub.hpp"

namespace hermesd {

namespace {

using hermes::hub::BackplaneRequest;
using hermes::hub::StateMode;

// KEYS: hermes:state, hermes:statever. ARGV: the field, the record, the
// mode ("set", "del", "pub", "new"), the notice channel (hermes:statenote).
// The change's version (one counter for the cluster: every hub applies a
// field's changes in its order), the hash and the notice in one step. A
// deletion publishes the record too (who unbanned) but keeps nothing. "new"
// (an account's registration) writes only a field that has no record, and
// answers 0 if it has one; its notice reads as a "set".
constexpr const char* kStateScript =
    "if ARGV[3] == 'new' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then\n"
    "  return 0\n"
    "end\n"
    "local v = redis.call('INCR', KEYS[2])\n"
    "local mode = ARGV[3]\n"
    "if mode == 'new' then mode = 'set' end\n"
    "if mode == 'set' then\n"
    "  redis.call('HSET', KEYS[1], ARGV[1], v .. '\\n' .. ARGV[2])\n"
    "elseif mode == 'del' then\n"
    "  redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "end\n"
    "redis.call('PUBLISH', ARGV[4], v .. ' ' .. mode .. '\\n' .. ARGV[1] .. "
    "'\\n' .. ARGV[2])\n"
    "return v\n";

// KEYS: hermes:state, hermes:statever. The version and every record in one
// step: {VERSION, {FIELD, VALUE, ...}} (ClusterState::loaded compares the
// hub's versions with it).
constexpr const char* kStatesScript =
    "return {tostring(redis.call('GET', KEYS[2]) or '0'), redis.call('HGETALL', KEYS[1])}\n";

std::string_view replyText(const redisReply* reply) {
    return std::string_view(reply->str, reply->len);
}

bool readVersion(std::string_view text, std::uint64_t& out) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

std::string_view modeName(StateMode mode) {
    switch (mode) {
        case StateMode::Set:
            return "set";
        case StateMode::Delete:
            return "del";
        case StateMode::Publish:
            return "pub";
        case StateMode::Create:
            return "new";
    }
    return "pub";
}

}  // namespace

// Not retried: the hub refuses a change while Redis is away, and one whose
// script is lost with the connection may or may not have happened (the
// hubs read hermes:state whole when they are back, so they agree on it).
void RedisBackplane::sendState(const BackplaneRequest& request, TimePoint now) {
    if (!command_.ready) {
        return;
    }
    const std::string key(hermes::hub::kBackplaneStateKey);
    const std::string version(hermes::hub::kBackplaneStateVersionKey);
    const std::string channel(hermes::hub::kBackplaneStateChannel);
    int status = REDIS_ERR;
    if (request.kind == BackplaneRequest::Kind::States) {
        const char* argv[] = {"EVAL", kStatesScript, "2", key.c_str(), version.c_str()};
        const std::size_t lengths[] = {4, std::strlen(kStatesScript), 1, key.size(),
                                       version.size()};
        status = redisAsyncCommandArgv(command_.context, onStates, this, 5, argv, lengths);
    } else {
        const std::string_view mode = modeName(request.stateMode);
        const char* argv[] = {"EVAL",
                              kStateScript,
                              "2",
                              key.c_str(),
                              version.c_str(),
                              request.room.c_str(),
                              request.message.data(),
                              mode.data(),
                              channel.c_str()};
        const std::size_t lengths[] = {4,
                                       std::strlen(kStateScript),
                                       1,
                                       key.size(),
                                       version.size(),
                                       request.room.size(),
                                       request.message.size(),
                                       mode.size(),
                                       channel.size()};
        status = redisAsyncCommandArgv(command_.context, onStateDone, this, 9, argv, lengths);
    }
    if (status == REDIS_OK && request.kind == BackplaneRequest::Kind::State) {
        stateSent_.emplace_back(request.ref, request.room);
    }
    if (status != REDIS_OK) {
        resetWanted_ = true;
        resetWhy_ = "hiredis refused a command";
        return;
    }
    command_.sentAt.push_back(now);
}

void RedisBackplane::onStateDone(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    if (self.stateSent_.empty()) {
        return;
    }
    const auto [session, field] = std::move(self.stateSent_.front());
    self.stateSent_.pop_front();
    const auto* r = static_cast<const redisReply*>(reply);
    if (self.hub_ == nullptr) {
        return;
    }
    if (r != nullptr && r->type == REDIS_REPLY_ERROR) {
        // Not taken (READONLY after a failover, OOM): no hub shows it.
        self.log_.error("cluster: Redis did not take the room state change '%s': %s", field,
                        std::string(replyText(r)));
        self.hub_->backplaneStateRefused(session, field, replyText(r), self.now_);
        return;
    }
    std::optional<std::uint64_t> version;  // nullopt: the connection went first
    if (r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer >= 0) {
        version = static_cast<std::uint64_t>(r->integer);
    }
    self.hub_->backplaneStateAnswered(session, field, version, self.now_);
}

void RedisBackplane::stateNotice(std::string_view payload) {
    auto state = hermes::hub::parseBackplaneStateNotice(payload);
    if (!state) {
        log_.warning("cluster: a notice on %s is not a room state change; ignored",
                     std::string(hermes::hub::kBackplaneStateChannel));
        return;
    }
    hub_->backplaneState(*state, now_);
}

void RedisBackplane::onStates(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr || self.hub_ == nullptr) {
        return;  // read again when the backplane is back
    }
    const redisReply* hash =
        r->type == REDIS_REPLY_ARRAY && r->elements == 2 ? r->element[1] : nullptr;
    std::uint64_t snapshotVersion = 0;
    if (hash == nullptr || hash->type != REDIS_REPLY_ARRAY ||
        r->element[0]->type != REDIS_REPLY_STRING ||
        !readVersion(replyText(r->element[0]), snapshotVersion)) {
        self.log_.error(
            "cluster: reading the cluster's topics and bans failed: %s",
            std::string(r->type == REDIS_REPLY_ERROR ? replyText(r) : "unexpected reply"));
        return;
    }
    std::vector<hermes::hub::BackplaneState> stored;
    for (std::size_t i = 0; i + 1 < hash->elements; i += 2) {
        auto state = hermes::hub::parseBackplaneStateEntry(replyText(hash->element[i]),
                                                           replyText(hash->element[i + 1]));
        if (!state) {
            self.log_.warning("cluster: %s holds '%s', not a room state record; ignored",
                              std::string(hermes::hub::kBackplaneStateKey),
                              std::string(replyText(hash->element[i])));
            continue;
        }
        stored.push_back(std::move(*state));
    }
    self.hub_->backplaneStates(snapshotVersion, stored, self.now_);
}

}  // namespace hermesd
