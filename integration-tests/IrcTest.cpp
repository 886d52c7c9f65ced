// The IRC gateway against a real hermesd (docs/IRC.md): scripted raw-socket
// IRC clients (harness/IrcClient) and Hermes clients (RawClient) in the same
// rooms. Cases are named after the RFC 2812 sections they exercise. Bad input
// (over-long lines, NUL, invalid UTF-8, unknown commands, a flood) gets its
// documented answer, and witnesses on both protocols are still served.
#define BOOST_TEST_MODULE IrcTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "BoostSupport.hpp"
#include "Frames.hpp"
#include "IrcClient.hpp"
#include "RawClient.hpp"
#include "hermes/irc/IrcTime.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

constexpr auto kWait = 5s;

bool has(const std::string& line, const std::string& text) {
    return line.find(text) != std::string::npos;
}

// The seq in a line's hermes/seq tag, or 0.
std::uint64_t seqTag(const std::string& line) {
    const std::size_t at = line.find("hermes/seq=");
    if (at == std::string::npos) {
        return 0;
    }
    return std::stoull(line.substr(at + 11));
}

// What ircMember() varies between the tests' IRC clients.
struct IrcMember {
    std::string caps{};                // CAP REQ'd (LS 302 first, END after USER); none: no CAP
    std::vector<std::string> rooms{};  // JOINed one by one after 376, each up to its 366
    std::string nick{};                // none: the client's name
    std::string password{};            // PASS before NICK, when not empty
    int receiveBufferBytes = 0;        // as IrcClient's
};

// An IRC client of `hub`, registered (001 to 376 seen) and in `member.rooms`.
it::IrcClient ircMember(it::IrcHub& hub, const std::string& name, const IrcMember& member = {}) {
    it::IrcClient client(hub.ircPort(), name, member.receiveBufferBytes);
    const std::string nick = member.nick.empty() ? name : member.nick;
    if (!member.password.empty()) {
        client.send("PASS " + member.password);
    }
    client.registerAs(nick, member.caps, it::after(kWait));
    for (const std::string& room : member.rooms) {
        client.send("JOIN #" + room);
        client.expect(" 366 " + nick + " #" + room + " ", it::after(kWait));
    }
    return client;
}

// A Hermes client in `room`, with its join answered.
void hermesJoin(it::RawClient& client, const std::string& nick, const std::string& room) {
    client.hello(nick, it::after(kWait));
    client.send(it::joinEnvelope(room, true));
    client.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, nick), it::after(kWait),
                  nick + " joined " + room);
}

}  // namespace

// RFC 2812 3.1 (connection registration) and 5.1 (the replies clients wait for).
BOOST_AUTO_TEST_CASE(rfc2812_3_1_registration_numerics) {
    it::IrcHub hub;
    it::IrcClient ana(hub.ircPort(), "ana");
    ana.send("CAP LS 302");
    const std::string caps = ana.expect(" CAP * LS ", it::after(kWait));
    BOOST_TEST(has(caps, "message-tags"));
    BOOST_TEST(has(caps, "echo-message"));
    BOOST_TEST(has(caps, "server-time"));
    ana.send("NICK ana");
    ana.send("USER ana 0 * :Ana");
    // Registration waits for CAP END: nothing is said before it.
    ana.send("CAP END");
    BOOST_TEST(has(ana.expect(" 001 ana ", it::after(kWait)), "Welcome"));
    ana.expect(" 002 ana ", it::after(kWait));
    ana.expect(" 003 ana ", it::after(kWait));
    ana.expect(" 004 ana hermes-it ", it::after(kWait));
    const std::string isupport = ana.expect(" 005 ana ", it::after(kWait));
    BOOST_TEST(has(isupport, "CASEMAPPING=ascii"));
    BOOST_TEST(has(isupport, "CHANTYPES=#"));
    BOOST_TEST(has(isupport, "NICKLEN=32"));
    ana.expect(" 375 ana ", it::after(kWait));
    ana.expect(" 372 ana :- integration test hub", it::after(kWait));  // hub.motd
    ana.expect(" 376 ana ", it::after(kWait));
    // hub.default_room (lobby) is joined for her, as for any client.
    ana.expect(":ana!ana@hermes JOIN #lobby", it::after(kWait));

    // RFC 2812 3.1.2: a nick in use is 433 and the connection stays.
    it::IrcClient other(hub.ircPort(), "other");
    other.send("NICK ANA");
    other.send("USER x 0 * :x");
    other.expect(" 433 * ANA ", it::after(kWait));
    other.send("NICK ana2");
    other.expect(" 001 ana2 ", it::after(kWait));
    // Commands before registration: 451.
    it::IrcClient early(hub.ircPort(), "early");
    early.send("JOIN #x");
    early.expect(" 451 * ", it::after(kWait));
}

// RFC 2812 3.2.1 JOIN with NAMES, 3.3.1 PRIVMSG both ways with the same seqs,
// CTCP ACTION both ways, 3.2.2 PART and 3.1.7 QUIT seen on both sides.
BOOST_AUTO_TEST_CASE(rfc2812_3_2_1_join_3_3_1_privmsg_between_irc_and_hermes) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");

    auto ana = ircMember(hub, "ana", {.caps = "message-tags server-time echo-message"});
    ana.send("JOIN #Dev");
    ana.expect(":ana!ana@hermes JOIN #dev", it::after(kWait));
    const std::string names = ana.expect(" 353 ana = #dev :", it::after(kWait));
    BOOST_TEST(has(names, "bob"));
    BOOST_TEST(has(names, "ana"));
    ana.expect(" 366 ana #dev ", it::after(kWait));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "ana"), it::after(kWait), "ana's JOINED");

    // IRC -> Hermes: the same seq on both sides (echo-message gives ana hers).
    ana.send("PRIVMSG #dev :hello from irc");
    const auto heard =
        bob.expect(it::isChatText("dev", "hello from irc"), it::after(kWait), "ana's line");
    BOOST_TEST(heard.envelope.message().from() == "ana");
    const std::string echo = ana.expect("PRIVMSG #dev :hello from irc", it::after(kWait));
    BOOST_TEST(seqTag(echo) == heard.envelope.message().seq());
    BOOST_TEST(has(echo, "time="));

    // Hermes -> IRC.
    bob.send(it::sayEnvelope("dev", "hello from hermes", 41));
    const auto sent =
        bob.expect(it::isChatText("dev", "hello from hermes"), it::after(kWait), "bob's echo");
    const std::string line =
        ana.expect(":bob!bob@hermes PRIVMSG #dev :hello from hermes", it::after(kWait));
    BOOST_TEST(seqTag(line) == sent.envelope.message().seq());
    BOOST_TEST(seqTag(line) == heard.envelope.message().seq() + 1);

    // CTCP ACTION <-> ACTION kind.
    ana.send(
        "PRIVMSG #dev :\x01"
        "ACTION waves\x01");
    const auto action = bob.expect(it::isChatText("dev", "waves"), it::after(kWait), "ana's /me");
    BOOST_TEST(action.envelope.message().kind() == v1::MESSAGE_KIND_ACTION);
    v1::Envelope dance = it::sayEnvelope("dev", "dances", 42);
    dance.mutable_say()->set_kind(v1::MESSAGE_KIND_ACTION);
    bob.send(dance);
    ana.expect(
        ":bob!bob@hermes PRIVMSG #dev :\x01"
        "ACTION dances\x01",
        it::after(kWait));

    // Without echo-message, one's own lines are not sent back.
    auto cy = ircMember(hub, "cy", {.rooms = {"dev"}});
    cy.send("PRIVMSG #dev :cy speaks");
    bob.expect(it::isChatText("dev", "cy speaks"), it::after(kWait), "cy's line");
    ana.expect(":cy!cy@hermes PRIVMSG #dev :cy speaks", it::after(kWait));
    cy.sync(it::after(kWait));
    BOOST_TEST(cy.absent("cy speaks", it::after(0ms)));

    // Private messages both ways.
    cy.send("PRIVMSG bob :psst");
    const auto pm = bob.expect(
        [](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().text() == "psst";
        },
        it::after(kWait), "cy's private message");
    BOOST_TEST(pm.envelope.message().room().empty());
    bob.send(it::privateEnvelope("cy", "back at you", 43));
    cy.expect(":bob!bob@hermes PRIVMSG cy :back at you", it::after(kWait));

    // Hermes clients leave and quit: PART and QUIT on IRC.
    {
        it::RawClient dan(hub.hub().port(), "dan");
        hermesJoin(dan, "dan", "dev");
        ana.expect(":dan!dan@hermes JOIN #dev", it::after(kWait));
        dan.send(it::leaveEnvelope("dev", "off I go"));
        ana.expect(":dan!dan@hermes PART #dev :off I go", it::after(kWait));
        dan.send(it::joinEnvelope("dev", true));
        ana.expect(":dan!dan@hermes JOIN #dev", it::after(kWait));
        dan.send(it::byeEnvelope("good night"));
        BOOST_TEST(dan.waitClosed(it::after(kWait)));
        ana.expect(":dan!dan@hermes QUIT :Quit: good night", it::after(kWait));
    }

    // IRC clients part and quit: Presence on the Hermes side.
    cy.send("PART #dev :later");
    cy.expect(":cy!cy@hermes PART #dev :later", it::after(kWait));
    const auto left =
        bob.expect(it::isPresence(v1::PRESENCE_KIND_LEFT, "cy"), it::after(kWait), "cy's PART");
    BOOST_TEST(left.envelope.presence().reason() == "later");
    ana.send("QUIT :bye all");
    BOOST_TEST(has(ana.expect("ERROR :Closing Link:", it::after(kWait)), "(Quit: bye all)"));
    BOOST_TEST(ana.waitClosed(it::after(kWait)));
    const auto quit =
        bob.expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "ana"), it::after(kWait), "ana's QUIT");
    BOOST_TEST(quit.envelope.presence().reason() == "bye all");
}

// RFC 2812 3.7.2 PING / 3.7.3 PONG, 4.1 AWAY, 3.6.2 WHOIS, 3.2.4 TOPIC, 3.2.6 LIST.
BOOST_AUTO_TEST_CASE(rfc2812_3_7_ping_4_1_away_3_6_2_whois) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    auto ana = ircMember(hub, "ana", {.caps = "away-notify", .rooms = {"dev"}});

    ana.send("PING :are you there");
    ana.expect(":hermes-it PONG hermes-it :are you there", it::after(kWait));

    ana.send("AWAY :at lunch");
    ana.expect(" 306 ana ", it::after(kWait));
    bob.send(it::whoisEnvelope("ana"));
    const auto whois =
        bob.expect(it::isBody(v1::Envelope::kWhoisReply), it::after(kWait), "WhoisReply about ana");
    BOOST_TEST(whois.envelope.whois_reply().away() == "at lunch");
    ana.send("AWAY");
    ana.expect(" 305 ana ", it::after(kWait));

    bob.send(it::setAwayEnvelope("meeting"));
    ana.expect(":bob!bob@hermes AWAY :meeting", it::after(kWait));  // away-notify

    ana.send("WHOIS bob");
    ana.expect(" 311 ana bob bob hermes * :", it::after(kWait));
    ana.expect(" 319 ana bob :#dev", it::after(kWait));
    ana.expect(" 301 ana bob :meeting", it::after(kWait));
    ana.expect(" 318 ana bob ", it::after(kWait));
    ana.send("WHOIS nobody");
    ana.expect(" 401 ana nobody ", it::after(kWait));
    ana.expect(" 318 ana nobody ", it::after(kWait));

    ana.send("TOPIC #dev :plans for friday");
    ana.expect(":ana!ana@hermes TOPIC #dev :plans for friday", it::after(kWait));
    const auto topic =
        bob.expect(it::isBody(v1::Envelope::kTopic), it::after(kWait), "the new topic");
    BOOST_TEST(topic.envelope.topic().text() == "plans for friday");
    ana.send("TOPIC #dev");
    ana.expect(" 332 ana #dev :plans for friday", it::after(kWait));

    ana.send("LIST");
    ana.expect(" 322 ana #dev 2 :plans for friday", it::after(kWait));
    ana.expect(" 323 ana ", it::after(kWait));
    ana.send("WHO #dev");
    ana.expect(" 352 ana #dev bob hermes hermes-it bob G@ ", it::after(kWait));
    ana.expect(" 315 ana #dev ", it::after(kWait));
}

// Bad input (docs/IRC.md "Bad input"): each answered, nothing relayed, and
// witnesses on both protocols still served.
BOOST_AUTO_TEST_CASE(bad_input_is_answered_and_witnesses_are_served) {
    it::IrcHub hub;
    it::RawClient witness(hub.hub().port(), "witness");
    hermesJoin(witness, "witness", "dev");
    auto ircWitness = ircMember(hub, "ircwitness", {.rooms = {"dev"}});

    auto bad = ircMember(hub, "bad", {.rooms = {"dev"}});

    bad.send("FROBNICATE now");
    bad.expect(":hermes-it 421 bad FROBNICATE :Unknown command", it::after(kWait));

    bad.send("PRIVMSG #dev :" + std::string(600, 'x'));  // RFC 1459 2.3: 512 bytes at most
    bad.expect(" 417 bad :Input line was too long", it::after(kWait));

    bad.sendRaw(std::string("PRIVMSG #dev :nul\0byte\r\n", 24));
    bad.expect("FAIL * INVALID_TEXT ", it::after(kWait));

    bad.send("PRIVMSG #dev :bad \xC3\x28 utf8");
    bad.expect("FAIL PRIVMSG INVALID_UTF8 ", it::after(kWait));

    bad.sendRaw("PRIVMSG #dev :no line feed yet " + std::string(2000, 'y'));
    bad.expect(" 417 bad ", it::after(kWait));
    bad.send("");  // ends the discarded line

    // Nothing of it reached anyone; the bad client and both witnesses go on.
    bad.send("PRIVMSG #dev :sane again");
    const auto sane = witness.expect(it::isChatText("dev", "sane again"), it::after(kWait),
                                     "the bad client's good line");
    ircWitness.expect(":bad!bad@hermes PRIVMSG #dev :sane again", it::after(kWait));
    witness.sync(it::after(kWait));
    const std::uint64_t saneSeq = sane.envelope.message().seq();
    BOOST_TEST(!witness.tryExpect(
        [saneSeq](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().seq() != saneSeq;
        },
        it::after(0ms)));
    ircWitness.sync(it::after(kWait));
    BOOST_TEST(ircWitness.absent("xxxxxxxx", it::after(0ms)));
    BOOST_TEST(ircWitness.absent("utf8", it::after(0ms)));
    BOOST_TEST(ircWitness.absent("nul", it::after(0ms)));

    witness.send(it::sayEnvelope("dev", "still here", 7));
    ircWitness.expect(":witness!witness@hermes PRIVMSG #dev :still here", it::after(kWait));
    bad.expect(":witness!witness@hermes PRIVMSG #dev :still here", it::after(kWait));
}

// The hub's flood rule, the IRC way: ERROR :Closing Link: ... (Excess Flood).
BOOST_AUTO_TEST_CASE(flood_is_excess_flood) {
    it::IrcHub hub(it::HubProcess::Settings{
        {"hub.rate_per_second", "5"}, {"hub.rate_burst", "10"}, {"hub.flood_backlog", "20"}});
    it::RawClient witness(hub.hub().port(), "witness");
    hermesJoin(witness, "witness", "dev");
    auto flood = ircMember(hub, "flood", {.rooms = {"dev"}});
    std::string burst;
    for (int i = 0; i < 100; ++i) {
        burst += "PRIVMSG #dev :line " + std::to_string(i) + "\r\n";
    }
    flood.sendRaw(burst);
    BOOST_TEST(has(flood.expect("ERROR :Closing Link:", it::after(kWait)), "(Excess Flood)"));
    BOOST_TEST(flood.waitClosed(it::after(kWait)));
    witness.expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "flood"), it::after(kWait),
                   "flood's QUIT");
    witness.send(it::sayEnvelope("dev", "served", 1));
    witness.expect(it::isChatText("dev", "served"), it::after(kWait), "the witness's echo");
}

// The hub's slow-consumer rule, the IRC way: an IRC member that stops
// reading is cut for its write stall, and told ERROR :Closing Link: ...
// (SendQ exceeded) once it reads again; the room carries on.
BOOST_AUTO_TEST_CASE(slow_reader_is_sendq_exceeded) {
    it::IrcHub hub(it::HubProcess::Settings{{"hub.write_stall_timeout_ms", "1000"},
                                            {"hermesd.linger_ms", "5000"},
                                            {"hermesd.send_buffer_bytes", "65536"}});
    it::RawClient talker(hub.hub().port(), "talker");
    hermesJoin(talker, "talker", "dev");
    auto slow = ircMember(hub, "slow", {.rooms = {"dev"}, .receiveBufferBytes = 4096});
    talker.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "slow"), it::after(kWait),
                  "slow's JOINED");

    // slow reads no more; the talker says 2 MB.
    const std::string text(3000, 'z');
    constexpr int kLines = 700;
    for (int i = 1; i <= kLines; ++i) {
        talker.send(it::sayEnvelope("dev", text, static_cast<std::uint64_t>(i)));
        if (i % 50 == 0) {
            talker.expect(
                [i](const it::Frame& f) {
                    return f.envelope.has_message() &&
                           f.envelope.message().client_msg_id() == static_cast<std::uint64_t>(i);
                },
                it::after(kWait), "the talker's echo " + std::to_string(i));
        }
    }
    const auto quit = talker.expect(it::isPresence(v1::PRESENCE_KIND_QUIT, "slow"), it::after(10s),
                                    "slow cut for its write stall");
    BOOST_TEST_MESSAGE("slow quit: " << quit.envelope.presence().reason());

    // It reads again: what was on its socket, then the hub's last word.
    const std::string error = slow.expect("ERROR :Closing Link:", it::after(kWait));
    BOOST_TEST(has(error, "(SendQ exceeded)"), error);
    BOOST_TEST(slow.waitClosed(it::after(kWait)));
    talker.send(it::sayEnvelope("dev", "still served", 9999));
    talker.expect(it::isChatText("dev", "still served"), it::after(kWait), "the talker's echo");
}

// Send pacing (irc.send_interval_ms, docs/IRC.md "Cost"), with an interval
// long enough that every line after the first of a burst is held: none is
// lost or reordered, the held ones go when the interval is over (no later
// output pushes them out), a PONG gets through while lines are held, and a
// Hermes member of the room is not paced.
BOOST_AUTO_TEST_CASE(paced_member_gets_a_burst_whole_and_in_order) {
    it::IrcHub hub(it::HubProcess::Settings{{"irc.send_interval_ms", "200"}});
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    it::IrcClient ana(hub.ircPort(), "ana");
    ana.registerAs("ana", "message-tags", it::after(kWait));
    ana.send("JOIN #dev");
    ana.expect(" 366 ana #dev ", it::after(kWait));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "ana"), it::after(kWait), "ana's JOINED");

    constexpr int kLines = 20;
    const auto text = [](int i) {
        return std::string("paced ") + (i < 10 ? "0" : "") + std::to_string(i);
    };
    for (int i = 1; i <= kLines; ++i) {
        bob.send(it::sayEnvelope("dev", text(i), static_cast<std::uint64_t>(i)));
    }
    // bob's own echoes are not held: every one comes back.
    for (int i = 1; i <= kLines; ++i) {
        bob.expect(it::isChatText("dev", text(i)), it::after(kWait), "bob's echo " + text(i));
    }
    // ana: the last line arrives without anything after it to push it out;
    // the ones before it are in her inbox, in the order said.
    const std::string last = ana.expect("PRIVMSG #dev :" + text(kLines), it::after(kWait));
    std::vector<std::uint64_t> seqs;
    for (const std::string& line : ana.inbox()) {
        if (has(line, "PRIVMSG #dev :paced ")) {
            BOOST_TEST(has(line, "PRIVMSG #dev :" + text(static_cast<int>(seqs.size()) + 1)), line);
            seqs.push_back(seqTag(line));
        }
    }
    BOOST_TEST(seqs.size() == static_cast<std::size_t>(kLines - 1));
    seqs.push_back(seqTag(last));
    for (std::size_t i = 1; i < seqs.size(); ++i) {
        BOOST_TEST(seqs[i] == seqs[i - 1] + 1);
    }
    // Her own output (a PONG) and a new line, right after a send.
    bob.send(it::sayEnvelope("dev", "after the burst", 100));
    ana.sync(it::after(kWait));
    ana.expect("PRIVMSG #dev :after the burst", it::after(kWait));
}

// IRCv3 draft/chathistory and batch against the hub's store: the backlog on
// JOIN, then CHATHISTORY BEFORE / AFTER / LATEST, with the same seqs the
// Hermes client got.
BOOST_AUTO_TEST_CASE(ircv3_chathistory_backlog_and_paging) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    std::vector<std::uint64_t> seqs;
    for (int i = 1; i <= 5; ++i) {
        const std::string text = "line " + std::to_string(i);
        bob.send(it::sayEnvelope("dev", text, static_cast<std::uint64_t>(i)));
        seqs.push_back(bob.expect(it::isChatText("dev", text), it::after(kWait), text)
                           .envelope.message()
                           .seq());
    }

    auto ana = ircMember(
        hub, "ana", {.caps = "batch draft/chathistory message-tags server-time", .rooms = {"dev"}});
    const std::string open = ana.expect(" chathistory #dev", it::after(kWait));
    const std::string id =
        open.substr(open.find("BATCH +") + 7,
                    open.find(' ', open.find("BATCH +") + 7) - open.find("BATCH +") - 7);
    for (int i = 1; i <= 5; ++i) {
        const std::string line =
            ana.expect(":bob!bob@hermes PRIVMSG #dev :line " + std::to_string(i), it::after(kWait));
        BOOST_TEST(has(line, "batch=" + id), line);
        BOOST_TEST(seqTag(line) == seqs[static_cast<std::size_t>(i - 1)]);
    }
    ana.expect("BATCH -" + id, it::after(kWait));

    ana.send("CHATHISTORY BEFORE #dev msgid=dev:" + std::to_string(seqs[2]) + " 10");
    ana.expect(" chathistory #dev", it::after(kWait));
    ana.expect("PRIVMSG #dev :line 1", it::after(kWait));
    ana.expect("PRIVMSG #dev :line 2", it::after(kWait));
    ana.expect("BATCH -", it::after(kWait));
    ana.send("CHATHISTORY AFTER #dev msgid=dev:" + std::to_string(seqs[3]) + " 10");
    ana.expect(" chathistory #dev", it::after(kWait));
    ana.expect("PRIVMSG #dev :line 5", it::after(kWait));
    ana.expect("BATCH -", it::after(kWait));
    ana.send("CHATHISTORY LATEST #dev * 2");
    ana.expect(" chathistory #dev", it::after(kWait));
    ana.expect("PRIVMSG #dev :line 4", it::after(kWait));
    ana.expect("PRIVMSG #dev :line 5", it::after(kWait));
    ana.expect("BATCH -", it::after(kWait));
    ana.sync(it::after(kWait));
    BOOST_TEST(ana.absent("PRIVMSG #dev :line 3", it::after(0ms)), "BEFORE stops below its msgid");
    ana.send("CHATHISTORY BEFORE #nowhere msgid=3 10");
    ana.expect("FAIL CHATHISTORY INVALID_TARGET #nowhere", it::after(kWait));
}

// RFC 2812 3.1.1 PASS is the hub's password; 3.1.2 NICK after registration
// is SetNick, seen on both sides.
BOOST_AUTO_TEST_CASE(rfc2812_3_1_1_pass_3_1_2_nick_change) {
    it::IrcHub hub(it::HubProcess::Settings{{"hub.password", "letmein"}});
    {
        it::IrcClient nopass(hub.ircPort(), "nopass");
        nopass.send("NICK nopass");
        nopass.send("USER x 0 * :x");
        nopass.expect(" 464 ", it::after(kWait));
        BOOST_TEST(has(nopass.expect("ERROR :Closing Link:", it::after(kWait)), "password"));
        BOOST_TEST(nopass.waitClosed(it::after(kWait)));
    }
    it::RawClient bob(hub.hub().port(), "bob");
    v1::Envelope hello = it::helloEnvelope("bob");
    hello.mutable_hello()->set_hub_password("letmein");
    bob.send(hello);
    bob.expect(it::isBody(v1::Envelope::kWelcome), it::after(kWait), "bob's Welcome");
    bob.send(it::joinEnvelope("dev", true));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "bob"), it::after(kWait), "bob joined");

    auto ana = ircMember(hub, "ana", {.rooms = {"dev"}, .password = "letmein"});
    ana.send("NICK anna");
    ana.expect(":ana!ana@hermes NICK anna", it::after(kWait));
    const auto renamed = bob.expect(it::isPresence(v1::PRESENCE_KIND_NICK_CHANGED, "ana"),
                                    it::after(kWait), "ana's nick change");
    BOOST_TEST(renamed.envelope.presence().new_nick() == "anna");
    ana.send("NICK bob");
    ana.expect(" 433 anna bob ", it::after(kWait));
    ana.send("PRIVMSG #dev :as anna");
    BOOST_TEST(bob.expect(it::isChatText("dev", "as anna"), it::after(kWait), "anna's line")
                   .envelope.message()
                   .from() == "anna");
}

// A registered nick is not given to an IRC client without its password
// (SASL: not yet): 433, and another nick works.
BOOST_AUTO_TEST_CASE(registered_nick_is_refused_without_sasl) {
    it::IrcHub hub;
    it::registerNick(hub.hub().port(), "carol", "carols-password");
    it::IrcClient irc(hub.ircPort(), "irc");
    irc.send("NICK carol");
    irc.send("USER c 0 * :c");
    irc.expect(" 433 * carol ", it::after(kWait));
    irc.send("NICK carol_");
    irc.expect(" 001 carol_ ", it::after(kWait));
}

// The issue's bad input at scale: 10,000 JOINs in one go end in Excess Flood
// (each JOIN is a frame under the hub's rate limit); a message to 1,000
// targets is over 512 bytes (417), one to 100 targets past TARGMAX (407).
// Witnesses on both protocols are served throughout.
BOOST_AUTO_TEST_CASE(ten_thousand_joins_and_a_thousand_targets) {
    it::IrcHub hub(it::HubProcess::Settings{
        {"hub.rate_per_second", "5"}, {"hub.rate_burst", "10"}, {"hub.flood_backlog", "20"}});
    it::RawClient witness(hub.hub().port(), "witness");
    hermesJoin(witness, "witness", "dev");
    auto ircWitness = ircMember(hub, "ircwitness", {.rooms = {"dev"}});

    auto targets = ircMember(hub, "targets");
    std::string thousand, hundred;
    for (int i = 0; i < 1000; ++i) {
        thousand += (i ? "," : "") + std::string("n") + std::to_string(i);
        if (i < 100) {
            hundred += (i ? "," : "") + std::string("n") + std::to_string(i);
        }
    }
    targets.send("PRIVMSG " + thousand + " :hi");
    targets.expect(" 417 targets ", it::after(kWait));
    targets.send("PRIVMSG " + hundred + " :hi");
    targets.expect(" 407 targets ", it::after(kWait));

    auto joins = ircMember(hub, "joins");
    std::string burst;
    for (int i = 0; i < 10000; ++i) {
        burst += "JOIN #r" + std::to_string(i) + "\r\n";
    }
    try {
        joins.sendRaw(burst);
    } catch (const std::runtime_error&) {
        // The hub may close before it has read it all.
    }
    BOOST_TEST(has(joins.expect("ERROR :Closing Link:", it::after(10s)), "(Excess Flood)"));
    BOOST_TEST(joins.waitClosed(it::after(kWait)));

    witness.send(it::sayEnvelope("dev", "after the storm", 5));
    witness.expect(it::isChatText("dev", "after the storm"), it::after(kWait), "the echo");
    ircWitness.expect(":witness!witness@hermes PRIVMSG #dev :after the storm", it::after(kWait));
    ircWitness.send("PRIVMSG #dev :me too");
    witness.expect(it::isChatText("dev", "me too"), it::after(kWait), "the IRC witness's line");
}

// ---------------------------------------------------------------- accounts from IRC

namespace {

// "\0account\0password" in base64, as AUTHENTICATE carries it.
std::string plain(const std::string& account, const std::string& password) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string in = std::string(1, '\0') + account + '\0' + password;
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, in.size() - i);
        std::uint32_t v = 0;
        for (std::size_t j = 0; j < 3; ++j) {
            v = (v << 8) | (j < n ? static_cast<unsigned char>(in[i + j]) : 0u);
        }
        for (std::size_t j = 0; j < 4; ++j) {
            out += j <= n ? kAlphabet[(v >> (18 - 6 * j)) & 63] : '=';
        }
    }
    return out;
}

// CAP LS 302, NICK, USER, CAP REQ :sasl, AUTHENTICATE PLAIN: the client
// waits for the hub's verdict on its next AUTHENTICATE.
void startSasl(it::IrcClient& client, const std::string& nick) {
    client.send("CAP LS 302");
    BOOST_TEST(has(client.expect(" CAP * LS ", it::after(kWait)), "sasl=PLAIN"));
    client.send("NICK " + nick);
    client.send("USER " + nick + " 0 * :" + nick);
    client.send("CAP REQ :sasl server-time");
    client.expect(" CAP * ACK ", it::after(kWait));
    client.send("AUTHENTICATE PLAIN");
    client.expect("AUTHENTICATE +", it::after(kWait));
}

}  // namespace

// IRCv3 sasl-3.1 PLAIN against the hub's accounts: a wrong password is 904
// (the hub checked it), the right one 900 and 903, then CAP END registers
// the account's nick, which a Hermes client sees as itself. Bad AUTHENTICATE
// input is answered (904, 905, 906) and a witness on either protocol is
// still served.
BOOST_AUTO_TEST_CASE(ircv3_sasl_3_1_plain_signs_in_a_registered_nick) {
    it::IrcHub hub;
    it::registerNick(hub.hub().port(), "carol", "carols-password");
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    auto witness = ircMember(hub, "witness", {.caps = "account-tag", .rooms = {"dev"}});

    it::IrcClient carol(hub.ircPort(), "carol");
    startSasl(carol, "carol");
    // Bad input first: base64 that is not, a chunk over 400 bytes, an abort.
    carol.send("AUTHENTICATE !!!!");
    carol.expect(" 904 * :SASL authentication failed: the payload is not valid base64",
                 it::after(kWait));
    carol.send("AUTHENTICATE PLAIN");
    carol.expect("AUTHENTICATE +", it::after(kWait));
    carol.send("AUTHENTICATE " + std::string(450, 'A'));
    carol.expect(" 905 * ", it::after(kWait));
    carol.send("AUTHENTICATE PLAIN");
    carol.expect("AUTHENTICATE +", it::after(kWait));
    carol.send("AUTHENTICATE *");
    carol.expect(" 906 * ", it::after(kWait));
    // A wrong password: the hub's refusal.
    carol.send("AUTHENTICATE PLAIN");
    carol.expect("AUTHENTICATE +", it::after(kWait));
    carol.send("AUTHENTICATE " + plain("carol", "wrong"));
    carol.expect(" 904 * :SASL authentication failed: ", it::after(kWait));
    // The right one.
    carol.send("AUTHENTICATE PLAIN");
    carol.expect("AUTHENTICATE +", it::after(kWait));
    carol.send("AUTHENTICATE " + plain("carol", "carols-password"));
    carol.expect(" 900 carol carol!carol@hermes carol :You are now logged in as carol",
                 it::after(kWait));
    carol.expect(" 903 carol ", it::after(kWait));
    BOOST_TEST(carol.absent(" 001 ", it::after(200ms)), "registration waits for CAP END");
    carol.send("CAP END");
    carol.expect(" 001 carol ", it::after(kWait));
    carol.expect(" 376 carol ", it::after(kWait));
    carol.send("AUTHENTICATE PLAIN");
    carol.expect(" 907 carol ", it::after(kWait));
    carol.send("JOIN #dev");
    carol.expect(" 366 carol #dev ", it::after(kWait));
    carol.send("PRIVMSG #dev :signed in from IRC");
    const auto line =
        bob.expect(it::isChatText("dev", "signed in from IRC"), it::after(kWait), "carol's line");
    BOOST_TEST(line.envelope.message().from() == "carol");
    BOOST_TEST(line.envelope.message().from_account() == "carol");
    // IRCv3 account-tag: the witness asked for it.
    witness.expect("@account=carol :carol!carol@hermes PRIVMSG #dev :signed in from IRC",
                   it::after(kWait));
    bob.send(it::sayEnvelope("dev", "from an anonymous nick", 6));
    witness.expect(":bob!bob@hermes PRIVMSG #dev :from an anonymous nick", it::after(kWait));
    bob.send(it::sayEnvelope("dev", "witness still served", 7));
    witness.expect("PRIVMSG #dev :witness still served", it::after(kWait));
}

// IRCv3 sasl-3.2 after registration against the hub: the hub answers a
// session's frames in order, so a NICK refused (433) just before or just
// after an AUTHENTICATE is that NICK's answer, and the exchange's own answer
// (904 for a wrong password, 900/903) comes paired with it: the session is
// never left waiting for an answer it took for a NICK's, and a new exchange
// after a refusal signs in. (A nick error answering the Identify itself is
// IrcSessionTest's: the gateway checks the account name as the hub would, so
// the hub does not send one.)
BOOST_AUTO_TEST_CASE(ircv3_sasl_after_registration_pairs_nick_errors_and_goes_on) {
    it::IrcHub hub;
    it::registerNick(hub.hub().port(), "carol", "carols-password");
    it::RawClient taken(hub.hub().port(), "bob");
    taken.hello("bob", it::after(kWait));
    auto cy = ircMember(hub, "cy", {.caps = "sasl"});
    // The answers among the lines received, in their order, once `count`
    // of them are in (or the deadline passed).
    const auto answers = [&](std::size_t count) {
        std::string seen;
        for (const auto deadline = it::after(kWait);;) {
            seen.clear();
            std::size_t n = 0;
            for (const std::string& line : cy.inbox()) {
                for (const char* code : {" 433 ", " 900 ", " 903 ", " 904 "}) {
                    if (has(line, code)) {
                        seen += std::string(code).substr(1);
                        ++n;
                    }
                }
            }
            if (n >= count || it::pollTimeoutMs(deadline) == 0) {
                return seen;
            }
            cy.absent("\x01 no such line", it::after(50ms));  // reads what arrives meanwhile
        }
    };

    cy.send("AUTHENTICATE PLAIN");
    cy.expect("AUTHENTICATE +", it::after(kWait));
    cy.send("NICK bob");
    cy.send("AUTHENTICATE " + plain("carol", "wrong"));
    cy.send("NICK bob");
    BOOST_TEST(answers(3) == "433 904 433 ");
    BOOST_TEST(has(cy.expect(" 904 cy ", it::after(0ms)), "wrong password"));
    cy.expect(" 433 cy bob ", it::after(0ms));
    cy.expect(" 433 cy bob ", it::after(0ms));

    cy.send("AUTHENTICATE PLAIN");
    cy.expect("AUTHENTICATE +", it::after(kWait));
    cy.send("NICK bob");
    cy.send("AUTHENTICATE " + plain("carol", "carols-password"));
    cy.send("NICK bob");
    BOOST_TEST(answers(4) == "433 900 903 433 ");
    cy.expect(" 900 cy cy!cy@hermes carol :You are now logged in as carol", it::after(0ms));
    // Signed in: the account's nick is cy's to take.
    cy.send("NICK carol");
    cy.expect(":cy!cy@hermes NICK carol", it::after(kWait));
}

// IRCv3 draft/chathistory of a nick, end to end: two IRC sessions signed in
// with SASL read their private conversation back from the hub's store (the
// hub serves only a conversation of the session's own account); a session
// that is not signed in is refused.
BOOST_AUTO_TEST_CASE(ircv3_chathistory_of_a_nick_after_sasl) {
    it::IrcHub hub;
    it::registerNick(hub.hub().port(), "carol", "carols-password");
    it::registerNick(hub.hub().port(), "dave", "daves-password");
    const auto signIn = [](it::IrcClient& client, const std::string& nick,
                           const std::string& password) {
        startSasl(client, nick);
        client.send("AUTHENTICATE " + plain(nick, password));
        client.expect(" 903 " + nick + " ", it::after(kWait));
        client.send("CAP REQ :batch draft/chathistory message-tags");
        client.expect(" CAP " + nick + " ACK :batch draft/chathistory message-tags",
                      it::after(kWait));
        client.send("CAP END");
        client.expect(" 376 " + nick + " ", it::after(kWait));
    };
    it::IrcClient carol(hub.ircPort(), "carol");
    signIn(carol, "carol", "carols-password");
    it::IrcClient dave(hub.ircPort(), "dave");
    signIn(dave, "dave", "daves-password");

    dave.send("PRIVMSG carol :one");
    carol.expect(":dave!dave@hermes PRIVMSG carol :one", it::after(kWait));
    carol.send("PRIVMSG dave :two");
    dave.expect(":carol!carol@hermes PRIVMSG dave :two", it::after(kWait));

    carol.send("CHATHISTORY LATEST dave * 10");
    const std::string open = carol.expect(" BATCH +", it::after(kWait));
    BOOST_TEST(has(open, " chathistory dave"), open);
    const std::string first =
        carol.expect(":dave!dave@hermes PRIVMSG carol :one", it::after(kWait));
    BOOST_TEST(has(first, "msgid=~carol~dave:1"), first);
    const std::string second =
        carol.expect(":carol!carol@hermes PRIVMSG dave :two", it::after(kWait));
    BOOST_TEST(has(second, "msgid=~carol~dave:2"), second);
    carol.expect(" BATCH -", it::after(kWait));

    // Not signed in: the hub says it is not a party; FAIL, nothing read.
    auto eve = ircMember(hub, "eve", {.caps = "batch draft/chathistory message-tags"});
    eve.send("CHATHISTORY LATEST dave * 10");
    eve.expect("FAIL CHATHISTORY INVALID_TARGET ", it::after(kWait));
    BOOST_TEST(eve.absent("PRIVMSG carol :one", it::after(0ms)));
}

// Sign-in failures from IRC are throttled as the hub throttles Hermes
// clients (accounts.sign_in_burst): past the burst, the hub refuses without
// checking, and the 904 says when to retry.
BOOST_AUTO_TEST_CASE(ircv3_sasl_sign_in_is_throttled_as_for_hermes_clients) {
    it::IrcHub hub(it::HubProcess::Settings{{"accounts.sign_in_burst", "2"},
                                            {"accounts.sign_in_per_minute", "1"}});
    it::registerNick(hub.hub().port(), "dora", "doras-password");
    it::IrcClient dora(hub.ircPort(), "dora");
    startSasl(dora, "dora");
    std::string last;
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (attempt > 0) {
            dora.send("AUTHENTICATE PLAIN");
            dora.expect("AUTHENTICATE +", it::after(kWait));
        }
        dora.send("AUTHENTICATE " + plain("dora", "guess" + std::to_string(attempt)));
        last = dora.expect(" 904 * ", it::after(kWait));
    }
    BOOST_TEST(has(last, "retry"), last);
    // Even the right password waits now: the throttle is per account.
    dora.send("AUTHENTICATE PLAIN");
    dora.expect("AUTHENTICATE +", it::after(kWait));
    dora.send("AUTHENTICATE " + plain("dora", "doras-password"));
    BOOST_TEST(has(dora.expect(" 904 * ", it::after(kWait)), "retry"));
    // CAP END goes on without an account: the registered nick is refused.
    dora.send("CAP END");
    BOOST_TEST(has(dora.expect(" 433 * dora ", it::after(kWait)), "SASL"));
}

// The classic fallback: PASS carries the account's password when the nick
// is registered (and, on a private hub, the hub's password: both fields).
BOOST_AUTO_TEST_CASE(rfc2812_3_1_1_pass_signs_in_a_registered_nick) {
    it::IrcHub hub;
    it::registerNick(hub.hub().port(), "erin", "erins-password");
    it::IrcClient wrong(hub.ircPort(), "wrong");
    wrong.send("PASS not-hers");
    wrong.send("NICK erin");
    wrong.send("USER e 0 * :e");
    BOOST_TEST(has(wrong.expect(" 433 * erin ", it::after(kWait)), "password"));
    auto erin = ircMember(hub, "erin", {.password = "erins-password"});
    erin.send("AUTHENTICATE PLAIN");
    // Signed in: so SASL has nothing to add (it was not even asked for).
    BOOST_TEST(has(erin.expect(" 904 erin ", it::after(kWait)), "CAP REQ :sasl"));
}

// ---------------------------------------------------------------- moderation from IRC

// RFC 2812 3.2.3 (MODE), 3.2.7 (INVITE), 3.2.8 (KICK) as the hub's
// moderation: ana creates #mod (its operator); dave (IRC) and bob (Hermes)
// are members. Refusals are 482/401/441; what Hermes lacks is 472.
BOOST_AUTO_TEST_CASE(rfc2812_3_2_3_mode_kick_invite_as_hub_moderation) {
    it::IrcHub hub;
    auto ana = ircMember(hub, "ana", {.caps = "multi-prefix"});
    ana.send("JOIN #mod");
    BOOST_TEST(has(ana.expect(" 353 ana = #mod ", it::after(kWait)), "@ana"));
    auto dave = ircMember(hub, "dave");
    dave.send("JOIN #mod");
    BOOST_TEST(has(dave.expect(" 353 dave = #mod ", it::after(kWait)), ":@ana dave"));
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "mod");
    dave.expect(":bob!bob@hermes JOIN #mod", it::after(kWait));

    // Not an operator: 482.
    dave.send("KICK #mod bob :no");
    dave.expect(" 482 dave #mod :You're not channel operator", it::after(kWait));
    dave.send("MODE #mod +t");
    dave.expect(" 482 dave #mod ", it::after(kWait));
    // RFC 2812: 401 for a nick nobody has, 441 for one not in the channel.
    ana.send("KICK #mod nobody");
    ana.expect(" 401 ana nobody ", it::after(kWait));
    auto outside = ircMember(hub, "outside");
    ana.send("KICK #mod outside");
    ana.expect(" 441 ana outside #mod ", it::after(kWait));
    ana.send("MODE #mod +k secret");
    ana.expect(" 472 ana k :Hermes rooms have no keys", it::after(kWait));

    // +o: dave is an operator, seen by all; WHO and NAMES show "@".
    ana.send("MODE #mod +o dave");
    dave.expect(":ana!ana@hermes MODE #mod +o dave", it::after(kWait));
    BOOST_TEST(
        bob.expect(it::isPresence(v1::PRESENCE_KIND_OPPED, "dave"), it::after(kWait), "dave opped")
            .envelope.presence()
            .by() == "ana");
    ana.send("WHO #mod");
    BOOST_TEST(has(ana.expect(" 352 ana #mod dave ", it::after(kWait)), " H@ :0 dave"));
    ana.send("WHO dave");
    ana.expect(" dave hermes hermes-it dave H :0 ", it::after(kWait));  // 352: a room of his
    ana.expect(" 315 ana dave ", it::after(kWait));
    // +q mutes bob: his Say is refused.
    dave.send("MODE #mod +q bob");
    ana.expect(":dave!dave@hermes MODE #mod +q bob!*@*", it::after(kWait));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_MUTED, "bob"), it::after(kWait), "bob muted");
    bob.send(it::sayEnvelope("mod", "can I speak?", 11));
    bob.expect(it::isError(v1::ERROR_CODE_MUTED), it::after(kWait), "muted");
    // KICK: bob is out, everyone sees it.
    ana.send("KICK #mod bob :enough");
    dave.expect(":ana!ana@hermes KICK #mod bob :enough", it::after(kWait));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_KICKED, "bob"), it::after(kWait), "bob kicked");
    // +i: bob cannot come back until invited (341 to ana).
    ana.send("MODE #mod +i");
    dave.expect(":ana!ana@hermes MODE #mod +i", it::after(kWait));
    bob.send(it::joinEnvelope("mod", true));
    bob.expect(it::isError(v1::ERROR_CODE_INVITE_ONLY), it::after(kWait), "invite-only");
    ana.send("INVITE bob #mod");
    ana.expect(" 341 ana bob #mod", it::after(kWait));
    bob.send(it::joinEnvelope("mod", true));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "bob"), it::after(kWait), "bob back");
    dave.expect(":bob!bob@hermes JOIN #mod", it::after(kWait));
    // +b by nick: outside is refused at JOIN with 474.
    ana.send("MODE #mod +b outside!*@*");
    dave.expect(":ana!ana@hermes MODE #mod +b outside!*@*", it::after(kWait));
    ana.send("INVITE outside #mod");
    ana.expect(" 341 ana outside #mod", it::after(kWait));
    outside.expect(":ana!ana@hermes INVITE outside #mod", it::after(kWait));
    outside.send("JOIN #mod");
    outside.expect(" 474 outside #mod ", it::after(kWait));
    ana.send("MODE #mod b");
    ana.expect(" 367 ana #mod outside!*@* ana ", it::after(kWait));
    ana.expect(" 368 ana #mod ", it::after(kWait));
}

// ---------------------------------------------------------------- TLS (irc.tls_port)

// IRC over TLS with the hub's certificate: a TLS IRC client registers (with
// SASL), joins and chats with a plaintext IRC client and a Hermes client. A
// plaintext client on the TLS port fails its handshake, alone.
BOOST_AUTO_TEST_CASE(irc_over_tls_chats_with_plain_irc_and_hermes) {
    it::IrcHub hub(it::HubProcess::Settings{{"irc.tls_port", "auto"}});
    BOOST_REQUIRE(hub.ircTlsPort() != 0);
    it::registerNick(hub.hub().port(), "tess", "tess-password");
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "sec");
    auto plainIrc = ircMember(hub, "plain", {.rooms = {"sec"}});

    it::IrcClient tess(hub.ircTlsPort(), "tess", 0, /*tls=*/true);
    startSasl(tess, "tess");
    tess.send("AUTHENTICATE " + plain("tess", "tess-password"));
    tess.expect(" 903 tess ", it::after(kWait));
    tess.send("CAP END");
    tess.expect(" 001 tess ", it::after(kWait));
    tess.send("JOIN #sec");
    tess.expect(" 366 tess #sec ", it::after(kWait));
    tess.send("PRIVMSG #sec :over TLS \xC3\xA9t\xC3\xA9");
    bob.expect(it::isChatText("sec", "over TLS \xC3\xA9t\xC3\xA9"), it::after(kWait),
               "tess's line");
    plainIrc.expect(":tess!tess@hermes PRIVMSG #sec :over TLS \xC3\xA9t\xC3\xA9", it::after(kWait));
    bob.send(it::sayEnvelope("sec", std::string(3000, 'x'), 3));
    plainIrc.send("PRIVMSG #sec :hello tess");
    tess.expect(":bob!bob@hermes PRIVMSG #sec :xxxx", it::after(kWait));
    tess.expect(":plain!plain@hermes PRIVMSG #sec :hello tess", it::after(kWait));

    // Plain IRC on the TLS port: its handshake fails, the others carry on.
    it::IrcClient confused(hub.ircTlsPort(), "confused");
    confused.send("NICK confused");
    confused.send("USER c 0 * :c");
    BOOST_TEST(confused.waitClosed(it::after(kWait)));
    tess.send("QUIT :bye");
    BOOST_TEST(has(tess.expect("ERROR :Closing Link:", it::after(kWait)), "Quit: bye"));
    BOOST_TEST(tess.waitClosed(it::after(kWait)));
    plainIrc.expect(":tess!tess@hermes QUIT :Quit: bye", it::after(kWait));
    plainIrc.send("PRIVMSG #sec :still here");
    bob.expect(it::isChatText("sec", "still here"), it::after(kWait), "after the TLS client left");
}

// As for irc.port: a TLS port that cannot be bound stops the hub at start.
BOOST_AUTO_TEST_CASE(irc_tls_port_that_cannot_be_bound_is_fatal) {
    // Bound without SO_REUSEPORT (which the hub's listeners set): the hub's bind fails.
    Poco::Net::ServerSocket taken;
    taken.bind(Poco::Net::SocketAddress("127.0.0.1", 0), false, false);
    taken.listen();
    const std::string port = std::to_string(taken.address().port());
    try {
        it::HubProcess hub(
            it::HubProcess::Settings{{"irc.host", "127.0.0.1"}, {"irc.tls_port", port}});
        BOOST_FAIL("the hub started with irc.tls_port " + port + " taken");
    } catch (const std::runtime_error& error) {
        BOOST_TEST(has(error.what(), "cannot listen for IRC over TLS on 127.0.0.1:" + port),
                   error.what());
    }
}

// The same 10,000 JOINs on a hub without a rate limit (as the benchmarks
// run it): nothing stops them early, so every one reaches the hub and is
// answered, a JOIN up to hub.max_rooms_per_client and 405 (too many
// channels) past it; the gateway keeps up and both witnesses are served.
// A 1,000-target PRIVMSG there is 417 too: nothing of it is sent.
BOOST_AUTO_TEST_CASE(ten_thousand_joins_unlimited_are_each_answered) {
    it::IrcHub hub(it::HubProcess::Settings{{"hub.rate_per_second", "0"}});
    it::RawClient witness(hub.hub().port(), "witness");
    hermesJoin(witness, "witness", "dev");
    auto ircWitness = ircMember(hub, "ircwitness", {.rooms = {"dev"}});

    auto joins = ircMember(hub, "joins");
    std::string thousand;
    for (int i = 0; i < 1000; ++i) {
        thousand += (i ? ",n" : "n") + std::to_string(i);
    }
    joins.send("PRIVMSG " + thousand + " :hi");
    joins.expect(" 417 joins ", it::after(kWait));
    joins.sync(it::after(kWait));
    BOOST_TEST(joins.absent(" 401 ", it::after(0ms)));  // no target was tried

    constexpr int kJoins = 10000;
    std::string burst;
    for (int i = 0; i < kJoins; ++i) {
        burst += "JOIN #r" + std::to_string(i) + "\r\n";
    }
    joins.sendRaw(burst);
    // Every JOIN is answered before the PONG of a PING sent after them.
    joins.sync(it::after(10s));
    int joined = 0;
    int refused = 0;
    for (const std::string& line : joins.inbox()) {
        joined += has(line, ":joins!joins@hermes JOIN #r") ? 1 : 0;
        refused += has(line, " 405 joins #r") ? 1 : 0;
    }
    BOOST_TEST(joined > 0);
    BOOST_TEST(joined <= 64);  // hub.max_rooms_per_client
    BOOST_TEST(joined + refused == kJoins);
    BOOST_TEST(!joins.closed());

    witness.send(it::sayEnvelope("dev", "after ten thousand", 5));
    witness.expect(it::isChatText("dev", "after ten thousand"), it::after(kWait), "the echo");
    ircWitness.expect(":witness!witness@hermes PRIVMSG #dev :after ten thousand", it::after(kWait));
    ircWitness.send("PRIVMSG #dev :served");
    witness.expect(it::isChatText("dev", "served"), it::after(kWait), "the IRC witness's line");
    BOOST_TEST(ircWitness.absent(":hi", it::after(0ms)));
}

// IRCv3 CAP negotiation (CAP LS 302, REQ, ACK/NAK, LIST, END; an unknown
// subcommand is 410), draft/chathistory among the capabilities, and its
// ISUPPORT tokens once registered.
BOOST_AUTO_TEST_CASE(ircv3_cap_negotiation_with_chathistory) {
    it::IrcHub hub;
    it::IrcClient ana(hub.ircPort(), "ana");
    ana.send("CAP LS 302");
    const std::string ls = ana.expect(":hermes-it CAP * LS :", it::after(kWait));
    for (const char* cap : {"account-tag", "away-notify", "batch", "draft/chathistory",
                            "draft/multiline=", "echo-message", "message-tags", "multi-prefix",
                            "sasl=PLAIN", "server-time"}) {
        BOOST_TEST(has(ls, cap), cap << " in " << ls);
    }
    // A REQ with one unknown capability is refused whole.
    ana.send("CAP REQ :draft/chathistory account-notify");
    ana.expect(":hermes-it CAP * NAK :draft/chathistory account-notify", it::after(kWait));
    ana.send("CAP LIST");
    ana.expect(":hermes-it CAP * LIST :", it::after(kWait));
    ana.send("CAP REQ :batch draft/chathistory server-time");
    ana.expect(":hermes-it CAP * ACK :batch draft/chathistory server-time", it::after(kWait));
    ana.send("CAP REQ :-batch");
    ana.expect(":hermes-it CAP * ACK :-batch", it::after(kWait));
    ana.send("CAP LIST");
    ana.expect(":hermes-it CAP * LIST :draft/chathistory server-time", it::after(kWait));
    ana.send("CAP FROB");
    ana.expect(" 410 * FROB :Invalid CAP command", it::after(kWait));
    // NICK and USER wait for CAP END.
    ana.send("NICK ana");
    ana.send("USER ana 0 * :Ana");
    ana.sync(it::after(kWait));
    BOOST_TEST(ana.absent(" 001 ", it::after(0ms)));
    ana.send("CAP END");
    ana.expect(" 001 ana ", it::after(kWait));
    const std::string isupport = ana.expect(" 005 ana ", it::after(kWait));
    BOOST_TEST(has(isupport, "CHATHISTORY="), isupport);
    BOOST_TEST(has(isupport, "MSGREFTYPES=timestamp,msgid"), isupport);
    ana.expect(" 376 ana ", it::after(kWait));
    // After registration CAP still answers, with the nick as its target.
    ana.send("CAP LIST");
    ana.expect(":hermes-it CAP ana LIST :draft/chathistory server-time", it::after(kWait));
}

// RFC 2812 3.1.1/3.1.3 after registration (462), 3.1.2 NICK without a nick
// (431), 3.2.1 JOIN (403, an already joined channel ignored, "JOIN 0" parts
// all), 3.2.2 PART (442), 3.2.4 TOPIC (331, 442), 3.2.5 NAMES.
BOOST_AUTO_TEST_CASE(rfc2812_3_2_channel_operations_and_their_errors) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    auto ana = ircMember(hub, "ana");
    ana.send("USER again 0 * :again");
    ana.expect(" 462 ana :You may not reregister", it::after(kWait));
    ana.send("PASS late");
    ana.expect(" 462 ana ", it::after(kWait));
    ana.send("NICK");
    ana.expect(" 431 ana :No nickname given", it::after(kWait));

    ana.send("JOIN nohash");
    ana.expect(" 403 ana nohash :No such channel", it::after(kWait));
    ana.send("JOIN #dev,#ops");
    ana.expect(":ana!ana@hermes JOIN #dev", it::after(kWait));
    ana.expect(" 366 ana #dev ", it::after(kWait));
    ana.expect(" 366 ana #ops ", it::after(kWait));
    ana.send("JOIN #dev");  // already there: nothing
    ana.send("TOPIC #ops");
    ana.expect(" 331 ana #ops :No topic is set", it::after(kWait));
    ana.send("TOPIC #elsewhere");
    ana.expect(" 442 ana #elsewhere ", it::after(kWait));
    ana.send("PART #elsewhere");
    ana.expect(" 442 ana #elsewhere ", it::after(kWait));
    ana.sync(it::after(kWait));
    BOOST_TEST(ana.absent("JOIN #dev", it::after(0ms)), "a second JOIN of #dev was answered");

    ana.send("NAMES #dev");
    const std::string names = ana.expect(" 353 ana = #dev :", it::after(kWait));
    BOOST_TEST(has(names, "bob"));
    BOOST_TEST(has(names, "ana"));
    ana.expect(" 366 ana #dev ", it::after(kWait));
    ana.send("NAMES");
    ana.expect(" 366 ana * ", it::after(kWait));

    // JOIN 0: out of every channel, lobby included; Hermes sees each leave.
    ana.send("JOIN 0");
    ana.expect(":ana!ana@hermes PART #dev", it::after(kWait));
    ana.expect(":ana!ana@hermes PART #lobby", it::after(kWait));
    ana.expect(":ana!ana@hermes PART #ops", it::after(kWait));
    bob.expect(it::isPresence(v1::PRESENCE_KIND_LEFT, "ana"), it::after(kWait), "ana's PART");
    ana.send("TOPIC #dev");
    ana.expect(" 442 ana #dev ", it::after(kWait));
}

// RFC 2812 3.3.1 PRIVMSG and 3.3.2 NOTICE: NOTICE reaches Hermes as text
// and IRC as NOTICE; the errors of PRIVMSG (401, 404, 411, 412, CTCP other
// than ACTION: 421) and none for NOTICE (no automatic reply to a NOTICE).
BOOST_AUTO_TEST_CASE(rfc2812_3_3_privmsg_and_notice_errors) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    auto cy = ircMember(hub, "cy", {.rooms = {"dev"}});
    auto ana = ircMember(hub, "ana", {.rooms = {"dev"}});

    ana.send("NOTICE #dev :a notice");
    BOOST_TEST(bob.expect(it::isChatText("dev", "a notice"), it::after(kWait), "the notice")
                   .envelope.message()
                   .kind() == v1::MESSAGE_KIND_TEXT);
    cy.expect(":ana!ana@hermes PRIVMSG #dev :a notice", it::after(kWait));
    ana.send("NOTICE cy :to you");
    cy.expect(":ana!ana@hermes PRIVMSG cy :to you", it::after(kWait));

    ana.send("PRIVMSG");
    ana.expect(" 411 ana :No recipient given (PRIVMSG)", it::after(kWait));
    ana.send("PRIVMSG #dev");
    ana.expect(" 412 ana :No text to send", it::after(kWait));
    ana.send("NOTICE");
    ana.expect(" 411 ana :No recipient given (NOTICE)", it::after(kWait));
    ana.send("PRIVMSG nobody :hello?");
    ana.expect(" 401 ana nobody :No such nick/channel", it::after(kWait));
    ana.send("PRIVMSG #ops :not a member");
    ana.expect(" 404 ana #ops :Cannot send to channel", it::after(kWait));
    ana.send(
        "PRIVMSG cy :\x01"
        "VERSION\x01");
    ana.expect(" 421 ana CTCP ", it::after(kWait));
    // The same mistakes as NOTICEs: silence (RFC 2812 3.3.2).
    ana.send("NOTICE nobody :hello?");
    ana.send("NOTICE #ops :not a member");
    ana.send(
        "NOTICE cy :\x01"
        "VERSION\x01");
    ana.sync(it::after(kWait));
    BOOST_TEST(ana.absent(" 401 ", it::after(0ms)));
    BOOST_TEST(ana.absent(" 404 ", it::after(0ms)));
    BOOST_TEST(ana.absent(" 421 ", it::after(0ms)));
    cy.sync(it::after(kWait));
    BOOST_TEST(cy.absent("VERSION", it::after(0ms)), "a CTCP VERSION was relayed");
}

// RFC 2812 3.2.3 channel MODE and 3.1.5 user MODE queries (changes are
// another step), 3.4.1 MOTD, 3.6.1 WHO of a nick, 3.7.3 PONG to the hub's
// PING, and a QUIT before registration (3.1.7).
BOOST_AUTO_TEST_CASE(rfc2812_3_2_3_mode_queries_3_4_1_motd_3_7_3_pong) {
    it::IrcHub hub(
        it::HubProcess::Settings{{"hub.ping_interval_ms", "300"}, {"hub.ping_timeout_ms", "2000"}});
    auto ana = ircMember(hub, "ana", {.rooms = {"dev"}});
    ana.send("MODE #dev");
    ana.expect(" 324 ana #dev +", it::after(kWait));
    ana.send("MODE #dev b");
    ana.expect(" 368 ana #dev ", it::after(kWait));
    ana.send("MODE ana");
    ana.expect(" 221 ana +", it::after(kWait));
    ana.send("MOTD");
    ana.expect(" 375 ana ", it::after(kWait));
    ana.expect(" 372 ana :- integration test hub", it::after(kWait));
    ana.expect(" 376 ana ", it::after(kWait));
    ana.send("WHO ana");
    ana.expect(" 315 ana ana ", it::after(kWait));

    // A silent client is pinged by the hub (PING :nonce); the harness
    // answers PONG, so it is still there after several ping timeouts' worth.
    ana.expect("PING :", it::after(kWait));
    ana.expect("PING :", it::after(kWait));
    ana.send("PING :still here");
    ana.expect(" PONG hermes-it :still here", it::after(kWait));

    it::IrcClient early(hub.ircPort(), "early");
    early.send("QUIT :changed my mind");
    BOOST_TEST(has(early.expect("ERROR :Closing Link:", it::after(kWait)), "changed my mind"));
    BOOST_TEST(early.waitClosed(it::after(kWait)));
}

// History on JOIN for clients without draft/chathistory (docs/IRC.md
// "History on join"): one with server-time gets the backlog played back
// between two notices, each line with the time it was said (the same tag a
// member present then got), its own earlier line included although it has
// no echo-message; one without server-time gets none of it.
BOOST_AUTO_TEST_CASE(history_on_join_is_played_back_to_server_time_clients) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    std::string witnessed;  // the time tag a present member got
    {
        auto cy = ircMember(hub, "cy", {.caps = "server-time", .rooms = {"dev"}});
        cy.send("PRIVMSG #dev :cy was here");
        bob.expect(it::isChatText("dev", "cy was here"), it::after(kWait), "cy's line");
        bob.send(it::sayEnvelope("dev", "bob answers", 1));
        const std::string line = cy.expect("PRIVMSG #dev :bob answers", it::after(kWait));
        witnessed = line.substr(0, line.find(' '));
        BOOST_TEST(has(witnessed, "@time="), line);
        cy.send("QUIT");
        BOOST_TEST(cy.waitClosed(it::after(kWait)));
    }
    v1::Envelope wave = it::sayEnvelope("dev", "waves", 2);
    wave.mutable_say()->set_kind(v1::MESSAGE_KIND_ACTION);
    bob.send(wave);
    bob.expect(it::isChatText("dev", "waves"), it::after(kWait), "bob's /me");

    // cy again, as irssi and WeeChat register: server-time, no chathistory.
    auto cy = ircMember(hub, "cy again",
                        {.caps = "multi-prefix server-time", .rooms = {"dev"}, .nick = "cy"});
    cy.expect(":hermes-it NOTICE #dev :Playback of the 3 messages said before you joined",
              it::after(kWait));
    const std::string own = cy.expect("PRIVMSG #dev :cy was here", it::after(kWait));
    BOOST_TEST(has(own, ":cy!cy@hermes "), own);
    const std::string answer = cy.expect("PRIVMSG #dev :bob answers", it::after(kWait));
    BOOST_TEST(answer.substr(0, answer.find(' ')) == witnessed);
    cy.expect(
        ":bob!bob@hermes PRIVMSG #dev :\x01"
        "ACTION waves\x01",
        it::after(kWait));
    cy.expect(":hermes-it NOTICE #dev :End of playback", it::after(kWait));
    // What comes after is new.
    bob.send(it::sayEnvelope("dev", "live again", 3));
    cy.expect("PRIVMSG #dev :live again", it::after(kWait));

    // A client without server-time (a bot, a bare client): no playback.
    auto bot = ircMember(hub, "bot", {.rooms = {"dev"}});
    bot.sync(it::after(kWait));
    BOOST_TEST(bot.absent("bob answers", it::after(0ms)));
    BOOST_TEST(bot.absent("Playback", it::after(0ms)));
}

// ---------------------------------------------------------------- draft/multiline

namespace {

// The id of a "BATCH +id type target" line.
std::string batchId(const std::string& line) {
    const std::size_t at = line.find("BATCH +") + 7;
    return line.substr(at, line.find(' ', at) - at);
}

}  // namespace

// IRCv3 draft/multiline "Client-to-server" and "Server-to-client" against a
// real hub: a concatenated batch is ONE Hermes message (the same seq for a
// Hermes client, a multiline client and a plain IRC client); line breaks are
// one message each; a long Hermes message reaches a multiline client as one
// batch and a plain one as split lines; with echo-message the echo is the batch.
BOOST_AUTO_TEST_CASE(ircv3_multiline_both_ways) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    auto cy = ircMember(hub, "cy", {.caps = "message-tags", .rooms = {"dev"}});

    it::IrcClient ana(hub.ircPort(), "ana");
    ana.send("CAP LS 302");
    BOOST_TEST(has(ana.expect(" CAP * LS ", it::after(kWait)),
                   " draft/multiline=max-bytes=4096,max-lines=32 "));
    ana.registerAs("ana", "batch draft/multiline message-tags echo-message", it::after(kWait));
    ana.send("JOIN #dev");
    ana.expect(" 366 ana #dev ", it::after(kWait));

    ana.send("BATCH +m1 draft/multiline #dev");
    ana.send("@batch=m1 PRIVMSG #dev :one message, ");
    ana.send("@batch=m1;draft/multiline-concat PRIVMSG #dev :three lines, ");
    ana.send("@batch=m1;draft/multiline-concat PRIVMSG #dev :no breaks");
    ana.send("BATCH -m1");
    const auto heard = bob.expect(it::isChatText("dev", "one message, three lines, no breaks"),
                                  it::after(kWait), "the batch");
    const std::uint64_t seq = heard.envelope.message().seq();
    BOOST_TEST(seqTag(cy.expect(":ana!ana@hermes PRIVMSG #dev :one message, three lines, no breaks",
                                it::after(kWait))) == seq);
    const std::string open = ana.expect("BATCH +", it::after(kWait));
    BOOST_TEST(has(open, ":ana!ana@hermes BATCH +"), open);
    BOOST_TEST(has(open, " draft/multiline #dev"));
    BOOST_TEST(seqTag(open) == seq);
    const std::string id = batchId(open);
    BOOST_TEST(
        has(ana.expect("PRIVMSG #dev :one message, three lines, no breaks", it::after(kWait)),
            "@batch=" + id));
    ana.expect("BATCH -" + id, it::after(kWait));

    // Line breaks: one Hermes message per line, in order.
    ana.send("BATCH +m2 draft/multiline #dev");
    ana.send("@batch=m2 PRIVMSG #dev :first line");
    ana.send("@batch=m2 PRIVMSG #dev :second line");
    ana.send("BATCH -m2");
    const auto first = bob.expect(it::isChatText("dev", "first line"), it::after(kWait), "line 1");
    const auto second =
        bob.expect(it::isChatText("dev", "second line"), it::after(kWait), "line 2");
    BOOST_TEST(second.envelope.message().seq() == first.envelope.message().seq() + 1);
    const std::string echo = ana.expect(" draft/multiline #dev", it::after(kWait));
    const std::string echoId = batchId(echo);
    ana.expect("@batch=" + echoId + " :ana!ana@hermes PRIVMSG #dev :first line", it::after(kWait));
    ana.expect("@batch=" + echoId + " :ana!ana@hermes PRIVMSG #dev :second line", it::after(kWait));
    ana.expect("BATCH -" + echoId, it::after(kWait));

    // Hermes -> IRC: 1500 bytes, cut between UTF-8 characters.
    std::string text;
    for (int i = 0; i < 500; ++i) {
        text += "€";  // 3 bytes
    }
    bob.send(it::sayEnvelope("dev", text, 9));
    const std::uint64_t longSeq =
        bob.expect(it::isChatText("dev", text), it::after(kWait), "bob's echo")
            .envelope.message()
            .seq();
    const std::string longOpen = ana.expect(":bob!bob@hermes BATCH +", it::after(kWait));
    BOOST_TEST(seqTag(longOpen) == longSeq);
    const std::string longId = batchId(longOpen);
    std::string glued;
    for (int i = 0; i < 4; ++i) {  // 480 bytes a line: 160 characters
        const std::string line = ana.expect("@batch=" + longId, it::after(kWait));
        BOOST_TEST(has(line, "draft/multiline-concat") == (i > 0), line);
        BOOST_TEST(line.size() - line.find(" :bob!") + 1 <= 512u);  // + CR LF
        glued += line.substr(line.find("PRIVMSG #dev :") + 14);
    }
    ana.expect(":bob!bob@hermes BATCH -" + longId, it::after(kWait));
    BOOST_TEST(glued == text);
    // cy, without the cap: split lines, each with the seq.
    std::string plain;
    for (int i = 0; i < 4; ++i) {
        const std::string line = cy.expect(":bob!bob@hermes PRIVMSG #dev :", it::after(kWait));
        BOOST_TEST(seqTag(line) == longSeq);
        plain += line.substr(line.find("PRIVMSG #dev :") + 14);
    }
    BOOST_TEST(plain == text);
}

// draft/multiline "Errors" against a real hub: an unterminated batch, one past
// max-lines, one past max-bytes, an unknown batch id, a line to another
// target. Each is answered with FAIL BATCH; nothing of them reaches anyone,
// and witnesses on both protocols are still served.
BOOST_AUTO_TEST_CASE(ircv3_multiline_bad_batches_answered_witnesses_served) {
    it::IrcHub hub;
    it::RawClient witness(hub.hub().port(), "witness");
    hermesJoin(witness, "witness", "dev");
    auto ircWitness = ircMember(hub, "ircwitness",
                                {.caps = "batch draft/multiline message-tags", .rooms = {"dev"}});

    auto bad =
        ircMember(hub, "bad", {.caps = "batch draft/multiline message-tags", .rooms = {"dev"}});

    // Unterminated: the next BATCH + drops it.
    bad.send("BATCH +u draft/multiline #dev");
    bad.send("@batch=u PRIVMSG #dev :unterminated");
    // Too many lines (max-lines=32 here).
    bad.send("BATCH +l draft/multiline #dev");
    bad.expect("FAIL BATCH MULTILINE_INVALID :batch u was not closed", it::after(kWait));
    for (int i = 0; i < 33; ++i) {
        bad.send("@batch=l PRIVMSG #dev :too many");
    }
    bad.send("BATCH -l");
    bad.expect("FAIL BATCH MULTILINE_MAX_LINES 32 ", it::after(kWait));
    // Too many bytes.
    bad.send("BATCH +b draft/multiline #dev");
    for (int i = 0; i < 11; ++i) {
        bad.send(std::string(i == 0 ? "@batch=b" : "@batch=b;draft/multiline-concat") +
                 " PRIVMSG #dev :" + std::string(400, 'z'));
    }
    bad.send("BATCH -b");
    bad.expect("FAIL BATCH MULTILINE_MAX_BYTES 4096 ", it::after(kWait));
    // Unknown batch, another target.
    bad.send("@batch=ghost PRIVMSG #dev :from nowhere");
    bad.expect("FAIL BATCH MULTILINE_INVALID :no batch ghost is open", it::after(kWait));
    bad.send("BATCH +t draft/multiline #dev");
    bad.send("@batch=t PRIVMSG #elsewhere :wrong target");
    bad.send("BATCH -t");
    bad.expect("FAIL BATCH MULTILINE_INVALID_TARGET #dev #elsewhere ", it::after(kWait));

    bad.send("PRIVMSG #dev :sane again");
    const auto sane = witness.expect(it::isChatText("dev", "sane again"), it::after(kWait),
                                     "the bad client's good line");
    ircWitness.expect(":bad!bad@hermes PRIVMSG #dev :sane again", it::after(kWait));
    witness.sync(it::after(kWait));
    const std::uint64_t saneSeq = sane.envelope.message().seq();
    BOOST_TEST(!witness.tryExpect(
        [saneSeq](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().seq() != saneSeq;
        },
        it::after(0ms)));
    ircWitness.sync(it::after(kWait));
    for (const char* text : {"unterminated", "too many", "zzzz", "from nowhere", "wrong target"}) {
        BOOST_TEST(ircWitness.absent(text, it::after(0ms)), text);
    }
    witness.send(it::sayEnvelope("dev", "still here", 7));
    ircWitness.expect(":witness!witness@hermes PRIVMSG #dev :still here", it::after(kWait));
    bad.expect(":witness!witness@hermes PRIVMSG #dev :still here", it::after(kWait));
}

// ---------------------------------------------------------------- chathistory

// IRCv3 draft/chathistory "AROUND", "BETWEEN", "LATEST" (of a channel the
// client is not in), "TARGETS", and the refusals: mixed or bad references,
// another channel's msgid, a nick's history without an account.
BOOST_AUTO_TEST_CASE(ircv3_chathistory_around_between_targets) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    std::vector<std::uint64_t> seqs;
    for (int i = 1; i <= 9; ++i) {
        const std::string text = "line " + std::to_string(i);
        bob.send(it::sayEnvelope("dev", text, static_cast<std::uint64_t>(i)));
        seqs.push_back(bob.expect(it::isChatText("dev", text), it::after(kWait), text)
                           .envelope.message()
                           .seq());
    }
    const auto msgid = [&](int n) {
        return "msgid=dev:" + std::to_string(seqs[static_cast<std::size_t>(n - 1)]);
    };
    auto ana = ircMember(hub, "ana", {.caps = "batch draft/chathistory message-tags server-time"});
    ana.expect(" 366 ana #lobby ", it::after(kWait));
    // The lines of one chathistory batch, in order, and nothing else in it.
    const auto page = [&](const std::string& ask, std::vector<int> lines) {
        ana.send(ask);
        const std::string id = batchId(ana.expect(" chathistory #dev", it::after(kWait)));
        for (const int n : lines) {
            const std::string line = ana.expect("batch=" + id, it::after(kWait));
            BOOST_TEST(has(line, "PRIVMSG #dev :line " + std::to_string(n)), ask << ": " << line);
        }
        ana.expect("BATCH -" + id, it::after(kWait));
    };
    page("CHATHISTORY AROUND #dev " + msgid(5) + " 3", {4, 5, 6});
    page("CHATHISTORY BETWEEN #dev " + msgid(2) + " " + msgid(6) + " 10", {3, 4, 5});
    page("CHATHISTORY BETWEEN #dev " + msgid(8) + " " + msgid(2) + " 2", {6, 7});
    page("CHATHISTORY LATEST #dev * 2", {8, 9});  // ana is not in #dev
    page("CHATHISTORY LATEST #dev " + msgid(8) + " 5", {9});

    ana.send("CHATHISTORY BETWEEN #dev " + msgid(2) + " timestamp=2026-12-05T12:00:00.000Z 3");
    ana.expect("FAIL CHATHISTORY INVALID_PARAMS BETWEEN ", it::after(kWait));
    ana.send("CHATHISTORY AROUND #dev timestamp=2026-13-05T12:00:00.000Z 3");
    ana.expect("FAIL CHATHISTORY INVALID_PARAMS AROUND ", it::after(kWait));
    ana.send("CHATHISTORY BEFORE #dev msgid=ops:3 3");
    ana.expect("FAIL CHATHISTORY INVALID_MSGREFTYPE BEFORE ", it::after(kWait));
    ana.send("CHATHISTORY BETWEEN #nowhere msgid=1 msgid=9 3");
    ana.expect("FAIL CHATHISTORY INVALID_TARGET #nowhere", it::after(kWait));
    // A nick's history is the private conversation of ana's account: she has none.
    ana.send("CHATHISTORY LATEST bob * 10");
    ana.expect("FAIL CHATHISTORY INVALID_TARGET bob ", it::after(kWait));

    // TARGETS: the channels (and conversations) ana saw, by their newest line.
    ana.send("JOIN #dev");
    ana.expect(" 366 ana #dev ", it::after(kWait));
    bob.send(it::sayEnvelope("dev", "fresh", 10));
    ana.expect(":bob!bob@hermes PRIVMSG #dev :fresh", it::after(kWait));
    ana.send(
        "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
        "timestamp=2100-01-01T00:00:00.000Z 10");
    const std::string id = batchId(ana.expect(" draft/chathistory-targets", it::after(kWait)));
    BOOST_TEST(has(ana.expect("batch=" + id, it::after(kWait)), " CHATHISTORY TARGETS #dev 20"));
    ana.expect("BATCH -" + id, it::after(kWait));

    // Still served, both ways.
    ana.send("PRIVMSG #dev :after all that");
    bob.expect(it::isChatText("dev", "after all that"), it::after(kWait), "ana's line");
}

// IRCv3 draft/chathistory timestamp references against the hub's store
// (HistoryRequest.at_time_ms): BEFORE, AFTER, AROUND and BETWEEN a time give
// exactly the messages the times say, computed here from the stamps the
// Hermes client saw (ties included).
BOOST_AUTO_TEST_CASE(ircv3_chathistory_timestamp_references) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    std::vector<std::int64_t> times;  // times[i]: line i + 1
    for (int i = 1; i <= 9; ++i) {
        // Distinct stamps (the hub reads the same wall clock): wait, with a
        // deadline, until the clock has passed the previous line's stamp.
        const it::Deadline deadline = it::after(kWait);
        while (!times.empty() &&
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                       .count() <= times.back() &&
               it::Clock::now() < deadline) {
            std::this_thread::yield();
        }
        const std::string text = "line " + std::to_string(i);
        bob.send(it::sayEnvelope("dev", text, static_cast<std::uint64_t>(i)));
        times.push_back(bob.expect(it::isChatText("dev", text), it::after(kWait), text)
                            .envelope.message()
                            .time_ms());
    }
    BOOST_TEST(times.front() < times.back(), "stamps apart, so the windows hold something");
    const auto lines = [&](auto keep) {
        std::vector<int> out;
        for (std::size_t i = 0; i < times.size(); ++i) {
            if (keep(times[i])) {
                out.push_back(static_cast<int>(i) + 1);
            }
        }
        return out;
    };
    const auto newest = [](std::vector<int> v, std::size_t n) {
        return v.size() > n ? std::vector<int>(v.end() - static_cast<std::ptrdiff_t>(n), v.end())
                            : v;
    };
    const auto oldest = [](std::vector<int> v, std::size_t n) {
        v.resize(std::min(v.size(), n));
        return v;
    };
    const auto stamp = [](std::int64_t ms) {
        return "timestamp=" + hermes::irc::formatIrcTime(ms);
    };

    auto ana = ircMember(hub, "ana", {.caps = "batch draft/chathistory message-tags"});
    ana.expect(" MSGREFTYPES=timestamp,msgid ", it::after(kWait));
    const auto page = [&](const std::string& ask, const std::vector<int>& expected) {
        ana.send(ask);
        const std::string id = batchId(ana.expect(" chathistory #dev", it::after(kWait)));
        for (const int n : expected) {
            const std::string line = ana.expect("batch=" + id, it::after(kWait));
            BOOST_TEST(line.ends_with("PRIVMSG #dev :line " + std::to_string(n)),
                       ask << ": " << line);
        }
        ana.expect("BATCH -" + id, it::after(kWait));
        BOOST_TEST(ana.absent("batch=" + id, it::after(0ms)), ask << ": more than expected");
    };
    const std::int64_t t5 = times[4];
    page("CHATHISTORY BEFORE #dev " + stamp(t5) + " 3",
         newest(lines([&](std::int64_t t) { return t < t5; }), 3));
    page("CHATHISTORY AFTER #dev " + stamp(t5) + " 3",
         oldest(lines([&](std::int64_t t) { return t > t5; }), 3));
    std::vector<int> around = newest(lines([&](std::int64_t t) { return t < t5; }), 2);
    for (const int n : oldest(lines([&](std::int64_t t) { return t >= t5; }), 2)) {
        around.push_back(n);
    }
    page("CHATHISTORY AROUND #dev " + stamp(t5) + " 4", around);
    page("CHATHISTORY BETWEEN #dev " + stamp(times[1]) + " " + stamp(times[7]) + " 20",
         lines([&](std::int64_t t) { return t > times[1] && t < times[7]; }));
    page("CHATHISTORY BETWEEN #dev " + stamp(times[7]) + " " + stamp(times[1]) + " 2",
         newest(lines([&](std::int64_t t) { return t > times[1] && t < times[7]; }), 2));
    page("CHATHISTORY AFTER #dev timestamp=2100-01-01T00:00:00.000Z 5", {});
    page("CHATHISTORY BEFORE #dev timestamp=2000-01-01T00:00:00.000Z 5", {});
}

// ---------------------------------------------------------------- client tags

// IRCv3 message-tags client-only tags against a real hub: +typing <->
// Typing/TypingNotice, +draft/reply <-> reply_to, +draft/react <-> REACT,
// each both ways between an IRC client and a Hermes client; a reaction
// without +draft/reply is refused and the session goes on.
BOOST_AUTO_TEST_CASE(ircv3_message_tags_client_tags_typing_reply_react) {
    it::IrcHub hub;
    it::RawClient bob(hub.hub().port(), "bob");
    hermesJoin(bob, "bob", "dev");
    auto ana = ircMember(hub, "ana", {.caps = "message-tags", .rooms = {"dev"}});
    bob.expect(it::isPresence(v1::PRESENCE_KIND_JOINED, "ana"), it::after(kWait), "ana joined");

    // +typing.
    ana.send("@+typing=active TAGMSG #dev");
    const auto typing =
        bob.expect(it::isBody(v1::Envelope::kTypingNotice), it::after(kWait), "ana's typing");
    BOOST_TEST(typing.envelope.typing_notice().from() == "ana");
    BOOST_TEST(typing.envelope.typing_notice().room() == "dev");
    v1::Envelope bobTypes;
    bobTypes.mutable_typing()->set_room("dev");
    bob.send(bobTypes);
    ana.expect("@+typing=active :bob!bob@hermes TAGMSG #dev", it::after(kWait));

    // +draft/reply both ways.
    bob.send(it::sayEnvelope("dev", "question?", 1));
    const std::uint64_t asked =
        bob.expect(it::isChatText("dev", "question?"), it::after(kWait), "bob's line")
            .envelope.message()
            .seq();
    const std::string msgid = "dev:" + std::to_string(asked);
    ana.expect("PRIVMSG #dev :question?", it::after(kWait));
    ana.send("@+draft/reply=" + msgid + " PRIVMSG #dev :answer");
    const auto answer =
        bob.expect(it::isChatText("dev", "answer"), it::after(kWait), "ana's reply");
    BOOST_TEST(answer.envelope.message().reply_to() == asked);
    v1::Envelope again = it::sayEnvelope("dev", "thanks", 2);
    again.mutable_say()->set_reply_to(answer.envelope.message().seq());
    bob.send(again);
    BOOST_TEST(has(ana.expect("PRIVMSG #dev :thanks", it::after(kWait)),
                   ";+draft/reply=dev:" + std::to_string(answer.envelope.message().seq())));

    // +draft/react both ways.
    ana.send("@+draft/react=\xF0\x9F\x91\x8D;+draft/reply=" + msgid + " TAGMSG #dev");
    const auto reacted = bob.expect(
        [](const it::Frame& f) {
            return f.envelope.has_message() &&
                   f.envelope.message().kind() == v1::MESSAGE_KIND_REACT;
        },
        it::after(kWait), "ana's reaction");
    BOOST_TEST(reacted.envelope.message().target_seq() == asked);
    BOOST_TEST(reacted.envelope.message().reaction() == "\xF0\x9F\x91\x8D");
    v1::Envelope bobReacts = it::sayEnvelope("dev", "\xF0\x9F\x8E\x89", 3);
    bobReacts.mutable_say()->set_kind(v1::MESSAGE_KIND_REACT);
    bobReacts.mutable_say()->set_target_seq(answer.envelope.message().seq());
    bob.send(bobReacts);
    const std::string tagmsg = ana.expect(":bob!bob@hermes TAGMSG #dev", it::after(kWait));
    BOOST_TEST(has(tagmsg, "+draft/react=\xF0\x9F\x8E\x89"), tagmsg);
    BOOST_TEST(has(tagmsg, "+draft/reply=dev:" + std::to_string(answer.envelope.message().seq())));

    // Refused, then still served.
    ana.send("@+draft/react=x TAGMSG #dev");
    ana.expect("FAIL TAGMSG INVALID_REFERENCE #dev ", it::after(kWait));
    ana.send("PRIVMSG #dev :still here");
    bob.expect(it::isChatText("dev", "still here"), it::after(kWait), "ana's witness line");
}
