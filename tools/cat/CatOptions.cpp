#include "CatOptions.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "hermes/cli/CommandLine.hpp"
#include "hermes/protocol/FileRules.hpp"
#include "hermes/protocol/Validation.hpp"
#include "hermes/tls/Fingerprint.hpp"

namespace hermes::cat {

namespace {

hermes::cli::CommandLine commandLine() {
    using Poco::Util::Option;
    hermes::cli::CommandLine line("hermes-cat");
    line.add(Option("host", "",
                    "hub address (127.0.0.1); for a cluster, several, tried in turn when one "
                    "fails: a:7070,b:7071 (or --host repeated); a hub without :PORT has --port")
                 .argument("H"))
        .add(Option("port", "", "hub port (7070)").argument("P"))
        .add(Option("nick", "", "nick to ask for (required)").argument("NICK"))
        .add(Option("tls", "",
                    "connect with TLS (the hub's tls.enabled); its certificate must be in "
                    "known_hubs ($XDG_DATA_HOME/hermes/known_hubs) or named by "
                    "--trust-fingerprint"))
        .add(Option("trust-fingerprint", "",
                    "with --tls: trust a hub not yet in known_hubs if its certificate has this "
                    "fingerprint (SHA256:AB:CD:..., as hermesd logs it), and record it there")
                 .argument("FP"))
        .add(Option("room", "", "room to join and talk in (required)").argument("ROOM"))
        .add(Option(
            "json", "",
            "one JSON object a line instead of plain text:\n"
            "  {\"type\":\"message\",\"room\",\"seq\",\"epoch\",\"time\",\"time_ms\",\n"
            "   \"from\",\"kind\",\"text\"[,\"to\"][,\"backlog\"][,\"private_seq\"]\n"
            "   [,\"waited\"][,\"offline\"][,\"peer\"]}\n"
            "  {\"type\":\"presence\",\"room\",\"kind\",\"nicks\"[,\"new_nick\",\"reason\"]}\n"
            "  {\"type\":\"members\",\"room\",\"nicks\"}  {\"type\":\"topic\",...}\n"
            "  {\"type\":\"error\",\"code\",\"text\",\"client_msg_id\",\"room\",\"fatal\"}\n"
            "  {\"type\":\"bye\",\"reason\",\"text\"}\n"
            "  "
            "{\"type\":\"read_markers\",\"markers\":[{\"room\"|\"peer\",\"seq\"}],\"all\","
            "\"durable\"}\n"
            "  with --typing: {\"type\":\"typing\",\"room\",\"from\",\"stopped\",\"expires_ms\"}"))
        .add(Option("typing", "",
                    "with --json: also print typing notices (others typing in the room or to "
                    "you); off by default"))
        .add(Option("follow", "",
                    "after the end of input, stay connected and keep printing until "
                    "SIGINT/SIGTERM or the hub closes"))
        .add(Option("backlog", "", "also print the room's recent messages sent on join"))
        .add(Option("to", "",
                    "send the lines to NICK as private messages instead of to the room (to a "
                    "registered nick that is offline, they wait for its next sign-in when you "
                    "are signed in to your account)")
                 .argument("NICK"))
        .add(Option("private-history", "",
                    "after joining, print your private conversation with NICK (oldest first; "
                    "needs --password-file: only an account's own conversations are served), "
                    "then go on with the input")
                 .argument("NICK"))
        .add(Option("timeout", "",
                    "seconds allowed to connect and join, and, after the end of input, without "
                    "any line echoed before giving up (10)")
                 .argument("S"))
        .add(Option("password-file", "",
                    "the nick's password (a registered nick): the first line of FILE "
                    "(default: $HERMES_PASSWORD)")
                 .argument("FILE"))
        .add(Option("hub-password-file", "",
                    "the hub's password (hub.password): the first line of FILE "
                    "(default: $HERMES_HUB_PASSWORD)")
                 .argument("FILE"))
        .add(Option("upload", "",
                    "share the file PATH in --room instead of reading standard input; exits "
                    "0 once the hub announced it (its FILE message is printed), 8 if refused")
                 .argument("PATH"))
        .add(Option("name", "", "with --upload: the name it is shared as (default: its base name)")
                 .argument("NAME"))
        .add(Option("download", "",
                    "fetch a file shared in --room, named by the seq of its FILE message or by "
                    "its SHA-256, to --output; a cut download is resumed from PATH.part; the "
                    "hash is checked on arrival (exit 8 on a mismatch or a refusal)")
                 .argument("SEQ|SHA256"))
        .add(Option("output", "",
                    "with --download: where to write (default: the SEQ or SHA256 given)")
                 .argument("PATH"))
        .add(Option("discover", "",
                    "list the hubs that announce themselves on the LAN (DNS-SD _hermes._tcp, "
                    "through avahi-daemon), one a line: name, address, port, tls|plain, "
                    "fingerprint (- when none); with --json one object a line; then exit. "
                    "Needs no --nick or --room"))
        .add(Option("discover-time", "", "with --discover: seconds to wait for answers (2)")
                 .argument("S"))
        .add(Option("version", "", "print the version and exit"))
        .add(Option("help", "h", "print this help and exit"));
    return line;
}

std::uint16_t toPort(const std::string& v) {
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
    return static_cast<std::uint16_t>(port);
}

std::chrono::milliseconds toSeconds(const std::string& option, const std::string& v) {
    std::size_t used = 0;
    double s = -1;
    try {
        s = std::stod(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || !std::isfinite(s) || s <= 0 || s > 86400) {
        throw std::invalid_argument(option + " wants seconds in (0, 86400], not '" + v + "'");
    }
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

// The first line of `path`, without its line end: a password kept out of
// argv (and so out of `ps`).
std::string firstLine(const std::string& option, const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::invalid_argument(option + ": cannot read " + path);
    }
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    if (line.empty()) {
        throw std::invalid_argument(option + ": " + path + " has no password on its first line");
    }
    return line;
}

std::string fromEnvironment(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::string catUsage() {
    return commandLine().help(
        "--nick NICK --room ROOM [--host H] [--port P] [options]",
        R"(A scriptable Hermes client, in the spirit of netcat. Joins ROOM, sends each
line of standard input to it as a message ("/me text" as an action; empty
lines are skipped), and prints every message, presence and error it receives.
Input commands name a room message by its seq N (the "seq" of --json):
"/reply N text", "/edit N text" (your own message), "/delete N" (yours, or
any as an operator), "/react N EMOJI" and "/unreact N EMOJI"; one without
its N or text is refused and not sent (exit 6).
Lines go at the hub's rate limit (5 a second on the shipped config), so no
pipe is cut for flooding; a slow one shows its progress on standard error.
A line counts as sent when its own echo comes back from the hub.)",
        R"(Plain output: "[HH:MM:SS] <nick> text", "* nick action", "-- ana joined",
"<bob> (re 12) text" (a reply), "-- bob edited 12: text", "-- ana deleted 12",
"-- bob reacted R to 12", "-- bob removed R from 12"; errors go to standard
error. --json: one object a line; a message has room, seq, epoch, time,
time_ms, from, kind (text, action, notice, edit, delete, react, unreact),
text, and when set to, reply_to, target_seq, reaction, backlog.

Passwords: a registered nick's password and a private hub's password are
read from a file (--password-file, --hub-password-file) or the environment
(HERMES_PASSWORD, HERMES_HUB_PASSWORD), never from the command line.

Exit codes:
  0  every line was echoed by the hub (with --follow: ended by a signal or
     by the hub, with every line echoed); --discover: the list was printed,
     even an empty one (then "no hub answered" on standard error)
  2  bad options, or (--tls) a hub whose certificate known_hubs does not
     vouch for: a new hub (its fingerprint is shown; see --trust-fingerprint)
     or a changed certificate
  3  could not connect, complete the handshake (e.g. nick taken) or join
     within --timeout; --discover: avahi-daemon could not be reached
  4  after the end of input, --timeout passed with lines not echoed and
     none echoed meanwhile
  5  the hub closed the connection before every line was echoed (with
     a hub list, --host a,b: only during --upload or --download; otherwise
     hermes-cat moves to the next hub)
  6  the hub refused some lines with an error (e.g. INVALID_TEXT)
  7  interrupted by SIGINT/SIGTERM before every line was echoed
  8  --upload or --download refused by the hub (e.g. FILE_TOO_LARGE,
     FILE_QUOTA, NO_SUCH_FILE) or failed (the hash did not match))");
}

std::string catVersion() {
    return "hermes-cat " HERMES_VERSION;
}

std::optional<CatOptions> parseCatOptions(const std::vector<std::string>& args) {
    CatOptions o;
    bool help = false;
    std::string hosts;  // every --host, joined: one hub or a list
    commandLine().parse(args, [&](const std::string& name, const std::string& value) {
        if (name == "help") {
            help = true;
            return false;
        }
        if (name == "version") {
            o = CatOptions{};
            o.version = true;
            return false;
        }
        if (name == "host") {
            hosts += (hosts.empty() ? "" : ",") + value;
        } else if (name == "port") {
            o.port = toPort(value);
        } else if (name == "nick") {
            o.nick = value;
        } else if (name == "room") {
            o.room = value;
        } else if (name == "tls") {
            o.tls = true;
        } else if (name == "trust-fingerprint") {
            if (!hermes::tls::isFingerprint(value)) {
                throw std::invalid_argument(
                    "--trust-fingerprint wants SHA256: and 32 hex pairs separated by colons, "
                    "as hermesd logs it, not '" +
                    value + "'");
            }
            o.trustFingerprint = hermes::tls::normalizeFingerprint(value);
        } else if (name == "json") {
            o.json = true;
        } else if (name == "follow") {
            o.follow = true;
        } else if (name == "backlog") {
            o.backlog = true;
        } else if (name == "to") {
            o.to = value;
        } else if (name == "private-history") {
            o.privateHistory = value;
        } else if (name == "typing") {
            o.typing = true;
        } else if (name == "timeout") {
            o.timeout = toSeconds("--timeout", value);
        } else if (name == "discover") {
            o.discover = true;
        } else if (name == "discover-time") {
            o.discoverTime = toSeconds("--discover-time", value);
        } else if (name == "password-file") {
            o.password = firstLine("--password-file", value);
        } else if (name == "upload") {
            o.upload = value;
        } else if (name == "name") {
            o.uploadName = value;
        } else if (name == "download") {
            o.download = value;
        } else if (name == "output") {
            o.output = value;
        } else if (name == "hub-password-file") {
            o.hubPassword = firstLine("--hub-password-file", value);
        }
        return true;
    });
    if (help) {
        return std::nullopt;
    }
    if (o.version || o.discover) {
        return o;
    }
    if (!hosts.empty()) {
        const auto hubs = hermes::client::parseHubList(hosts, o.port);
        o.host = hubs.front().host;
        o.port = hubs.front().port;
        o.moreHubs.assign(hubs.begin() + 1, hubs.end());
    }
    if (o.password.empty()) {
        o.password = fromEnvironment("HERMES_PASSWORD");
    }
    if (o.hubPassword.empty()) {
        o.hubPassword = fromEnvironment("HERMES_HUB_PASSWORD");
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
    if (!o.upload.empty() && !o.download.empty()) {
        throw std::invalid_argument("--upload and --download go one at a time");
    }
    if (!o.download.empty() && o.download.find_first_not_of("0123456789") != std::string::npos &&
        !hermes::protocol::isSha256Hex(o.download)) {
        throw std::invalid_argument("--download wants a seq or 64 lowercase hex digits, not '" +
                                    o.download + "'");
    }
    for (const auto& [option, nick] : {std::pair<const char*, const std::string&>{"--to", o.to},
                                       {"--private-history", o.privateHistory}}) {
        if (!nick.empty()) {
            if (auto error = hermes::protocol::checkNick(nick)) {
                throw std::invalid_argument(std::string(option) + ": " + error->text);
            }
        }
    }
    if (!o.trustFingerprint.empty() && !o.tls) {
        throw std::invalid_argument("--trust-fingerprint goes with --tls");
    }
    o.room = hermes::protocol::canonicalRoom(o.room);
    return o;
}

}  // namespace hermes::cat
