#include "RedisBackplane.hpp"

#include <Poco/String.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace hermesd {

namespace {

using hermes::hub::BackplaneEntry;
using hermes::hub::BackplaneRequest;

// KEYS: the room's seq, its stream. ARGV: stream length kept, channel,
// hub, ref, account, message, the least seq (BackplaneRequest::fromSeq).
// One step on the server: the seq, the stream entry SEQ-0 and the notice
// (BackplaneEntry.hpp) cannot come apart.
constexpr const char* kPublishScript =
    "local seq = redis.call('INCR', KEYS[1])\n"
    "local least = tonumber(ARGV[7])\n"
    "if seq < least then\n"
    "  seq = least\n"
    "  redis.call('SET', KEYS[1], seq)\n"
    "end\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], seq .. '-0', "
    "'h', ARGV[3], 'r', ARGV[4], 'a', ARGV[5], 'm', ARGV[6])\n"
    "redis.call('PUBLISH', ARGV[2], seq .. ' ' .. ARGV[3] .. ' ' .. ARGV[4] .. ' ' .. ARGV[5] "
    ".. '\\n' .. ARGV[6])\n"
    "return seq\n";

// cluster.replicas_acked > 0: the same without the PUBLISH. The hub sends
// WAIT after it and publishes the notice (backplaneNotice) only once the
// replicas have the entry: a notice is then proof that its entry, and every
// entry written before it, survives a failover (docs/CLUSTER.md, "Acked on
// the replicas").
constexpr const char* kAppendScript =
    "local seq = redis.call('INCR', KEYS[1])\n"
    "local least = tonumber(ARGV[7])\n"
    "if seq < least then\n"
    "  seq = least\n"
    "  redis.call('SET', KEYS[1], seq)\n"
    "end\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], seq .. '-0', "
    "'h', ARGV[3], 'r', ARGV[4], 'a', ARGV[5], 'm', ARGV[6])\n"
    "return seq\n";

// KEYS: hermes:nicks. ARGV: the nick's key, this hub. Granted (1) unless
// another hub holds it and that hub's lease is alive: a dead hub's nicks
// are free once its lease expires, with nothing to clean up.
constexpr const char* kClaimScript =
    "local owner = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if owner and owner ~= ARGV[2] and redis.call('EXISTS', 'hermes:hub:' .. owner) == 1 then\n"
    "  return 0\n"
    "end\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "return 1\n";
// The same keys and arguments: the nick is let go if this hub holds it.
constexpr const char* kReleaseScript =
    "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then\n"
    "  redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "end\n"
    "return 1\n";
constexpr std::string_view kNicksKey = "hermes:nicks";
// KEYS: hermes:nicks. ARGV: this hub. Every nick the hash gives this hub is
// let go: run once, when this run of the hub first joins, before any claim
// of its own, so what is there is an earlier run's (a restarted hub under
// the same name), whose lease may still be alive.
constexpr const char* kClearNicksScript =
    "local all = redis.call('HGETALL', KEYS[1])\n"
    "local cleared = 0\n"
    "for i = 1, #all, 2 do\n"
    "  if all[i + 1] == ARGV[1] then\n"
    "    redis.call('HDEL', KEYS[1], all[i])\n"
    "    cleared = cleared + 1\n"
    "  end\n"
    "end\n"
    "return cleared\n";

// KEYS: the room's member hash, this hub's member set. ARGV: kind
// ("joined", "left", "quit", "renamed", "away", "back"), this hub, the nick
// as shown, the reason (renamed: the new nick; joined: the session's
// profile, libhermes/src/hub/RemoteProfiles.hpp), the room, the room's
// presence channel. The lists and the notice in one step. A leave is
// written only if the nick is listed as this hub's (a member that moved to
// another hub meanwhile stays listed there). A rename lists the new nick in
// the old one's place; away and back list nothing in the room but keep the
// hub's away texts (hermes:away:HUB, nick -> text), which a quit clears
// and a rename moves: read with the members (kMembersScript).
constexpr const char* kPresenceScript =
    "local entry = ARGV[5] .. '\\n' .. ARGV[3]\n"
    "local away = 'hermes:away:' .. ARGV[2]\n"
    "if ARGV[1] == 'joined' then\n"
    "  redis.call('HSET', KEYS[1], ARGV[3], ARGV[2])\n"
    "  redis.call('SADD', KEYS[2], entry)\n"
    "  redis.call('SADD', 'hermes:hubs', ARGV[2])\n"
    "elseif ARGV[1] == 'renamed' then\n"
    "  redis.call('SREM', KEYS[2], entry)\n"
    "  redis.call('SADD', KEYS[2], ARGV[5] .. '\\n' .. ARGV[4])\n"
    "  if redis.call('HGET', KEYS[1], ARGV[3]) == ARGV[2] then\n"
    "    redis.call('HDEL', KEYS[1], ARGV[3])\n"
    "  end\n"
    "  redis.call('HSET', KEYS[1], ARGV[4], ARGV[2])\n"
    "  local text = redis.call('HGET', away, ARGV[3])\n"
    "  if text then\n"
    "    redis.call('HDEL', away, ARGV[3])\n"
    "    redis.call('HSET', away, ARGV[4], text)\n"
    "  end\n"
    "elseif ARGV[1] == 'away' then\n"
    "  redis.call('HSET', away, ARGV[3], ARGV[4])\n"
    "elseif ARGV[1] == 'back' then\n"
    "  redis.call('HDEL', away, ARGV[3])\n"
    "else\n"
    "  if ARGV[1] == 'quit' then redis.call('HDEL', away, ARGV[3]) end\n"
    "  redis.call('SREM', KEYS[2], entry)\n"
    "  if redis.call('HGET', KEYS[1], ARGV[3]) ~= ARGV[2] then\n"
    "    return 0\n"
    "  end\n"
    "  redis.call('HDEL', KEYS[1], ARGV[3])\n"
    "end\n"
    "redis.call('PUBLISH', ARGV[6], ARGV[1] .. ' ' .. ARGV[2] .. '\\n' .. ARGV[3] .. '\\n' .. "
    "ARGV[4])\n"
    "return 1\n";

// Every hub's members of every room: "HUB", "ROOM\nNICK", ... (a hub
// reaped since is not in hermes:hubs), "ROOM\nNICK\nTEXT" for one away;
// then every nick those hubs hold (hermes:nicks), "HUB", "\nNICKKEY": a
// member no longer in a room who still holds its nick has left, not quit.
constexpr const char* kMembersScript =
    "local out, live = {}, {}\n"
    "for _, hub in ipairs(redis.call('SMEMBERS', 'hermes:hubs')) do\n"
    "  live[hub] = true\n"
    "  local away = {}\n"
    "  local texts = redis.call('HGETALL', 'hermes:away:' .. hub)\n"
    "  for i = 1, #texts, 2 do away[texts[i]] = texts[i + 1] end\n"
    "  for _, entry in ipairs(redis.call('SMEMBERS', 'hermes:hubmembers:' .. hub)) do\n"
    "    local nl = string.find(entry, '\\n', 1, true)\n"
    "    local text = nl and away[string.sub(entry, nl + 1)]\n"
    "    out[#out + 1] = hub\n"
    "    out[#out + 1] = text and (entry .. '\\n' .. text) or entry\n"
    "  end\n"
    "end\n"
    "local nicks = redis.call('HGETALL', 'hermes:nicks')\n"
    "for i = 1, #nicks, 2 do\n"
    "  if live[nicks[i + 1]] then\n"
    "    out[#out + 1] = nicks[i + 1]\n"
    "    out[#out + 1] = '\\n' .. nicks[i]\n"
    "  end\n"
    "end\n"
    "return out\n";

// KEYS: this hub's member set (hermes:hubmembers:HUB). ARGV: this hub, then
// "\nNICK\nAWAY" for each session (AWAY its away text, "" if back) and
// "ROOM\nNICK" for each member of each room (Backplane::syncMembers).
// Run when the hub is back on Redis: what the set has and the hub no longer
// does leaves the room's hash (if listed as this hub's) with a notice, LEFT
// when the nick is still on the hub, else QUIT; what the hub has and the set
// does not (a join whose notice was lost, or entries a reap removed) is
// listed with a JOINED notice. Then the away texts (hermes:away:HUB) are
// made to match, with an AWAY or BACK notice in each room of a nick whose
// text changed. Unchanged entries and texts cost nothing.
constexpr const char* kSyncMembersScript =
    "local hub = ARGV[1]\n"
    "local awayKey = 'hermes:away:' .. hub\n"
    "local want, here, away, roomsOf = {}, {}, {}, {}\n"
    "local function split(entry)\n"
    "  local nl = string.find(entry, '\\n', 1, true)\n"
    "  if not nl then return nil end\n"
    "  return string.sub(entry, 1, nl - 1), string.sub(entry, nl + 1)\n"
    "end\n"
    "for i = 2, #ARGV do\n"
    "  local room, rest = split(ARGV[i])\n"
    "  if room == '' then\n"
    "    local nick, text = split(rest)\n"
    "    if nick then\n"
    "      here[nick] = true\n"
    "      if text ~= '' then away[nick] = text end\n"
    "    end\n"
    "  elseif room then\n"
    "    want[ARGV[i]] = true\n"
    "    roomsOf[rest] = roomsOf[rest] or {}\n"
    "    table.insert(roomsOf[rest], room)\n"
    "  end\n"
    "end\n"
    "local function notice(kind, room, nick, text)\n"
    "  redis.call('PUBLISH', 'hermes:presence:' .. room, kind .. ' ' .. hub .. '\\n' .. nick .. "
    "'\\n' .. text)\n"
    "end\n"
    "local changed = 0\n"
    "for _, entry in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  if want[entry] then\n"
    "    want[entry] = nil\n"
    "  else\n"
    "    redis.call('SREM', KEYS[1], entry)\n"
    "    local room, nick = split(entry)\n"
    "    if room and redis.call('HGET', 'hermes:members:' .. room, nick) == hub then\n"
    "      redis.call('HDEL', 'hermes:members:' .. room, nick)\n"
    "      notice(here[nick] and 'left' or 'quit', room, nick, '')\n"
    "      changed = changed + 1\n"
    "    end\n"
    "  end\n"
    "end\n"
    "for entry in pairs(want) do\n"
    "  local room, nick = split(entry)\n"
    "  redis.call('SADD', KEYS[1], entry)\n"
    "  redis.call('HSET', 'hermes:members:' .. room, nick, hub)\n"
    "  notice('joined', room, nick, '')\n"
    "  changed = changed + 1\n"
    "end\n"
    "local stored = redis.call('HGETALL', awayKey)\n"
    "for i = 1, #stored, 2 do\n"
    "  local nick, text = stored[i], stored[i + 1]\n"
    "  if away[nick] == text then\n"
    "    away[nick] = nil\n"
    "  elseif not away[nick] then\n"
    "    redis.call('HDEL', awayKey, nick)\n"
    "    if here[nick] then\n"
    "      for _, room in ipairs(roomsOf[nick] or {}) do notice('back', room, nick, '') end\n"
    "      changed = changed + 1\n"
    "    end\n"
    "  end\n"
    "end\n"
    "for nick, text in pairs(away) do\n"
    "  redis.call('HSET', awayKey, nick, text)\n"
    "  for _, room in ipairs(roomsOf[nick] or {}) do notice('away', room, nick, text) end\n"
    "  changed = changed + 1\n"
    "end\n"
    "redis.call('SADD', 'hermes:hubs', hub)\n"
    "return changed\n";

// ARGV: this hub, "1" to reap this hub's own leftovers too (its first
// connection after a start: a member listed then is from a previous run).
// Every hub in hermes:hubs without a live lease is reaped by whichever hub
// runs this first: SREM hermes:hubs happens once. Each of its members
// leaves the room's hash, with a QUIT notice on the room's channel, and its
// away texts go.
constexpr const char* kReapScript =
    "local reaped = 0\n"
    "for _, hub in ipairs(redis.call('SMEMBERS', 'hermes:hubs')) do\n"
    "  local dead\n"
    "  if hub == ARGV[1] then\n"
    "    dead = ARGV[2] == '1'\n"
    "  else\n"
    "    dead = redis.call('EXISTS', 'hermes:hub:' .. hub) == 0\n"
    "  end\n"
    "  if dead then\n"
    "    if hub ~= ARGV[1] then redis.call('SREM', 'hermes:hubs', hub) end\n"
    "    local set = 'hermes:hubmembers:' .. hub\n"
    "    for _, entry in ipairs(redis.call('SMEMBERS', set)) do\n"
    "      local nl = string.find(entry, '\\n', 1, true)\n"
    "      if nl then\n"
    "        local room = string.sub(entry, 1, nl - 1)\n"
    "        local nick = string.sub(entry, nl + 1)\n"
    "        local hash = 'hermes:members:' .. room\n"
    "        if redis.call('HGET', hash, nick) == hub then\n"
    "          redis.call('HDEL', hash, nick)\n"
    "          redis.call('PUBLISH', 'hermes:presence:' .. room, 'quit ' .. hub .. '\\n' .. "
    "nick .. '\\n' .. 'hub ' .. hub .. ' stopped answering')\n"
    "          reaped = reaped + 1\n"
    "        end\n"
    "      end\n"
    "    end\n"
    "    redis.call('DEL', set)\n"
    "    redis.call('DEL', 'hermes:away:' .. hub)\n"
    "  end\n"
    "end\n"
    "return reaped\n";

// KEYS: hermes:nicks. ARGV: the recipient's nick key, this hub, ref, the
// sender's account, the message, the stream length kept. The holder is
// looked up, the message numbered for its hub (hermes:pmseq:HOLDER),
// appended to its stream (hermes:pmstream:HOLDER, id SEQ-0: what the
// holder reads after a reconnect) and then published there, in one step,
// so a hub's private messages have one order (each hub sends its own in
// order on one connection). Appended first: a notice is never published
// for an entry that is not in the stream. A failed XADD gives the number
// back and fails the script (Redis does not undo a script's earlier
// writes). Answers {outcome, holder}: 0 no live hub holds the nick, 1
// published, 2 this hub holds it, 3 its hub is not subscribed (PUBLISH
// reached no one: it is cut from Redis); then the entry is deleted and the
// number given back (XSETID lowers the stream's last id with it; if it
// cannot, the number stays used: a gap its hub skips), so that the message
// is refused, not delivered later.
constexpr const char* kPrivateScript =
    "local holder = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if not holder or redis.call('EXISTS', 'hermes:hub:' .. holder) == 0 then\n"
    "  return {0, ''}\n"
    "end\n"
    "if holder == ARGV[2] then\n"
    "  return {2, holder}\n"
    "end\n"
    "local counter = 'hermes:pmseq:' .. holder\n"
    "local stream = 'hermes:pmstream:' .. holder\n"
    "local seq = redis.call('INCR', counter)\n"
    "local id = seq .. '-0'\n"
    "local added = redis.pcall('XADD', stream, 'MAXLEN', '~', ARGV[6], id, "
    "'h', ARGV[2], 'r', ARGV[3], 'a', ARGV[4], 'm', ARGV[5])\n"
    "if type(added) == 'table' and added.err then\n"
    "  redis.call('DECR', counter)\n"
    "  return redis.error_reply(added.err)\n"
    "end\n"
    "local heard = redis.call('PUBLISH', 'hermes:pm:' .. holder, seq .. ' ' .. ARGV[2] .. ' ' "
    ".. ARGV[3] .. ' ' .. ARGV[4] .. '\\n' .. ARGV[5])\n"
    "if heard == 0 then\n"
    "  redis.call('XDEL', stream, id)\n"
    "  if seq > 1 then\n"
    "    local back = redis.pcall('XSETID', stream, (seq - 1) .. '-0')\n"
    "    if not (type(back) == 'table' and back.err) then\n"
    "      redis.call('DECR', counter)\n"
    "    end\n"
    "  end\n"
    "  return {3, holder}\n"
    "end\n"
    "return {1, holder}\n";

// KEYS: this hub's hermes:pmseq:HUB. ARGV: the hub's cursor (0: none yet).
// The count of its private messages, raised to the cursor if Redis lost it
// (new messages must not be numbered as ones the hub delivered).
constexpr const char* kPrivateCursorScript =
    "local count = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "local cursor = tonumber(ARGV[1])\n"
    "if count < cursor then\n"
    "  redis.call('SET', KEYS[1], cursor)\n"
    "  count = cursor\n"
    "end\n"
    "return count\n";

// A glob pattern that matches `literal` only (PSUBSCRIBE).
std::string globLiteral(std::string_view literal) {
    std::string out;
    for (const char c : literal) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

constexpr std::string_view kPattern = "hermes:room:*";
constexpr std::string_view kPresencePattern = "hermes:presence:*";

void splitHostPort(const std::string& address, std::string& host, int& port) {
    const std::size_t colon = address.rfind(':');
    if (colon == std::string::npos) {
        throw std::invalid_argument("'" + address +
                                    "' (cluster.redis or cluster.sentinels) is not host:port");
    }
    host = address.substr(0, colon);
    const std::string_view digits = std::string_view(address).substr(colon + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (error != std::errc() || end != digits.data() + digits.size() || port <= 0 || port > 65535) {
        throw std::invalid_argument("'" + address +
                                    "' (cluster.redis or cluster.sentinels) has no port");
    }
}

std::string_view text(const redisReply* reply) {
    return std::string_view(reply->str, reply->len);
}

timeval toTimeval(std::chrono::milliseconds ms) {
    return timeval{static_cast<time_t>(ms.count() / 1000),
                   static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

// cluster.sentinels as a list of host:port.
std::vector<std::string> sentinelList(const ClusterConfig& config) {
    std::vector<std::string> list;
    std::size_t start = 0;
    while (start <= config.sentinels.size()) {
        std::size_t comma = config.sentinels.find(',', start);
        if (comma == std::string::npos) {
            comma = config.sentinels.size();
        }
        std::string address(Poco::trim(config.sentinels.substr(start, comma - start)));
        start = comma + 1;
        if (!address.empty()) {
            list.push_back(std::move(address));
        }
    }
    return list;
}

// The master as a sentinel's answer to SENTINEL get-master-addr-by-name
// names it: false if it does not (an error, or a master it does not know).
bool masterOf(const redisReply* r, std::string& host, int& port) {
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
        return false;
    }
    const std::string_view digits = text(r->element[1]);
    int masterPort = 0;
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), masterPort);
    if (error != std::errc() || end != digits.data() + digits.size() || masterPort <= 0) {
        return false;
    }
    host = std::string(text(r->element[0]));
    port = masterPort;
    return true;
}

// The master's address as the first sentinel that answers names it, each
// asked within `timeout`. Blocking: used once, at start (sharedEpoch),
// before the loop runs; the loop asks through RedisBackplane::askSentinels.
bool askSentinels(const ClusterConfig& config, std::string& host, int& port, std::string& why,
                  std::chrono::milliseconds timeout) {
    why = "no sentinel in cluster.sentinels answered for master '" + config.masterName + "'";
    for (const std::string& address : sentinelList(config)) {
        std::string sentinelHost;
        int sentinelPort = 0;
        splitHostPort(address, sentinelHost, sentinelPort);
        redisContext* c =
            redisConnectWithTimeout(sentinelHost.c_str(), sentinelPort, toTimeval(timeout));
        if (c == nullptr || c->err != 0) {
            why = "sentinel " + address + ": " + (c != nullptr ? c->errstr : "out of memory");
            redisFree(c);
            continue;
        }
        redisSetTimeout(c, toTimeval(timeout));
        auto* r = static_cast<redisReply*>(
            redisCommand(c, "SENTINEL get-master-addr-by-name %s", config.masterName.c_str()));
        const bool found = masterOf(r, host, port);
        if (!found) {
            why = "sentinel " + address + " does not know master '" + config.masterName + "'";
        }
        freeReplyObject(r);
        redisFree(c);
        if (found) {
            return true;
        }
    }
    return false;
}

// Where the master is now: cluster.redis, or what the sentinels say.
void findMaster(const ClusterConfig& config, std::string& host, int& port) {
    if (config.sentinels.empty()) {
        splitHostPort(config.redis, host, port);
        return;
    }
    std::string why;
    if (!askSentinels(config, host, port, why, config.timeout)) {
        throw std::runtime_error(why);
    }
}

// A write refused by a replica: this hub holds a master that was demoted
// (a failover): reconnect, which asks the sentinels again.
bool demoted(const redisReply* reply) {
    return reply != nullptr && reply->type == REDIS_REPLY_ERROR &&
           text(reply).starts_with("READONLY");
}

}  // namespace

// What a command's callback needs: which request it answers.
struct RedisBackplane::Pending {
    Pending(RedisBackplane* owner_, BackplaneRequest::Kind kind_, std::uint64_t ref_,
            std::string room_)
        : owner(owner_), kind(kind_), ref(ref_), room(std::move(room_)) {}
    RedisBackplane* owner = nullptr;
    BackplaneRequest::Kind kind = BackplaneRequest::Kind::Publish;
    std::uint64_t ref = 0;
    std::string room;
    // cluster.replicas_acked > 0: what waits for the replicas (awaitingWait_).
    std::string account;  // Publish: the notice is built once the seq is known
    std::string message;
    std::uint64_t seq = 0;
    bool fenced = false;        // Fill read with no bound: delivered only after WAIT
    std::uint64_t fromSeq = 0;  // Fill: read again from there if WAIT was short
    std::vector<BackplaneEntry> entries;
    std::size_t count = 0;   // entries read, skipped ones included (a full page asks again)
    std::uint64_t last = 0;  // the highest seq read (0: none)
};

RedisBackplane::RedisBackplane(const ClusterConfig& config, std::string hubName)
    : config_(config),
      hubName_(std::move(hubName)),
      privatePattern_(std::string(hermes::hub::kBackplanePrivatePrefix) + globLiteral(hubName_)),
      log_(Poco::Logger::get("hermesd.cluster")) {
    sentinels_ = sentinelList(config_);
    if (sentinels_.empty()) {
        splitHostPort(config_.redis, host_, port_);
    }
    for (const std::string& address : sentinels_) {
        splitHostPort(address, host_, port_);  // a bad list fails at start; asked at each connect
    }
    epollFd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epollFd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "epoll_create1 (backplane)");
    }
    command_.owner = this;
    command_.name = "command";
    subscriber_.owner = this;
    subscriber_.name = "subscriber";
    sentinel_.owner = this;
    sentinel_.name = "sentinel";
}

RedisBackplane::~RedisBackplane() {
    hub_ = nullptr;  // the loop (and its hub) may be gone: answers go nowhere
    for (Link* link : {&command_, &subscriber_, &sentinel_}) {
        if (link->context != nullptr) {
            redisAsyncContext* context = link->context;
            link->context = nullptr;
            redisAsyncFree(context);
        }
    }
    close(epollFd_);
}

std::uint64_t RedisBackplane::sharedEpoch(const ClusterConfig& config, std::uint64_t proposal) {
    std::string host;
    int port = 0;
    findMaster(config, host, port);
    const auto ms = config.timeout.count();
    const timeval timeout{static_cast<time_t>(ms / 1000),
                          static_cast<suseconds_t>(ms % 1000 * 1000)};
    redisContext* c = redisConnectWithTimeout(host.c_str(), port, timeout);
    if (c == nullptr || c->err != 0) {
        const std::string why = c != nullptr ? c->errstr : "out of memory";
        redisFree(c);
        throw std::runtime_error("cannot reach Redis at " + host + ":" + std::to_string(port) +
                                 ": " + why);
    }
    redisSetTimeout(c, timeout);
    const std::string value = std::to_string(proposal);
    auto* set = static_cast<redisReply*>(
        redisCommand(c, "SET hermes:epoch %b NX", value.data(), value.size()));
    freeReplyObject(set);
    auto* got = static_cast<redisReply*>(redisCommand(c, "GET hermes:epoch"));
    std::uint64_t epoch = 0;
    std::string why = c->err != 0 ? c->errstr : "no hermes:epoch after SET NX";
    if (got != nullptr && got->type == REDIS_REPLY_STRING) {
        const std::string_view digits = text(got);
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), epoch);
        if (error != std::errc() || end != digits.data() + digits.size()) {
            epoch = 0;
            why = "hermes:epoch is '" + std::string(digits) + "', not a number";
        }
    }
    freeReplyObject(got);
    redisFree(c);
    if (epoch == 0) {
        throw std::runtime_error("cannot read the cluster's epoch from Redis at " + host + ":" +
                                 std::to_string(port) + ": " + why);
    }
    return epoch;
}

// --- the loop's calls ---------------------------------------------------------------------

RedisBackplane::TimePoint RedisBackplane::pump(hermes::hub::Hub& hub, TimePoint now) {
    hub_ = &hub;
    now_ = now;
    if (sentinelAsk_.active) {
        stepSentinels(now);
    }
    if (resetWanted_) {
        reset(now);
    }
    if (command_.context == nullptr && subscriber_.context == nullptr && !sentinelAsk_.active &&
        now >= nextAttempt_) {
        connect(now);
    }
    requests_.clear();
    hub.takeBackplaneRequests(requests_);
    for (const BackplaneRequest& request : requests_) {
        send(request, now);
    }
    if (command_.ready && !refills_.empty() && now >= nextRefill_) {
        std::vector<BackplaneRequest> refills;
        refills.swap(refills_);
        for (BackplaneRequest& refill : refills) {
            send(refill, now);
        }
    }
    // One WAIT at a time: Redis holds every command behind a WAIT that
    // blocks (up to half of cluster.timeout_ms), so WAITs sent each turn
    // would queue and the replies behind them outlive cluster.timeout_ms.
    // What was sent meanwhile is covered by the next, sent here in the turn
    // its predecessor answers (onReady runs before pump).
    if (waitOwed_ && !waitInFlight_ && command_.ready) {
        sendWait(now);
    }
    if (command_.ready && now >= nextLease_) {
        renewLease(now);
    }
    // A reply (or a connect) slower than the timeout: Redis hung, or this
    // hub is cut from it. Ordering stops here rather than forking.
    const bool connecting = (command_.context != nullptr && !command_.ready) ||
                            (subscriber_.context != nullptr && !subscriber_.ready);
    const auto late = [&](const Link& link) {
        return !link.sentAt.empty() && now - link.sentAt.front() > config_.timeout;
    };
    if (late(command_) || late(subscriber_) ||
        (connecting && now - connectStarted_ > config_.timeout)) {
        resetWanted_ = true;
        resetWhy_ = "no answer from Redis within cluster.timeout_ms (" +
                    std::to_string(config_.timeout.count()) + " ms)";
        reset(now);
    }
    flushWrites();
    TimePoint wake = now + std::chrono::milliseconds(100);
    if (sentinelAsk_.active) {
        wake = std::min(wake, sentinelAsk_.done ? now : sentinelAsk_.deadline);
    } else if (command_.context == nullptr) {
        wake = std::min(wake, nextAttempt_);
    }
    hub_ = nullptr;
    return wake;
}

void RedisBackplane::onReady(hermes::hub::Hub& hub, TimePoint now) {
    hub_ = &hub;
    now_ = now;
    std::array<epoll_event, 4> events{};
    const int count = epoll_wait(epollFd_, events.data(), static_cast<int>(events.size()), 0);
    for (int i = 0; i < count; ++i) {
        Link& link = *static_cast<Link*>(events[static_cast<std::size_t>(i)].data.ptr);
        const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
        if (link.context != nullptr && (what & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
            redisAsyncHandleRead(link.context);
        }
        if (link.context != nullptr && (what & EPOLLOUT) != 0) {
            redisAsyncHandleWrite(link.context);
        }
    }
    if (resetWanted_) {
        reset(now);
    }
    hub_ = nullptr;
}

// --- connecting and losing Redis ------------------------------------------------------------

void RedisBackplane::connect(TimePoint now) {
    if (!sentinels_.empty()) {
        askSentinels(false, now);  // connectLinks() once one names the master
        return;
    }
    connectLinks(now);
}

// Both connections to the master at host_:port_.
void RedisBackplane::connectLinks(TimePoint now) {
    connectStarted_ = now;
    for (Link* link : {&command_, &subscriber_}) {
        redisAsyncContext* context = redisAsyncConnect(host_.c_str(), port_);
        if (context == nullptr || context->err != 0) {
            resetWanted_ = true;
            resetWhy_ = std::string("cannot connect to Redis: ") +
                        (context != nullptr ? context->errstr : "out of memory");
            if (context != nullptr) {
                redisAsyncFree(context);
            }
            return;
        }
        attach(*link, context);
        // Commands queue until the connection is up; hiredis writes them then.
        if (link == &command_) {
            redisAsyncCommand(context, onScriptLoaded, this, "SCRIPT LOAD %s",
                              config_.replicasAcked > 0 ? kAppendScript : kPublishScript);
        } else {
            // This hub's private channel is subscribed to only once the
            // cursor script has raised its count (onPrivateCursor): a hub
            // that does not hear is not numbered for, so no message can be
            // numbered at or below what it delivered before (a Redis that
            // lost its data) and then dropped as a duplicate.
            redisAsyncCommand(context, onMessage, this, "PSUBSCRIBE %b %b %b %b", kPattern.data(),
                              kPattern.size(), kPresencePattern.data(), kPresencePattern.size(),
                              hermes::hub::kBackplaneStateChannel.data(),
                              hermes::hub::kBackplaneStateChannel.size(),
                              hermes::hub::kBackplaneSignInChannel.data(),
                              hermes::hub::kBackplaneSignInChannel.size());
        }
        link->sentAt.push_back(now);
    }
}

// Both connections go (a publish not answered is reported to its sender by
// its callback, with no reply); the hub hears the backplane is down.
void RedisBackplane::reset(TimePoint now) {
    resetWanted_ = false;
    closeSentinel();  // a renewal's question is moot; a reconnect asks again
    sentinelAsk_.active = false;
    for (Link* link : {&command_, &subscriber_}) {
        if (link->context != nullptr) {
            redisAsyncContext* context = link->context;
            link->context = nullptr;
            redisAsyncFree(context);
        }
        link->connected = false;
        link->ready = false;
        link->sentAt.clear();
    }
    // Freeing the contexts answered every WAIT with no reply (onWait); what
    // is left was held for a WAIT not yet sent: its fate is unknown too.
    if (hub_ != nullptr) {
        for (const auto& pending : awaitingWait_) {
            if (pending->kind == BackplaneRequest::Kind::Publish) {
                hub_->backplanePublished(pending->ref,
                                         "this hub lost Redis before its replicas answered: the "
                                         "message's fate is unknown (if the cluster keeps it, it "
                                         "arrives with its seq)",
                                         now);
            }
        }
    }
    awaitingWait_.clear();
    fenceFailed_ = false;    // a new connection's fences are its own
    replicasShort_ = false;  // and its replicas: logged again if still short
    refills_.clear();        // the hub asks every room's Fill again when it is back
    waitOwed_ = false;
    fenceOwed_ = false;
    waitInFlight_ = false;
    privateSubscribed_ = false;
    resetWanted_ = false;
    if (up_ && hub_ != nullptr) {
        hub_->backplaneUp(false, now);
    }
    if (up_ || failuresLogged_ == 0) {
        log_.error(
            "cluster: lost Redis at %s (%s); messages are refused until it is back, "
            "retrying every %?d ms",
            host_ + ":" + std::to_string(port_), resetWhy_, config_.reconnect.count());
    }
    ++failuresLogged_;
    up_ = false;
    nextAttempt_ = now + config_.reconnect;
}

void RedisBackplane::checkUp() {
    if (up_ || !command_.ready || !subscriber_.ready || hub_ == nullptr) {
        return;
    }
    up_ = true;
    failuresLogged_ = 0;
    log_.information("cluster: hub %s joined the backplane at Redis %s", hubName_,
                     host_ + ":" + std::to_string(port_));
    nextLease_ = now_;
    if (!nicksCleared_) {
        // Queued before anything the hub asks on joining (its claims).
        nicksCleared_ = true;
        const char* argv[] = {"EVAL", kClearNicksScript, "1", kNicksKey.data(), hubName_.c_str()};
        const std::size_t lengths[] = {4, std::strlen(kClearNicksScript), 1, kNicksKey.size(),
                                       hubName_.size()};
        if (redisAsyncCommandArgv(command_.context, onScriptDone, this, 5, argv, lengths) ==
            REDIS_OK) {
            command_.sentAt.push_back(now_);
        }
    }
    std::vector<std::string> owed;
    owed.swap(releasesOwed_);
    for (std::string& nick : owed) {
        BackplaneRequest release;
        release.kind = BackplaneRequest::Kind::ReleaseNick;
        release.nick = std::move(nick);
        sendNick(release, now_);
    }
    hub_->backplaneUp(true, now_);
}

// --- asking the sentinels ------------------------------------------------------------------

// A question to the sentinels, one at a time from the one that answered
// last (a renewal asks that one only, within kRenewalSentinelTimeout), on
// sentinel_, through the loop: stepSentinels() acts on the answer.
void RedisBackplane::askSentinels(bool renewal, TimePoint now) {
    sentinelAsk_ = SentinelAsk{};
    sentinelAsk_.active = true;
    sentinelAsk_.renewal = renewal;
    sentinelAsk_.start = preferredSentinel_ % sentinels_.size();
    sentinelAsk_.index = sentinelAsk_.start;
    sentinelAsk_.left = renewal ? 0 : sentinels_.size() - 1;
    sentinelAsk_.timeout =
        renewal ? std::min(config_.timeout, kRenewalSentinelTimeout) : config_.timeout;
    askSentinel(now);
}

void RedisBackplane::askSentinel(TimePoint now) {
    SentinelAsk& ask = sentinelAsk_;
    ask.done = false;
    ask.deadline = now + ask.timeout;
    const std::string& address = sentinels_[ask.index];
    std::string host;
    int port = 0;
    splitHostPort(address, host, port);
    redisAsyncContext* context = redisAsyncConnect(host.c_str(), port);
    if (context == nullptr || context->err != 0) {
        ask.done = true;
        ask.why =
            "sentinel " + address + ": " + (context != nullptr ? context->errstr : "out of memory");
        if (context != nullptr) {
            redisAsyncFree(context);
        }
        return;
    }
    attach(sentinel_, context);
    redisAsyncCommand(context, onSentinelReply, this, "SENTINEL get-master-addr-by-name %s",
                      config_.masterName.c_str());
}

// The sentinel's connection failed or closed before it answered.
void RedisBackplane::sentinelConnected(const redisAsyncContext* context, int status) {
    if (status == REDIS_OK) {
        sentinel_.connected = true;
        return;
    }
    sentinel_.context = nullptr;  // hiredis frees it after this callback
    if (!sentinelAsk_.done) {
        sentinelAsk_.done = true;
        // A failed connect's error is in the inner context (hiredis 0.14
        // copies it to the outer one only after this callback).
        const char* why = context->err != 0     ? context->errstr
                          : context->c.err != 0 ? context->c.errstr
                                                : "the connection closed";
        sentinelAsk_.why = "sentinel " + sentinels_[sentinelAsk_.index] + ": " + why;
    }
}

void RedisBackplane::onSentinelReply(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    SentinelAsk& ask = self.sentinelAsk_;
    if (reply == nullptr || ask.done) {
        return;  // the connection went (closeSentinel, or sentinelConnected said why)
    }
    ask.done = true;
    if (!masterOf(static_cast<const redisReply*>(reply), ask.host, ask.port)) {
        ask.why = "sentinel " + self.sentinels_[ask.index] + " does not know master '" +
                  self.config_.masterName + "'";
    }
}

// Each turn while a question is open: its answer acted on, or the next
// sentinel asked when this one failed or is late.
void RedisBackplane::stepSentinels(TimePoint now) {
    SentinelAsk& ask = sentinelAsk_;
    if (!ask.done && now < ask.deadline) {
        return;
    }
    if (!ask.done) {
        ask.done = true;  // before closing: its callbacks then keep this why
        ask.why = "sentinel " + sentinels_[ask.index] + ": no answer within " +
                  std::to_string(ask.timeout.count()) + " ms";
    }
    closeSentinel();
    if (ask.port > 0) {
        ask.active = false;
        preferredSentinel_ = ask.index;
        if (ask.renewal) {
            if (ask.host != host_ || ask.port != port_) {
                resetWanted_ = true;
                resetWhy_ = "the sentinels name " + ask.host + ":" + std::to_string(ask.port) +
                            " as master now (a failover)";
            } else if (command_.ready) {
                writeLease(now);
            }
            return;
        }
        host_ = ask.host;
        port_ = ask.port;
        const std::string master = host_ + ":" + std::to_string(port_);
        if (master != lastMaster_) {
            log_.information("cluster: the sentinels name %s as master '%s'", master,
                             config_.masterName);
            lastMaster_ = master;
        }
        connectLinks(now);
        return;
    }
    if (ask.left > 0) {
        --ask.left;
        ask.index = (ask.index + 1) % sentinels_.size();
        askSentinel(now);
        return;
    }
    ask.active = false;
    // The next one first, next time (a renewal's sentinel that did not
    // answer is passed over; the hub keeps its master, and renews there).
    preferredSentinel_ = (ask.start + 1) % sentinels_.size();
    if (ask.renewal && command_.ready) {
        writeLease(now);
    }
    if (!ask.renewal) {
        resetWanted_ = true;
        resetWhy_ = sentinels_.size() > 1 ? "no sentinel in cluster.sentinels named master '" +
                                                config_.masterName + "' (last: " + ask.why + ")"
                                          : ask.why;
        nextAttempt_ = now + config_.reconnect;
    }
}

void RedisBackplane::closeSentinel() {
    if (sentinel_.context != nullptr) {
        redisAsyncContext* context = sentinel_.context;
        sentinel_.context = nullptr;
        redisAsyncFree(context);
    }
    sentinel_.connected = false;
}

// hiredis's hooks and callbacks for `link`, whose connection `context` is.
void RedisBackplane::attach(Link& link, redisAsyncContext* context) {
    link.context = context;
    link.fd = context->c.fd;
    link.events = 0;
    context->data = &link;
    context->ev.data = &link;
    context->ev.addRead = addRead;
    context->ev.delRead = delRead;
    context->ev.addWrite = addWrite;
    context->ev.delWrite = delWrite;
    context->ev.cleanup = cleanup;
    redisAsyncSetConnectCallback(context, onConnect);
    redisAsyncSetDisconnectCallback(context, onDisconnect);
}

// --- commands -------------------------------------------------------------------------------

void RedisBackplane::send(const BackplaneRequest& request, TimePoint now) {
    if (request.kind == BackplaneRequest::Kind::PrivateTrim) {
        // What this hub delivered (ids up to SEQ-0) leaves Redis: XTRIM
        // MINID keeps ids from the next one on. Nothing else reads it.
        if (command_.ready) {
            const std::string key =
                std::string(hermes::hub::kBackplanePrivateStreamPrefix) + hubName_;
            const std::string minId = std::to_string(request.fromSeq + 1) + "-0";
            if (redisAsyncCommand(command_.context, onScriptDone, this, "XTRIM %b MINID %b",
                                  key.data(), key.size(), minId.data(), minId.size()) == REDIS_OK) {
                command_.sentAt.push_back(now);
            }
        }
        return;
    }
    if (request.kind == BackplaneRequest::Kind::ClaimNick ||
        request.kind == BackplaneRequest::Kind::ReleaseNick) {
        sendNick(request, now);
        return;
    }
    if (request.kind == BackplaneRequest::Kind::Presence ||
        request.kind == BackplaneRequest::Kind::Members ||
        request.kind == BackplaneRequest::Kind::SyncMembers) {
        sendPresence(request, now);
        return;
    }
    if (request.kind == BackplaneRequest::Kind::State ||
        request.kind == BackplaneRequest::Kind::States) {
        sendState(request, now);
        return;
    }
    if (request.kind == BackplaneRequest::Kind::Private) {
        sendPrivate(request, now);
        return;
    }
    if (request.kind == BackplaneRequest::Kind::PrivateCursor) {
        sendPrivateCursor(request, now);
        return;
    }
    if (request.kind == BackplaneRequest::Kind::SignedIn ||
        request.kind == BackplaneRequest::Kind::AskSignedIn) {
        // Heard by the hubs subscribed now; one cut from Redis misses it,
        // and asks when it is back (AskSignedIn).
        if (command_.ready) {
            const std::string notice = hermes::hub::backplaneSignInNotice(
                hubName_, request.nick, request.kind == BackplaneRequest::Kind::AskSignedIn);
            if (redisAsyncCommand(command_.context, onScriptDone, this, "PUBLISH %b %b",
                                  hermes::hub::kBackplaneSignInChannel.data(),
                                  hermes::hub::kBackplaneSignInChannel.size(), notice.data(),
                                  notice.size()) == REDIS_OK) {
                command_.sentAt.push_back(now);
            }
        }
        return;
    }
    if (!command_.ready) {
        if (request.kind == BackplaneRequest::Kind::Publish && hub_ != nullptr) {
            hub_->backplanePublished(request.ref,
                                     "this hub lost the cluster's backplane (Redis); message "
                                     "not taken, send it again in a moment",
                                     now);
        }
        return;  // a Fill is asked again when the backplane is back
    }
    auto* pending = new Pending{this, request.kind, request.ref, request.room};
    const bool waits = config_.replicasAcked > 0;
    // A Fill reads a room's stream; a PrivateFill this hub's private one
    // (published at once, never waiting for the replicas).
    const bool roomFill = request.kind == BackplaneRequest::Kind::Fill;
    const std::string stream =
        request.kind == BackplaneRequest::Kind::PrivateFill
            ? std::string(hermes::hub::kBackplanePrivateStreamPrefix) + hubName_
            : std::string(hermes::hub::kBackplaneStreamPrefix) + request.room;
    int status = REDIS_ERR;
    if (request.kind == BackplaneRequest::Kind::Publish) {
        const std::string seqKey = std::string(hermes::hub::kBackplaneSeqPrefix) + request.room;
        const std::string channel =
            std::string(hermes::hub::kBackplaneChannelPrefix) + request.room;
        const std::string maxLength = std::to_string(config_.streamMaxMessages);
        const std::string ref = std::to_string(request.ref);
        const std::string least = std::to_string(request.fromSeq);
        const char* argv[] = {"EVALSHA",
                              scriptSha_.c_str(),
                              "2",
                              seqKey.c_str(),
                              stream.c_str(),
                              maxLength.c_str(),
                              channel.c_str(),
                              hubName_.c_str(),
                              ref.c_str(),
                              request.account.c_str(),
                              request.message.data(),
                              least.c_str()};
        const std::size_t lengths[] = {7,
                                       scriptSha_.size(),
                                       1,
                                       seqKey.size(),
                                       stream.size(),
                                       maxLength.size(),
                                       channel.size(),
                                       hubName_.size(),
                                       ref.size(),
                                       request.account.size(),
                                       request.message.size(),
                                       least.size()};
        if (waits) {
            pending->account = request.account;
            pending->message = request.message;
        }
        status = redisAsyncCommandArgv(command_.context, onPublished, pending, 12, argv, lengths);
        waitOwed_ = waitOwed_ || waits;
    } else {
        const std::string from = std::to_string(request.fromSeq) + "-0";
        // Waiting for the replicas, a gap's Fill reads up to the highest
        // seq waiting (it came in a notice: it and all before it are
        // replicated); one with no bound is fenced (sendWait).
        const std::string to = waits && roomFill && request.toSeq != 0
                                   ? std::to_string(request.toSeq) + "-0"
                                   : std::string("+");
        pending->fenced = waits && roomFill && request.toSeq == 0;
        pending->fromSeq = request.fromSeq;
        const std::string count = std::to_string(hermes::hub::kFillPage);
        const char* argv[] = {"XRANGE",   stream.c_str(), from.c_str(),
                              to.c_str(), "COUNT",        count.c_str()};
        const std::size_t lengths[] = {6, stream.size(), from.size(), to.size(), 5, count.size()};
        status = redisAsyncCommandArgv(command_.context, onFilled, pending, 6, argv, lengths);
        waitOwed_ = waitOwed_ || pending->fenced;
        fenceOwed_ = fenceOwed_ || pending->fenced;
    }
    if (status != REDIS_OK) {
        delete pending;
        resetWanted_ = true;
        resetWhy_ = "hiredis refused a command";
        if (request.kind == BackplaneRequest::Kind::Publish && hub_ != nullptr) {
            hub_->backplanePublished(request.ref, "this hub lost the cluster's backplane (Redis)",
                                     now);
        }
        return;
    }
    command_.sentAt.push_back(now);
}

// Claims and releases are rare (a Hello, a session's end): EVAL, no SHA kept.
void RedisBackplane::sendNick(const BackplaneRequest& request, TimePoint now) {
    const bool claim = request.kind == BackplaneRequest::Kind::ClaimNick;
    if (!command_.ready) {
        if (claim && hub_ != nullptr) {
            hub_->backplaneClaimed(request.ref, false,
                                   "this hub lost the cluster's backplane (Redis); try again in "
                                   "a moment",
                                   now);
        }
        if (!claim) {
            releasesOwed_.push_back(request.nick);  // sent once Redis is back (checkUp)
        }
        return;
    }
    auto* pending = new Pending{this, request.kind, request.ref, request.nick};
    const char* script = claim ? kClaimScript : kReleaseScript;
    const char* argv[] = {"EVAL",          script, "1", kNicksKey.data(), request.nick.c_str(),
                          hubName_.c_str()};
    const std::size_t lengths[] = {
        4, std::strlen(script), 1, kNicksKey.size(), request.nick.size(), hubName_.size()};
    if (redisAsyncCommandArgv(command_.context, onNick, pending, 6, argv, lengths) != REDIS_OK) {
        delete pending;
        resetWanted_ = true;
        resetWhy_ = "hiredis refused a command";
        if (claim && hub_ != nullptr) {
            hub_->backplaneClaimed(request.ref, false, "this hub lost the cluster's backplane",
                                   now);
        }
        return;
    }
    command_.sentAt.push_back(now);
}

// A private message to another hub's member: EVAL (kPrivateScript), its
// answer to the hub (Hub::backplanePrivateSent), never retried here.
void RedisBackplane::sendPrivate(const BackplaneRequest& request, TimePoint now) {
    using hermes::hub::PrivateOutcome;
    if (!command_.ready) {
        if (hub_ != nullptr) {
            hub_->backplanePrivateSent(request.ref, PrivateOutcome::Failed,
                                       "this hub lost the cluster's backplane (Redis); message "
                                       "not taken, send it again in a moment",
                                       now);
        }
        return;
    }
    auto* pending = new Pending{this, request.kind, request.ref, request.nick};
    // A forwarded message goes out as REF 0 (its receiver does not forward
    // it again); its answer still comes back under its own ref.
    const std::string ref = request.forwarded ? std::string("0") : std::to_string(request.ref);
    const std::string maxLength = std::to_string(config_.streamMaxMessages);
    const char* argv[] = {"EVAL",           kPrivateScript,          "1",
                          kNicksKey.data(), request.nick.c_str(),    hubName_.c_str(),
                          ref.c_str(),      request.account.c_str(), request.message.data(),
                          maxLength.c_str()};
    const std::size_t lengths[] = {4,
                                   std::strlen(kPrivateScript),
                                   1,
                                   kNicksKey.size(),
                                   request.nick.size(),
                                   hubName_.size(),
                                   ref.size(),
                                   request.account.size(),
                                   request.message.size(),
                                   maxLength.size()};
    if (redisAsyncCommandArgv(command_.context, onPrivateSent, pending, 10, argv, lengths) !=
        REDIS_OK) {
        delete pending;
        resetWanted_ = true;
        resetWhy_ = "hiredis refused a command";
        if (hub_ != nullptr) {
            hub_->backplanePrivateSent(request.ref, PrivateOutcome::Failed,
                                       "this hub lost the cluster's backplane (Redis)", now);
        }
        return;
    }
    command_.sentAt.push_back(now);
}

// This hub's private message count (kPrivateCursorScript), at each
// (re)connect; not retried (asked again at the next).
void RedisBackplane::sendPrivateCursor(const BackplaneRequest& request, TimePoint now) {
    if (!command_.ready) {
        return;
    }
    const std::string counter = std::string(hermes::hub::kBackplanePrivateSeqPrefix) + hubName_;
    const std::string cursor = std::to_string(request.fromSeq);
    const char* argv[] = {"EVAL", kPrivateCursorScript, "1", counter.c_str(), cursor.c_str()};
    const std::size_t lengths[] = {4, std::strlen(kPrivateCursorScript), 1, counter.size(),
                                   cursor.size()};
    if (redisAsyncCommandArgv(command_.context, onPrivateCursor, this, 5, argv, lengths) !=
        REDIS_OK) {
        resetWanted_ = true;
        resetWhy_ = "hiredis refused a command";
        return;
    }
    command_.sentAt.push_back(now);
}

// Presence is a script per join, leave or quit (EVAL, as rare as nicks);
// the cluster's members are read by one script (kMembersScript). Neither is retried: while Redis is
// away the other hubs' lists lag (docs/CLUSTER.md); when it is back this hub's members are written
// again (kSyncMembersScript, which publishes what changed) and every room's list is read again.
void RedisBackplane::sendPresence(const BackplaneRequest& request, TimePoint now) {
    if (!command_.ready) {
        return;
    }
    const std::string hash = std::string(hermes::hub::kBackplaneMembersPrefix) + request.room;
    int status = REDIS_ERR;
    if (request.kind == BackplaneRequest::Kind::Members) {
        const char* argv[] = {"EVAL", kMembersScript, "0"};
        const std::size_t lengths[] = {4, std::strlen(kMembersScript), 1};
        status = redisAsyncCommandArgv(command_.context, onMembers, this, 3, argv, lengths);
    } else if (request.kind == BackplaneRequest::Kind::SyncMembers) {
        const std::string mine = "hermes:hubmembers:" + hubName_;
        std::vector<const char*> argv = {"EVAL", kSyncMembersScript, "1", mine.c_str(),
                                         hubName_.c_str()};
        std::vector<std::size_t> lengths = {4, std::strlen(kSyncMembersScript), 1, mine.size(),
                                            hubName_.size()};
        for (const std::string& entry : request.entries) {
            argv.push_back(entry.data());
            lengths.push_back(entry.size());
        }
        status = redisAsyncCommandArgv(command_.context, onScriptDone, this,
                                       static_cast<int>(argv.size()), argv.data(), lengths.data());
    } else {
        const std::string mine = "hermes:hubmembers:" + hubName_;
        const std::string channel =
            std::string(hermes::hub::kBackplanePresencePrefix) + request.room;
        const char* argv[] = {"EVAL",
                              kPresenceScript,
                              "2",
                              hash.c_str(),
                              mine.c_str(),
                              request.presence.c_str(),
                              hubName_.c_str(),
                              request.nick.c_str(),
                              request.message.data(),
                              request.room.c_str(),
                              channel.c_str()};
        const std::size_t lengths[] = {4,
                                       std::strlen(kPresenceScript),
                                       1,
                                       hash.size(),
                                       mine.size(),
                                       request.presence.size(),
                                       hubName_.size(),
                                       request.nick.size(),
                                       request.message.size(),
                                       request.room.size(),
                                       channel.size()};
        status = redisAsyncCommandArgv(command_.context, onScriptDone, this, 11, argv, lengths);
    }
    if (status != REDIS_OK) {
        resetWanted_ = true;
        resetWhy_ = "hiredis refused a command";
        return;
    }
    command_.sentAt.push_back(now);
}

// cluster.replicas_acked: one WAIT after the turn's appends and fenced
// Fills, which it answers together (a group commit: WAIT covers every write
// this connection made before it, and Redis replicates in order). A fenced
// Fill read entries other hubs wrote: a write of this connection after the
// read (the fence, hermes:fence:HUB) makes WAIT cover them too. WAIT is
// given half of cluster.timeout_ms, so that its answer, and the commands
// queued behind it (Redis holds a client while WAIT blocks it), come within
// cluster.timeout_ms.
void RedisBackplane::sendWait(TimePoint now) {
    waitOwed_ = false;
    waitInFlight_ = true;
    if (fenceOwed_) {
        fenceOwed_ = false;
        const std::string key = "hermes:fence:" + hubName_;
        const std::string lease = std::to_string(config_.lease.count());
        if (redisAsyncCommand(command_.context, onFenced, this, "SET %b 1 PX %b", key.data(),
                              key.size(), lease.data(), lease.size()) != REDIS_OK) {
            resetWanted_ = true;
            resetWhy_ = "hiredis refused a command";
            return;
        }
        command_.sentAt.push_back(now);
    }
    const std::string replicas = std::to_string(config_.replicasAcked);
    const std::string ms = std::to_string(std::max<std::int64_t>(1, config_.timeout.count() / 2));
    if (redisAsyncCommand(command_.context, onWait, this, "WAIT %b %b", replicas.data(),
                          replicas.size(), ms.data(), ms.size()) != REDIS_OK) {
        resetWanted_ = true;
        resetWhy_ = "hiredis refused a command";
        return;
    }
    command_.sentAt.push_back(now);
}

// After the lease: the hubs whose lease has expired are reaped (one hub does
// it; kReapScript). The first time after a start, this hub's own leftovers.
void RedisBackplane::reap(TimePoint now) {
    const char* self = reapedSelf_ ? "0" : "1";
    reapedSelf_ = true;
    const char* argv[] = {"EVAL", kReapScript, "0", hubName_.c_str(), self};
    const std::size_t lengths[] = {4, std::strlen(kReapScript), 1, hubName_.size(), 1};
    if (redisAsyncCommandArgv(command_.context, onScriptDone, this, 5, argv, lengths) == REDIS_OK) {
        command_.sentAt.push_back(now);
    }
}

void RedisBackplane::renewLease(TimePoint now) {
    nextLease_ = now + config_.lease / 3;
    if (!sentinels_.empty()) {
        // A failover whose old master still takes writes (it is demoted
        // only some seconds later) would go unnoticed: ask with every
        // renewal whether the master is still this one. The lease and the
        // reap go to it once the sentinel has said so, or not answered
        // (stepSentinels): a reap on a master the other hubs have left
        // would quit their members here.
        if (!sentinelAsk_.active) {
            askSentinels(true, now);
        }
        return;
    }
    writeLease(now);
}

// The lease set (PX cluster.lease_ms), then the reap.
void RedisBackplane::writeLease(TimePoint now) {
    const std::string key = "hermes:hub:" + hubName_;
    const std::string lease = std::to_string(config_.lease.count());
    if (redisAsyncCommand(command_.context, onLease, this, "SET %b %b PX %b", key.data(),
                          key.size(), "up", std::size_t{2}, lease.data(),
                          lease.size()) == REDIS_OK) {
        command_.sentAt.push_back(now);
    }
    reap(now);
}

// Commands just queued are written now, not at the next turn: the
// connection is writable far more often than not.
void RedisBackplane::flushWrites() {
    for (Link* link : {&command_, &subscriber_}) {
        if (link->context != nullptr && link->connected && (link->events & EPOLLOUT) != 0) {
            redisAsyncHandleWrite(link->context);
        }
    }
}

// --- hiredis callbacks ----------------------------------------------------------------------

void RedisBackplane::onConnect(const redisAsyncContext* context, int status) {
    Link& link = *static_cast<Link*>(context->data);
    if (&link == &link.owner->sentinel_) {
        link.owner->sentinelConnected(context, status);
        return;
    }
    if (status != REDIS_OK) {
        // hiredis frees the context after this callback.
        link.context = nullptr;
        link.owner->resetWanted_ = true;
        link.owner->resetWhy_ =
            std::string("cannot connect (") + link.name + "): " + context->errstr;
        return;
    }
    link.connected = true;
}

void RedisBackplane::onDisconnect(const redisAsyncContext* context, int /*status*/) {
    Link& link = *static_cast<Link*>(context->data);
    RedisBackplane& self = *link.owner;
    if (&link == &self.sentinel_) {
        self.sentinelConnected(context, REDIS_ERR);
        link.connected = false;
        return;
    }
    if (link.context != nullptr) {
        // Redis closed it (not our reset): hiredis frees it after this.
        link.context = nullptr;
        self.resetWanted_ = true;
        self.resetWhy_ = std::string("the ") + link.name + " connection closed" +
                         (context->err != 0 ? std::string(": ") + context->errstr : "");
    }
    link.connected = false;
    link.ready = false;
}

void RedisBackplane::onScriptLoaded(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr) {
        return;
    }
    if (r->type != REDIS_REPLY_STRING) {
        self.resetWanted_ = true;
        self.resetWhy_ = "SCRIPT LOAD failed: " +
                         std::string(r->type == REDIS_REPLY_ERROR ? text(r) : "unexpected reply");
        return;
    }
    self.scriptSha_ = std::string(text(r));
    self.command_.ready = true;
    self.checkUp();
}

void RedisBackplane::onMessage(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
        return;
    }
    const std::string_view kind = text(r->element[0]);
    if (kind == "psubscribe") {
        self.subscriber_.answered();
        self.subscriber_.ready = true;
        self.checkUp();
        return;
    }
    if (kind != "pmessage" || r->elements < 4 || self.hub_ == nullptr) {
        return;
    }
    const std::string_view channel = text(r->element[2]);
    if (channel.starts_with(hermes::hub::kBackplanePrivatePrefix)) {
        auto entry = hermes::hub::parseBackplanePrivate(channel, text(r->element[3]));
        if (!entry) {
            self.log_.warning("cluster: a notice on %s is not a hub's private message; ignored",
                              std::string(channel));
            return;
        }
        self.hub_->backplanePrivate(std::move(*entry), self.now_);
        return;
    }
    if (channel == hermes::hub::kBackplaneStateChannel) {
        self.stateNotice(text(r->element[3]));
        return;
    }
    if (channel == hermes::hub::kBackplaneSignInChannel) {
        const auto signIn = hermes::hub::parseBackplaneSignIn(text(r->element[3]));
        if (!signIn) {
            self.log_.warning("cluster: a notice on %s is not a hub's sign-in; ignored",
                              std::string(channel));
            return;
        }
        self.hub_->backplaneSignedIn(*signIn, self.now_);
        return;
    }
    if (channel.starts_with(hermes::hub::kBackplanePresencePrefix)) {
        auto event = hermes::hub::parseBackplanePresence(channel, text(r->element[3]));
        if (!event) {
            self.log_.warning("cluster: a notice on %s is not a hub's presence; ignored",
                              std::string(channel));
            return;
        }
        self.hub_->backplanePresence(*event, self.now_);
        return;
    }
    auto entry = hermes::hub::parseBackplaneNotice(text(r->element[2]), text(r->element[3]));
    if (!entry) {
        self.log_.warning("cluster: a notice on %s is not one of a hub; ignored",
                          std::string(text(r->element[2])));
        return;
    }
    self.hub_->backplaneEntry(std::move(*entry), self.now_);
}

void RedisBackplane::onPublished(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
    RedisBackplane& self = *pending->owner;
    self.command_.answered();
    if (self.hub_ == nullptr) {
        return;
    }
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr) {
        self.hub_->backplanePublished(
            pending->ref,
            "this hub lost Redis before it answered: the message's fate is unknown (if Redis "
            "took it, it arrives with its seq)",
            self.now_);
        return;
    }
    if (r->type == REDIS_REPLY_INTEGER) {
        if (self.config_.replicasAcked > 0) {
            // Appended, not acked: the WAIT behind it decides.
            pending->seq = static_cast<std::uint64_t>(r->integer);
            self.awaitingWait_.push_back(std::move(pending));
            return;
        }
        self.hub_->backplanePublished(pending->ref, "", self.now_);
        return;
    }
    const std::string why(r->type == REDIS_REPLY_ERROR ? text(r) : "unexpected reply");
    if (!why.starts_with("NOREPLICAS")) {
        self.log_.error("cluster: Redis refused a message of %s: %s", pending->room, why);
    } else if (!self.replicasShort_) {
        // min-replicas-to-write: every message is refused alike until a
        // replica follows; logged once, as a short WAIT (onWait).
        self.replicasShort_ = true;
        self.log_.error(
            "cluster: Redis refused a message of %s: %s; room messages are refused "
            "until a replica follows",
            pending->room, why);
    }
    if (why.starts_with("NOSCRIPT") || why.starts_with("READONLY")) {
        // Redis restarted without its scripts under the same connection
        // (a failover behind a proxy): load it again. READONLY: the master
        // was demoted (a failover): connect again, to the new one.
        self.resetWanted_ = true;
        self.resetWhy_ = why;
    }
    self.hub_->backplanePublished(pending->ref, "the cluster's backplane refused it: " + why,
                                  self.now_);
}

void RedisBackplane::onFilled(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
    RedisBackplane& self = *pending->owner;
    self.command_.answered();
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr || self.hub_ == nullptr) {
        return;  // asked again when the backplane is back
    }
    const bool mine = pending->kind == BackplaneRequest::Kind::PrivateFill;
    if (r->type != REDIS_REPLY_ARRAY) {
        self.log_.error("cluster: XRANGE of %s failed: %s",
                        mine ? std::string("this hub's private messages") : pending->room,
                        std::string(r->type == REDIS_REPLY_ERROR ? text(r) : "unexpected reply"));
        // Not a trimmed stream: nothing is skipped, the read is asked again.
        if (mine) {
            self.hub_->backplanePrivateFillFailed(self.now_);
        } else {
            self.hub_->backplaneFillFailed(pending->room, self.now_);
        }
        return;
    }
    const bool held = pending->fenced;  // delivered once the replicas have them (onWait)
    std::size_t count = 0;
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < r->elements; ++i) {
        const redisReply* item = r->element[i];
        if (item->type != REDIS_REPLY_ARRAY || item->elements != 2 ||
            item->element[0]->type != REDIS_REPLY_STRING ||
            item->element[1]->type != REDIS_REPLY_ARRAY) {
            continue;
        }
        BackplaneEntry entry;
        entry.room = pending->room;
        entry.seq = hermes::hub::backplaneStreamSeq(text(item->element[0]));
        const redisReply* fields = item->element[1];
        for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
            const std::string_view name = text(fields->element[f]);
            const std::string_view value = text(fields->element[f + 1]);
            if (name == "h") {
                entry.hub = value;
            } else if (name == "r") {
                std::from_chars(value.data(), value.data() + value.size(), entry.ref);
            } else if (name == "a") {
                entry.account = value;
            } else if (name == "m") {
                entry.message = value;
            }
        }
        ++count;  // counted even when skipped: the page's size says whether more follow
        last = std::max(last, entry.seq);
        if (entry.seq != 0 && mine) {
            self.hub_->backplanePrivate(std::move(entry), self.now_);
        } else if (entry.seq != 0 && held) {
            pending->entries.push_back(std::move(entry));
        } else if (entry.seq != 0) {
            self.hub_->backplaneEntry(std::move(entry), self.now_);
        }
    }
    if (mine) {
        self.hub_->backplanePrivateFilled(count, self.now_);
        return;
    }
    if (held) {
        pending->count = count;
        pending->last = last;
        self.awaitingWait_.push_back(std::move(pending));
        return;
    }
    self.hub_->backplaneFilled(pending->room, count, last, self.now_);
}

void RedisBackplane::onPrivateSent(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    using hermes::hub::PrivateOutcome;
    std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
    RedisBackplane& self = *pending->owner;
    self.command_.answered();
    if (self.hub_ == nullptr) {
        return;
    }
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr) {
        self.hub_->backplanePrivateSent(
            pending->ref, PrivateOutcome::Failed,
            "this hub lost Redis before it answered: the private message's fate is unknown "
            "(it may have been delivered)",
            self.now_);
        return;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER || r->element[0]->integer < 0 ||
        r->element[0]->integer > 3) {
        const std::string why(r->type == REDIS_REPLY_ERROR ? text(r) : "unexpected reply");
        self.log_.error("cluster: Redis refused a private message to %s: %s", pending->room, why);
        if (why.starts_with("READONLY")) {
            self.resetWanted_ = true;
            self.resetWhy_ = why;
        }
        self.hub_->backplanePrivateSent(pending->ref, PrivateOutcome::Failed,
                                        "the cluster's backplane refused it: " + why, self.now_);
        return;
    }
    constexpr PrivateOutcome kOutcomes[] = {PrivateOutcome::NoHolder, PrivateOutcome::Published,
                                            PrivateOutcome::HeldHere, PrivateOutcome::HolderDeaf};
    self.hub_->backplanePrivateSent(pending->ref,
                                    kOutcomes[static_cast<std::size_t>(r->element[0]->integer)],
                                    text(r->element[1]), self.now_);
}

void RedisBackplane::onPrivateCursor(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr || self.hub_ == nullptr) {
        return;  // asked again at the next connect
    }
    if (r->type != REDIS_REPLY_INTEGER || r->integer < 0) {
        self.log_.error("cluster: reading this hub's private message count failed: %s",
                        std::string(r->type == REDIS_REPLY_ERROR ? text(r) : "unexpected reply"));
        return;
    }
    if (!self.privateSubscribed_ && self.subscriber_.context != nullptr) {
        // Until now, private messages to this hub were refused
        // (PEER_HUB_UNREACHABLE to their senders): the count is raised.
        self.privateSubscribed_ = true;
        redisAsyncCommand(self.subscriber_.context, onMessage, &self, "PSUBSCRIBE %b",
                          self.privatePattern_.data(), self.privatePattern_.size());
    }
    self.hub_->backplanePrivateCursor(static_cast<std::uint64_t>(r->integer), self.now_);
}

// WAIT answered (or the connection went: no reply). Every append and fenced
// Fill queued before it is in awaitingWait_, and nothing else: replies come
// in order, and what was sent after the WAIT is answered after it.
void RedisBackplane::onWait(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    std::deque<std::unique_ptr<Pending>> batch;
    batch.swap(self.awaitingWait_);
    self.waitInFlight_ = false;
    // A fence that was not written leaves the Fills read before it
    // uncovered by this WAIT: read again, whatever it counts.
    const bool fenced = !std::exchange(self.fenceFailed_, false);
    if (self.hub_ == nullptr) {
        return;
    }
    const auto* r = static_cast<const redisReply*>(reply);
    const std::size_t wanted = self.config_.replicasAcked;
    const bool replicated = r != nullptr && r->type == REDIS_REPLY_INTEGER && r->integer >= 0 &&
                            static_cast<std::size_t>(r->integer) >= wanted;
    if (!replicated) {
        std::string why;
        if (r == nullptr) {
            why = "this hub lost Redis before its replicas answered";
        } else if (r->type == REDIS_REPLY_INTEGER) {
            why = "only " + std::to_string(r->integer) + " of the " + std::to_string(wanted) +
                  " replicas (cluster.replicas_acked) had it within " +
                  std::to_string(std::max<std::int64_t>(1, self.config_.timeout.count() / 2)) +
                  " ms";
        } else {
            why = "WAIT failed: " +
                  std::string(r->type == REDIS_REPLY_ERROR ? text(r) : "unexpected reply");
        }
        if (r != nullptr && r->type == REDIS_REPLY_ERROR) {
            // WAIT refused (a demoted master: "cannot be used with replica
            // instances"): connect again, to whichever the sentinels name.
            self.resetWanted_ = true;
            self.resetWhy_ = why;
        } else if (r != nullptr && r->type == REDIS_REPLY_INTEGER) {
            // No replica follows (none is up, or after a failover none
            // follows the new master yet: Sentinel converts a revived old
            // master some seconds later). The hub stays up and holds what
            // waits: refusing it ("fate unknown") made clients resend lines
            // that were later replicated, and delivered as many times. The
            // same WAIT is asked again (the connection's offset already
            // covers the appends); it is answered when WAIT counts n, or as
            // unknown when the connection goes. cluster.max_in_flight bounds
            // what is held (Backplane::refusal refuses past it).
            if (!self.replicasShort_) {
                self.replicasShort_ = true;
                self.log_.error("cluster: %s; room messages are held until they are back", why);
            }
            std::deque<std::unique_ptr<Pending>> held;
            for (auto& pending : batch) {
                if (pending->kind == BackplaneRequest::Kind::Publish || fenced) {
                    held.push_back(std::move(pending));
                    continue;
                }
                // Its fence was refused: no WAIT covers this read.
                BackplaneRequest refill;
                refill.kind = BackplaneRequest::Kind::Fill;
                refill.room = pending->room;
                refill.fromSeq = pending->fromSeq;
                self.refills_.push_back(std::move(refill));
                self.nextRefill_ = self.now_ + self.config_.reconnect;
            }
            // Nothing was queued behind this WAIT yet (its reply is this
            // call), but keep the order if anything was.
            for (auto& later : self.awaitingWait_) {
                held.push_back(std::move(later));
            }
            self.awaitingWait_.swap(held);
            self.waitOwed_ = self.waitOwed_ || !self.awaitingWait_.empty();
            return;
        }
        for (const auto& pending : batch) {
            if (pending->kind == BackplaneRequest::Kind::Publish) {
                self.hub_->backplanePublished(
                    pending->ref,
                    why +
                        ": the message's fate is unknown (if the cluster keeps it, it arrives "
                        "with its seq)",
                    self.now_);
            } else if (r != nullptr) {
                // Read again (fenced) after cluster.reconnect_ms: the hub
                // still waits for this Fill's answer.
                BackplaneRequest refill;
                refill.kind = BackplaneRequest::Kind::Fill;
                refill.room = pending->room;
                refill.fromSeq = pending->fromSeq;
                self.refills_.push_back(std::move(refill));
                self.nextRefill_ = self.now_ + self.config_.reconnect;
            }
            // No reply (the connection went): the hub asks again when it is back.
        }
        return;
    }
    if (self.replicasShort_) {
        self.replicasShort_ = false;
        self.log_.information("cluster: %?d replicas have the messages again",
                              self.config_.replicasAcked);
    }
    for (const auto& pending : batch) {
        if (pending->kind != BackplaneRequest::Kind::Publish && !fenced) {
            BackplaneRequest refill;
            refill.kind = BackplaneRequest::Kind::Fill;
            refill.room = pending->room;
            refill.fromSeq = pending->fromSeq;
            self.refills_.push_back(std::move(refill));
            self.nextRefill_ = self.now_ + self.config_.reconnect;
            continue;
        }
        if (pending->kind == BackplaneRequest::Kind::Publish) {
            const std::string channel =
                std::string(hermes::hub::kBackplaneChannelPrefix) + pending->room;
            const std::string notice = hermes::hub::backplaneNotice(
                pending->seq, self.hubName_, pending->ref, pending->account, pending->message);
            if (redisAsyncCommand(self.command_.context, onFence, &self, "PUBLISH %b %b",
                                  channel.data(), channel.size(), notice.data(),
                                  notice.size()) == REDIS_OK) {
                self.command_.sentAt.push_back(self.now_);
            }
            // Acked by its notice (the echo); if the PUBLISH is lost the
            // entry, replicated, comes to every hub by a Fill.
            self.hub_->backplanePublished(pending->ref, "", self.now_);
        } else {
            for (BackplaneEntry& entry : pending->entries) {
                self.hub_->backplaneEntry(std::move(entry), self.now_);
            }
            self.hub_->backplaneFilled(pending->room, pending->count, pending->last, self.now_);
        }
    }
    // What was sent meanwhile is covered by the next WAIT: pump() sends it
    // in this turn (it runs after onReady). Not from here: hiredis may free
    // the context in redisAsyncHandleWrite, under this callback.
}

// The fence's SET: refused (NOREPLICAS: min-replicas-to-write), the WAIT
// behind it does not cover the Fills before it.
void RedisBackplane::onFenced(redisAsyncContext* context, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    const auto* r = static_cast<const redisReply*>(reply);
    if (r != nullptr && r->type != REDIS_REPLY_STATUS) {
        self.fenceFailed_ = true;
        if (r->type == REDIS_REPLY_ERROR && text(r).starts_with("NOREPLICAS")) {
            self.command_.answered();
            return;  // as a WAIT short of n: logged by onWait
        }
    }
    onFence(context, reply, privdata);
}

// The notices' PUBLISH (and the fence): only a demoted master matters.
void RedisBackplane::onFence(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    const auto* r = static_cast<const redisReply*>(reply);
    if (demoted(r)) {
        self.resetWanted_ = true;
        self.resetWhy_ = "Redis at " + self.host_ + ":" + std::to_string(self.port_) +
                         " is a replica now (READONLY)";
    } else if (r != nullptr && r->type == REDIS_REPLY_ERROR) {
        self.log_.error("cluster: Redis refused a command: %s", std::string(text(r)));
    }
}

void RedisBackplane::onNick(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
    RedisBackplane& self = *pending->owner;
    self.command_.answered();
    if (pending->kind != BackplaneRequest::Kind::ClaimNick || self.hub_ == nullptr) {
        return;
    }
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr || r->type != REDIS_REPLY_INTEGER) {
        const std::string why = r == nullptr                   ? std::string("connection lost")
                                : r->type == REDIS_REPLY_ERROR ? std::string(text(r))
                                                               : std::string("unexpected reply");
        self.hub_->backplaneClaimed(
            pending->ref, false,
            "the cluster's backplane could not claim the nick (" + why + "); try again in a moment",
            self.now_);
        return;
    }
    self.hub_->backplaneClaimed(pending->ref, r->integer == 1, "", self.now_);
}

void RedisBackplane::onMembers(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    const auto* r = static_cast<const redisReply*>(reply);
    if (r == nullptr || self.hub_ == nullptr) {
        return;  // read again when the backplane is back
    }
    if (r->type != REDIS_REPLY_ARRAY) {
        self.log_.error("cluster: reading the cluster's members failed: %s",
                        std::string(r->type == REDIS_REPLY_ERROR ? text(r) : "unexpected reply"));
        return;
    }
    std::vector<hermes::hub::BackplaneMember> members;
    for (std::size_t i = 0; i + 1 < r->elements; i += 2) {
        const std::string_view entry = text(r->element[i + 1]);
        const std::size_t newline = entry.find('\n');
        if (newline == std::string_view::npos) {
            continue;
        }
        // "ROOM\nNICK", "ROOM\nNICK\nAWAY" or "\nNICKKEY" (kMembersScript).
        const std::string_view rest = entry.substr(newline + 1);
        const std::size_t awayAt = newline == 0 ? std::string_view::npos : rest.find('\n');
        members.push_back({std::string(entry.substr(0, newline)),
                           std::string(rest.substr(0, awayAt)), std::string(text(r->element[i])),
                           awayAt == std::string_view::npos
                               ? std::string()
                               : std::string(rest.substr(awayAt + 1))});
    }
    self.hub_->backplaneMembers(members, self.now_);
}

void RedisBackplane::onScriptDone(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    const auto* r = static_cast<const redisReply*>(reply);
    if (r != nullptr && r->type == REDIS_REPLY_ERROR) {
        self.log_.error(
            "cluster: a script (presence, members' sync, reap, nick clean-up), a sign-in notice or "
            "XTRIM failed: %s",
            std::string(text(r)));
    }
}

void RedisBackplane::onLease(redisAsyncContext* /*context*/, void* reply, void* privdata) {
    auto& self = *static_cast<RedisBackplane*>(privdata);
    self.command_.answered();
    if (demoted(static_cast<const redisReply*>(reply))) {
        self.resetWanted_ = true;
        self.resetWhy_ = "Redis at " + self.host_ + ":" + std::to_string(self.port_) +
                         " is a replica now (READONLY)";
    }
}

// --- hiredis's event hooks: the two sockets in this object's epoll set ------------------------

void RedisBackplane::watch(Link& link, std::uint32_t events) {
    if (events == link.events || link.fd < 0) {
        return;
    }
    epoll_event event{};
    event.events = events;
    event.data.ptr = &link;
    const int op = link.events == 0 ? EPOLL_CTL_ADD : (events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
    if (epoll_ctl(epollFd_, op, link.fd, &event) != 0) {
        resetWanted_ = true;
        resetWhy_ = std::string("epoll_ctl on the ") + link.name + " connection failed";
        return;
    }
    link.events = events;
}

void RedisBackplane::addRead(void* privdata) {
    Link& link = *static_cast<Link*>(privdata);
    link.owner->watch(link, link.events | EPOLLIN);
}

void RedisBackplane::delRead(void* privdata) {
    Link& link = *static_cast<Link*>(privdata);
    link.owner->watch(link, link.events & ~std::uint32_t{EPOLLIN});
}

void RedisBackplane::addWrite(void* privdata) {
    Link& link = *static_cast<Link*>(privdata);
    link.owner->watch(link, link.events | EPOLLOUT);
}

void RedisBackplane::delWrite(void* privdata) {
    Link& link = *static_cast<Link*>(privdata);
    link.owner->watch(link, link.events & ~std::uint32_t{EPOLLOUT});
}

void RedisBackplane::cleanup(void* privdata) {
    Link& link = *static_cast<Link*>(privdata);
    link.owner->watch(link, 0);
    link.fd = -1;
}

}  // namespace hermesd
