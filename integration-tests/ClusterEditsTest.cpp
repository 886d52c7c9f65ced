// Edits, deletes and reactions across the hubs of a cluster (docs/CLUSTER.md
// "Edits, deletes and reactions across hubs"): a real redis-server and real
// hermesd on 127.0.0.1 (harness RedisServer, ClusterHubs), clients over TCP.
// ana is on hub 1, bob and carl on hub 2, all guests; the room's operators
// are its creators on their hubs (ana on hub 1, bob on hub 2).
//
//   edit             ana edits her message on hub 1: bob on hub 2 gets the
//                    EDIT with the seq of ana's echo, right after the message
//   author_delete    bob deletes his own message on hub 2: ana on hub 1 sees
//                    the DELETE, and hub 1 refuses a reaction to it (deleted)
//   operator_delete  bob, operator on hub 2, deletes ana's message (hub 1)
//   not_author       carl (hub 2) edits ana's message (hub 1): NOT_AUTHOR,
//                    as on a hub alone, and no one sees anything
//   reactions        ana (hub 1) and bob (hub 2) react to one message: both
//                    REACTs reach every member; each hub refuses its
//                    reactor's second one (counted there)
//   history          with a third hub: its member reads the room's history
//                    and finds the message and every event, with the seqs
//                    the other hubs gave them
//   redis_down       Redis stopped: an edit is refused CLUSTER_UNAVAILABLE
//
// Each case is its own CTest test (integration.cluster.edits.<case>).
#define BOOST_TEST_MODULE ClusterEditsTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "ClusterGuard.hpp"
#include "ClusterHubs.hpp"
#include "Frames.hpp"
#include "RawClient.hpp"
#include "RedisServer.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;
namespace v1 = hermes::v1;

namespace {

const std::string kRoom = "notes";

void join(it::RawClient& client) {
    client.send(it::joinEnvelope(kRoom));
    client.expect(
        [](const it::Frame& f) {
            return f.envelope.has_members() && f.envelope.members().room() == kRoom;
        },
        it::after(10s), client.name() + " joined " + kRoom);
}

// The room message `client` gets of `kind` about `target` (0: any; for a
// message, the text).
v1::ChatMessage seen(it::RawClient& client, v1::MessageKind kind, std::uint64_t target,
                     const std::string& what) {
    return client
        .expect(
            [kind, target](const it::Frame& f) {
                return f.envelope.has_message() && f.envelope.message().room() == kRoom &&
                       f.envelope.message().kind() == kind &&
                       (target == 0 || f.envelope.message().target_seq() == target);
            },
            it::after(10s), client.name() + ": " + what)
        .envelope.message();
}

// `client`'s message `text` (client_msg_id `id`), echoed once Redis took it:
// its seq.
std::uint64_t post(it::RawClient& client, const std::string& text, std::uint64_t id) {
    client.send(it::sayEnvelope(kRoom, text, id));
    return client.expect(it::isChatText(kRoom, text), it::after(10s), "echo of " + text)
        .envelope.message()
        .seq();
}

// The Error for client_msg_id `id`.
v1::Error refusal(it::RawClient& client, std::uint64_t id, const std::string& what) {
    return client
        .expect(
            [id](const it::Frame& f) {
                return f.envelope.has_error() && f.envelope.error().client_msg_id() == id;
            },
            it::after(10s), client.name() + ": " + what)
        .envelope.error();
}

// The room's messages and events, as `client`'s hub's history has them
// once it has `lastSeq` (a hub reads a room's stream when its first member
// joins: asked again until then).
google::protobuf::RepeatedPtrField<v1::ChatMessage> historyOf(it::RawClient& client,
                                                              std::uint64_t lastSeq) {
    const auto deadline = it::after(10s);
    for (;;) {
        client.send(it::historyEnvelope(kRoom, 0, 50));
        auto messages =
            client
                .expect([](const it::Frame& f) { return f.envelope.has_history_page(); }, deadline,
                        "history page with seq " + std::to_string(lastSeq))
                .envelope.history_page()
                .messages();
        if (!messages.empty() && messages.rbegin()->seq() >= lastSeq) {
            return messages;
        }
    }
}

// ana on hub 1, bob and carl on hub 2, each in kRoom and listed on both.
struct Three {
    explicit Three(it::ClusterHubs& hubs)
        : ana(hubs[0].port(), "ana"), bob(hubs[1].port(), "bob"), carl(hubs[1].port(), "carl") {
        ana.hello("ana", it::after(10s));
        bob.hello("bob", it::after(10s));
        carl.hello("carl", it::after(10s));
        join(ana);
        join(bob);
        join(carl);
    }
    it::RawClient ana;
    it::RawClient bob;
    it::RawClient carl;
};

// A post on one hub seen at `watcher` on the other: the room's order is
// the same on both from here.
std::uint64_t postSeen(it::RawClient& author, it::RawClient& watcher, const std::string& text,
                       std::uint64_t id) {
    const std::uint64_t seq = post(author, text, id);
    const v1::ChatMessage there =
        watcher.expect(it::isChatText(kRoom, text), it::after(10s), "the other hub has " + text)
            .envelope.message();
    BOOST_TEST(there.seq() == seq);
    return seq;
}

}  // namespace

BOOST_AUTO_TEST_CASE(edit) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    const std::uint64_t seq = postSeen(t.ana, t.bob, "typo hree", 1);
    t.ana.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_EDIT, seq, "typo three", 2));
    const v1::ChatMessage echo = seen(t.ana, v1::MESSAGE_KIND_EDIT, seq, "edit echoed");
    const v1::ChatMessage there = seen(t.bob, v1::MESSAGE_KIND_EDIT, seq, "edit on hub 2");
    BOOST_TEST(echo.seq() == seq + 1);
    BOOST_TEST(there.seq() == echo.seq());
    BOOST_TEST(there.text() == "typo three");
    BOOST_TEST(there.from() == "ana");
    BOOST_TEST(echo.client_msg_id() == 2u);
}

BOOST_AUTO_TEST_CASE(author_delete) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    const std::uint64_t seq = postSeen(t.bob, t.ana, "oops, wrong room", 1);
    t.bob.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_DELETE, seq, "", 2));
    const v1::ChatMessage echo = seen(t.bob, v1::MESSAGE_KIND_DELETE, seq, "delete echoed");
    const v1::ChatMessage there = seen(t.ana, v1::MESSAGE_KIND_DELETE, seq, "delete on hub 1");
    BOOST_TEST(there.seq() == echo.seq());
    // Hub 1's ledger has it deleted: a reaction there is refused.
    t.ana.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_REACT, seq, "+1", 3));
    const v1::Error refused = refusal(t.ana, 3, "reaction to a deleted message");
    BOOST_TEST(refused.code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    BOOST_TEST(refused.text().find("deleted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(operator_delete) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    const std::uint64_t seq = postSeen(t.ana, t.bob, "spam spam", 1);
    // carl is no operator on hub 2: refused; bob, its operator, may.
    t.carl.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_DELETE, seq, "", 2));
    BOOST_TEST(refusal(t.carl, 2, "carl's delete").code() == v1::ERROR_CODE_NOT_AUTHOR);
    t.bob.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_DELETE, seq, "", 3));
    const v1::ChatMessage there = seen(t.ana, v1::MESSAGE_KIND_DELETE, seq, "delete on hub 1");
    BOOST_TEST(there.from() == "bob");
    BOOST_TEST(there.seq() == seq + 1);
}

BOOST_AUTO_TEST_CASE(not_author) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    const std::uint64_t seq = postSeen(t.ana, t.carl, "mine", 1);
    t.carl.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_EDIT, seq, "carl's now", 2));
    const v1::Error refused = refusal(t.carl, 2, "carl's edit");
    BOOST_TEST(refused.code() == v1::ERROR_CODE_NOT_AUTHOR);
    BOOST_TEST(refused.room() == kRoom);
    BOOST_TEST(refused.text().find("another hub") != std::string::npos);
    // Nothing reached anyone: a later message is the next seq.
    const std::uint64_t next = postSeen(t.ana, t.bob, "after", 3);
    BOOST_TEST(next == seq + 1);
}

BOOST_AUTO_TEST_CASE(reactions) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    const std::uint64_t seq = postSeen(t.carl, t.ana, "ship it?", 1);
    t.ana.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_REACT, seq, "+1", 2));
    t.bob.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_REACT, seq, "+1", 3));
    // carl (hub 2) sees both, with their reactors told apart.
    const v1::ChatMessage first = seen(t.carl, v1::MESSAGE_KIND_REACT, seq, "first reaction");
    const v1::ChatMessage second = seen(t.carl, v1::MESSAGE_KIND_REACT, seq, "second reaction");
    BOOST_TEST(first.reactor() != second.reactor());
    BOOST_TEST(second.seq() == first.seq() + 1);
    // ana (hub 1) sees both too, the same seqs.
    const v1::ChatMessage a1 = seen(t.ana, v1::MESSAGE_KIND_REACT, seq, "first at hub 1");
    const v1::ChatMessage a2 = seen(t.ana, v1::MESSAGE_KIND_REACT, seq, "second at hub 1");
    BOOST_TEST(a1.seq() == first.seq());
    BOOST_TEST(a2.seq() == second.seq());
    BOOST_TEST(a1.reactor() == first.reactor());
    // Each hub counted its own reactor's: a second one is refused there.
    t.ana.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_REACT, seq, "+1", 4));
    BOOST_TEST(refusal(t.ana, 4, "ana again").code() == v1::ERROR_CODE_REACTION_UNCHANGED);
    t.bob.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_REACT, seq, "+1", 5));
    BOOST_TEST(refusal(t.bob, 5, "bob again").code() == v1::ERROR_CODE_REACTION_UNCHANGED);
    // And an UNREACT from hub 2 goes across.
    t.bob.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_UNREACT, seq, "+1", 6));
    const v1::ChatMessage removed = seen(t.ana, v1::MESSAGE_KIND_UNREACT, seq, "unreact at hub 1");
    BOOST_TEST(removed.reactor() == (a1.from() == "bob" ? a1.reactor() : a2.reactor()));
}

BOOST_AUTO_TEST_CASE(history) {
    it::ClusterGuard c(3);
    Three t(c.hubs);
    const std::uint64_t seq = postSeen(t.ana, t.bob, "draft", 1);
    t.ana.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_EDIT, seq, "final", 2));
    seen(t.bob, v1::MESSAGE_KIND_EDIT, seq, "edit");
    t.bob.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_REACT, seq, "+1", 3));
    const std::uint64_t last = seen(t.ana, v1::MESSAGE_KIND_REACT, seq, "reaction").seq();
    // dan, on hub 3 (which had no member in the room), reads it all.
    it::RawClient dan(c.hubs[2].port(), "dan");
    dan.hello("dan", it::after(10s));
    join(dan);
    const auto messages = historyOf(dan, last);
    const v1::MessageKind kinds[] = {v1::MESSAGE_KIND_TEXT, v1::MESSAGE_KIND_EDIT,
                                     v1::MESSAGE_KIND_REACT};
    BOOST_TEST_REQUIRE(messages.size() >= 3);
    const int at = messages.size() - 3;
    for (int i = 0; i < 3; ++i) {
        const v1::ChatMessage& m = messages.at(at + i);
        BOOST_TEST(m.seq() == seq + static_cast<std::uint64_t>(i));
        BOOST_TEST(m.kind() == kinds[i]);
        BOOST_TEST(m.target_seq() == (i == 0 ? 0u : seq));
    }
    BOOST_TEST(messages.at(at + 2).seq() == last);
    BOOST_TEST(messages.at(at + 1).text() == "final");
    BOOST_TEST(messages.at(at + 2).reaction() == "+1");
}

BOOST_AUTO_TEST_CASE(redis_down) {
    it::ClusterGuard c(2);
    Three t(c.hubs);
    const std::uint64_t seq = postSeen(t.ana, t.bob, "before", 1);
    c.redis.stop();
    // Wait until hub 1 knows Redis is away (a Say refused), then edit.
    const auto down = it::after(10s);
    std::uint64_t id = 10;
    for (bool refused = false; !refused;) {
        BOOST_TEST_REQUIRE((it::Clock::now() < down), "hub 1 never saw Redis down");
        t.ana.send(it::sayEnvelope(kRoom, "probe", id++));
        refused = t.ana.tryExpect(it::isError(v1::ERROR_CODE_CLUSTER_UNAVAILABLE), it::after(200ms))
                      .has_value();
    }
    t.ana.send(it::eventEnvelope(kRoom, v1::MESSAGE_KIND_EDIT, seq, "while away", 2));
    const v1::Error refused = refusal(t.ana, 2, "edit while Redis is away");
    BOOST_TEST(refused.code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.room() == kRoom);
    t.bob.sync(it::after(10s));
    BOOST_TEST(!t.bob.tryExpect(
        [](const it::Frame& f) {
            return f.envelope.has_message() && f.envelope.message().text() == "while away";
        },
        it::after(0ms)));
}
