#include "CatOptions.hpp"

#include <cmath>
#include <stdexcept>

#include "hermes/protocol/Validation.hpp"

namespace hermes::cat {

std::string catUsage() {
    return R"(usage: hermes-cat --nick NICK --room ROOM [--host H] [--port P] [options]
A scriptable Hermes client, in the spirit of netcat. Joins ROOM, sends each
line of standard input to it as a message ("/me text" as an action; empty
lines are skipped), and prints every message, presence and error it receives.
Lines go at the hub's rate limit (5 a second on the shipped config), so no
pipe is cut for flooding; a slow one shows its progress on standard error.
A line counts as sent when its own echo comes back from the hub.

  --host H       hub address (127.0.0.1)
  --port P       hub port (7070)
  --nick NICK    nick to ask for (required)
  --room ROOM    room to join and talk in (required)
  --json         one JSON object a line instead of plain text:
                   {"type":"message","room","seq","epoch","time","time_ms",
                    "from","kind","text"[,"to"][,"backlog"]}
                   {"type":"presence","room","kind","nicks"[,"new_nick","reason"]}
                   {"type":"members","room","nicks"}  {"type":"topic",...}
                   {"type":"error","code","text","client_msg_id","room","fatal"}
                   {"type":"bye","reason","text"}
  --follow       after the end of input, stay connected and keep printing
                 until SIGINT/SIGTERM or the hub closes
  --backlog      also print the room's recent messages sent on join
  --timeout S    seconds allowed to connect and join, and, after the end of
                 input, without any line echoed before giving up (10)
  --version      print the version
  -h, --help     this text

Plain output: "[HH:MM:SS] <nick> text", "* nick action", "-- ana joined";
errors go to standard error.

Exit codes:
  0  every line was echoed by the hub (with --follow: ended by a signal or
     by the hub, with every line echoed)
  2  bad options
  3  could not connect, complete the handshake (e.g. nick taken) or join
     within --timeout
  4  after the end of input, --timeout passed with lines not echoed and
     none echoed meanwhile
  5  the hub closed the connection before every line was echoed
  6  the hub refused some lines with an error (e.g. INVALID_TEXT)
  7  interrupted by SIGINT/SIGTERM before every line was echoed
)";
}

std::string catVersion() {
    return "hermes-cat " HERMES_VERSION;
}

std::optional<CatOptions> parseCatOptions(const std::vector<std::string>& args) {
    CatOptions o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
                throw std::invalid_argument("missing value for " + a);
            }
            return args[++i];
        };
        if (a == "-h" || a == "--help") {
            return std::nullopt;
        } else if (a == "--version") {
            CatOptions v;
            v.version = true;
            return v;
        } else if (a == "--host") {
            o.host = value();
        } else if (a == "--port") {
            const std::string& v = value();
            std::size_t used = 0;
            long port = -1;
            try {
                port = std::stol(v, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != v.size() || port < 1 || port > 65535) {
                throw std::invalid_argument("--port wants 1..65535, not '" + v + "'");
            }
            o.port = static_cast<std::uint16_t>(port);
        } else if (a == "--nick") {
            o.nick = value();
        } else if (a == "--room") {
            o.room = value();
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--follow") {
            o.follow = true;
        } else if (a == "--backlog") {
            o.backlog = true;
        } else if (a == "--timeout") {
            const std::string& v = value();
            std::size_t used = 0;
            double s = -1;
            try {
                s = std::stod(v, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != v.size() || !std::isfinite(s) || s <= 0 || s > 86400) {
                throw std::invalid_argument("--timeout wants seconds in (0, 86400], not '" + v +
                                            "'");
            }
            o.timeout = std::chrono::milliseconds(static_cast<long long>(s * 1000));
        } else {
            throw std::invalid_argument("unknown option '" + a + "' (see --help)");
        }
    }
    if (o.nick.empty() || o.room.empty()) {
        throw std::invalid_argument("--nick and --room are required (see --help)");
    }
    if (auto error = hermes::protocol::checkNick(o.nick)) {
        throw std::invalid_argument("--nick: " + error->text);
    }
    if (auto error = hermes::protocol::checkRoom(o.room)) {
        throw std::invalid_argument("--room: " + error->text);
    }
    o.room = hermes::protocol::canonicalRoom(o.room);
    return o;
}

}  // namespace hermes::cat
