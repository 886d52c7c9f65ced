#include "Scenario.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "Frames.hpp"

namespace hermes::it {

namespace v1 = hermes::v1;
using namespace std::chrono_literals;

namespace {

constexpr std::chrono::milliseconds kDefaultWait = 5s;

std::string upper(std::string text) {
    for (auto& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

std::uint64_t number(const std::string& text, const std::string& what) {
    try {
        std::size_t used = 0;
        const auto value = std::stoull(text, &used);
        if (used == text.size()) {
            return value;
        }
    } catch (const std::exception&) {
        // Reported below with the word's meaning.
    }
    throw std::invalid_argument(what + ": not a number: \"" + text + "\"");
}

bool boolean(const std::string& text, const std::string& what) {
    if (text == "true" || text == "yes") {
        return true;
    }
    if (text == "false" || text == "no") {
        return false;
    }
    throw std::invalid_argument(what + ": expected true or false, got \"" + text + "\"");
}

// "2s", "500ms" -> duration.
std::chrono::milliseconds duration(const std::string& text) {
    if (text.size() > 2 && text.ends_with("ms")) {
        return std::chrono::milliseconds(number(text.substr(0, text.size() - 2), "within"));
    }
    if (text.size() > 1 && text.back() == 's') {
        return std::chrono::seconds(number(text.substr(0, text.size() - 1), "within"));
    }
    throw std::invalid_argument("a duration is like 2s or 500ms, not \"" + text + "\"");
}

// "a,b,c" -> {a, b, c}; "" -> {}.
std::vector<std::string> commaList(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto comma = text.find(',', start);
        const auto end = comma == std::string::npos ? text.size() : comma;
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// "-" names the empty room (private messages, own nick changes).
std::string roomArg(const std::string& text) {
    return text == "-" ? std::string() : text;
}

v1::ErrorCode errorCode(const std::string& name) {
    v1::ErrorCode code{};
    if (!v1::ErrorCode_Parse("ERROR_CODE_" + upper(name), &code)) {
        throw std::invalid_argument("unknown error code " + name);
    }
    return code;
}

v1::PresenceKind presenceKind(const std::string& name) {
    v1::PresenceKind kind{};
    if (!v1::PresenceKind_Parse("PRESENCE_KIND_" + upper(name), &kind)) {
        throw std::invalid_argument("unknown presence kind " + name);
    }
    return kind;
}

// What an expectation looks for. match() may consume part of a frame
// (presence nicks) and says whether the whole frame is used up.
struct Matcher {
    enum class Result { NoMatch, Consumed, PartlyConsumed };
    std::function<Result(Frame&)> match;
    std::string description;
};

using Options = std::map<std::string, std::string>;

Matcher::Result whole(bool matched) {
    return matched ? Matcher::Result::Consumed : Matcher::Result::NoMatch;
}

Matcher makeMatcher(const std::vector<Word>& words, std::string description) {
    if (words.empty()) {
        throw std::invalid_argument("expect what?");
    }
    const std::string kind = words[0].text;
    std::vector<std::string> positional;
    Options options;
    for (std::size_t i = 1; i < words.size(); ++i) {
        if (words[i].hasKey()) {
            options[words[i].key] = words[i].text;
        } else {
            positional.push_back(words[i].text);
        }
    }
    auto option = [&options](const std::string& key) -> const std::string* {
        auto found = options.find(key);
        return found == options.end() ? nullptr : &found->second;
    };
    auto needPositional = [&](std::size_t count) {
        if (positional.size() < count) {
            throw std::invalid_argument("expect " + kind + ": needs " + std::to_string(count) +
                                        " argument(s)");
        }
    };
    Matcher matcher;
    matcher.description = std::move(description);

    if (kind == "any") {
        matcher.match = [](Frame&) { return Matcher::Result::Consumed; };
    } else if (kind == "welcome") {
        const std::string* nick = option("nick");
        std::string wanted = nick ? *nick : "";
        matcher.match = [wanted](Frame& frame) {
            return whole(frame.envelope.has_welcome() &&
                         (wanted.empty() || frame.envelope.welcome().nick() == wanted));
        };
    } else if (kind == "error") {
        needPositional(1);
        const v1::ErrorCode code = errorCode(positional[0]);
        int fatal = -1;  // -1: either
        for (std::size_t i = 1; i < positional.size(); ++i) {
            if (positional[i] == "fatal") {
                fatal = 1;
            } else if (positional[i] == "nonfatal") {
                fatal = 0;
            } else {
                throw std::invalid_argument("expect error: fatal or nonfatal, not " +
                                            positional[i]);
            }
        }
        std::optional<std::uint64_t> id;
        if (const auto* text = option("id")) {
            id = number(*text, "id");
        }
        std::optional<std::string> room;
        if (const auto* text = option("room")) {
            room = *text;
        }
        matcher.match = [code, fatal, id, room](Frame& frame) {
            if (!frame.envelope.has_error()) {
                return Matcher::Result::NoMatch;
            }
            const auto& error = frame.envelope.error();
            return whole(error.code() == code && (fatal < 0 || error.fatal() == (fatal == 1)) &&
                         (!id || error.client_msg_id() == *id) && (!room || error.room() == *room));
        };
    } else if (kind == "presence") {
        needPositional(2);
        const v1::PresenceKind presence = presenceKind(positional[0]);
        const std::string room = roomArg(positional[1]);
        const std::vector<std::string> nicks(positional.begin() + 2, positional.end());
        std::optional<std::string> reason;
        std::optional<std::string> newNick;
        if (const auto* text = option("reason")) {
            reason = *text;
        }
        if (const auto* text = option("new")) {
            newNick = *text;
        }
        // Each listed nick must be named by the Presence; the nicks matched
        // are taken out of it, so a coalesced Presence{ana, bob} can satisfy
        // one expectation for ana and a later one for bob, and never one for
        // ana twice.
        matcher.match = [presence, room, nicks, reason, newNick](Frame& frame) {
            if (!frame.envelope.has_presence()) {
                return Matcher::Result::NoMatch;
            }
            auto* event = frame.envelope.mutable_presence();
            if (event->kind() != presence || event->room() != room ||
                (reason && event->reason() != *reason) ||
                (newNick && event->new_nick() != *newNick)) {
                return Matcher::Result::NoMatch;
            }
            for (const auto& nick : nicks) {
                if (std::find(event->nicks().begin(), event->nicks().end(), nick) ==
                    event->nicks().end()) {
                    return Matcher::Result::NoMatch;
                }
            }
            if (nicks.empty() || static_cast<std::size_t>(event->nicks_size()) == nicks.size()) {
                return Matcher::Result::Consumed;
            }
            auto* list = event->mutable_nicks();
            for (const auto& nick : nicks) {
                list->erase(std::find(list->begin(), list->end(), nick));
            }
            return Matcher::Result::PartlyConsumed;
        };
    } else if (kind == "message") {
        needPositional(1);
        const std::string room = roomArg(positional[0]);
        Options wanted = options;
        for (const auto& [key, value] : wanted) {
            static const std::set<std::string> known{"from", "text", "seq", "id",
                                                     "kind", "to",   "away"};
            if (known.count(key) == 0) {
                throw std::invalid_argument("expect message: unknown key " + key);
            }
        }
        matcher.match = [room, wanted](Frame& frame) {
            if (!frame.envelope.has_message()) {
                return Matcher::Result::NoMatch;
            }
            const auto& message = frame.envelope.message();
            bool ok = message.room() == room;
            for (const auto& [key, value] : wanted) {
                if (key == "from") {
                    ok = ok && message.from() == value;
                } else if (key == "text") {
                    ok = ok && message.text() == value;
                } else if (key == "seq") {
                    ok = ok && message.seq() == number(value, "seq");
                } else if (key == "id") {
                    ok = ok && message.client_msg_id() == number(value, "id");
                } else if (key == "to") {
                    ok = ok && message.to() == value;
                } else if (key == "away") {
                    ok = ok && message.away() == value;
                } else if (key == "kind") {
                    ok = ok &&
                         v1::MessageKind_Name(message.kind()) == "MESSAGE_KIND_" + upper(value);
                }
            }
            return whole(ok);
        };
    } else if (kind == "members") {
        needPositional(1);
        const std::string room = positional[0];
        std::multiset<std::string> nicks(positional.begin() + 1, positional.end());
        // away=a,b: exactly these members are marked away (away= : none).
        std::optional<std::multiset<std::string>> away;
        if (const auto* text = option("away")) {
            const auto list = commaList(*text);
            away.emplace(list.begin(), list.end());
        }
        matcher.match = [room, nicks, away](Frame& frame) {
            if (!frame.envelope.has_members()) {
                return Matcher::Result::NoMatch;
            }
            const auto& members = frame.envelope.members();
            const std::multiset<std::string> got(members.nicks().begin(), members.nicks().end());
            const std::multiset<std::string> gotAway(members.away().begin(), members.away().end());
            return whole(members.room() == room && got == nicks && (!away || gotAway == *away));
        };
    } else if (kind == "topic") {
        needPositional(1);
        const std::string room = positional[0];
        const std::string* text = option("text");
        const std::string* by = option("by");
        std::optional<std::string> wantText = text ? std::optional(*text) : std::nullopt;
        std::optional<std::string> wantBy = by ? std::optional(*by) : std::nullopt;
        matcher.match = [room, wantText, wantBy](Frame& frame) {
            if (!frame.envelope.has_topic()) {
                return Matcher::Result::NoMatch;
            }
            const auto& topic = frame.envelope.topic();
            return whole(topic.room() == room && (!wantText || topic.text() == *wantText) &&
                         (!wantBy || topic.set_by() == *wantBy));
        };
    } else if (kind == "history") {
        needPositional(1);
        const std::string room = positional[0];
        Options wanted = options;
        for (const auto& [key, value] : wanted) {
            static const std::set<std::string> known{"backlog", "count", "first", "last",
                                                     "more",    "gap",   "head"};
            if (known.count(key) == 0) {
                throw std::invalid_argument("expect history: unknown key " + key);
            }
        }
        matcher.match = [room, wanted](Frame& frame) {
            if (!frame.envelope.has_history_page()) {
                return Matcher::Result::NoMatch;
            }
            const auto& page = frame.envelope.history_page();
            bool ok = page.room() == room;
            // Pages must be in ascending, gapless seq order whatever is asked.
            for (int i = 1; i < page.messages_size(); ++i) {
                ok = ok && page.messages(i).seq() == page.messages(i - 1).seq() + 1;
            }
            for (const auto& [key, value] : wanted) {
                if (key == "backlog") {
                    ok = ok && page.backlog() == boolean(value, "backlog");
                } else if (key == "more") {
                    ok = ok && page.has_more() == boolean(value, "more");
                } else if (key == "count") {
                    ok = ok &&
                         static_cast<std::uint64_t>(page.messages_size()) == number(value, "count");
                } else if (key == "first") {
                    ok = ok && page.messages_size() > 0 &&
                         page.messages(0).seq() == number(value, "first");
                } else if (key == "last") {
                    ok = ok && page.messages_size() > 0 &&
                         page.messages(page.messages_size() - 1).seq() == number(value, "last");
                } else if (key == "head") {
                    ok = ok && page.head_seq() == number(value, "head");
                } else if (key == "gap") {
                    if (value == "none") {
                        ok = ok && !page.has_gap();
                    } else {
                        const auto dash = value.find('-');
                        if (dash == std::string::npos) {
                            throw std::invalid_argument("gap=FIRST-LAST or gap=none");
                        }
                        ok = ok && page.has_gap() &&
                             page.gap().first_seq() == number(value.substr(0, dash), "gap") &&
                             page.gap().last_seq() == number(value.substr(dash + 1), "gap");
                    }
                }
            }
            return whole(ok);
        };
    } else if (kind == "whois") {
        // whois NICK [rooms=a,b] [away=T] [client=C] [idle<=MS]
        needPositional(1);
        const std::string nick = positional[0];
        Options wanted = options;
        for (const auto& [key, value] : wanted) {
            static const std::set<std::string> known{"rooms", "away", "client", "idle<"};
            if (known.count(key) == 0) {
                throw std::invalid_argument("expect whois: unknown key " + key);
            }
        }
        matcher.match = [nick, wanted](Frame& frame) {
            if (!frame.envelope.has_whois_reply()) {
                return Matcher::Result::NoMatch;
            }
            const auto& reply = frame.envelope.whois_reply();
            bool ok = reply.nick() == nick;
            for (const auto& [key, value] : wanted) {
                if (key == "rooms") {
                    ok = ok && std::vector<std::string>(reply.rooms().begin(),
                                                        reply.rooms().end()) == commaList(value);
                } else if (key == "away") {
                    ok = ok && reply.away() == value;
                } else if (key == "client") {
                    ok = ok && reply.client_name() == value;
                } else if (key == "idle<") {
                    ok = ok && reply.idle_ms() <= number(value, "idle<=");
                }
            }
            return whole(ok);
        };
    } else if (kind == "bye") {
        std::optional<std::string> reason;
        if (const auto* text = option("reason")) {
            reason = "BYE_REASON_" + upper(*text);
        }
        matcher.match = [reason](Frame& frame) {
            return whole(frame.envelope.has_bye() &&
                         (!reason || v1::ByeReason_Name(frame.envelope.bye().reason()) == *reason));
        };
    } else if (kind == "ping" || kind == "pong") {
        const bool ping = kind == "ping";
        matcher.match = [ping](Frame& frame) {
            return whole(ping ? frame.envelope.has_ping() : frame.envelope.has_pong());
        };
    } else if (kind == "stats") {
        // stats clients=N disconnects.REASON=N
        matcher.match = [options](Frame& frame) {
            if (!frame.envelope.has_stats()) {
                return Matcher::Result::NoMatch;
            }
            const auto& stats = frame.envelope.stats();
            bool ok = true;
            for (const auto& [key, value] : options) {
                if (key == "clients") {
                    ok = ok && stats.clients() == number(value, key);
                } else if (key == "rooms") {
                    ok = ok && stats.rooms() == number(value, key);
                } else if (key.starts_with("disconnects.")) {
                    const auto found = stats.disconnects().find(key.substr(12));
                    const std::uint64_t count =
                        found == stats.disconnects().end() ? 0 : found->second;
                    ok = ok && count == number(value, key);
                } else {
                    throw std::invalid_argument("expect stats: unknown key " + key);
                }
            }
            return whole(ok);
        };
    } else if (kind == "rooms") {
        // rooms a b c: the RoomList names, in order.
        const std::vector<std::string> names = positional;
        matcher.match = [names](Frame& frame) {
            if (!frame.envelope.has_room_list()) {
                return Matcher::Result::NoMatch;
            }
            std::vector<std::string> got;
            for (const auto& room : frame.envelope.room_list().rooms()) {
                got.push_back(room.name());
            }
            return whole(got == names);
        };
    } else {
        throw std::invalid_argument("cannot expect \"" + kind + "\"");
    }
    return matcher;
}

}  // namespace

std::vector<Word> splitWords(const std::string& line) {
    std::vector<Word> words;
    std::size_t i = 0;
    const auto size = line.size();
    while (i < size) {
        while (i < size && std::isspace(static_cast<unsigned char>(line[i])) != 0) {
            ++i;
        }
        if (i == size || line[i] == '#') {
            break;
        }
        Word word;
        bool quoted = false;
        bool sawQuote = false;
        while (i < size && (quoted || std::isspace(static_cast<unsigned char>(line[i])) == 0)) {
            const char c = line[i++];
            if (c == '"') {
                quoted = !quoted;
                sawQuote = true;
                continue;
            }
            if (!quoted && !sawQuote && c == '=' && word.key.empty() && !word.text.empty()) {
                word.key = word.text;
                word.text.clear();
                continue;
            }
            if (quoted && c == '\\') {
                if (i == size) {
                    throw std::invalid_argument("a backslash ends the line");
                }
                const char escaped = line[i++];
                switch (escaped) {
                    case 'n':
                        word.text.push_back('\n');
                        break;
                    case 't':
                        word.text.push_back('\t');
                        break;
                    case 'r':
                        word.text.push_back('\r');
                        break;
                    case 'x': {
                        if (i + 2 > size) {
                            throw std::invalid_argument("\\x needs two hex digits");
                        }
                        word.text += hexToBytes(line.substr(i, 2));
                        i += 2;
                        break;
                    }
                    default:
                        word.text.push_back(escaped);
                }
                continue;
            }
            word.text.push_back(c);
        }
        if (quoted) {
            throw std::invalid_argument("unterminated quote");
        }
        words.push_back(std::move(word));
    }
    return words;
}

Scenario Scenario::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot open scenario " + path);
    }
    Scenario scenario;
    scenario.path_ = path;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        try {
            auto words = splitWords(line);
            if (!words.empty()) {
                scenario.steps_.push_back(Step{number, line, std::move(words)});
            }
        } catch (const std::exception& error) {
            throw std::runtime_error(path + ":" + std::to_string(number) + ": " + error.what());
        }
    }
    return scenario;
}

bool Scenario::run(std::ostream& out) {
    const auto started = Clock::now();
    for (const auto& step : steps_) {
        const auto stepStart = Clock::now();
        try {
            execute(step);
        } catch (const std::exception& error) {
            out << path_ << ":" << step.line << ": FAILED: " << step.source << "\n  "
                << error.what() << "\n";
            for (const auto& [name, client] : clients_) {
                out << "client " << name << " (closed by hub: "
                    << (client->closedByPeer() ? client->closeReason() : "no")
                    << "), frames not yet expected:\n"
                    << client->inboxSummary();
            }
            clients_.clear();
            if (hub_) {
                hub_->markFailed();
                hub_.reset();  // prints the hub's log tail
            }
            return false;
        }
        const auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stepStart);
        out << "  ok " << step.line << ": " << step.source << "  (" << took.count() << " ms)\n";
    }
    clients_.clear();
    if (hub_) {
        const auto status = hub_->stop();
        if (!status.clean()) {
            hub_->markFailed();
            out << path_ << ": FAILED: hermesd did not exit cleanly on SIGTERM (code "
                << status.code << ", signal " << status.signal << ")\n";
            hub_.reset();
            return false;
        }
        hub_.reset();
    }
    out << path_ << ": passed " << steps_.size() << " steps in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
        << " ms\n";
    return true;
}

RawClient& Scenario::client(const std::string& name) {
    auto found = clients_.find(name);
    if (found == clients_.end()) {
        throw std::invalid_argument("no client named " + name + " (connect it first)");
    }
    return *found->second;
}

void Scenario::execute(const Step& step) {
    std::vector<Word> words = step.words;
    // A trailing "within T" sets the deadline of a waiting step.
    std::chrono::milliseconds wait = kDefaultWait;
    if (words.size() >= 2 && words[words.size() - 2].text == "within" &&
        !words[words.size() - 2].hasKey()) {
        wait = duration(words.back().text);
        words.resize(words.size() - 2);
    }
    const Deadline deadline = after(wait);
    const std::string& command = words[0].text;
    auto arg = [&words, &command](std::size_t index) -> const std::string& {
        if (index >= words.size()) {
            throw std::invalid_argument(command + ": missing argument " + std::to_string(index));
        }
        return words[index].text;
    };
    auto keyed = [&words](const std::string& key) -> std::optional<std::string> {
        for (const auto& word : words) {
            if (word.key == key) {
                return word.text;
            }
        }
        return std::nullopt;
    };
    auto nextId = [this](const std::string& name) { return ++nextMsgId_[name]; };

    if (command == "hub") {
        if (hub_) {
            throw std::invalid_argument("one hub per scenario");
        }
        HubProcess::Settings settings;
        for (std::size_t i = 1; i < words.size(); ++i) {
            if (!words[i].hasKey()) {
                throw std::invalid_argument("hub takes key=value settings, not " + words[i].text);
            }
            settings[words[i].key] = words[i].text;
        }
        hub_ = std::make_unique<HubProcess>(settings);
    } else if (command == "connect" || command == "connect-raw") {
        if (!hub_) {
            throw std::invalid_argument("start the hub first");
        }
        const std::string& name = arg(1);
        if (clients_.count(name) != 0 && !clients_[name]->closedByPeer()) {
            throw std::invalid_argument("client " + name + " is already connected");
        }
        auto connection = std::make_unique<RawClient>(hub_->port(), name);
        if (command == "connect") {
            connection->send(helloEnvelope(keyed("nick").value_or(name)));
        }
        clients_[name] = std::move(connection);
    } else if (command == "hello") {
        client(arg(1)).send(helloEnvelope(arg(2)));
    } else if (command == "join") {
        const bool skip = words.size() > 3 && arg(3) == "skip_backlog";
        client(arg(1)).send(joinEnvelope(arg(2), skip));
    } else if (command == "leave") {
        client(arg(1)).send(leaveEnvelope(arg(2), keyed("reason").value_or("")));
    } else if (command == "say") {
        const auto id = keyed("id") ? number(*keyed("id"), "id") : nextId(arg(1));
        client(arg(1)).send(sayEnvelope(arg(2), arg(3), id));
    } else if (command == "say-many") {
        // say-many NAME ROOM COUNT PREFIX: texts PREFIX1 .. PREFIXCOUNT.
        const auto count = number(arg(3), "count");
        if (count > 100'000) {
            throw std::invalid_argument("say-many: at most 100000");
        }
        std::string frames;
        for (std::uint64_t i = 1; i <= count; ++i) {
            frames += frameOf(sayEnvelope(arg(2), arg(4) + std::to_string(i), nextId(arg(1))));
        }
        client(arg(1)).sendBytes(frames);
    } else if (command == "msg") {
        const auto id = keyed("id") ? number(*keyed("id"), "id") : nextId(arg(1));
        client(arg(1)).send(privateEnvelope(arg(2), arg(3), id));
    } else if (command == "topic") {
        client(arg(1)).send(topicEnvelope(arg(2), arg(3)));
    } else if (command == "nick") {
        client(arg(1)).send(setNickEnvelope(arg(2)));
    } else if (command == "history") {
        const auto afterSeq = number(keyed("after").value_or("0"), "after");
        const auto limit = number(keyed("limit").value_or("0"), "limit");
        client(arg(1)).send(historyEnvelope(arg(2), afterSeq, static_cast<std::uint32_t>(limit)));
    } else if (command == "who") {
        v1::Envelope envelope;
        envelope.mutable_who()->set_room(arg(2));
        client(arg(1)).send(envelope);
    } else if (command == "rooms") {
        v1::Envelope envelope;
        envelope.mutable_room_list_request();
        client(arg(1)).send(envelope);
    } else if (command == "stats") {
        client(arg(1)).send(statsRequestEnvelope());
    } else if (command == "whois") {
        client(arg(1)).send(whoisEnvelope(arg(2)));
    } else if (command == "away") {
        client(arg(1)).send(setAwayEnvelope(words.size() > 2 ? arg(2) : ""));
    } else if (command == "quit") {
        client(arg(1)).send(byeEnvelope(words.size() > 2 ? arg(2) : ""));
    } else if (command == "send-hex") {
        std::string hex;
        for (std::size_t i = 2; i < words.size(); ++i) {
            hex += words[i].text + " ";
        }
        client(arg(1)).sendBytes(hexToBytes(hex));
    } else if (command == "cut") {
        client(arg(1)).abort();
    } else if (command == "close") {
        client(arg(1)).close();
    } else if (command == "shutdown") {
        client(arg(1)).shutdownWrite();
    } else if (command == "sync") {
        client(arg(1)).sync(deadline);
    } else if (command == "clear") {
        client(arg(1)).inbox().clear();
    } else if (command == "expect") {
        expect(step, false);
    } else if (command == "expect-no") {
        expect(step, true);
    } else if (command == "expect-closed") {
        RawClient& who = client(arg(1));
        if (!who.waitClosed(deadline)) {
            throw ExpectationFailed(who.name() + ": still connected after " +
                                    std::to_string(wait.count()) + " ms");
        }
    } else if (command == "hub-stop") {
        // hub-stop [code=N] within T: SIGTERM, the hub must exit in time.
        if (!hub_) {
            throw std::invalid_argument("no hub");
        }
        hub_->signal(SIGTERM);
        const auto status = hub_->waitExit(wait);
        if (!status) {
            throw ExpectationFailed("hermesd still running " + std::to_string(wait.count()) +
                                    " ms after SIGTERM");
        }
        const auto code = number(keyed("code").value_or("0"), "code");
        if (!status->exited || static_cast<std::uint64_t>(status->code) != code) {
            throw ExpectationFailed("hermesd ended with code " + std::to_string(status->code) +
                                    " signal " + std::to_string(status->signal) +
                                    ", expected exit code " + std::to_string(code));
        }
    } else {
        throw std::invalid_argument("unknown step \"" + command + "\"");
    }
}

void Scenario::expect(const Step& step, bool negate) {
    std::vector<Word> words = step.words;
    std::chrono::milliseconds wait = kDefaultWait;
    if (words.size() >= 2 && words[words.size() - 2].text == "within") {
        wait = duration(words.back().text);
        words.resize(words.size() - 2);
    }
    if (words.size() < 3) {
        throw std::invalid_argument("expect NAME WHAT ...");
    }
    RawClient& who = client(words[1].text);
    const Matcher matcher =
        makeMatcher(std::vector<Word>(words.begin() + 2, words.end()), step.source);
    const Deadline deadline = after(wait);
    auto& inbox = who.inbox();

    if (negate) {
        // Complete the inbox up to now, then nothing may match.
        who.sync(deadline);
        for (auto& frame : inbox) {
            Frame copy = frame;
            if (matcher.match(copy) != Matcher::Result::NoMatch) {
                throw ExpectationFailed(
                    who.name() + ": received what must not come: " + describe(frame.envelope));
            }
        }
        return;
    }

    std::size_t checked = 0;
    for (;;) {
        for (; checked < inbox.size(); ++checked) {
            const auto result = matcher.match(inbox[checked]);
            if (result == Matcher::Result::Consumed) {
                inbox.erase(inbox.begin() + static_cast<std::ptrdiff_t>(checked));
                return;
            }
            if (result == Matcher::Result::PartlyConsumed) {
                return;
            }
        }
        if (!who.readSome(deadline) && checked == inbox.size()) {
            throw ExpectationFailed(
                who.name() + ": no match within " + std::to_string(wait.count()) + " ms" +
                (who.closedByPeer() ? " (connection closed: " + who.closeReason() + ")" : ""));
        }
    }
}

}  // namespace hermes::it
