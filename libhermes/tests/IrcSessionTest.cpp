#define BOOST_TEST_MODULE IrcSessionTest
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/irc/IrcSession.hpp"

// The translator with no socket: IRC lines in, Hermes frames out; hub
// Envelopes in, IRC lines out (docs/IRC.md).

using hermes::irc::IrcSession;
using hermes::v1::Envelope;

namespace {

struct Fixture {
    explicit Fixture(std::size_t joinPlayback = 50)
        : session{[joinPlayback] {
              hermes::irc::IrcSessionSettings settings;
              settings.serverName = "hub";
              settings.peer = "127.0.0.1:5000";
              settings.msgIdBase = 1000;
              settings.joinPlayback = joinPlayback;
              return settings;
          }()} {}
    IrcSession session;
    std::vector<Envelope> toHub;
    std::string toClient;
    IrcSession::Input last;

    // Sends client bytes; the frames for the hub are decoded into toHub.
    void client(const std::string& bytes) {
        std::string frames;
        last = session.receive(bytes, std::chrono::steady_clock::now(), frames, toClient);
        hermes::codec::FrameDecoder decoder(1 << 20);
        decoder.feed(frames);
        Envelope envelope;
        while (decoder.next(envelope)) {
            toHub.push_back(envelope);
        }
        BOOST_REQUIRE(!decoder.failed());
    }
    void hub(const Envelope& envelope) { session.deliver(envelope, toClient); }
    std::string takeClient() {
        std::string out;
        out.swap(toClient);
        return out;
    }

    void registerAs(const std::string& nick) {
        client("NICK " + nick + "\r\nUSER u 0 * :Real Name\r\n");
        BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
        BOOST_REQUIRE(toHub[0].has_hello());
        Envelope welcome;
        welcome.mutable_welcome()->set_nick(nick);
        welcome.mutable_welcome()->set_server_name("hub");
        welcome.mutable_welcome()->set_motd("line one\nline two");
        welcome.mutable_welcome()->mutable_limits()->set_max_nick_bytes(32);
        hub(welcome);
        toHub.clear();
        takeClient();
    }
    void joined(const std::string& room, std::vector<std::string> nicks) {
        Envelope members;
        members.mutable_members()->set_room(room);
        for (const auto& nick : nicks) {
            members.mutable_members()->add_nicks(nick);
        }
        hub(members);
        Envelope presence;
        presence.mutable_presence()->set_room(room);
        presence.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_JOINED);
        presence.mutable_presence()->add_nicks(session.nick());
        hub(presence);
    }
};

Envelope chat(const std::string& room, const std::string& from, const std::string& text,
              std::uint64_t seq, std::uint64_t id = 0,
              hermes::v1::MessageKind kind = hermes::v1::MESSAGE_KIND_TEXT) {
    Envelope envelope;
    auto& message = *envelope.mutable_message();
    message.set_room(room);
    message.set_from(from);
    message.set_text(text);
    message.set_seq(seq);
    message.set_client_msg_id(id);
    message.set_kind(kind);
    message.set_time_ms(1'764'925'200'123);
    return envelope;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

// RFC 2812 3.1: NICK and USER, then the hub's Welcome as 001-005 and the MOTD.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_1_registration, Fixture) {
    client("NICK ana\r\n");
    BOOST_TEST(toHub.empty());
    client("USER ana 0 * :Ana\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].hello().nick() == "ana");
    BOOST_TEST(toHub[0].hello().protocol_version() == 1u);

    Envelope welcome;
    welcome.mutable_welcome()->set_nick("ana");
    welcome.mutable_welcome()->set_server_name("hub");
    welcome.mutable_welcome()->set_motd("hello\nworld");
    hub(welcome);
    const std::string out = takeClient();
    for (const char* code : {" 001 ana ", " 002 ana ", " 003 ana ", " 004 ana ", " 005 ana ",
                             " 375 ana ", " 372 ana :- hello", " 372 ana :- world", " 376 ana "}) {
        BOOST_TEST(contains(out, code), code << " in " << out);
    }
    BOOST_TEST(contains(out, "CASEMAPPING=ascii"));
    BOOST_TEST(session.registered());
}

// IRCv3 CAP LS 302: registration waits for CAP END.
BOOST_FIXTURE_TEST_CASE(ircv3_cap_negotiation, Fixture) {
    client("CAP LS 302\r\nNICK ana\r\nUSER a 0 * :A\r\n");
    BOOST_TEST(toHub.empty());
    BOOST_TEST(contains(takeClient(),
                        ":hub CAP * LS :account-tag away-notify batch draft/chathistory "
                        "draft/multiline=max-bytes=4096,max-lines=15 echo-message message-tags"));
    client("CAP REQ :echo-message server-time\r\n");
    BOOST_TEST(contains(takeClient(), ":hub CAP * ACK :echo-message server-time"));
    client("CAP REQ :account-notify\r\n");
    BOOST_TEST(contains(takeClient(), ":hub CAP * NAK :account-notify"));
    client("CAP END\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].has_hello());
    BOOST_TEST(session.hasCap("echo-message"));
    BOOST_TEST(!session.hasCap("account-notify"));
}

// RFC 2812 3.1.2: a taken nick is 433; the next NICK sends another Hello.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_1_2_nick_in_use, Fixture) {
    client("NICK ana\r\nUSER a 0 * :A\r\n");
    Envelope taken;
    taken.mutable_error()->set_code(hermes::v1::ERROR_CODE_NICK_TAKEN);
    taken.mutable_error()->set_text("nick in use");
    hub(taken);
    BOOST_TEST(contains(takeClient(), ":hub 433 * ana :nick in use"));
    client("NICK ana_\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 2u);
    BOOST_TEST(toHub[1].hello().nick() == "ana_");
}

BOOST_FIXTURE_TEST_CASE(commands_before_registration_get_451, Fixture) {
    client("JOIN #dev\r\n");
    BOOST_TEST(toHub.empty());
    BOOST_TEST(contains(takeClient(), " 451 * :You have not registered"));
}

// RFC 2812 3.2.1: JOIN, then the names (353/366) from the MemberList.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_2_1_join_and_names, Fixture) {
    registerAs("ana");
    client("JOIN #Dev\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].join().room() == "dev");
    BOOST_TEST(toHub[0].join().skip_backlog());
    BOOST_TEST(toHub[0].join().all_presence());  // IRC keeps every nick list exact
    joined("dev", {"bob", "ana"});
    const std::string out = takeClient();
    BOOST_TEST(contains(out,
                        ":ana!ana@hermes JOIN #dev\r\n:hub 353 ana = #dev :bob ana\r\n"
                        ":hub 366 ana #dev :End of /NAMES list.\r\n"));
    // Our own Presence{JOINED} said nothing more; someone else's is a JOIN.
    BOOST_TEST(!contains(out, "JOIN #dev\r\n:ana"));
    Envelope other;
    other.mutable_presence()->set_room("dev");
    other.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_JOINED);
    other.mutable_presence()->add_nicks("cy");
    hub(other);
    BOOST_TEST(takeClient() == ":cy!cy@hermes JOIN #dev\r\n");
}

// RFC 2812 3.3.1: PRIVMSG to a channel; the hub's echo is dropped without echo-message.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_3_1_privmsg_and_echo, Fixture) {
    registerAs("ana");
    joined("dev", {"ana"});
    takeClient();
    client("PRIVMSG #dev :hello all\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    const auto& say = toHub[0].say();
    BOOST_TEST(say.room() == "dev");
    BOOST_TEST(say.text() == "hello all");
    BOOST_TEST(say.client_msg_id() == 1000u);
    hub(chat("dev", "ana", "hello all", 5, say.client_msg_id()));
    BOOST_TEST(takeClient().empty());
    hub(chat("dev", "bob", "hi ana", 6));
    BOOST_TEST(takeClient() == ":bob!bob@hermes PRIVMSG #dev :hi ana\r\n");
}

BOOST_FIXTURE_TEST_CASE(echo_message_and_tags, Fixture) {
    client("CAP REQ :echo-message message-tags server-time\r\nCAP END\r\n");
    registerAs("ana");
    joined("dev", {"ana"});
    takeClient();
    client("PRIVMSG #dev :mine\r\n");
    hub(chat("dev", "ana", "mine", 9, toHub.back().say().client_msg_id()));
    BOOST_TEST(takeClient() ==
               "@time=2025-12-05T09:00:00.123Z;msgid=dev:9;hermes/seq=9 "
               ":ana!ana@hermes PRIVMSG #dev :mine\r\n");
}

// CTCP ACTION is Hermes's ACTION kind, both ways.
BOOST_FIXTURE_TEST_CASE(ctcp_action_both_ways, Fixture) {
    registerAs("ana");
    joined("dev", {"ana"});
    takeClient();
    client(
        "PRIVMSG #dev :\x01"
        "ACTION waves\x01\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].say().kind() == hermes::v1::MESSAGE_KIND_ACTION);
    BOOST_TEST(toHub[0].say().text() == "waves");
    hub(chat("dev", "bob", "dances", 3, 0, hermes::v1::MESSAGE_KIND_ACTION));
    BOOST_TEST(takeClient() ==
               ":bob!bob@hermes PRIVMSG #dev :\x01"
               "ACTION dances\x01\r\n");
}

// A Hermes message too long for one line goes out in pieces of whole characters.
BOOST_FIXTURE_TEST_CASE(long_message_split_in_512_byte_lines, Fixture) {
    registerAs("ana");
    joined("dev", {"ana"});
    takeClient();
    std::string text;
    for (int i = 0; i < 400; ++i) {
        text += "\xC3\xA9";  // é: 800 bytes
    }
    hub(chat("dev", "bob", text, 4));
    const std::string out = takeClient();
    std::string joinedText;
    std::size_t lines = 0;
    for (std::size_t start = 0; start < out.size();) {
        const std::size_t end = out.find("\r\n", start);
        BOOST_REQUIRE(end != std::string::npos);
        const std::string line = out.substr(start, end + 2 - start);
        BOOST_TEST(line.size() <= 512u);
        const std::string head = ":bob!bob@hermes PRIVMSG #dev :";
        BOOST_REQUIRE(line.rfind(head, 0) == 0);
        joinedText += line.substr(head.size(), line.size() - head.size() - 2);
        ++lines;
        start = end + 2;
    }
    BOOST_TEST(lines == 2u);
    BOOST_TEST(joinedText == text);
}

BOOST_FIXTURE_TEST_CASE(unknown_command_is_421, Fixture) {
    registerAs("ana");
    client("FROB x\r\n");
    BOOST_TEST(toHub.empty());
    BOOST_TEST(takeClient() == ":hub 421 ana FROB :Unknown command\r\n");
}

BOOST_FIXTURE_TEST_CASE(invalid_utf8_nul_and_long_lines_refused, Fixture) {
    registerAs("ana");
    joined("dev", {"ana"});
    takeClient();
    client("PRIVMSG #dev :bad \xC3\x28 byte\r\n");
    client(std::string("PRIVMSG #dev :nul\0here\r\n", 24));
    client("PRIVMSG #dev :" + std::string(600, 'x') + "\r\n");
    BOOST_TEST(toHub.empty());
    const std::string out = takeClient();
    BOOST_TEST(contains(out, "FAIL PRIVMSG INVALID_UTF8 "));
    BOOST_TEST(contains(out, "FAIL * INVALID_TEXT :line refused: it contains a NUL byte"));
    BOOST_TEST(contains(out, ":hub 417 ana :Input line was too long"));
    client("PRIVMSG #dev :fine\r\n");
    BOOST_TEST(toHub.size() == 1u);
}

// RFC 2812 3.6.2 WHOIS, from WhoisReply; NO_SUCH_NICK as 401 + 318.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_6_2_whois, Fixture) {
    registerAs("ana");
    client("WHOIS bob\r\n");
    BOOST_REQUIRE(toHub.back().has_whois_request());
    Envelope reply;
    reply.mutable_whois_reply()->set_nick("bob");
    reply.mutable_whois_reply()->add_rooms("dev");
    reply.mutable_whois_reply()->set_away("lunch");
    hub(reply);
    const std::string out = takeClient();
    BOOST_TEST(contains(out, ":hub 311 ana bob bob hermes * :bob\r\n"));
    BOOST_TEST(contains(out, ":hub 319 ana bob :#dev\r\n"));
    BOOST_TEST(contains(out, ":hub 301 ana bob :lunch\r\n"));
    BOOST_TEST(contains(out, ":hub 318 ana bob :End of /WHOIS list.\r\n"));
    // No sign-on time known (another hub's member read from the backplane):
    // no 317, rather than a sign-on in 1970. Known: idle and sign-on in s.
    BOOST_TEST(!contains(out, " 317 "));
    client("WHOIS bob\r\n");
    reply.mutable_whois_reply()->set_signed_on_ms(1'700'000'000'999);
    reply.mutable_whois_reply()->set_idle_ms(65'432);
    hub(reply);
    BOOST_TEST(
        contains(takeClient(), ":hub 317 ana bob 65 1700000000 :seconds idle, signon time\r\n"));
    client("WHOIS nobody\r\n");
    Envelope none;
    none.mutable_error()->set_code(hermes::v1::ERROR_CODE_NO_SUCH_NICK);
    hub(none);
    BOOST_TEST(takeClient() ==
               ":hub 401 ana nobody :No such nick/channel\r\n"
               ":hub 318 ana nobody :End of /WHOIS list.\r\n");
}

// RFC 2812 4.1 AWAY: 306 / 305 from the hub's confirmations.
BOOST_FIXTURE_TEST_CASE(rfc2812_4_1_away, Fixture) {
    registerAs("ana");
    client("AWAY :lunch\r\n");
    BOOST_TEST(toHub.back().set_away().text() == "lunch");
    Envelope away;
    away.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_AWAY);
    away.mutable_presence()->add_nicks("ana");
    hub(away);
    BOOST_TEST(contains(takeClient(), " 306 ana :You have been marked as being away"));
}

// RFC 2812 3.7.2/3.7.3 PING and PONG: through the hub's Ping once registered.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_7_ping_pong, Fixture) {
    client("PING early\r\n");
    BOOST_TEST(takeClient() == ":hub PONG hub :early\r\n");
    registerAs("ana");
    client("PING :tok 1\r\n");
    BOOST_REQUIRE(toHub.back().has_ping());
    Envelope pong;
    pong.mutable_pong()->set_nonce(toHub.back().ping().nonce());
    hub(pong);
    BOOST_TEST(takeClient() == ":hub PONG hub :tok 1\r\n");
    Envelope ping;
    ping.mutable_ping()->set_nonce(77);
    hub(ping);
    BOOST_TEST(takeClient() == "PING :77\r\n");
    client("PONG :77\r\n");
    BOOST_TEST(toHub.back().pong().nonce() == 77u);
}

// One QUIT line for a nick, though each shared room sends its Presence{QUIT}.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_1_7_quit_once_per_nick, Fixture) {
    registerAs("ana");
    for (const char* room : {"a", "b"}) {
        Envelope quit;
        quit.mutable_presence()->set_room(room);
        quit.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_QUIT);
        quit.mutable_presence()->add_nicks("bob");
        quit.mutable_presence()->set_reason("bye");
        hub(quit);
    }
    BOOST_TEST(takeClient() == ":bob!bob@hermes QUIT :Quit: bye\r\n");
}

BOOST_FIXTURE_TEST_CASE(quit_and_farewell, Fixture) {
    registerAs("ana");
    client("QUIT :gone\r\n");
    BOOST_REQUIRE(toHub.back().has_bye());
    BOOST_TEST(toHub.back().bye().text() == "gone");
    session.farewell(hermes::hub::CloseReason::ClientQuit, toClient);
    BOOST_TEST(takeClient() == "ERROR :Closing Link: 127.0.0.1:5000 (Quit: gone)\r\n");
    session.farewell(hermes::hub::CloseReason::Flood, toClient);
    BOOST_TEST(takeClient().empty());  // said once
}

BOOST_AUTO_TEST_CASE(flood_and_slow_consumer_the_irc_way) {
    for (const auto& [cause, text] :
         {std::pair{hermes::hub::CloseReason::Flood, "Excess Flood"},
          std::pair{hermes::hub::CloseReason::SlowConsumer, "SendQ exceeded"}}) {
        IrcSession session{hermes::irc::IrcSessionSettings{}};
        std::string out;
        session.farewell(cause, out);
        BOOST_TEST(out == "ERROR :Closing Link:  (" + std::string(text) + ")\r\n");
    }
    // Lines answered without the hub have a bucket of their own.
    hermes::irc::IrcSessionSettings settings;
    settings.localRatePerSecond = 1;
    settings.localBurst = 3;
    IrcSession session{settings};
    std::string toHub, out;
    const auto now = std::chrono::steady_clock::now();
    const auto input = session.receive("FOO\r\nFOO\r\nFOO\r\nFOO\r\n", now, toHub, out);
    BOOST_TEST(input.close);
    BOOST_TEST(contains(out, "ERROR :Closing Link:  (Excess Flood)\r\n"));
}

// PRIVMSG to many targets: TARGMAX is 4, past it 407 and nothing sent.
BOOST_FIXTURE_TEST_CASE(too_many_targets, Fixture) {
    registerAs("ana");
    client("PRIVMSG a,b,c,d,e :hi\r\n");
    BOOST_TEST(toHub.empty());
    BOOST_TEST(contains(takeClient(), " 407 ana a,b,c,d,e :Too many targets"));
    client("PRIVMSG bob,cy :hi\r\n");
    BOOST_TEST(toHub.size() == 2u);
    BOOST_TEST(toHub[0].private_message().to() == "bob");
}

// IRCv3 draft/chathistory + batch: the backlog on JOIN, and CHATHISTORY
// BEFORE / AFTER / LATEST from HistoryRequest.
BOOST_FIXTURE_TEST_CASE(ircv3_chathistory_backlog_and_requests, Fixture) {
    client("CAP REQ :batch draft/chathistory message-tags\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev\r\n");
    BOOST_REQUIRE(toHub.back().has_join());
    BOOST_TEST(!toHub.back().join().skip_backlog());
    joined("dev", {"ana", "bob"});
    takeClient();
    Envelope backlog;
    auto& page = *backlog.mutable_history_page();
    page.set_room("dev");
    page.set_backlog(true);
    page.set_head_seq(40);
    *page.add_messages() = chat("dev", "bob", "old one", 39).message();
    *page.add_messages() = chat("dev", "ana", "my old one", 40, 1).message();
    hub(backlog);
    // History is shown whole, the client's own lines too (never an echo).
    BOOST_TEST(takeClient() ==
               ":hub BATCH +1 chathistory #dev\r\n"
               "@batch=1;msgid=dev:39;hermes/seq=39 :bob!bob@hermes PRIVMSG #dev :old one\r\n"
               "@batch=1;msgid=dev:40;hermes/seq=40 :ana!ana@hermes PRIVMSG #dev :my old one\r\n"
               ":hub BATCH -1\r\n");

    toHub.clear();
    client("CHATHISTORY BEFORE #dev msgid=dev:39 10\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].history_request().after_seq() == 28u);
    BOOST_TEST(toHub[0].history_request().limit() == 10u);
    client("CHATHISTORY LATEST #dev * 5\r\n");
    // The newest 5: the hub knows the newest seq (HistoryRequest.latest).
    BOOST_TEST(toHub.back().history_request().after_seq() == 0u);
    BOOST_TEST(toHub.back().history_request().latest());
    client("CHATHISTORY AFTER #dev msgid=12 3\r\n");
    BOOST_TEST(toHub.back().history_request().after_seq() == 12u);
    client("CHATHISTORY BETWEEN #dev msgid=3 timestamp=2026-12-05T12:00:00.000Z 3\r\n");
    BOOST_TEST(toHub.size() == 3u);
    BOOST_TEST(contains(takeClient(), "FAIL CHATHISTORY INVALID_PARAMS BETWEEN "));

    Envelope answer;
    answer.mutable_history_page()->set_room("dev");
    *answer.mutable_history_page()->add_messages() =
        chat("dev", "bob", "twenty nine", 29).message();
    hub(answer);
    BOOST_TEST(takeClient() ==
               ":hub BATCH +2 chathistory #dev\r\n"
               "@batch=2;msgid=dev:29;hermes/seq=29 :bob!bob@hermes PRIVMSG #dev :twenty nine\r\n"
               ":hub BATCH -2\r\n");
}

// A JOIN backlog of three messages, the second one ana's own, the third a /me.
Envelope threeOld(const std::string& room) {
    Envelope backlog;
    auto& page = *backlog.mutable_history_page();
    page.set_room(room);
    page.set_backlog(true);
    page.set_head_seq(12);
    *page.add_messages() = chat(room, "bob", "first", 10).message();
    *page.add_messages() = chat(room, "ana", "mine", 11, 7).message();
    *page.add_messages() =
        chat(room, "bob", "waves", 12, 0, hermes::v1::MESSAGE_KIND_ACTION).message();
    return backlog;
}

// server-time without draft/chathistory (irssi, WeeChat 3.8): the backlog is
// played back as ordinary lines with their original times, between two
// notices; the client's own line is history, not an echo it did not ask for.
BOOST_FIXTURE_TEST_CASE(playback_on_join_for_server_time_clients, Fixture) {
    client("CAP REQ :server-time multi-prefix\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev\r\n");
    BOOST_REQUIRE(toHub.back().has_join());
    BOOST_TEST(!toHub.back().join().skip_backlog());
    joined("dev", {"ana", "bob"});
    takeClient();
    hub(threeOld("dev"));
    BOOST_TEST(takeClient() ==
               ":hub NOTICE #dev :Playback of the 3 messages said before you joined, with their "
               "times\r\n"
               "@time=2025-12-05T09:00:00.123Z :bob!bob@hermes PRIVMSG #dev :first\r\n"
               "@time=2025-12-05T09:00:00.123Z :ana!ana@hermes PRIVMSG #dev :mine\r\n"
               "@time=2025-12-05T09:00:00.123Z :bob!bob@hermes PRIVMSG #dev :\x01"
               "ACTION waves\x01\r\n"
               ":hub NOTICE #dev :End of playback\r\n");
    // CHATHISTORY LATEST asks the hub for its newest (HistoryRequest.latest).
    toHub.clear();
    client("CHATHISTORY LATEST #dev * 2\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].history_request().latest());
    // A new message after it is an ordinary delivery (no echo of one's own
    // without echo-message, as ever).
    hub(chat("dev", "bob", "new", 13));
    BOOST_TEST(takeClient() ==
               "@time=2025-12-05T09:00:00.123Z :bob!bob@hermes PRIVMSG #dev :new\r\n");
}

// With batch too, the playback is a chathistory batch and needs no notices;
// an empty backlog is no playback at all.
BOOST_FIXTURE_TEST_CASE(playback_in_a_batch_and_empty_backlog, Fixture) {
    client("CAP REQ :server-time batch\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev,#new\r\n");
    BOOST_TEST(!toHub.back().join().skip_backlog());
    joined("dev", {"ana"});
    joined("new", {"ana"});
    takeClient();
    hub(threeOld("dev"));
    const std::string out = takeClient();
    BOOST_TEST(out.rfind(":hub BATCH +1 chathistory #dev\r\n", 0) == 0u, out);
    BOOST_TEST(contains(
        out, "@time=2025-12-05T09:00:00.123Z;batch=1 :bob!bob@hermes PRIVMSG #dev :first\r\n"));
    BOOST_TEST(contains(out, ":hub BATCH -1\r\n"));
    BOOST_TEST(!contains(out, "NOTICE"));
    Envelope empty;
    empty.mutable_history_page()->set_room("new");
    empty.mutable_history_page()->set_backlog(true);
    hub(empty);
    BOOST_TEST(takeClient().empty());
}

// irc.join_playback bounds the playback to the newest N; 0 turns it off
// (skip_backlog, and hub.default_room's backlog is dropped).
struct PlaybackOfTwo : Fixture {
    PlaybackOfTwo() : Fixture(2) {}
};
struct PlaybackOff : Fixture {
    PlaybackOff() : Fixture(0) {}
};

BOOST_FIXTURE_TEST_CASE(playback_is_the_newest_join_playback_messages, PlaybackOfTwo) {
    client("CAP REQ :server-time\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev\r\n");
    joined("dev", {"ana"});
    takeClient();
    hub(threeOld("dev"));
    const std::string out = takeClient();
    BOOST_TEST(contains(out, "Playback of the 2 messages"));
    BOOST_TEST(!contains(out, "first"));
    BOOST_TEST(contains(out, ":ana!ana@hermes PRIVMSG #dev :mine\r\n"));
    BOOST_TEST(contains(out, "ACTION waves"));
}

BOOST_FIXTURE_TEST_CASE(no_playback_when_join_playback_is_zero, PlaybackOff) {
    client("CAP REQ :server-time\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev\r\n");
    BOOST_TEST(toHub.back().join().skip_backlog());
    joined("dev", {"ana"});
    takeClient();
    hub(threeOld("dev"));
    BOOST_TEST(takeClient().empty());
}

// A draft/chathistory client gets the whole backlog whatever
// irc.join_playback says: it asked for history.
BOOST_FIXTURE_TEST_CASE(chathistory_clients_get_the_whole_backlog, PlaybackOff) {
    client("CAP REQ :draft/chathistory server-time\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev\r\n");
    BOOST_TEST(!toHub.back().join().skip_backlog());
    joined("dev", {"ana"});
    takeClient();
    hub(threeOld("dev"));
    const std::string out = takeClient();
    BOOST_TEST(contains(out, "PRIVMSG #dev :first"));
    BOOST_TEST(!contains(out, "Playback"));
}

// Without server-time (bots, bare clients): no backlog. Its lines would show
// as said now, and a bot would act on them again.
BOOST_FIXTURE_TEST_CASE(backlog_ignored_without_chathistory, Fixture) {
    registerAs("ana");
    client("JOIN #dev\r\n");
    BOOST_TEST(toHub.back().join().skip_backlog());
    joined("dev", {"ana"});
    takeClient();
    Envelope backlog;
    backlog.mutable_history_page()->set_room("dev");
    backlog.mutable_history_page()->set_backlog(true);
    *backlog.mutable_history_page()->add_messages() = chat("dev", "bob", "old", 1).message();
    hub(backlog);  // hub.default_room's backlog comes anyway
    BOOST_TEST(takeClient().empty());
}

// Every line that sends the hub nothing takes a token of the session's own
// bucket, refused ones included (a PRIVMSG without text is 412, not free).
BOOST_AUTO_TEST_CASE(refused_lines_take_tokens_too) {
    hermes::irc::IrcSessionSettings settings;
    settings.localRatePerSecond = 1;
    settings.localBurst = 5;
    IrcSession session{settings};
    std::string toHub, out;
    const auto now = std::chrono::steady_clock::now();
    BOOST_TEST(!session.receive("NICK a\r\nUSER a 0 * :a\r\n", now, toHub, out).close);
    hermes::v1::Envelope welcome;
    welcome.mutable_welcome()->set_nick("a");
    session.deliver(welcome, out);
    std::string spam;
    for (int i = 0; i < 10; ++i) {
        spam += "PRIVMSG #dev\r\n";
    }
    BOOST_TEST(session.receive(spam, now, toHub, out).close);
    BOOST_TEST(contains(out, " 412 a :No text to send"));
    BOOST_TEST(contains(out, "(Excess Flood)"));
}

// A delete erases the message's text in history (docs/PROTOCOL.md "A delete
// erases"): its row in a backlog or CHATHISTORY is not an empty PRIVMSG.
BOOST_FIXTURE_TEST_CASE(erased_rows_render_as_deleted, Fixture) {
    registerAs("ana");
    joined("dev", {"ana", "bob"});
    takeClient();
    hub(chat("dev", "bob", "", 7));
    std::string out = takeClient();
    BOOST_TEST(contains(out, "NOTICE #dev :[deleted message]"), out);
    BOOST_TEST(!contains(out, "PRIVMSG"), out);
    hub(chat("dev", "bob", "", 8, 0, hermes::v1::MESSAGE_KIND_ACTION));
    out = takeClient();
    BOOST_TEST(contains(out, "NOTICE #dev :[deleted message]"), out);
    BOOST_TEST(!contains(out, "ACTION"), out);
    hub(chat("dev", "bob", "", 9, 0, hermes::v1::MESSAGE_KIND_FILE));
    out = takeClient();
    BOOST_TEST(contains(out, "NOTICE #dev :[deleted file]"), out);
    auto shared = chat("dev", "bob", "shared a.txt", 10, 0, hermes::v1::MESSAGE_KIND_FILE);
    shared.mutable_message()->mutable_file()->set_name("a.txt");
    shared.mutable_message()->mutable_file()->set_size(12);
    hub(shared);
    out = takeClient();
    BOOST_TEST(contains(out, "NOTICE #dev :[file] a.txt (12 bytes)"), out);
}

// ---------------------------------------------------------------- SASL (IrcSasl.cpp)

namespace {

// CAP LS 302, NICK, USER, CAP REQ :sasl, AUTHENTICATE PLAIN: the session
// waits for the payload.
void startSasl(Fixture& f, const std::string& nick) {
    f.client("CAP LS 302\r\nNICK " + nick + "\r\nUSER u 0 * :U\r\nCAP REQ :sasl\r\n");
    BOOST_TEST(contains(f.takeClient(), "ACK :sasl"));
    f.client("AUTHENTICATE PLAIN\r\n");
    BOOST_TEST(f.takeClient() == "AUTHENTICATE +\r\n");
}

Envelope welcomeFor(const std::string& nick, const std::string& account) {
    Envelope welcome;
    welcome.mutable_welcome()->set_nick(nick);
    welcome.mutable_welcome()->set_server_name("hub");
    welcome.mutable_welcome()->set_account(account);
    return welcome;
}

Envelope hubError(hermes::v1::ErrorCode code, const std::string& text,
                  const std::string& room = {}) {
    Envelope envelope;
    envelope.mutable_error()->set_code(code);
    envelope.mutable_error()->set_text(text);
    envelope.mutable_error()->set_room(room);
    return envelope;
}

}  // namespace

// IRCv3 sasl-3.2: "sasl=PLAIN" in CAP LS 302, "sasl" in an older LS.
BOOST_FIXTURE_TEST_CASE(ircv3_sasl_3_2_capability_value, Fixture) {
    client("CAP LS 302\r\n");
    BOOST_TEST(contains(takeClient(), " sasl=PLAIN "));
    client("CAP LS\r\n");
    const std::string old = takeClient();
    BOOST_TEST(contains(old, " sasl "));
    BOOST_TEST(!contains(old, "sasl="));
}

// IRCv3 sasl-3.1 PLAIN: the payload becomes a Hello for the account's nick
// with its password (the hub checks it); the Welcome with the account is
// 900 and 903, and registration (001) waits for CAP END.
BOOST_FIXTURE_TEST_CASE(ircv3_sasl_3_1_plain_signs_in_through_the_hello, Fixture) {
    client("PASS hubpw\r\n");
    startSasl(*this, "ana");
    client("AUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");  // "\0ana\0secret"
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].hello().nick() == "ana");
    BOOST_TEST(toHub[0].hello().password() == "secret");
    BOOST_TEST(toHub[0].hello().hub_password() == "hubpw");
    hub(welcomeFor("ana", "ana"));
    std::string out = takeClient();
    BOOST_TEST(contains(out, ":hub 900 ana ana!ana@hermes ana :You are now logged in as ana"));
    BOOST_TEST(contains(out, ":hub 903 ana :SASL authentication successful"));
    BOOST_TEST(!contains(out, " 001 "), out);
    // The hub's lines before CAP END wait too.
    hub(chat("lobby", "bob", "early", 1));
    BOOST_TEST(takeClient().empty());
    client("CAP END\r\n");
    out = takeClient();
    BOOST_TEST(contains(out, " 001 ana "));
    BOOST_TEST(out.find(" 001 ") < out.find("PRIVMSG #lobby :early"), out);
    BOOST_TEST(toHub.size() == 1u);  // no second Hello
    BOOST_TEST(session.account() == "ana");
    // sasl-3.1: once signed in, 907.
    client("AUTHENTICATE PLAIN\r\n");
    BOOST_TEST(contains(takeClient(), " 907 ana "));
}

// A wrong password, or a throttled sign-in: 904 with the hub's reason; CAP
// END then registers with the client's NICK (without an account).
BOOST_FIXTURE_TEST_CASE(ircv3_sasl_3_1_failure_is_904, Fixture) {
    startSasl(*this, "ana");
    client("AUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
    hub(hubError(hermes::v1::ERROR_CODE_SIGN_IN_THROTTLED,
                 "too many attempts; retry after 9000 ms"));
    BOOST_TEST(contains(takeClient(),
                        ":hub 904 * :SASL authentication failed: too many attempts; retry after"));
    client("CAP END\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 2u);
    BOOST_TEST(toHub[1].hello().nick() == "ana");
    BOOST_TEST(toHub[1].hello().password().empty());
}

// A nick that is no account: 904, and the session keeps the nick.
BOOST_FIXTURE_TEST_CASE(ircv3_sasl_unknown_account_is_904, Fixture) {
    startSasl(*this, "ana");
    client("AUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
    hub(welcomeFor("ana", ""));
    BOOST_TEST(
        contains(takeClient(), " 904 ana :SASL authentication failed: ana is not a registered"));
    client("CAP END\r\n");
    BOOST_TEST(contains(takeClient(), " 001 ana "));
    BOOST_TEST(session.account().empty());
}

// Bad AUTHENTICATE input, each answered, nothing sent to the hub: an unknown
// mechanism (908 + 904), bad base64, a bad PLAIN message, a chunk over 400
// bytes (905), an abort (906), no sasl capability, CAP END mid-exchange (906).
BOOST_FIXTURE_TEST_CASE(ircv3_sasl_bad_input, Fixture) {
    client("AUTHENTICATE PLAIN\r\n");
    BOOST_TEST(contains(takeClient(), " 904 * :SASL authentication failed: request the sasl"));
    startSasl(*this, "ana");
    client("AUTHENTICATE *\r\n");
    BOOST_TEST(contains(takeClient(), " 906 * :SASL authentication aborted"));
    client("AUTHENTICATE SCRAM-SHA-256\r\n");
    std::string out = takeClient();
    BOOST_TEST(contains(out, " 908 * PLAIN :are available SASL mechanisms"));
    BOOST_TEST(contains(out, " 904 * "));
    client("AUTHENTICATE PLAIN\r\nAUTHENTICATE !!!notbase64\r\n");
    BOOST_TEST(contains(takeClient(),
                        " 904 * :SASL authentication failed: the payload is not valid base64"));
    client("AUTHENTICATE PLAIN\r\nAUTHENTICATE Ym9iAGFuYQBzZWNyZXQ=\r\n");  // authzid bob
    BOOST_TEST(contains(takeClient(), "no authorization identities"));
    client("AUTHENTICATE PLAIN\r\nAUTHENTICATE " + std::string(401, 'A') + "\r\n");
    BOOST_TEST(contains(takeClient(), " 905 * :SASL message too long"));
    // Four full chunks: past the payload limit.
    client("AUTHENTICATE PLAIN\r\n");
    takeClient();
    for (int i = 0; i < 4; ++i) {
        client("AUTHENTICATE " + std::string(400, 'A') + "\r\n");
    }
    BOOST_TEST(contains(takeClient(), " 905 * "));
    client("AUTHENTICATE\r\n");
    BOOST_TEST(contains(takeClient(), " 461 * AUTHENTICATE "));
    BOOST_TEST(toHub.empty());
    client("AUTHENTICATE PLAIN\r\nCAP END\r\n");
    out = takeClient();
    BOOST_TEST(contains(out, " 906 * "));
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);  // the ordinary Hello
    BOOST_TEST(toHub[0].hello().password().empty());
}

// sasl-3.2 after registration: the hub's Identify; AccountReply is 900/903.
BOOST_FIXTURE_TEST_CASE(ircv3_sasl_after_registration_is_identify, Fixture) {
    client("CAP REQ :sasl\r\nCAP END\r\n");
    takeClient();
    registerAs("ana");
    client("AUTHENTICATE PLAIN\r\nAUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].identify().nick() == "ana");
    BOOST_TEST(toHub[0].identify().password() == "secret");
    takeClient();
    hub(hubError(hermes::v1::ERROR_CODE_WRONG_PASSWORD, "wrong password"));
    BOOST_TEST(contains(takeClient(), " 904 ana :SASL authentication failed: wrong password"));
    client("AUTHENTICATE PLAIN\r\nAUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
    Envelope reply;
    reply.mutable_account_reply()->set_event(hermes::v1::ACCOUNT_EVENT_IDENTIFIED);
    reply.mutable_account_reply()->set_account("ana");
    hub(reply);
    const std::string out = takeClient();
    BOOST_TEST(contains(out, " 900 ana ana!ana@hermes ana "));
    BOOST_TEST(contains(out, " 903 ana "));
}

// sasl-3.2 after registration, refused with a nick error (INVALID_NICK,
// NICK_TAKEN, PASSWORD_REQUIRED): the Identify's answer is 904 and a new
// exchange may start, unless a NICK sent before the Identify is still
// unanswered: then the first nick error is that NICK's 433 (the hub answers
// a session's frames in order), and the next one the Identify's 904.
BOOST_FIXTURE_TEST_CASE(ircv3_sasl_identify_refused_with_a_nick_error_is_904, Fixture) {
    client("CAP REQ :sasl\r\nCAP END\r\n");
    takeClient();
    registerAs("ana");
    for (const auto code : {hermes::v1::ERROR_CODE_INVALID_NICK, hermes::v1::ERROR_CODE_NICK_TAKEN,
                            hermes::v1::ERROR_CODE_PASSWORD_REQUIRED}) {
        BOOST_TEST_CONTEXT(hermes::v1::ErrorCode_Name(code)) {
            toHub.clear();
            client("AUTHENTICATE PLAIN\r\nAUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
            BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
            BOOST_TEST(toHub[0].has_identify());
            takeClient();
            hub(hubError(code, "not that nick"));
            const std::string out = takeClient();
            BOOST_TEST(contains(out, " 904 ana :SASL authentication failed: not that nick"), out);
            BOOST_TEST(!contains(out, " 433 "), out);
            BOOST_TEST(!contains(out, " 432 "), out);
        }
    }
    // Not stuck: the next exchange goes to the hub, and signs in.
    toHub.clear();
    client("AUTHENTICATE PLAIN\r\nAUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    takeClient();
    Envelope reply;
    reply.mutable_account_reply()->set_event(hermes::v1::ACCOUNT_EVENT_IDENTIFIED);
    reply.mutable_account_reply()->set_account("ana");
    hub(reply);
    BOOST_TEST(contains(takeClient(), " 903 ana "));
}

BOOST_FIXTURE_TEST_CASE(ircv3_sasl_identify_after_an_unanswered_nick, Fixture) {
    client("CAP REQ :sasl\r\nCAP END\r\n");
    takeClient();
    registerAs("ana");
    toHub.clear();
    client("NICK bob\r\nAUTHENTICATE PLAIN\r\nAUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 2u);
    BOOST_TEST(toHub[0].has_set_nick());
    BOOST_TEST(toHub[1].has_identify());
    takeClient();
    hub(hubError(hermes::v1::ERROR_CODE_NICK_TAKEN, "nick bob is taken"));
    std::string out = takeClient();
    BOOST_TEST(contains(out, " 433 ana bob :nick bob is taken"), out);
    BOOST_TEST(!contains(out, " 904 "), out);
    hub(hubError(hermes::v1::ERROR_CODE_NICK_TAKEN, "nick ana is taken"));
    out = takeClient();
    BOOST_TEST(contains(out, " 904 ana :SASL authentication failed: nick ana is taken"), out);
    // A NICK answered by its NICK_CHANGED counts too.
    toHub.clear();
    client("NICK cy\r\nAUTHENTICATE PLAIN\r\nAUTHENTICATE AGFuYQBzZWNyZXQ=\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 2u);
    takeClient();
    Envelope renamed;
    renamed.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_NICK_CHANGED);
    renamed.mutable_presence()->add_nicks("ana");
    renamed.mutable_presence()->set_new_nick("cy");
    hub(renamed);
    BOOST_TEST(contains(takeClient(), " NICK cy"));
    hub(hubError(hermes::v1::ERROR_CODE_INVALID_NICK, "no such nick rules"));
    out = takeClient();
    BOOST_TEST(contains(out, " 904 cy :SASL authentication failed: no such nick rules"), out);
    BOOST_TEST(!contains(out, " 432 "), out);
}

// PASS is the hub's password and the nick's account password; a registered
// nick without either is 433 saying how to sign in.
BOOST_FIXTURE_TEST_CASE(pass_is_the_account_password_too, Fixture) {
    client("PASS secret\r\nNICK ana\r\nUSER u 0 * :U\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].hello().password() == "secret");
    BOOST_TEST(toHub[0].hello().hub_password() == "secret");
    hub(hubError(hermes::v1::ERROR_CODE_PASSWORD_REQUIRED, "nick ana is registered"));
    BOOST_TEST(
        contains(takeClient(), " 433 * ana :Nickname is registered: sign in with SASL PLAIN"));
}

// ---------------------------------------------------------------- moderation (IrcModes.cpp)

// RFC 2812 3.2.3 MODE: +o/-o, +b, +q, +i, +t as ModerationRequests; what
// Hermes lacks (+k, +m, +v, +l) is 472 with the reason; a user mode is 501.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_2_3_channel_mode_changes, Fixture) {
    registerAs("ana");
    joined("dev", {"ana", "bob"});
    takeClient();
    client("MODE #dev +o-o+tiq bob carol dave\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 5u);
    using hermes::v1::ModerationAction;
    const std::vector<std::pair<ModerationAction, std::string>> expected = {
        {hermes::v1::MODERATION_ACTION_OP, "bob"},
        {hermes::v1::MODERATION_ACTION_DEOP, "carol"},
        {hermes::v1::MODERATION_ACTION_LOCK_TOPIC, ""},
        {hermes::v1::MODERATION_ACTION_INVITE_ONLY, ""},
        {hermes::v1::MODERATION_ACTION_MUTE, "dave"}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        BOOST_TEST(toHub[i].moderation_request().room() == "dev");
        BOOST_TEST(toHub[i].moderation_request().action() == expected[i].first);
        BOOST_TEST(toHub[i].moderation_request().target() == expected[i].second);
    }
    toHub.clear();
    client("MODE #dev +b eve!*@*\r\nMODE #dev +b $a:frank\r\nMODE #dev -b *!*@10.0.0.7\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 3u);
    BOOST_TEST(toHub[0].moderation_request().target() == "eve");
    BOOST_TEST(toHub[0].moderation_request().target_kind() == hermes::v1::TARGET_KIND_NICK);
    BOOST_TEST(toHub[1].moderation_request().target_kind() == hermes::v1::TARGET_KIND_ACCOUNT);
    BOOST_TEST(toHub[2].moderation_request().action() == hermes::v1::MODERATION_ACTION_UNBAN);
    BOOST_TEST(toHub[2].moderation_request().target_kind() == hermes::v1::TARGET_KIND_ADDRESS);
    toHub.clear();
    takeClient();
    client("MODE #dev +k key\r\nMODE #dev +m\r\nMODE #dev +b ev*\r\nMODE ana +i\r\n");
    const std::string out = takeClient();
    BOOST_TEST(contains(out, " 472 ana k :Hermes rooms have no keys"));
    BOOST_TEST(contains(out, " 472 ana m :Hermes has no moderated rooms"));
    BOOST_TEST(contains(out, " 472 ana b :ev* is not a mask Hermes understands"));
    BOOST_TEST(contains(out, " 501 ana :Hermes has no user modes"));
    BOOST_TEST(toHub.empty());
}

// The hub's answers: its Presences as MODE lines, its refusals as 482, 401, 441.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_2_8_kick_and_errors, Fixture) {
    registerAs("ana");
    joined("dev", {"ana", "bob"});
    takeClient();
    client("KICK #dev bob :spam\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].moderation_request().action() == hermes::v1::MODERATION_ACTION_KICK);
    BOOST_TEST(toHub[0].moderation_request().reason() == "spam");
    hub(hubError(hermes::v1::ERROR_CODE_NOT_OPERATOR, "you are not an operator of dev", "dev"));
    BOOST_TEST(contains(takeClient(), " 482 ana #dev :You're not channel operator"));
    client("KICK #dev zed\r\n");
    hub(hubError(hermes::v1::ERROR_CODE_NO_SUCH_NICK, "no one is called zed", "dev"));
    BOOST_TEST(contains(takeClient(), " 401 ana zed :No such nick/channel"));
    client("KICK #dev carol\r\n");
    hub(hubError(hermes::v1::ERROR_CODE_NOT_IN_ROOM, "carol is not in dev", "dev"));
    BOOST_TEST(contains(takeClient(), " 441 ana carol #dev :They aren't on that channel"));

    Envelope muted;
    muted.mutable_presence()->set_room("dev");
    muted.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_MUTED);
    muted.mutable_presence()->add_nicks("bob");
    muted.mutable_presence()->set_by("ana");
    hub(muted);
    BOOST_TEST(contains(takeClient(), ":ana!ana@hermes MODE #dev +q bob!*@*"));
    Envelope locked;
    locked.mutable_presence()->set_room("dev");
    locked.mutable_presence()->set_kind(hermes::v1::PRESENCE_KIND_MODE_CHANGED);
    locked.mutable_presence()->set_reason("topic locked");
    locked.mutable_presence()->set_by("ana");
    hub(locked);
    BOOST_TEST(contains(takeClient(), ":ana!ana@hermes MODE #dev +t"));
}

// NAMES and WHO show room operators with "@" (MemberList.operators); WHO of
// a nick is 352 and 315 from the hub's WhoisReply.
BOOST_FIXTURE_TEST_CASE(rfc2812_3_6_1_who_and_operators, Fixture) {
    registerAs("ana");
    Envelope members;
    members.mutable_members()->set_room("dev");
    members.mutable_members()->add_nicks("ana");
    members.mutable_members()->add_nicks("bob");
    members.mutable_members()->add_operators("ana");
    hub(members);
    BOOST_TEST(contains(takeClient(), " 353 ana = #dev :@ana bob"));
    client("WHO bob\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].whois_request().nick() == "bob");
    Envelope reply;
    reply.mutable_whois_reply()->set_nick("bob");
    reply.mutable_whois_reply()->add_rooms("dev");
    hub(reply);
    std::string out = takeClient();
    BOOST_TEST(contains(out, " 352 ana #dev bob hermes hub bob H :0 bob"));
    BOOST_TEST(contains(out, " 315 ana bob :End of /WHO list."));
    BOOST_TEST(!contains(out, " 311 "));
    client("WHO nobody\r\n");
    hub(hubError(hermes::v1::ERROR_CODE_NO_SUCH_NICK, "no one is called nobody"));
    out = takeClient();
    BOOST_TEST(contains(out, " 315 ana nobody "));
    BOOST_TEST(!contains(out, " 318 "));
}

// IRCv3 account-tag: a room message from a signed-in sender carries
// account=NAME (ChatMessage.from_account), only for a client that asked.
BOOST_FIXTURE_TEST_CASE(ircv3_account_tag, Fixture) {
    client("CAP REQ :account-tag\r\nCAP END\r\n");
    registerAs("ana");
    Envelope signedIn = chat("dev", "bob", "hi", 4);
    signedIn.mutable_message()->set_from_account("bob");
    hub(signedIn);
    BOOST_TEST(contains(takeClient(), "@account=bob :bob!bob@hermes PRIVMSG #dev :hi"));
    hub(chat("dev", "eve", "anonymous", 5));
    BOOST_TEST(takeClient() == ":eve!eve@hermes PRIVMSG #dev :anonymous\r\n");
    client("CAP REQ :-account-tag\r\n");
    takeClient();
    hub(signedIn);
    BOOST_TEST(takeClient() == ":bob!bob@hermes PRIVMSG #dev :hi\r\n");
}

// ---------------------------------------------------------------- draft/multiline

namespace {

struct MultilineFixture : Fixture {
    MultilineFixture() {
        client("CAP REQ :batch draft/multiline message-tags\r\nCAP END\r\n");
        registerAs("ana");
        client("JOIN #dev\r\n");
        joined("dev", {"ana", "bob"});
        toHub.clear();
        takeClient();
    }
};

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

// IRCv3 draft/multiline "Capability": the limits are the cap's value (CAP 302).
BOOST_FIXTURE_TEST_CASE(ircv3_multiline_capability_value, Fixture) {
    client("CAP LS 302\r\n");
    BOOST_TEST(contains(takeClient(), " draft/multiline=max-bytes=4096,max-lines=15 "));
    client("CAP LS\r\n");  // no values before 302
    const std::string out = takeClient();
    BOOST_TEST(contains(out, " draft/multiline "));
    BOOST_TEST(!contains(out, "max-bytes"));
}

// IRCv3 draft/multiline "Client-to-server": concatenated lines are one Say,
// sent only when the batch closes.
BOOST_FIXTURE_TEST_CASE(ircv3_multiline_concat_is_one_message, MultilineFixture) {
    client(
        "BATCH +b1 draft/multiline #dev\r\n"
        "@batch=b1 PRIVMSG #dev :hello \r\n"
        "@batch=b1;draft/multiline-concat PRIVMSG #dev :wor\r\n"
        "@batch=b1;draft/multiline-concat PRIVMSG #dev :ld\r\n");
    BOOST_TEST(toHub.empty());
    BOOST_TEST(takeClient().empty());
    client("BATCH -b1\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].say().room() == "dev");
    BOOST_TEST(toHub[0].say().text() == "hello world");
    BOOST_TEST(takeClient().empty());
}

// Hermes text is one line: line breaks separate messages (one Say each),
// blank lines are dropped.
BOOST_FIXTURE_TEST_CASE(ircv3_multiline_line_breaks_are_messages, MultilineFixture) {
    client(
        "BATCH +b2 draft/multiline bob\r\n"
        "@batch=b2 PRIVMSG bob :one\r\n"
        "@batch=b2 PRIVMSG bob :\r\n"
        "@batch=b2 PRIVMSG bob :two\r\n"
        "BATCH -b2\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 2u);
    BOOST_TEST(toHub[0].private_message().to() == "bob");
    BOOST_TEST(toHub[0].private_message().text() == "one");
    BOOST_TEST(toHub[1].private_message().text() == "two");
}

// draft/multiline "Errors": too many lines, too many bytes; nothing is sent,
// and the rest of the batch is dropped silently.
BOOST_FIXTURE_TEST_CASE(ircv3_multiline_max_lines_fails_and_sends_nothing, MultilineFixture) {
    std::string batch = "BATCH +big draft/multiline #dev\r\n";
    for (int i = 0; i < 16; ++i) {
        batch += "@batch=big PRIVMSG #dev :line\r\n";
    }
    client(batch + "BATCH -big\r\n");
    BOOST_TEST(toHub.empty());
    std::string out = takeClient();
    BOOST_TEST(count(out, "FAIL BATCH MULTILINE_MAX_LINES 15 ") == 1u, out);
    // Witness: the session still sends.
    client("PRIVMSG #dev :still here\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].say().text() == "still here");
}

BOOST_FIXTURE_TEST_CASE(ircv3_multiline_max_bytes_fails_and_sends_nothing, MultilineFixture) {
    const std::string chunk(400, 'x');
    std::string batch = "BATCH +fat draft/multiline #dev\r\n";
    for (int i = 0; i < 11; ++i) {  // 4400 bytes > 4096
        batch += "@batch=fat;draft/multiline-concat PRIVMSG #dev :" + chunk + "\r\n";
    }
    batch.replace(batch.find(";draft/multiline-concat"), 23, "");
    client(batch + "BATCH -fat\r\n");
    BOOST_TEST(toHub.empty());
    const std::string out = takeClient();
    BOOST_TEST(count(out, "FAIL BATCH MULTILINE_MAX_BYTES 4096 ") == 1u, out);

    // Witness: the session still sends.
    client("PRIVMSG #dev :still here\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].say().text() == "still here");
}

// Bad batches: unknown id, unterminated, wrong target, empty concat, CTCP,
// not negotiated. Each is answered; nothing reaches the hub.
BOOST_FIXTURE_TEST_CASE(ircv3_multiline_bad_batches_answered, MultilineFixture) {
    client("@batch=nope PRIVMSG #dev :lost\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID :no batch nope is open"));
    client("BATCH -nope\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID :no batch nope is open"));
    client(
        "BATCH +u draft/multiline #dev\r\n@batch=u PRIVMSG #dev :half\r\n"
        "BATCH +v draft/multiline #dev\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID :batch u was not closed"));
    client("@batch=v PRIVMSG #other :x\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID_TARGET #dev #other "));
    client("BATCH -v\r\n");
    BOOST_TEST(takeClient().empty());  // said already
    client(
        "BATCH +w draft/multiline #dev\r\n@batch=w PRIVMSG #dev :a\r\n"
        "@batch=w;draft/multiline-concat PRIVMSG #dev :\r\nBATCH -w\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID :a draft/multiline-concat"));
    client(
        "BATCH +c draft/multiline #dev\r\n@batch=c PRIVMSG #dev :\x01"
        "ACTION waves\x01\r\n"
        "BATCH -c\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID :CTCP"));
    client("BATCH +t draft/multiline #a,#b\r\nBATCH -t\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID_TARGET #a,#b "));
    client("BATCH +e draft/multiline #dev\r\nBATCH -e\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID :the batch has no text"));
    client("BATCH +x netsplit a b\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL BATCH MULTILINE_INVALID :a client's batch is"));
    BOOST_TEST(toHub.empty());
}

BOOST_FIXTURE_TEST_CASE(ircv3_multiline_batch_needs_the_cap, Fixture) {
    registerAs("ana");
    client("BATCH +a draft/multiline #dev\r\n");
    BOOST_TEST(contains(takeClient(), " 421 ana BATCH :Unknown command"));
}

// draft/multiline "Server-to-client": a message longer than a line is one
// batch; continuation lines carry draft/multiline-concat; cut between UTF-8
// characters; each line within 512 bytes (tags apart).
BOOST_FIXTURE_TEST_CASE(ircv3_multiline_long_message_is_one_batch, MultilineFixture) {
    std::string text;
    for (int i = 0; i < 700; ++i) {
        text += "é";  // 2 bytes: 1400
    }
    hub(chat("dev", "bob", text, 7));
    const std::string out = takeClient();
    BOOST_TEST(
        out.rfind("@msgid=dev:7;hermes/seq=7 :bob!bob@hermes BATCH +m7 draft/multiline #dev\r\n",
                  0) == 0u,
        out);
    // The batch id is the message's (m + seq): the render cache shares these lines.
    BOOST_TEST(count(out, "@batch=m7 :bob!bob@hermes PRIVMSG #dev :") == 1u);
    BOOST_TEST(count(out, "@batch=m7;draft/multiline-concat :bob!bob@hermes PRIVMSG #dev :") == 2u);
    BOOST_TEST(contains(out, ":bob!bob@hermes BATCH -m7\r\n"));
    // Glued back, the pieces are the text; each line fits and is valid UTF-8.
    std::string glued;
    std::size_t at = 0;
    while ((at = out.find("PRIVMSG #dev :", at)) != std::string::npos) {
        const std::size_t start = at + 14;
        const std::size_t end = out.find("\r\n", start);
        const std::size_t lineStart = out.rfind(" :bob!", at) + 1;
        BOOST_TEST(end + 2 - lineStart <= 512u);
        const std::string piece = out.substr(start, end - start);
        BOOST_TEST((static_cast<unsigned char>(piece.front()) & 0xC0) != 0x80);
        glued += piece;
        at = end;
    }
    BOOST_TEST(glued == text);
}

BOOST_FIXTURE_TEST_CASE(long_message_without_multiline_is_split_lines, Fixture) {
    client("CAP REQ :batch message-tags\r\nCAP END\r\n");
    registerAs("ana");
    hub(chat("dev", "bob", std::string(1200, 'y'), 8));
    const std::string out = takeClient();
    BOOST_TEST(!contains(out, "BATCH"));
    BOOST_TEST(count(out, "hermes/seq=8 :bob!bob@hermes PRIVMSG #dev :") == 3u);
}

// draft/multiline with echo-message: the echoes of the batch's messages come
// back as one batch, once all are stamped.
BOOST_FIXTURE_TEST_CASE(ircv3_multiline_echo_is_the_batch, Fixture) {
    client("CAP REQ :batch draft/multiline message-tags echo-message\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev\r\n");
    joined("dev", {"ana"});
    toHub.clear();
    takeClient();
    client(
        "BATCH +e draft/multiline #dev\r\n@batch=e PRIVMSG #dev :first\r\n"
        "@batch=e PRIVMSG #dev :second\r\nBATCH -e\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 2u);
    hub(chat("dev", "ana", "first", 11, toHub[0].say().client_msg_id()));
    BOOST_TEST(takeClient().empty());  // waits for the whole batch
    hub(chat("dev", "bob", "between", 12));
    BOOST_TEST(contains(takeClient(), ":bob!bob@hermes PRIVMSG #dev :between"));
    hub(chat("dev", "ana", "second", 13, toHub[1].say().client_msg_id()));
    BOOST_TEST(takeClient() ==
               "@msgid=dev:11;hermes/seq=11 :ana!ana@hermes BATCH +m11 draft/multiline #dev\r\n"
               "@batch=m11 :ana!ana@hermes PRIVMSG #dev :first\r\n"
               "@batch=m11 :ana!ana@hermes PRIVMSG #dev :second\r\n"
               ":ana!ana@hermes BATCH -m11\r\n");
}

// ---------------------------------------------------------------- chathistory

// IRCv3 draft/chathistory "AROUND" and "BETWEEN": the windows as HistoryRequests.
BOOST_FIXTURE_TEST_CASE(ircv3_chathistory_around_and_between, Fixture) {
    client("CAP REQ :batch draft/chathistory message-tags\r\nCAP END\r\n");
    registerAs("ana");
    client("CHATHISTORY AROUND #dev msgid=dev:50 10\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].history_request().room() == "dev");
    BOOST_TEST(toHub[0].history_request().after_seq() == 44u);  // 45..54
    BOOST_TEST(toHub[0].history_request().limit() == 10u);
    BOOST_TEST(!toHub[0].history_request().latest());
    client("CHATHISTORY BETWEEN #dev msgid=dev:10 msgid=dev:20 100\r\n");
    BOOST_TEST(toHub.back().history_request().after_seq() == 10u);  // 11..19
    BOOST_TEST(toHub.back().history_request().limit() == 9u);
    client("CHATHISTORY BETWEEN #dev msgid=dev:20 msgid=dev:10 3\r\n");
    BOOST_TEST(toHub.back().history_request().after_seq() == 16u);  // 17..19: nearest 20
    BOOST_TEST(toHub.back().history_request().limit() == 3u);
    client("CHATHISTORY BETWEEN #dev msgid=dev:10 msgid=dev:11 5\r\n");
    BOOST_TEST(toHub.size() == 3u);  // nothing between: an empty batch at once
    BOOST_TEST(takeClient() == ":hub BATCH +1 chathistory #dev\r\n:hub BATCH -1\r\n");
}

// Bad references: each a FAIL naming the subcommand, nothing sent.
BOOST_FIXTURE_TEST_CASE(ircv3_chathistory_bad_references, Fixture) {
    client("CAP REQ :batch draft/chathistory message-tags\r\nCAP END\r\n");
    registerAs("ana");
    for (const char* line :
         {"CHATHISTORY BEFORE #dev msgid=other:5 10", "CHATHISTORY BEFORE #dev msgid=dev:x 10",
          "CHATHISTORY AFTER #dev bogus 10", "CHATHISTORY AFTER #dev * 10",
          "CHATHISTORY AFTER #dev msgid=3 many", "CHATHISTORY AROUND #dev timestamp=yesterday 5",
          "CHATHISTORY BETWEEN #dev msgid=3 5", "CHATHISTORY LATEST #bad,room * 5",
          "CHATHISTORY TARGETS msgid=3 msgid=4 5", "CHATHISTORY FORWARD #dev * 5",
          "CHATHISTORY AFTER #dev msgid=99999999999999999999999 1"}) {
        client(std::string(line) + "\r\n");
        const std::string out = takeClient();
        BOOST_TEST(contains(out, "FAIL CHATHISTORY "), line << ": " << out);
    }
    BOOST_TEST(toHub.empty());
}

// draft/chathistory with a nick target: the private conversation of the
// session's account with that nick (HistoryRequest.peer), private_seqs as
// msgid "~a~b:N".
BOOST_FIXTURE_TEST_CASE(ircv3_chathistory_private_history, Fixture) {
    client("CAP REQ :batch draft/chathistory message-tags\r\nCAP END\r\n");
    registerAs("ana");
    client("CHATHISTORY LATEST Bob * 20\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].history_request().peer() == "Bob");
    BOOST_TEST(toHub[0].history_request().room().empty());
    BOOST_TEST(toHub[0].history_request().latest());
    Envelope page;
    page.mutable_history_page()->set_peer("Bob");
    page.mutable_history_page()->set_head_seq(2);
    for (std::uint64_t n : {1, 2}) {
        auto& message = *page.mutable_history_page()->add_messages();
        message.set_from(n == 1 ? "Bob" : "ana");
        message.set_to(n == 1 ? "ana" : "Bob");
        message.set_text(n == 1 ? "psst" : "yes?");
        message.set_private_seq(n);
        message.set_time_ms(1'764'925'200'123);
    }
    hub(page);
    BOOST_TEST(takeClient() ==
               ":hub BATCH +1 chathistory Bob\r\n"
               "@batch=1;msgid=~ana~bob:1;hermes/seq=1 :Bob!Bob@hermes PRIVMSG ana :psst\r\n"
               "@batch=1;msgid=~ana~bob:2;hermes/seq=2 :ana!ana@hermes PRIVMSG Bob :yes?\r\n"
               ":hub BATCH -1\r\n");
    client("CHATHISTORY BEFORE bob msgid=~ana~bob:2 5\r\n");
    BOOST_TEST(toHub.back().history_request().peer() == "bob");
    BOOST_TEST(toHub.back().history_request().after_seq() == 0u);
    BOOST_TEST(toHub.back().history_request().limit() == 1u);
    // Not signed in: the hub's NOT_A_PARTY is the FAIL.
    Envelope refused;
    refused.mutable_error()->set_code(hermes::v1::ERROR_CODE_NOT_A_PARTY);
    refused.mutable_error()->set_text("sign in");
    hub(refused);
    BOOST_TEST(takeClient() == "FAIL CHATHISTORY INVALID_TARGET bob :sign in\r\n");
}

// draft/chathistory "TARGETS": the channels and conversations with messages
// between the two times, oldest activity first.
BOOST_FIXTURE_TEST_CASE(ircv3_chathistory_targets, Fixture) {
    client("CAP REQ :batch draft/chathistory message-tags\r\nCAP END\r\n");
    registerAs("ana");
    client("JOIN #dev\r\nJOIN #ops\r\n");
    joined("dev", {"ana"});
    joined("ops", {"ana"});
    hub(chat("dev", "bob", "hi", 3));  // 2025-12-05T09:00:00.123Z
    Envelope pm;
    pm.mutable_message()->set_from("carol");
    pm.mutable_message()->set_to("ana");
    pm.mutable_message()->set_text("hey");
    pm.mutable_message()->set_time_ms(1'764'925'300'000);
    hub(pm);
    takeClient();
    client(
        "CHATHISTORY TARGETS timestamp=2025-12-06T00:00:00Z timestamp=2025-12-05T00:00:00.000Z "
        "10\r\n");
    BOOST_TEST(takeClient() ==
               ":hub BATCH +1 draft/chathistory-targets\r\n"
               "@batch=1 :hub CHATHISTORY TARGETS #dev 2025-12-05T09:00:00.123Z\r\n"
               "@batch=1 :hub CHATHISTORY TARGETS carol 2025-12-05T09:01:40.000Z\r\n"
               ":hub BATCH -1\r\n");
    client(
        "CHATHISTORY TARGETS timestamp=2025-12-05T09:00:01Z timestamp=2025-12-06T00:00:00Z "
        "1\r\n");
    const std::string out = takeClient();
    BOOST_TEST(contains(out, "TARGETS carol "));
    BOOST_TEST(!contains(out, "#dev"));
}

// ---------------------------------------------------------------- client tags

namespace {

struct TagsFixture : Fixture {
    TagsFixture() {
        client("CAP REQ :message-tags\r\nCAP END\r\n");
        Envelope welcome;
        welcome.mutable_welcome()->set_nick("ana");
        welcome.mutable_welcome()->set_typing(true);
        welcome.mutable_welcome()->mutable_limits()->set_max_nick_bytes(32);
        client("NICK ana\r\nUSER a 0 * :A\r\n");
        hub(welcome);
        client("JOIN #dev\r\n");
        joined("dev", {"ana", "bob"});
        toHub.clear();
        takeClient();
    }
};

}  // namespace

// IRCv3 message-tags "+typing" (client-only tags): TAGMSG <-> Typing.
BOOST_FIXTURE_TEST_CASE(ircv3_client_tags_typing_both_ways, TagsFixture) {
    client("@+typing=active TAGMSG #dev\r\n@+typing=done TAGMSG bob\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 2u);
    BOOST_TEST(toHub[0].typing().room() == "dev");
    BOOST_TEST(!toHub[0].typing().stopped());
    BOOST_TEST(toHub[1].typing().to() == "bob");
    BOOST_TEST(toHub[1].typing().stopped());
    Envelope notice;
    notice.mutable_typing_notice()->set_room("dev");
    notice.mutable_typing_notice()->set_from("bob");
    notice.mutable_typing_notice()->set_expires_ms(6000);
    hub(notice);
    BOOST_TEST(takeClient() == "@+typing=active :bob!bob@hermes TAGMSG #dev\r\n");
    // Other client tags: nothing relayed.
    client("@+example/foo=1 TAGMSG #dev\r\n");
    BOOST_TEST(toHub.size() == 2u);
    BOOST_TEST(takeClient().empty());
}

// "+draft/reply" on PRIVMSG <-> Say.reply_to / ChatMessage.reply_to.
BOOST_FIXTURE_TEST_CASE(ircv3_client_tags_reply_both_ways, TagsFixture) {
    client("@+draft/reply=dev:12 PRIVMSG #dev :agreed\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].say().reply_to() == 12u);
    client("@+draft/reply=ops:12 PRIVMSG #dev :other room's msgid: no reply\r\n");
    BOOST_TEST(toHub[1].say().reply_to() == 0u);
    Envelope reply = chat("dev", "bob", "me too", 14);
    reply.mutable_message()->set_reply_to(12);
    hub(reply);
    BOOST_TEST(takeClient() ==
               "@msgid=dev:14;hermes/seq=14;+draft/reply=dev:12 :bob!bob@hermes PRIVMSG #dev :me "
               "too\r\n");
}

// "+draft/react" / "+draft/unreact" with "+draft/reply" on TAGMSG <-> REACT / UNREACT.
BOOST_FIXTURE_TEST_CASE(ircv3_client_tags_react_both_ways, TagsFixture) {
    client("@+draft/react=\xF0\x9F\x91\x8D;+draft/reply=dev:12 TAGMSG #dev\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].say().kind() == hermes::v1::MESSAGE_KIND_REACT);
    BOOST_TEST(toHub[0].say().text() == "\xF0\x9F\x91\x8D");
    BOOST_TEST(toHub[0].say().target_seq() == 12u);
    client("@+draft/unreact=\xF0\x9F\x91\x8D;+draft/reply=12 TAGMSG #dev\r\n");
    BOOST_TEST(toHub[1].say().kind() == hermes::v1::MESSAGE_KIND_UNREACT);
    client("@+draft/react=x TAGMSG #dev\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL TAGMSG INVALID_REFERENCE #dev "));
    client("@+draft/react=x;+draft/reply=3 TAGMSG bob\r\n");
    BOOST_TEST(contains(takeClient(), "FAIL TAGMSG INVALID_TARGET bob "));
    BOOST_TEST(toHub.size() == 2u);

    Envelope react = chat("dev", "bob", "reacted \xF0\x9F\x91\x8D to message 12", 15, 0,
                          hermes::v1::MESSAGE_KIND_REACT);
    react.mutable_message()->set_target_seq(12);
    react.mutable_message()->set_reaction("\xF0\x9F\x91\x8D");
    hub(react);
    BOOST_TEST(takeClient() ==
               "@msgid=dev:15;hermes/seq=15;+draft/react=\xF0\x9F\x91\x8D;+draft/reply=dev:12 "
               ":bob!bob@hermes TAGMSG #dev\r\n");
}

BOOST_FIXTURE_TEST_CASE(ircv3_client_tags_need_message_tags, Fixture) {
    registerAs("ana");
    client("@+typing=active TAGMSG #dev\r\n");
    BOOST_TEST(contains(takeClient(), " 421 ana TAGMSG "));
    BOOST_TEST(toHub.empty());
    Envelope react =
        chat("dev", "bob", "reacted x to message 12", 15, 0, hermes::v1::MESSAGE_KIND_REACT);
    react.mutable_message()->set_target_seq(12);
    hub(react);  // as before: a NOTICE
    BOOST_TEST(contains(takeClient(), ":bob!bob@hermes NOTICE #dev :[reacted x to message 12]"));
}

// draft/chathistory timestamp references: HistoryRequest.at_time_ms (and
// latest), the other bound filtered by the gateway; AROUND a time is two
// pages sent as one batch.
BOOST_FIXTURE_TEST_CASE(ircv3_chathistory_timestamp_references, Fixture) {
    client("CAP REQ :batch draft/chathistory message-tags\r\nCAP END\r\n");
    registerAs("ana");
    const std::int64_t t = 1'764'925'200'000;  // 2025-12-05T09:00:00.000Z
    client("CHATHISTORY BEFORE #dev timestamp=2025-12-05T09:00:00.000Z 5\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 1u);
    BOOST_TEST(toHub[0].history_request().latest());
    BOOST_TEST(toHub[0].history_request().at_time_ms() == t);
    BOOST_TEST(toHub[0].history_request().limit() == 5u);
    client("CHATHISTORY AFTER #dev timestamp=2025-12-05T09:00:00Z 5\r\n");
    BOOST_TEST(!toHub[1].history_request().latest());
    BOOST_TEST(toHub[1].history_request().at_time_ms() == t + 1);
    // Answer both, so the AROUND below pairs with its own pages.
    for (int i = 0; i < 2; ++i) {
        Envelope empty;
        empty.mutable_history_page()->set_room("dev");
        hub(empty);
    }
    takeClient();

    client("CHATHISTORY AROUND #dev timestamp=2025-12-05T09:00:00.000Z 4\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), 4u);
    BOOST_TEST(toHub[2].history_request().latest());
    BOOST_TEST(toHub[2].history_request().limit() == 2u);
    BOOST_TEST(toHub[3].history_request().at_time_ms() == t);
    BOOST_TEST(!toHub[3].history_request().latest());
    const auto page = [&](std::vector<std::pair<std::uint64_t, std::int64_t>> rows) {
        Envelope envelope;
        envelope.mutable_history_page()->set_room("dev");
        for (const auto& [seq, ms] : rows) {
            auto& m = *envelope.mutable_history_page()->add_messages();
            m = chat("dev", "bob", "m" + std::to_string(seq), seq).message();
            m.set_time_ms(ms);
        }
        hub(envelope);
    };
    page({{7, t - 20}, {8, t - 10}});
    BOOST_TEST(takeClient().empty());  // held for the second half
    page({{9, t}, {10, t + 10}});
    const std::string around = takeClient();
    BOOST_TEST(around ==
                   ":hub BATCH +3 chathistory #dev\r\n"
                   "@batch=3;msgid=dev:7;hermes/seq=7 :bob!bob@hermes PRIVMSG #dev :m7\r\n"
                   "@batch=3;msgid=dev:8;hermes/seq=8 :bob!bob@hermes PRIVMSG #dev :m8\r\n"
                   "@batch=3;msgid=dev:9;hermes/seq=9 :bob!bob@hermes PRIVMSG #dev :m9\r\n"
                   "@batch=3;msgid=dev:10;hermes/seq=10 :bob!bob@hermes PRIVMSG #dev :m10\r\n"
                   ":hub BATCH -3\r\n",
               around);

    // BETWEEN forwards: from just after A, stopping before B.
    client(
        "CHATHISTORY BETWEEN #dev timestamp=2025-12-05T09:00:00.000Z "
        "timestamp=2025-12-05T09:00:00.015Z 10\r\n");
    BOOST_TEST(toHub.back().history_request().at_time_ms() == t + 1);
    page({{10, t + 10}, {11, t + 15}, {12, t + 20}});
    std::string out = takeClient();
    BOOST_TEST(contains(out, ":m10\r\n"));
    BOOST_TEST(!contains(out, ":m11\r\n"));
    // Before 1970: nothing before it, everything after it.
    const std::size_t asked = toHub.size();
    client("CHATHISTORY BEFORE #dev timestamp=1960-01-01T00:00:00.000Z 10\r\n");
    BOOST_TEST(toHub.size() == asked);
    BOOST_TEST(contains(takeClient(), " chathistory #dev\r\n"));
    client("CHATHISTORY AROUND #dev timestamp=1960-01-01T00:00:00.000Z 10\r\n");
    BOOST_REQUIRE_EQUAL(toHub.size(), asked + 1);
    BOOST_TEST(toHub.back().history_request().at_time_ms() == 1);
    page({});
    takeClient();
    // LATEST after a time: the newest, those after it only.
    client("CHATHISTORY LATEST #dev timestamp=2025-12-05T09:00:00.010Z 10\r\n");
    BOOST_TEST(toHub.back().history_request().latest());
    BOOST_TEST(toHub.back().history_request().at_time_ms() == 0);
    page({{10, t + 10}, {11, t + 15}});
    out = takeClient();
    BOOST_TEST(!contains(out, ":m10\r\n"));
    BOOST_TEST(contains(out, ":m11\r\n"));
}
