#define BOOST_TEST_MODULE hub_cluster
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "HubTestHarness.hpp"
#include "hermes/hub/AccountStore.hpp"
#include "hermes/hub/MemoryHistory.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hub/Backplane.hpp"
#include "hub/ClusterState.hpp"
#include "hub/RemoteProfiles.hpp"

// Hubs of a cluster (HubConfig::cluster) with the backplane played by the
// test: seqs given per room, entries kept in a stream per room, notices
// handed to each hub (or withheld, to make gaps), Fills answered from the
// streams. docs/CLUSTER.md; the same against a real redis-server is
// integration.cluster.*.

using namespace hermes;
using namespace hermes::hub;
using namespace hermes::hub::test;

namespace {

HubConfig clusterConfig(const std::string& name) {
    HubConfig config = testConfig();
    config.cluster = true;
    config.clusterHubName = name;
    config.clusterMaxInFlight = 4;
    return config;
}

class FakeBackplane {
public:
    explicit FakeBackplane(std::vector<HubHarness*> hubs) : hubs_(std::move(hubs)) {}

    // Takes every hub's requests and answers them; a notice for a hub in
    // `deaf` is withheld (it learns the entry only by a Fill).
    void run(const std::set<HubHarness*>& deaf = {}) {
        for (int pass = 0; pass < 16; ++pass) {
            bool any = false;
            for (HubHarness* h : hubs_) {
                std::vector<BackplaneRequest> requests;
                h->hub.takeBackplaneRequests(requests);
                for (BackplaneRequest& request : requests) {
                    any = true;
                    answer(*h, request, deaf);
                }
            }
            if (!any) {
                return;
            }
        }
    }

    std::size_t privateStreamSize(const std::string& hub) { return privateStreams_[hub].size(); }
    // Sign-ins published (hermes:signin), and questions asked there.
    int signIns() const { return signIns_; }
    int signInsOf(const std::string& accountKey) const {
        const auto it = signInsOf_.find(accountKey);
        return it == signInsOf_.end() ? 0 : it->second;
    }
    int questions() const { return questions_; }
    // hermes:nicks gives `nickKey` to `h` (a claim the test answered itself).
    void holdNick(const std::string& nickKey, HubHarness& h) { nicks_[nickKey] = hubName(h); }
    // The next `n` PrivateFills are answered with an error.
    void failPrivateFills(int n) { failFills_ = n; }

    void trimPrivate(const std::string& hub, std::uint64_t belowSeq) {
        std::erase_if(privateStreams_[hub],
                      [belowSeq](const BackplaneEntry& e) { return e.seq < belowSeq; });
    }

    void trim(const std::string& room, std::uint64_t belowSeq) {
        std::erase_if(streams_[room],
                      [belowSeq](const BackplaneEntry& e) { return e.seq < belowSeq; });
    }

private:
    void answer(HubHarness& from, const BackplaneRequest& request,
                const std::set<HubHarness*>& deaf) {
        if (request.kind == BackplaneRequest::Kind::ClaimNick) {
            auto [it, added] = nicks_.try_emplace(request.nick, hubName(from));
            from.hub.backplaneClaimed(request.ref, added || it->second == hubName(from), "",
                                      from.now);
            from.pump();
            return;
        }
        if (request.kind == BackplaneRequest::Kind::ReleaseNick) {
            const auto held = nicks_.find(request.nick);
            if (held != nicks_.end() && held->second == hubName(from)) {
                nicks_.erase(held);
            }
            return;
        }
        if (request.kind == BackplaneRequest::Kind::Presence) {
            // As the presence script: the room's hash, then the notice.
            auto& members = members_[request.room];
            auto& away = away_[hubName(from)];
            if (request.presence == "joined") {
                members[request.nick] = hubName(from);
            } else if (request.presence == "renamed") {
                if (members[request.nick] == hubName(from)) {
                    members.erase(request.nick);
                }
                members[request.message] = hubName(from);
                if (const auto text = away.find(request.nick); text != away.end()) {
                    away[request.message] = text->second;
                    away.erase(text);
                }
            } else if (request.presence == "away") {
                away[request.nick] = request.message;
            } else if (request.presence == "back") {
                away.erase(request.nick);
            } else if (members[request.nick] == hubName(from)) {
                if (request.presence == "quit") {
                    away.erase(request.nick);
                }
                members.erase(request.nick);
            } else {
                return;
            }
            notify(request.room, request.presence, hubName(from), request.nick, request.message);
            return;
        }
        if (request.kind == BackplaneRequest::Kind::SyncMembers) {
            syncMembers(hubName(from), request.entries);
            return;
        }
        if (request.kind == BackplaneRequest::Kind::Members) {
            std::vector<BackplaneMember> all;
            for (const auto& [room, members] : members_) {
                for (const auto& [nick, hub] : members) {
                    const auto& away = away_[hub];
                    const auto text = away.find(nick);
                    all.push_back({room, nick, hub, text == away.end() ? "" : text->second});
                }
            }
            for (const auto& [nick, hub] : nicks_) {
                all.push_back({"", nick, hub, ""});
            }
            from.hub.backplaneMembers(all, from.now);
            from.pump();
            return;
        }
        if (request.kind == BackplaneRequest::Kind::State) {
            if (refuseStates_) {  // as a script Redis refuses (READONLY)
                from.hub.backplaneStateRefused(
                    request.ref, request.room,
                    "READONLY You can't write against a read only replica.", from.now);
                from.pump();
                return;
            }
            answerState(from, request);
            return;
        }
        if (request.kind == BackplaneRequest::Kind::States) {
            std::vector<BackplaneState> stored;
            for (const auto& [field, value] : state_) {
                auto entry = parseBackplaneStateEntry(field, value);
                BOOST_TEST_REQUIRE(entry.has_value());
                stored.push_back(*entry);
            }
            from.hub.backplaneStates(stateVersion_, stored, from.now);
            from.hub.flush();
            from.pump();
            return;
        }
        if (request.kind == BackplaneRequest::Kind::Private) {
            answerPrivate(from, request, deaf);
            return;
        }
        if (request.kind == BackplaneRequest::Kind::PrivateCursor) {
            // As the cursor script: the count, raised to the hub's cursor.
            std::uint64_t& count = privateSeqs_[hubName(from)];
            count = std::max(count, request.fromSeq);
            from.hub.backplanePrivateCursor(count, from.now);
            from.pump();
            return;
        }
        if (request.kind == BackplaneRequest::Kind::SignedIn ||
            request.kind == BackplaneRequest::Kind::AskSignedIn) {
            // PUBLISH hermes:signin, heard by every hub (its own too).
            const bool question = request.kind == BackplaneRequest::Kind::AskSignedIn;
            const auto signIn =
                parseBackplaneSignIn(backplaneSignInNotice(hubName(from), request.nick, question));
            BOOST_TEST_REQUIRE(signIn.has_value());
            BOOST_TEST_REQUIRE(signIn->question == question);
            ++(question ? questions_ : signIns_);
            if (!question) {
                ++signInsOf_[request.nick];
            }
            for (HubHarness* h : hubs_) {
                if (!deaf.contains(h)) {
                    h->hub.backplaneSignedIn(*signIn, h->now);
                    h->pump();
                }
            }
            return;
        }
        if (request.kind == BackplaneRequest::Kind::PrivateTrim) {
            std::erase_if(privateStreams_[hubName(from)],
                          [&request](const BackplaneEntry& e) { return e.seq <= request.fromSeq; });
            return;
        }
        if (request.kind == BackplaneRequest::Kind::PrivateFill && failFills_ > 0) {
            --failFills_;  // as an XRANGE error reply
            from.hub.backplanePrivateFillFailed(from.now);
            from.pump();
            return;
        }
        if (request.kind == BackplaneRequest::Kind::PrivateFill) {
            std::size_t count = 0;
            for (const BackplaneEntry& entry : privateStreams_[hubName(from)]) {
                if (entry.seq >= request.fromSeq && count < kFillPage) {
                    from.hub.backplanePrivate(entry, from.now);
                    ++count;
                }
            }
            from.hub.backplanePrivateFilled(count, from.now);
            from.hub.flush();
            from.pump();
            return;
        }
        if (request.kind == BackplaneRequest::Kind::Fill) {
            std::size_t count = 0;
            std::uint64_t last = 0;
            for (const BackplaneEntry& entry : streams_[request.room]) {
                if (entry.seq >= request.fromSeq && count < kFillPage) {
                    from.hub.backplaneEntry(entry, from.now);
                    ++count;
                    last = entry.seq;
                }
            }
            from.hub.backplaneFilled(request.room, count, last, from.now);
            from.pump();
            return;
        }
        // As the script: never below the publishing hub's next seq.
        std::uint64_t& last = seqs_[request.room];
        last = std::max(last + 1, request.fromSeq);
        const std::uint64_t seq = last;
        // Through the notice's own text, as Redis carries it.
        const std::string notice =
            backplaneNotice(seq, hubName(from), request.ref, request.account, request.message);
        auto entry =
            parseBackplaneNotice(std::string(kBackplaneChannelPrefix) + request.room, notice);
        BOOST_TEST_REQUIRE(entry.has_value());
        streams_[request.room].push_back(*entry);
        if (!noticesFirst_) {
            from.hub.backplanePublished(request.ref, "", from.now);
        }
        for (HubHarness* h : hubs_) {
            if (!deaf.contains(h)) {
                h->hub.backplaneEntry(*entry, h->now);
                h->pump();
            }
        }
        if (noticesFirst_) {
            from.hub.backplanePublished(request.ref, answerError_, from.now);
            from.pump();
        }
    }

public:
    // From now on a publish's notice reaches the hubs before its answer,
    // which is `error` ("": taken; else as a connection lost after Redis
    // ran the script).
    void noticesBeforeAnswers(std::string error = "") {
        noticesFirst_ = true;
        answerError_ = std::move(error);
    }

private:
    bool noticesFirst_ = false;
    std::string answerError_;

    // As the state script: versioned, kept (or deleted), published to every
    // hub through the notice's own text.
    void answerState(HubHarness& from, const BackplaneRequest& request) {
        if (request.stateMode == StateMode::Create && state_.contains(request.room)) {
            from.hub.backplaneStateAnswered(request.ref, request.room, 0, from.now);
            from.hub.flush();
            from.pump();
            return;
        }
        const std::uint64_t version = ++stateVersion_;
        const bool keeps =
            request.stateMode == StateMode::Set || request.stateMode == StateMode::Create;
        const std::string mode = keeps                                    ? "set"
                                 : request.stateMode == StateMode::Delete ? "del"
                                                                          : "pub";
        if (keeps) {
            state_[request.room] = std::to_string(version) + "\n" + request.message;
        } else if (request.stateMode == StateMode::Delete) {
            state_.erase(request.room);
        }
        auto notice = parseBackplaneStateNotice(std::to_string(version) + " " + mode + "\n" +
                                                request.room + "\n" + request.message);
        BOOST_TEST_REQUIRE(notice.has_value());
        for (HubHarness* h : hubs_) {
            if (alive_.empty() || alive_.contains(h)) {
                h->hub.backplaneState(*notice, h->now);
                h->hub.flush();
                h->pump();
            }
        }
        from.hub.backplaneStateAnswered(request.ref, request.room, version, from.now);
        from.hub.flush();
        from.pump();
    }

public:
    // hermes:state as Redis holds it (field -> "VERSION\nRECORD").
    std::map<std::string, std::string>& state() { return state_; }
    // Room state scripts fail from now on (a replica after a failover).
    void refuseStates(bool refuse) { refuseStates_ = refuse; }
    // As a Redis restarted without its data: no records, versions from 0.
    void loseState() {
        state_.clear();
        stateVersion_ = 0;
    }

private:
    // As the private message script: the nick's holder looked up, the
    // message numbered for its hub and published there (a hub in `deaf`
    // is not subscribed: refused, as PUBLISH reaching no one).
    void answerPrivate(HubHarness& from, const BackplaneRequest& request,
                       const std::set<HubHarness*>& deaf) {
        const auto holder = nicks_.find(request.nick);
        HubHarness* to = nullptr;
        for (HubHarness* h : hubs_) {
            if (holder != nicks_.end() && hubName(*h) == holder->second) {
                to = h;
            }
        }
        if (to == nullptr) {
            from.hub.backplanePrivateSent(request.ref, PrivateOutcome::NoHolder, "", from.now);
        } else if (to == &from) {
            from.hub.backplanePrivateSent(request.ref, PrivateOutcome::HeldHere, holder->second,
                                          from.now);
        } else if (deaf.contains(to) && !privateLost_) {
            from.hub.backplanePrivateSent(request.ref, PrivateOutcome::HolderDeaf, holder->second,
                                          from.now);
        } else {
            const std::uint64_t seq = ++privateSeqs_[holder->second];
            auto entry = parseBackplanePrivate(
                std::string(kBackplanePrivatePrefix) + holder->second,
                backplaneNotice(seq, hubName(from), request.forwarded ? 0 : request.ref,
                                request.account, request.message));
            BOOST_TEST_REQUIRE(entry.has_value());
            privateStreams_[holder->second].push_back(*entry);
            privateSent_.push_back({to, *entry});
            if (deaf.contains(to)) {
                // Heard by Redis's end of a subscription the hub has lost:
                // in its stream, not at the hub.
                from.hub.backplanePrivateSent(request.ref, PrivateOutcome::Published,
                                              holder->second, from.now);
                from.pump();
                return;
            }
            from.hub.backplanePrivateSent(request.ref, PrivateOutcome::Published, holder->second,
                                          from.now);
            from.pump();
            to->hub.backplanePrivate(*entry, to->now);
            to->hub.flush();
            to->pump();
        }
        from.pump();
    }

public:
    // From now on a hub in `deaf` still counts as subscribed for Redis (a
    // connection it lost without Redis knowing): its private messages are
    // kept in its stream, not refused.
    void loseNoticesSilently() { privateLost_ = true; }
    // Every private notice published so far is heard again by its hub (as
    // a subscriber that got the same notice twice would).
    void replayPrivate() {
        for (auto& [to, entry] : privateSent_) {
            to->hub.backplanePrivate(entry, to->now);
            to->hub.flush();
            to->pump();
        }
    }

    // As the reap script for a hub whose lease expired: QUIT for each of
    // its members, who leave the lists.
    void reap(const std::string& hub) {
        for (auto& [room, members] : members_) {
            for (auto it = members.begin(); it != members.end();) {
                if (it->second == hub) {
                    notify(room, "quit", hub, it->first, "hub " + hub + " stopped answering");
                    it = members.erase(it);
                } else {
                    ++it;
                }
            }
        }
    }
    // Only `alive` hear presence notices from now on (the others are dead).
    void onlyAlive(std::set<HubHarness*> alive) { alive_ = std::move(alive); }

private:
    // As the members' sync script: `hub`'s entries made to match `entries`
    // ("\nNICK\nAWAY", "ROOM\nNICK"), each change published.
    void syncMembers(const std::string& hub, const std::vector<std::string>& entries) {
        std::set<std::pair<std::string, std::string>> want;
        std::set<std::string> nicks;
        std::map<std::string, std::string> away;
        for (const std::string& entry : entries) {
            const auto newline = entry.find('\n');
            if (newline > 0) {
                want.emplace(entry.substr(0, newline), entry.substr(newline + 1));
                continue;
            }
            const auto second = entry.find('\n', 1);
            const std::string nick = entry.substr(1, second - 1);
            nicks.insert(nick);
            if (second + 1 < entry.size()) {
                away[nick] = entry.substr(second + 1);
            }
        }
        const std::set<std::pair<std::string, std::string>> rooms = want;
        std::vector<std::pair<std::string, std::string>> gone;
        for (auto& [room, members] : members_) {
            for (const auto& [nick, on] : members) {
                if (on == hub && want.erase({room, nick}) == 0) {
                    gone.emplace_back(room, nick);
                }
            }
        }
        for (const auto& [room, nick] : gone) {
            members_[room].erase(nick);
            notify(room, nicks.contains(nick) ? "left" : "quit", hub, nick, "");
        }
        for (const auto& [room, nick] : want) {
            members_[room][nick] = hub;
            notify(room, "joined", hub, nick, "");
        }
        auto& stored = away_[hub];
        for (const auto& [room, nick] : rooms) {
            const auto was = stored.find(nick);
            const auto is = away.find(nick);
            if (is != away.end() && (was == stored.end() || was->second != is->second)) {
                notify(room, "away", hub, nick, is->second);
            } else if (is == away.end() && was != stored.end()) {
                notify(room, "back", hub, nick, "");
            }
        }
        stored = away;
    }

    void notify(const std::string& room, const std::string& kind, const std::string& hub,
                const std::string& nick, const std::string& reason) {
        auto event = parseBackplanePresence(std::string(kBackplanePresencePrefix) + room,
                                            backplanePresenceNotice(kind, hub, nick, reason));
        BOOST_TEST_REQUIRE(event.has_value());
        for (HubHarness* h : hubs_) {
            if (alive_.empty() || alive_.contains(h)) {
                h->hub.backplanePresence(*event, h->now);
                h->hub.flush();  // as the event loop after the backplane's socket
                h->pump();
            }
        }
    }

    std::string hubName(const HubHarness& h) const {
        for (std::size_t i = 0; i < hubs_.size(); ++i) {
            if (hubs_[i] == &h) {
                return "hub" + std::to_string(i);
            }
        }
        return "?";
    }

    std::vector<HubHarness*> hubs_;
    std::map<std::string, std::uint64_t> seqs_;
    std::map<std::string, std::vector<BackplaneEntry>> streams_;
    std::map<std::string, std::string> nicks_;                           // nick key -> hub
    std::map<std::string, std::map<std::string, std::string>> members_;  // room -> nick -> hub
    std::map<std::string, std::map<std::string, std::string>> away_;     // hub -> nick -> text
    std::set<HubHarness*> alive_;
    std::map<std::string, std::uint64_t> privateSeqs_;  // per receiving hub
    int signIns_ = 0;
    int questions_ = 0;
    std::map<std::string, int> signInsOf_;
    std::vector<std::pair<HubHarness*, BackplaneEntry>> privateSent_;
    std::map<std::string, std::vector<BackplaneEntry>> privateStreams_;  // per receiving hub
    bool privateLost_ = false;
    int failFills_ = 0;
    std::map<std::string, std::string> state_;  // hermes:state
    std::uint64_t stateVersion_ = 0;            // hermes:statever
    bool refuseStates_ = false;
};

// A Hello on a clustered hub: welcomed once the backplane granted the nick.
SessionId clusterLogin(HubHarness& h, FakeBackplane& backplane, const std::string& nick) {
    const SessionId id = h.connect();
    h.send(id, hello(nick));
    BOOST_TEST_REQUIRE(h.peers[id].inbox.empty());  // waits for the claim
    backplane.run();
    BOOST_TEST_REQUIRE(!h.peers[id].inbox.empty());
    BOOST_TEST_REQUIRE(h.peers[id].inbox.front().has_welcome());
    h.clear(id);
    return id;
}

// Two hubs, two members on each, all in #r, the backplane up.
struct TwoHubs {
    HubHarness a{clusterConfig("hub0")};
    HubHarness b{clusterConfig("hub1")};
    FakeBackplane backplane{{&a, &b}};
    SessionId ana = 0, amy = 0, bob = 0, ben = 0;
    TwoHubs() {
        a.hub.backplaneUp(true, a.now);
        b.hub.backplaneUp(true, b.now);
        ana = clusterLogin(a, backplane, "ana");
        amy = clusterLogin(a, backplane, "amy");
        bob = clusterLogin(b, backplane, "bob");
        ben = clusterLogin(b, backplane, "ben");
        const std::pair<HubHarness*, SessionId> members[] = {
            {&a, ana}, {&a, amy}, {&b, bob}, {&b, ben}};
        for (auto [h, id] : members) {
            h->send(id, join("r"));
        }
        a.advance(1s);  // presence is coalesced: out before the test starts
        b.advance(1s);
        backplane.run();  // the Fills each join asks (empty streams)
        for (auto [h, id] : members) {
            h->clear(id);
        }
    }
};

// The payloads of the ChatMessages in `h`'s inbox for `id`, taken.
std::vector<std::string> chatFrames(HubHarness& h, SessionId id) {
    std::vector<std::string> out;
    Peer& peer = h.peers[id];
    for (std::size_t i = 0; i < peer.inbox.size(); ++i) {
        if (peer.inbox[i].has_message()) {
            out.push_back(peer.frames[peer.frames.size() - peer.inbox.size() + i]);
        }
    }
    h.clear(id);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(notice_round_trips_and_rejects_what_is_not_one) {
    const std::string notice = backplaneNotice(42, "hub-a", 7, "ana", std::string("m\n\0x", 4));
    auto entry = parseBackplaneNotice("hermes:room:#r", notice);
    BOOST_TEST_REQUIRE(entry.has_value());
    BOOST_TEST(entry->room == "#r");
    BOOST_TEST(entry->seq == 42u);
    BOOST_TEST(entry->hub == "hub-a");
    BOOST_TEST(entry->ref == 7u);
    BOOST_TEST(entry->account == "ana");
    BOOST_TEST(entry->message == std::string("m\n\0x", 4));
    auto anonymous = parseBackplaneNotice("hermes:room:#r", backplaneNotice(1, "h", 0, "", "x"));
    BOOST_TEST_REQUIRE(anonymous.has_value());
    BOOST_TEST(anonymous->account.empty());
    for (const auto& [channel, payload] :
         std::vector<std::pair<std::string, std::string>>{{"hermes:room:", notice},
                                                          {"other:#r", notice},
                                                          {"hermes:room:#r", "42 hub-a 7 ana"},
                                                          {"hermes:room:#r", "0 hub-a 7 ana\nm"},
                                                          {"hermes:room:#r", "x hub-a 7 ana\nm"},
                                                          {"hermes:room:#r", "4 hub-a 7 an a\nm"},
                                                          {"hermes:room:#r", "4  7 ana\nm"}}) {
        BOOST_TEST_CONTEXT(channel << " / " << payload) {
            BOOST_TEST(!parseBackplaneNotice(channel, payload).has_value());
        }
    }
    BOOST_TEST(backplaneStreamSeq("17-0") == 17u);
    BOOST_TEST(backplaneStreamSeq("17-1") == 0u);
    BOOST_TEST(backplaneStreamSeq("-0") == 0u);
}

BOOST_AUTO_TEST_CASE(one_order_and_identical_bytes_on_both_hubs_echo_after_the_backplane) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "from ana"));
    // Not ordered yet: no echo, nothing at anyone.
    BOOST_TEST(chatFrames(f.a, f.ana).empty());
    f.b.send(f.bob, say("#r", 2, "from bob"));
    f.a.send(f.amy, say("#r", 3, "from amy"));
    f.backplane.run();
    f.b.send(f.ben, say("#r", 4, "from ben"));
    f.backplane.run();
    const std::vector<std::string> reference = chatFrames(f.a, f.ana);
    BOOST_TEST_REQUIRE(reference.size() == 4u);
    for (std::size_t i = 0; i < reference.size(); ++i) {
        v1::Envelope e;
        BOOST_TEST_REQUIRE(e.ParseFromString(reference[i]));
        BOOST_TEST(e.message().seq() == i + 1);
        BOOST_TEST(e.message().epoch() == 77u);
    }
    BOOST_TEST(chatFrames(f.a, f.amy) == reference, boost::test_tools::per_element());
    BOOST_TEST(chatFrames(f.b, f.bob) == reference, boost::test_tools::per_element());
    BOOST_TEST(chatFrames(f.b, f.ben) == reference, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_gap_waits_for_a_fill_and_a_trimmed_one_is_skipped) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.send(f.ana, say("#r", 2, "two"));
    f.backplane.run({&f.b});  // b misses seq 2
    f.a.send(f.ana, say("#r", 3, "three"));
    f.backplane.run();  // b gets 3, waits, fills 2
    std::vector<std::uint64_t> seqs;
    for (const std::string& frame : chatFrames(f.b, f.bob)) {
        v1::Envelope e;
        e.ParseFromString(frame);
        seqs.push_back(e.message().seq());
    }
    BOOST_TEST(seqs == (std::vector<std::uint64_t>{1, 2, 3}), boost::test_tools::per_element());
    f.b.clear(f.ben);
    // b misses 4 and 5, which the stream then drops: b goes on from 6.
    f.a.send(f.ana, say("#r", 4, "four"));
    f.a.send(f.ana, say("#r", 5, "five"));
    f.backplane.run({&f.b});
    f.backplane.trim("r", 6);  // the canonical name
    f.a.send(f.ana, say("#r", 6, "six"));
    f.backplane.run();
    seqs.clear();
    for (const std::string& frame : chatFrames(f.b, f.ben)) {
        v1::Envelope e;
        e.ParseFromString(frame);
        seqs.push_back(e.message().seq());
    }
    BOOST_TEST(seqs == (std::vector<std::uint64_t>{6}), boost::test_tools::per_element());
    BOOST_TEST(chatFrames(f.a, f.amy).size() == 6u);
}

BOOST_AUTO_TEST_CASE(backplane_down_or_failing_refuses_with_cluster_unavailable) {
    TwoHubs f;
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.send(f.ana, say("#r", 9, "while down"));
    v1::Envelope refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.error().client_msg_id() == 9u);
    f.a.hub.backplaneUp(true, f.a.now);
    // Back: every room's stream is read from its next seq, and the
    // cluster's members are read again.
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    // (and this hub's private message count: PrivateCursor; and the
    // cluster's topics and bans: States)
    // (and this hub's members written again: SyncMembers)
    BOOST_TEST_REQUIRE(requests.size() == 5u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::PrivateCursor));
    BOOST_TEST((requests[2].kind == BackplaneRequest::Kind::SyncMembers));
    BOOST_TEST((requests[3].kind == BackplaneRequest::Kind::Members));
    BOOST_TEST((requests[4].kind == BackplaneRequest::Kind::States));
    BOOST_TEST((requests[1].kind == BackplaneRequest::Kind::Fill));
    BOOST_TEST(requests[1].room == "r");
    BOOST_TEST(requests[1].fromSeq == 1u);
    // Redis answers a publish with an error: the sender is told.
    f.a.send(f.ana, say("#r", 10, "failing"));
    requests.clear();
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    f.a.hub.backplanePublished(requests[0].ref, "Redis connection lost; fate unknown", f.a.now);
    f.a.pump();
    refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.error().client_msg_id() == 10u);
    // cluster.max_in_flight (4 here) unanswered sends: the fifth is refused.
    for (std::uint64_t id = 20; id < 25; ++id) {
        f.a.send(f.ana, say("#r", id, "burst"));
    }
    const std::vector<v1::Envelope> got = f.a.take(f.ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].error().client_msg_id() == 24u);
    requests.clear();
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST(requests.size() == 4u);
}

BOOST_AUTO_TEST_CASE(a_reply_to_another_hubs_message_is_checked_here) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.clear(f.ana);
    // A reply to a message another hub's member sent is checked here.
    f.b.clear(f.bob);
    v1::Envelope reply = say("#r", 3, "re");
    reply.mutable_say()->set_reply_to(1);
    f.b.send(f.bob, reply);
    f.backplane.run();
    const std::vector<std::string> frames = chatFrames(f.b, f.bob);
    BOOST_TEST_REQUIRE(frames.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_nick_is_unique_across_hubs_and_free_again_when_its_session_ends) {
    TwoHubs f;
    // "Ana" folds to ana's key: taken on the other hub.
    const SessionId second = f.b.connect();
    f.b.send(second, hello("Ana"));
    f.backplane.run();
    v1::Envelope refused = f.b.next(second);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_NICK_TAKEN);
    // A rename to it is refused as a Hello's is.
    v1::Envelope rename;
    rename.mutable_set_nick()->set_nick("ana");
    f.b.send(f.bob, rename);
    f.backplane.run();
    refused = f.b.next(f.bob);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_NICK_TAKEN);
    // ana leaves hub a: the nick is released, and the same session may
    // now have it on hub b.
    f.a.hub.closed(f.ana, "gone", f.a.now);
    f.a.pump();
    f.backplane.run();
    f.b.send(second, hello("Ana"));
    f.backplane.run();
    const v1::Envelope welcome = f.b.next(second);
    BOOST_TEST_REQUIRE(welcome.has_welcome());
    BOOST_TEST(welcome.welcome().nick() == "Ana");
    // The backplane down: a Hello is refused, not welcomed unchecked.
    f.a.hub.backplaneUp(false, f.a.now);
    const SessionId third = f.a.connect();
    f.a.send(third, hello("zed"));
    refused = f.a.next(third);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
}

// --- presence across hubs -----------------------------------------------------------------

namespace {

// The nicks of the MemberList `id` gets for `room`, sorted.
std::vector<std::string> memberList(HubHarness& h, SessionId id, const std::string& room) {
    h.clear(id);
    v1::Envelope who;
    who.mutable_who()->set_room(room);
    h.send(id, who);
    const v1::Envelope got = h.next(id);
    BOOST_TEST_REQUIRE(got.has_members());
    std::vector<std::string> nicks(got.members().nicks().begin(), got.members().nicks().end());
    std::sort(nicks.begin(), nicks.end());
    return nicks;
}

// The Presence frames in `id`'s inbox as "KIND nick (reason)", taken.
std::vector<std::string> presenceSeen(HubHarness& h, SessionId id) {
    std::vector<std::string> out;
    for (const v1::Envelope& e : h.take(id)) {
        if (!e.has_presence()) {
            continue;
        }
        for (const std::string& nick : e.presence().nicks()) {
            out.push_back(v1::PresenceKind_Name(e.presence().kind()) + " " + nick + " (" +
                          e.presence().reason() + ")");
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(presence_notice_round_trips_and_rejects_what_is_not_one) {
    auto event = parseBackplanePresence(
        "hermes:presence:r", backplanePresenceNotice("quit", "hub-a", "ana", "bye\nnow"));
    BOOST_TEST_REQUIRE(event.has_value());
    BOOST_TEST(event->room == "r");
    BOOST_TEST(event->kind == "quit");
    BOOST_TEST(event->hub == "hub-a");
    BOOST_TEST(event->nick == "ana");
    BOOST_TEST(event->reason == "bye\nnow");
    for (const auto& [channel, payload] :
         std::vector<std::pair<std::string, std::string>>{{"hermes:presence:", "joined h\nana\n"},
                                                          {"hermes:room:r", "joined h\nana\n"},
                                                          {"hermes:presence:r", "renamed h\nana\n"},
                                                          {"hermes:presence:r", "joined h\nana"},
                                                          {"hermes:presence:r", "joined \nana\n"},
                                                          {"hermes:presence:r", "joined h\n\n"}}) {
        BOOST_TEST_CONTEXT(channel << " / " << payload) {
            BOOST_TEST(!parseBackplanePresence(channel, payload).has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(other_hubs_members_are_listed_and_their_joins_leaves_and_quits_shown) {
    TwoHubs f;
    // Every member of #r on both hubs, at both hubs.
    const std::vector<std::string> all{"amy", "ana", "ben", "bob"};
    BOOST_TEST(memberList(f.a, f.ana, "r") == all, boost::test_tools::per_element());
    BOOST_TEST(memberList(f.b, f.bob, "r") == all, boost::test_tools::per_element());
    // A joiner on b: a's members see it, and a joiner's list has everyone.
    const SessionId cid = clusterLogin(f.b, f.backplane, "cid");
    f.b.send(cid, join("r"));
    f.b.advance(1s);
    f.backplane.run();
    f.a.advance(1s);
    BOOST_TEST(presenceSeen(f.a, f.ana) == std::vector<std::string>{"PRESENCE_KIND_JOINED cid ()"},
               boost::test_tools::per_element());
    // b's own member's join is not shown twice at b.
    const std::vector<std::string> atBob = presenceSeen(f.b, f.bob);
    BOOST_TEST(std::count(atBob.begin(), atBob.end(), "PRESENCE_KIND_JOINED cid ()") == 1);
    // A leaver and a quitter on b: shown at a with their reasons, and gone
    // from a's list.
    f.b.send(f.ben, leave("r", "lunch"));
    f.b.hub.closed(f.bob, "gone", f.b.now);
    f.b.pump();
    f.b.advance(1s);
    f.backplane.run();
    f.a.advance(1s);
    const std::vector<std::string> seen = presenceSeen(f.a, f.amy);
    BOOST_TEST_REQUIRE(seen.size() == 3u);  // cid's join, then these two
    BOOST_TEST(seen[1] == "PRESENCE_KIND_LEFT ben (lunch)");
    BOOST_TEST(seen[2].starts_with("PRESENCE_KIND_QUIT bob ("));
    BOOST_TEST(memberList(f.a, f.ana, "r") == (std::vector<std::string>{"amy", "ana", "cid"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_dead_hubs_members_quit_once_it_is_reaped) {
    TwoHubs f;
    // b dies (its lease expires): the backplane reaps it, once.
    f.backplane.onlyAlive({&f.a});
    f.backplane.reap("hub1");
    f.a.advance(1s);
    const std::vector<std::string> seen = presenceSeen(f.a, f.ana);
    BOOST_TEST(
        seen == (std::vector<std::string>{"PRESENCE_KIND_QUIT ben (hub hub1 stopped answering)",
                                          "PRESENCE_KIND_QUIT bob (hub hub1 stopped answering)"}),
        boost::test_tools::per_element());
    BOOST_TEST(memberList(f.a, f.amy, "r") == (std::vector<std::string>{"amy", "ana"}),
               boost::test_tools::per_element());
    // A second reap (another hub raced for it) finds nothing: no QUIT twice.
    f.backplane.reap("hub1");
    BOOST_TEST(presenceSeen(f.a, f.ana).empty());
}

BOOST_AUTO_TEST_CASE(a_hub_back_on_the_backplane_reads_every_hubs_members) {
    TwoHubs f;
    HubHarness c{clusterConfig("hub2")};
    // c was away while the others joined: it learns them when it is up.
    c.hub.backplaneUp(true, c.now);
    std::vector<BackplaneRequest> requests;
    c.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 4u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::PrivateCursor));
    BOOST_TEST((requests[1].kind == BackplaneRequest::Kind::SyncMembers));
    BOOST_TEST(requests[1].entries.empty());  // no member here yet
    BOOST_TEST((requests[2].kind == BackplaneRequest::Kind::Members));
    BOOST_TEST((requests[3].kind == BackplaneRequest::Kind::States));
    c.hub.backplaneMembers(
        {{"r", "ana", "hub0", ""}, {"r", "bob", "hub1", ""}, {"r", "zoe", "hub2", ""}}, c.now);
    const SessionId zoe = c.connect();
    c.send(zoe, hello("zoe"));
    std::vector<BackplaneRequest> claims;
    c.hub.takeBackplaneRequests(claims);
    BOOST_TEST_REQUIRE(!claims.empty());
    c.hub.backplaneClaimed(claims[0].ref, true, "", c.now);
    c.pump();
    c.clear(zoe);
    c.send(zoe, join("r"));
    v1::Envelope list;
    for (const v1::Envelope& e : c.take(zoe)) {
        if (e.has_members()) {
            list = e;
        }
    }
    BOOST_TEST_REQUIRE(list.has_members());
    std::vector<std::string> nicks(list.members().nicks().begin(), list.members().nicks().end());
    std::sort(nicks.begin(), nicks.end());
    // Its own hub's entry (a leftover of an earlier run) is not listed twice.
    BOOST_TEST(nicks == (std::vector<std::string>{"ana", "bob", "zoe"}),
               boost::test_tools::per_element());
}

// cluster.replicas_acked (docs/CLUSTER.md, "Acked on the replicas"): a
// notice is published only once its entry is on the replicas, so a gap's
// Fill names the highest seq waiting (every seq below it is replicated too)
// and the edge reads no further; a Fill with nothing waiting (a reconnect)
// names none, and the edge must ask the replicas before delivering it.
BOOST_AUTO_TEST_CASE(a_gap_fill_names_the_highest_waiting_seq_a_reconnect_fill_none) {
    TwoHubs f;
    for (std::uint64_t id = 1; id <= 3; ++id) {
        f.a.send(f.ana, say("#r", id, "line " + std::to_string(id)));
    }
    std::vector<BackplaneRequest> published;
    f.a.hub.takeBackplaneRequests(published);
    BOOST_TEST_REQUIRE(published.size() == 3u);
    std::vector<BackplaneEntry> entries;
    for (std::size_t i = 0; i < published.size(); ++i) {
        auto entry = parseBackplaneNotice(
            "hermes:room:r", backplaneNotice(i + 1, "hub0", published[i].ref, published[i].account,
                                             published[i].message));
        BOOST_TEST_REQUIRE(entry.has_value());
        entries.push_back(*entry);
    }
    // b hears 2 before 1: it waits and asks for 1 up to 2, then 3 arrives
    // while the Fill is out (no second Fill).
    f.b.hub.backplaneEntry(entries[1], f.b.now);
    f.b.hub.backplaneEntry(entries[2], f.b.now);
    std::vector<BackplaneRequest> requests;
    f.b.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::Fill));
    BOOST_TEST(requests[0].fromSeq == 1u);
    BOOST_TEST(requests[0].toSeq == 2u);
    BOOST_TEST(chatFrames(f.b, f.ben).empty());
    // The edge read seqs 1..2 (no further): 1, 2 and the waiting 3 go out.
    f.b.hub.backplaneEntry(entries[0], f.b.now);
    f.b.hub.backplaneEntry(entries[1], f.b.now);
    f.b.hub.backplaneFilled("r", 2, 2, f.b.now);
    f.b.pump();
    std::vector<std::uint64_t> seqs;
    for (const std::string& frame : chatFrames(f.b, f.ben)) {
        v1::Envelope e;
        e.ParseFromString(frame);
        seqs.push_back(e.message().seq());
    }
    BOOST_TEST(seqs == (std::vector<std::uint64_t>{1, 2, 3}), boost::test_tools::per_element());
    // Back after a loss: nothing waits, the Fill names no bound.
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    requests.clear();
    f.b.hub.takeBackplaneRequests(requests);
    // (Beside the room's Fill, the hub asks for its private message cursor.)
    const auto fill = std::find_if(requests.begin(), requests.end(), [](const auto& request) {
        return request.kind == BackplaneRequest::Kind::Fill;
    });
    BOOST_TEST_REQUIRE((fill != requests.end()));
    BOOST_TEST(fill->fromSeq == 4u);
    BOOST_TEST(fill->toSeq == 0u);
}

// --- private messages across hubs ---------------------------------------------------------

namespace {

// The ChatMessages in `id`'s inbox, taken.
std::vector<v1::ChatMessage> messagesOf(HubHarness& h, SessionId id) {
    std::vector<v1::ChatMessage> out;
    for (const v1::Envelope& e : h.take(id)) {
        if (e.has_message()) {
            out.push_back(e.message());
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_private_message_reaches_another_hub_once_in_order_echo_after_backplane) {
    TwoHubs f;
    f.a.send(f.ana, privateMessage("bob", 1, "one"));
    f.a.send(f.ana, privateMessage("BOB", 2, "two"));
    // Not answered by the backplane yet: no echo, and bob has nothing.
    BOOST_TEST(messagesOf(f.a, f.ana).empty());
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    f.backplane.run();
    const auto echoes = messagesOf(f.a, f.ana);
    const auto got = messagesOf(f.b, f.bob);
    BOOST_TEST_REQUIRE(echoes.size() == 2u);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(got[i].text() == (i == 0 ? "one" : "two"));
        BOOST_TEST(got[i].from() == "ana");
        BOOST_TEST(got[i].client_msg_id() == i + 1);
        BOOST_TEST(got[i].room().empty());
        BOOST_TEST(got[i].seq() == 0u);
        BOOST_TEST(got[i].private_seq() == 0u);  // guests: nothing kept
        // The echo is the same message (stamped once, on the sender's hub).
        BOOST_TEST(echoes[i].SerializeAsString() == got[i].SerializeAsString());
    }
    BOOST_TEST(messagesOf(f.b, f.ben).empty());
    BOOST_TEST(messagesOf(f.a, f.amy).empty());
    // And back.
    f.b.send(f.bob, privateMessage("ana", 3, "three"));
    f.backplane.run();
    const auto back = messagesOf(f.a, f.ana);
    BOOST_TEST_REQUIRE(back.size() == 1u);
    BOOST_TEST(back[0].text() == "three");
    BOOST_TEST(messagesOf(f.b, f.bob).size() == 1u);  // bob's echo
    // Every notice heard a second time (a duplicate subscription): shown once.
    f.backplane.replayPrivate();
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    BOOST_TEST(messagesOf(f.a, f.ana).empty());
}

BOOST_AUTO_TEST_CASE(a_private_message_to_a_nick_no_hub_holds_is_refused_as_on_one_hub) {
    TwoHubs f;
    f.a.send(f.ana, privateMessage("nobody", 5, "hello?"));
    BOOST_TEST(f.a.take(f.ana).empty());  // asks the backplane first
    f.backplane.run();
    const v1::Envelope refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_NO_SUCH_NICK);
    BOOST_TEST(refused.error().client_msg_id() == 5u);
    BOOST_TEST(refused.error().text() == "no one is called nobody");
    // A nick on this same hub never goes to the backplane.
    f.a.send(f.ana, privateMessage("amy", 6, "next door"));
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST(requests.empty());
    BOOST_TEST(messagesOf(f.a, f.amy).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_private_message_is_refused_when_the_backplane_or_the_holder_is_away) {
    TwoHubs f;
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.send(f.ana, privateMessage("bob", 7, "while down"));
    v1::Envelope refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.error().client_msg_id() == 7u);
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    f.a.clear(f.ana);
    // bob's hub is cut from Redis (its lease not yet expired).
    f.a.send(f.ana, privateMessage("bob", 8, "cut"));
    f.backplane.run({&f.b});
    refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_PEER_HUB_UNREACHABLE);
    BOOST_TEST(refused.error().client_msg_id() == 8u);
    BOOST_TEST(refused.error().text().find("hub1") == std::string::npos);  // not named
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    // Redis fails the script (the connection lost): the sender is told.
    f.a.send(f.ana, privateMessage("bob", 9, "lost"));
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::Private));
    BOOST_TEST(requests[0].nick == "bob");
    f.a.hub.backplanePrivateSent(requests[0].ref, PrivateOutcome::Failed, "fate unknown", f.a.now);
    f.a.pump();
    refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.error().client_msg_id() == 9u);
}

namespace {

// An account book loaded once (names only: no one signs in with a password
// here; Hub::testSignIn signs sessions in).
class Book : public AccountStore {
public:
    explicit Book(std::vector<std::string> names) : names_(std::move(names)) {}
    std::vector<StoredAccount> load() override {
        std::vector<StoredAccount> out;
        for (const std::string& name : names_) {
            out.push_back({name, "x"});
        }
        return out;
    }
    void save(const StoredAccount&) override {}
    bool persistent() const override { return false; }

private:
    std::vector<std::string> names_;
};

v1::HistoryPage conversationWith(HubHarness& h, SessionId id, const std::string& peer) {
    h.clear(id);
    v1::Envelope history;
    history.mutable_history_request()->set_peer(peer);
    h.send(id, history);
    const v1::Envelope page = h.next(id);
    BOOST_TEST_REQUIRE(page.has_history_page());
    return page.history_page();
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_account_of_one_hubs_book_is_the_clusters) {
    // bob is an account of a's book (from before the cluster): a offers it
    // to Redis at its first read of the state, and b books it.
    HubHarness a{clusterConfig("hub0"), 77, nullptr, nullptr,
                 std::make_unique<Book>(std::vector<std::string>{"bob"})};
    HubHarness b{clusterConfig("hub1")};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    backplane.run();
    BOOST_TEST(backplane.state().contains("account bob"));
    // A guest Hello of "bob" on b: refused there as the account's.
    const SessionId guest = b.connect();
    b.send(guest, hello("bob"));
    backplane.run();
    const v1::Envelope refusal = b.next(guest);
    BOOST_TEST_REQUIRE(refusal.has_error());
    BOOST_TEST(refusal.error().code() == v1::ERROR_CODE_PASSWORD_REQUIRED);
}

BOOST_AUTO_TEST_CASE(a_guest_holding_a_nick_the_cluster_registers_gives_it_up) {
    HubHarness a{clusterConfig("hub0")};
    FakeBackplane backplane{{&a}};
    a.hub.backplaneUp(true, a.now);
    const SessionId zed = clusterLogin(a, backplane, "zed");
    // A hub whose book has "zed" (from before the cluster) joins and offers it.
    HubHarness c{clusterConfig("hub2"), 77, nullptr, nullptr,
                 std::make_unique<Book>(std::vector<std::string>{"zed"})};
    FakeBackplane both{{&a, &c}};
    both.state() = backplane.state();
    c.hub.backplaneUp(true, c.now);
    both.run();
    const auto frames = a.take(zed);
    const auto closing = std::find_if(frames.begin(), frames.end(), [](const v1::Envelope& e) {
        return e.has_error() && e.error().code() == v1::ERROR_CODE_PASSWORD_REQUIRED;
    });
    BOOST_TEST_REQUIRE((closing != frames.end()));
    BOOST_TEST(closing->error().fatal());
}

BOOST_AUTO_TEST_CASE(an_account_named_in_hub_operators_is_not_taken_from_the_cluster) {
    // "boss" is named in a's hub.operators and not registered there: the
    // account c offers must not make its owner a hub operator of a.
    HubConfig config = clusterConfig("hub0");
    config.operators = {"boss"};
    HubHarness a{config};
    HubHarness c{clusterConfig("hub2"), 77, nullptr, nullptr,
                 std::make_unique<Book>(std::vector<std::string>{"boss"})};
    FakeBackplane backplane{{&a, &c}};
    a.hub.backplaneUp(true, a.now);
    c.hub.backplaneUp(true, c.now);
    backplane.run();
    BOOST_TEST(backplane.state().contains("account boss"));
    // a does not know the account: a Hello of "boss" there needs no password
    // (a's own guard, as before: Register refuses names in hub.operators).
    const SessionId boss = a.connect();
    a.send(boss, hello("boss"));
    backplane.run();
    const v1::Envelope answer = a.next(boss);
    BOOST_TEST(!(answer.has_error() && answer.error().code() == v1::ERROR_CODE_PASSWORD_REQUIRED));
}

BOOST_AUTO_TEST_CASE(a_message_to_an_account_waits_here_while_the_backplane_is_down) {
    HubHarness a{clusterConfig("hub0"), 77, nullptr, nullptr,
                 std::make_unique<Book>(std::vector<std::string>{"bob"})};
    FakeBackplane backplane{{&a}};
    a.hub.backplaneUp(true, a.now);
    const SessionId ana = clusterLogin(a, backplane, "ana");
    a.hub.testSignIn(ana, "ana", a.now);
    a.hub.backplaneUp(false, a.now);
    a.clear(ana);
    a.send(ana, privateMessage("bob", 1, "while Redis is away"));
    const auto echo = messagesOf(a, ana);
    BOOST_TEST_REQUIRE(echo.size() == 1u);
    BOOST_TEST(echo[0].private_seq() == 1u);  // waits for bob here, as on a hub alone
}

BOOST_AUTO_TEST_CASE(a_message_to_an_account_stays_here_only_if_a_session_here_is_signed_in) {
    HubHarness a{clusterConfig("hub0"), 77, nullptr, nullptr,
                 std::make_unique<Book>(std::vector<std::string>{"bob"})};
    HubHarness b{clusterConfig("hub1")};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    const SessionId ana = clusterLogin(a, backplane, "ana");
    a.hub.testSignIn(ana, "ana", a.now);
    backplane.run();  // ana's sign-in, published
    // No session anywhere holds bob: asked of the backplane, which finds no
    // holder, and it waits on a for the account (echoed, kept).
    a.clear(ana);
    a.send(ana, privateMessage("bob", 1, "for bob, offline"));
    std::vector<BackplaneRequest> requests;
    a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::Private));
    a.hub.backplanePrivateSent(requests[0].ref, PrivateOutcome::NoHolder, "", a.now);
    a.pump();
    const auto echo = messagesOf(a, ana);
    BOOST_TEST_REQUIRE(echo.size() == 1u);
    BOOST_TEST(echo[0].private_seq() == 1u);  // kept in a's conversation
    // A session of a signed in to bob (under another nick): to it, here.
    const SessionId bobby = clusterLogin(a, backplane, "bobby");
    a.hub.testSignIn(bobby, "bob", a.now);
    a.clear(bobby);
    a.send(ana, privateMessage("bob", 2, "for bob, here"));
    requests.clear();
    a.hub.takeBackplaneRequests(requests);
    for (const BackplaneRequest& r : requests) {
        BOOST_TEST((r.kind != BackplaneRequest::Kind::Private));
    }
    backplane.run();
    const auto atBobby = messagesOf(a, bobby);
    BOOST_TEST_REQUIRE(!atBobby.empty());
    BOOST_TEST(atBobby.back().text() == "for bob, here");
}

namespace {

// bob registers on b (the cluster's account) and leaves; ana, signed in on
// a, sends bob a private message, which waits on a (no hub holds bob).
HubConfig withMailbox(HubConfig config, std::size_t maxWaiting) {
    config.privateMaxWaiting = maxWaiting;
    return config;
}

v1::Envelope identify(const std::string& nick, const std::string& password) {
    v1::Envelope e;
    e.mutable_identify()->set_nick(nick);
    e.mutable_identify()->set_password(password);
    return e;
}

// A hub's store that keeps the list of what waits, as SqliteHistory's
// waiting table does (what a restarted hub finds waiting), in `kept`.
class WaitingKept : public MemoryHistory {
public:
    explicit WaitingKept(std::set<std::pair<std::string, std::uint64_t>>& kept)
        : MemoryHistory(1000), kept_(kept) {}
    void addWaiting(const WaitingMessage& w) override { kept_.insert({w.conversation, w.seq}); }
    void removeWaiting(const WaitingMessage& w) override { kept_.erase({w.conversation, w.seq}); }

private:
    std::set<std::pair<std::string, std::uint64_t>>& kept_;
};

struct WaitingOnA {
    explicit WaitingOnA(std::size_t maxWaiting = 200)
        : a{withMailbox(cheapHashes(clusterConfig("hub0")), maxWaiting), 77,
            std::make_unique<WaitingKept>(storedOnA)} {
        a.hub.backplaneUp(true, a.now);
        b.hub.backplaneUp(true, b.now);
        const SessionId first = clusterLogin(b, backplane, "bob");
        b.send(first, registerNick("pw"));
        hashingDone(b);
        backplane.run();
        BOOST_TEST_REQUIRE(b.next(first).has_account_reply());
        hashingDone(a);  // a stored the account Redis published
        b.hub.closed(first, "gone", b.now);
        backplane.run();
        ana = clusterLogin(a, backplane, "ana");
        a.hub.testSignIn(ana, "ana", a.now);
        backplane.run();
        a.clear(ana);
        a.send(ana, privateMessage("bob", 1, "while you were out"));
        backplane.run();
        const auto echo = messagesOf(a, ana);
        BOOST_TEST_REQUIRE(echo.size() == 1u);
        BOOST_TEST_REQUIRE(echo[0].private_seq() == 1u);  // waits in a's conversation
    }

    std::set<std::pair<std::string, std::uint64_t>> storedOnA;  // before a: its store's
    HubHarness a;
    HubHarness b{cheapHashes(clusterConfig("hub1"))};
    FakeBackplane backplane{{&a, &b}};
    SessionId ana = 0;

    // bob signs in on b with his password (hubs in `deaf` miss what is
    // published meanwhile): the nick's claim, then the password checked (b's
    // hashing thread may store bob's account first: one job a signal).
    SessionId signInOnB(const std::set<HubHarness*>& deaf = {}) {
        const SessionId bob = b.connect();
        v1::Envelope withPassword = hello("bob");
        withPassword.mutable_hello()->set_password("pw");
        b.send(bob, withPassword);
        backplane.run(deaf);
        const auto welcomed = [&] {
            return std::any_of(b.peers[bob].inbox.begin(), b.peers[bob].inbox.end(),
                               [](const v1::Envelope& e) { return e.has_welcome(); });
        };
        for (int job = 0; job < 2 && !welcomed(); ++job) {
            hashingDone(b);
            backplane.run(deaf);
        }
        BOOST_TEST_REQUIRE(welcomed());
        return bob;
    }

    // The Private requests `h` asks of the backplane now (taken).
    static std::vector<BackplaneRequest> privateRequests(HubHarness& h) {
        std::vector<BackplaneRequest> all;
        h.hub.takeBackplaneRequests(all);
        std::erase_if(all, [](const BackplaneRequest& r) {
            return r.kind != BackplaneRequest::Kind::Private;
        });
        return all;
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_message_waiting_on_one_hub_goes_to_its_account_signing_in_on_another) {
    WaitingOnA f;
    const int signInsBefore = f.backplane.signIns();
    // bob signs in on b with his password: b publishes it, and a sends on
    // what waited there for bob.
    const SessionId bob = f.signInOnB();
    BOOST_TEST(f.backplane.signIns() == signInsBefore + 1);
    const auto atBob = messagesOf(f.b, bob);
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "while you were out");
    BOOST_TEST(atBob[0].from() == "ana");
    BOOST_TEST(atBob[0].private_seq() == 0u);  // each hub numbers its own conversations
    BOOST_TEST(atBob[0].waited());
    // It no longer waits on a: another sign-in of bob elsewhere gets nothing.
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    BOOST_TEST(WaitingOnA::privateRequests(f.a).empty());
}

BOOST_AUTO_TEST_CASE(a_waiting_message_not_taken_for_the_signing_in_hub_waits_again) {
    WaitingOnA f;
    // A sign-in notice from b, but by the time a sends the message on no hub
    // holds bob (he left at once): it waits on a again.
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    auto sent = WaitingOnA::privateRequests(f.a);
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    f.a.hub.backplanePrivateSent(sent[0].ref, PrivateOutcome::NoHolder, "", f.a.now);
    f.a.pump();
    // So also when Redis refuses it or the connection goes.
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    sent = WaitingOnA::privateRequests(f.a);
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    f.a.hub.backplanePrivateSent(sent[0].ref, PrivateOutcome::Failed, "connection lost", f.a.now);
    f.a.pump();
    // Once Redis took it for b, it is gone from a.
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    sent = WaitingOnA::privateRequests(f.a);
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    v1::ChatMessage message;
    BOOST_TEST_REQUIRE(message.ParseFromString(sent[0].message));
    BOOST_TEST(message.text() == "while you were out");
    BOOST_TEST(message.to() == "bob");
    BOOST_TEST(message.private_seq() == 0u);
    BOOST_TEST(sent[0].account == "ana");
    f.a.hub.backplanePrivateSent(sent[0].ref, PrivateOutcome::Published, "hub1", f.a.now);
    f.a.pump();
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    BOOST_TEST(WaitingOnA::privateRequests(f.a).empty());
    // A hub's own sign-in notice is no one else's: nothing is sent for it.
    f.a.hub.backplaneSignedIn({"hub0", "ana"}, f.a.now);
    BOOST_TEST(WaitingOnA::privateRequests(f.a).empty());
}

BOOST_AUTO_TEST_CASE(a_burst_put_back_keeps_its_order) {
    WaitingOnA f;
    // Two more in the same millisecond (the test's wall clock stands still).
    f.a.send(f.ana, privateMessage("bob", 2, "second"));
    f.a.send(f.ana, privateMessage("bob", 3, "third"));
    f.backplane.run();
    BOOST_TEST_REQUIRE(messagesOf(f.a, f.ana).size() == 2u);
    const auto texts = [](const std::vector<BackplaneRequest>& sent) {
        std::vector<std::string> out;
        for (const BackplaneRequest& r : sent) {
            v1::ChatMessage m;
            BOOST_TEST_REQUIRE(m.ParseFromString(r.message));
            out.push_back(m.text());
        }
        return out;
    };
    const std::vector<std::string> inOrder{"while you were out", "second", "third"};
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    const auto sent = WaitingOnA::privateRequests(f.a);
    BOOST_TEST(texts(sent) == inOrder, boost::test_tools::per_element());
    for (const BackplaneRequest& r : sent) {  // answered in order, each put back
        f.a.hub.backplanePrivateSent(r.ref, PrivateOutcome::NoHolder, "", f.a.now);
    }
    f.a.pump();
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    BOOST_TEST(texts(WaitingOnA::privateRequests(f.a)) == inOrder,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_sign_in_is_published_once_its_session_speaks_as_the_account) {
    WaitingOnA f;
    const int before = f.backplane.signIns();
    // bobby identifies to bob: messages go by nick, so nothing could reach
    // it; not published.
    const SessionId bobby = clusterLogin(f.b, f.backplane, "bobby");
    f.b.send(bobby, identify("bob", "pw"));
    const auto answered = [&] { return !f.b.peers[bobby].inbox.empty(); };
    for (int job = 0; job < 2 && !answered(); ++job) {  // b may store bob's account first
        hashingDone(f.b);
        f.backplane.run();
    }
    BOOST_TEST_REQUIRE(f.b.next(bobby).has_account_reply());
    BOOST_TEST(f.backplane.signIns() == before);
    // Renamed to the account's nick: published once, and what waited on a
    // comes.
    v1::Envelope rename;
    rename.mutable_set_nick()->set_nick("bob");
    f.b.send(bobby, rename);
    f.backplane.run();
    BOOST_TEST(f.backplane.signIns() == before + 1);
    const auto atBob = messagesOf(f.b, bobby);
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "while you were out");
    // A password change is no sign-in: not published again.
    v1::Envelope change;
    change.mutable_change_password()->set_old_password("pw");
    change.mutable_change_password()->set_new_password("pw2");
    f.b.send(bobby, change);
    hashingDone(f.b);
    f.backplane.run();
    BOOST_TEST(f.backplane.signIns() == before + 1);
}

BOOST_AUTO_TEST_CASE(a_sign_in_made_while_redis_was_away_is_published_when_it_is_back) {
    WaitingOnA f;
    const int before = f.backplane.signIns();
    // bobby identifies to bob on b and takes his nick, and b loses Redis
    // right after the claim's answer: its notice is dropped with the link.
    const SessionId bobby = clusterLogin(f.b, f.backplane, "bob2");
    f.b.send(bobby, identify("bob", "pw"));
    const auto answered = [&] { return !f.b.peers[bobby].inbox.empty(); };
    for (int job = 0; job < 2 && !answered(); ++job) {
        hashingDone(f.b);
        f.backplane.run();
    }
    BOOST_TEST_REQUIRE(f.b.next(bobby).has_account_reply());
    v1::Envelope rename;
    rename.mutable_set_nick()->set_nick("bob");
    f.b.send(bobby, rename);
    std::vector<BackplaneRequest> claim;
    f.b.hub.takeBackplaneRequests(claim);
    BOOST_TEST_REQUIRE(claim.size() == 1u);
    f.backplane.holdNick("bob", f.b);
    f.b.hub.backplaneClaimed(claim[0].ref, true, "", f.b.now);
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.pump();
    std::vector<BackplaneRequest> dropped;  // as the edge drops them: its link is down
    f.b.hub.takeBackplaneRequests(dropped);
    BOOST_TEST((std::any_of(dropped.begin(), dropped.end(), [](const BackplaneRequest& r) {
        return r.kind == BackplaneRequest::Kind::SignedIn;
    })));
    f.backplane.run();
    BOOST_TEST(f.backplane.signIns() == before);
    // Back on Redis: published then, and what waited on a comes.
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    BOOST_TEST(f.backplane.signIns() == before + 1);
    const auto atBob = messagesOf(f.b, bobby);
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "while you were out");
}

BOOST_AUTO_TEST_CASE(a_waiting_message_sent_on_counts_in_the_mailbox_until_answered) {
    WaitingOnA f(1);  // private.max_waiting 1: bob's mailbox on a is full
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    const auto sent = WaitingOnA::privateRequests(f.a);
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    // Not answered yet: it may come back, so it still takes the one place.
    f.a.send(f.ana, privateMessage("bob", 2, "and another"));
    auto requests = WaitingOnA::privateRequests(f.a);
    BOOST_TEST_REQUIRE(requests.size() == 1u);  // asked of the backplane: no holder
    f.a.hub.backplanePrivateSent(requests[0].ref, PrivateOutcome::NoHolder, "", f.a.now);
    f.a.pump();
    const v1::Envelope full = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(full.has_error());
    BOOST_TEST(full.error().code() == v1::ERROR_CODE_MAILBOX_FULL);
    // Back from the backplane unsent: it waits, and the mailbox is full still.
    f.a.hub.backplanePrivateSent(sent[0].ref, PrivateOutcome::HolderDeaf, "hub1", f.a.now);
    f.a.pump();
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    BOOST_TEST(WaitingOnA::privateRequests(f.a).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_hub_that_missed_a_sign_in_asks_for_it_when_back_on_redis) {
    WaitingOnA f;
    // a is cut from Redis while bob signs in on b: it misses the notice.
    const int bobBefore = f.backplane.signInsOf("bob");  // his Register's
    const SessionId bob = f.signInOnB({&f.a});
    BOOST_TEST(f.backplane.signInsOf("bob") == bobBefore + 1);
    BOOST_TEST(WaitingOnA::privateRequests(f.a).empty());
    BOOST_TEST(messagesOf(f.b, bob).empty());
    // Back on Redis, a asks about bob (a message waits for him there); b,
    // where he is signed in, publishes it again, and a sends the message on.
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    BOOST_TEST(f.backplane.questions() == 1);
    BOOST_TEST(f.backplane.signInsOf("bob") == bobBefore + 2);
    const auto atBob = messagesOf(f.b, bob);
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "while you were out");
    BOOST_TEST(atBob[0].waited());
    // Nothing waits on a now: back on Redis again, it asks about no one.
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    BOOST_TEST(f.backplane.questions() == 1);
}

BOOST_AUTO_TEST_CASE(a_question_about_an_account_signed_in_nowhere_leaves_its_messages_waiting) {
    WaitingOnA f;
    const int bobBefore = f.backplane.signInsOf("bob");  // his Register's
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    BOOST_TEST(f.backplane.questions() == 1);
    BOOST_TEST(f.backplane.signInsOf("bob") == bobBefore);  // no hub has bob
    BOOST_TEST(WaitingOnA::privateRequests(f.a).empty());
    // Still waiting on a: bob's sign-in on b, heard now, takes it.
    const SessionId bob = f.signInOnB();
    const auto atBob = messagesOf(f.b, bob);
    BOOST_TEST_REQUIRE(atBob.size() == 1u);
    BOOST_TEST(atBob[0].text() == "while you were out");
}

BOOST_AUTO_TEST_CASE(a_waiting_message_sent_on_leaves_the_store_only_once_redis_took_it) {
    WaitingOnA f;
    BOOST_TEST(f.storedOnA.size() == 1u);  // bob's message
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    auto sent = WaitingOnA::privateRequests(f.a);
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    // Not answered yet: a hub killed now finds it waiting when it restarts.
    BOOST_TEST(f.storedOnA.size() == 1u);
    // Redis did not take it: it waits again, still stored.
    f.a.hub.backplanePrivateSent(sent[0].ref, PrivateOutcome::NoHolder, "", f.a.now);
    BOOST_TEST(f.storedOnA.size() == 1u);
    // Sent on again and taken: forgotten.
    f.a.hub.backplaneSignedIn({"hub1", "bob"}, f.a.now);
    sent = WaitingOnA::privateRequests(f.a);
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    f.a.hub.backplanePrivateSent(sent[0].ref, PrivateOutcome::Published, "", f.a.now);
    BOOST_TEST(f.storedOnA.empty());
}

BOOST_AUTO_TEST_CASE(a_sign_in_notice_parses_and_what_is_not_one_is_refused) {
    const auto parsed = parseBackplaneSignIn(backplaneSignInNotice("hub-1", "bob"));
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->hub == "hub-1");
    BOOST_TEST(parsed->account == "bob");
    BOOST_TEST(!parsed->question);
    const auto question = parseBackplaneSignIn(backplaneSignInNotice("hub-1", "bob", true));
    BOOST_TEST_REQUIRE(question.has_value());
    BOOST_TEST(question->hub == "hub-1");
    BOOST_TEST(question->account == "bob");
    BOOST_TEST(question->question);
    for (const std::string bad :
         {"", "hub-1", "hub-1 ", " bob", "hub-1 bob extra", "hub-1 ?", " ?", "hub-1 bob ? ?"}) {
        BOOST_TEST(!parseBackplaneSignIn(bad).has_value(), "'" << bad << "'");
    }
}

namespace {

// `id` registers its nick: the answer, once hashed and Redis answered.
v1::Envelope registerAnswer(HubHarness& h, FakeBackplane& backplane, SessionId id) {
    h.send(id, registerNick("pw"));
    hashingDone(h);
    backplane.run();
    return h.next(id);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_registration_is_answered_once_redis_took_it_and_every_hub_books_it) {
    HubHarness a{cheapHashes(clusterConfig("hub0"))};
    HubHarness b{cheapHashes(clusterConfig("hub1"))};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    const SessionId ana = clusterLogin(a, backplane, "ana");
    const SessionId ben = clusterLogin(b, backplane, "ben");
    a.send(ana, registerNick("pw"));
    hashingDone(a);
    // Hashed, not answered: it waits for Redis.
    BOOST_TEST(a.take(ana).empty());
    BOOST_TEST(!backplane.state().contains("account ana"));
    backplane.run();
    const v1::Envelope registered = a.next(ana);
    BOOST_TEST_REQUIRE(registered.has_account_reply());
    BOOST_TEST(registered.account_reply().event() == v1::ACCOUNT_EVENT_REGISTERED);
    BOOST_TEST(backplane.state().contains("account ana"));
    // b booked the hash (and stored it: its thread's one job so far): the
    // password opens the account there.
    hashingDone(b);
    b.send(ben, identify("ana", "pw"));
    hashingDone(b);
    const v1::Envelope identified = b.next(ben);
    BOOST_TEST_REQUIRE(identified.has_account_reply());
    BOOST_TEST(identified.account_reply().event() == v1::ACCOUNT_EVENT_IDENTIFIED);
    // A wrong one does not.
    b.send(ben, identify("ana", "not it"));
    hashingDone(b);
    const v1::Envelope wrong = b.next(ben);
    BOOST_TEST_REQUIRE(wrong.has_error());
    BOOST_TEST(wrong.error().code() == v1::ERROR_CODE_WRONG_PASSWORD);
}

BOOST_AUTO_TEST_CASE(a_registration_another_hub_made_first_is_refused_already_registered) {
    HubHarness a{cheapHashes(clusterConfig("hub0"))};
    FakeBackplane backplane{{&a}};
    a.hub.backplaneUp(true, a.now);
    const SessionId cat = clusterLogin(a, backplane, "cat");
    // Another hub registered cat a moment ago; its notice has not come.
    backplane.state()["account cat"] = "1\ncat\n$argon2id$elsewhere";
    const v1::Envelope refused = registerAnswer(a, backplane, cat);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_ALREADY_REGISTERED);
    // The session goes on, and the name is not left registering here.
    const v1::Envelope again = registerAnswer(a, backplane, cat);
    BOOST_TEST_REQUIRE(again.has_error());
    BOOST_TEST(again.error().code() == v1::ERROR_CODE_ALREADY_REGISTERED);
}

BOOST_AUTO_TEST_CASE(a_registration_redis_refuses_or_that_finds_it_down_is_cluster_unavailable) {
    HubHarness a{cheapHashes(clusterConfig("hub0"))};
    FakeBackplane backplane{{&a}};
    a.hub.backplaneUp(true, a.now);
    const SessionId dan = clusterLogin(a, backplane, "dan");
    backplane.refuseStates(true);
    const v1::Envelope refused = registerAnswer(a, backplane, dan);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.error().text().find("READONLY") != std::string::npos);
    backplane.refuseStates(false);
    // Lost with the connection while it waited: answered, not left waiting.
    a.send(dan, registerNick("pw"));
    hashingDone(a);
    a.hub.backplaneUp(false, a.now);
    a.pump();
    const v1::Envelope lost = a.next(dan);
    BOOST_TEST_REQUIRE(lost.has_error());
    BOOST_TEST(lost.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(lost.error().text().find("may or may not") != std::string::npos);
    // While down: refused before any hashing.
    a.send(dan, registerNick("pw"));
    const v1::Envelope down = a.next(dan);
    BOOST_TEST_REQUIRE(down.has_error());
    BOOST_TEST(down.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
}

BOOST_AUTO_TEST_CASE(a_message_from_another_hub_is_live_only_and_kept_in_no_conversation) {
    // ana and bob are signed in to accounts on their hubs: what crosses
    // hubs is filed in neither hub's conversation (each numbers its own).
    HubHarness a{clusterConfig("hub0")};
    HubHarness b{clusterConfig("hub1")};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    const SessionId ana = clusterLogin(a, backplane, "ana");
    const SessionId bob = clusterLogin(b, backplane, "bob");
    a.hub.testSignIn(ana, "ana", a.now);
    b.hub.testSignIn(bob, "bob", b.now);
    a.clear(ana);
    b.clear(bob);
    a.send(ana, privateMessage("bob", 1, "one"));
    a.send(ana, privateMessage("bob", 2, "two"));
    backplane.run();
    const auto got = messagesOf(b, bob);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    for (const auto& m : got) {
        BOOST_TEST(m.private_seq() == 0u);
        BOOST_TEST(m.from() == "ana");
    }
    const auto echoes = messagesOf(a, ana);
    BOOST_TEST_REQUIRE(echoes.size() == 2u);
    for (const auto& m : echoes) {
        BOOST_TEST(m.private_seq() == 0u);
    }
    BOOST_TEST(conversationWith(b, bob, "ana").messages_size() == 0);
    BOOST_TEST(conversationWith(a, ana, "bob").messages_size() == 0);
}

BOOST_AUTO_TEST_CASE(a_private_message_for_a_member_who_moved_on_is_forwarded_once) {
    TwoHubs f;
    HubHarness c{clusterConfig("hub2")};
    FakeBackplane three{{&f.a, &f.b, &c}};
    c.hub.backplaneUp(true, c.now);
    // ana sends to bob on b; before b hears it, bob leaves b and is on c.
    f.a.send(f.ana, privateMessage("bob", 1, "follow me"));
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    f.b.hub.closed(f.bob, "moving", f.b.now);
    f.b.pump();
    three.run();
    const SessionId bobOnC = clusterLogin(c, three, "bob");
    // The notice as Redis had published it to b (the holder at the time).
    auto entry = parseBackplanePrivate(
        "hermes:pm:hub1", backplaneNotice(1, "hub0", requests[0].ref, "", requests[0].message));
    BOOST_TEST_REQUIRE(entry.has_value());
    f.b.hub.backplanePrivate(*entry, f.b.now);
    three.run();
    const auto got = messagesOf(c, bobOnC);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].text() == "follow me");
    BOOST_TEST(got[0].from() == "ana");
}

BOOST_AUTO_TEST_CASE(private_messages_missed_while_cut_are_read_after_the_reconnect_once) {
    TwoHubs f;
    f.a.send(f.ana, privateMessage("bob", 1, "one"));
    f.backplane.run();
    BOOST_TEST(messagesOf(f.b, f.bob).size() == 1u);
    // b's subscription is lost without Redis knowing (a partition): two
    // messages are published, kept in b's stream, echoed to ana.
    f.backplane.loseNoticesSilently();
    f.a.send(f.ana, privateMessage("bob", 2, "two"));
    f.a.send(f.ana, privateMessage("bob", 3, "three"));
    f.backplane.run({&f.b});
    BOOST_TEST(messagesOf(f.a, f.ana).size() == 3u);
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    // b notices (timeout) and reconnects: it reads its stream from its cursor.
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    auto got = messagesOf(f.b, f.bob);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].text() == "two");
    BOOST_TEST(got[1].text() == "three");
    // Every notice again (redelivered), and another reconnect: nothing twice.
    f.backplane.replayPrivate();
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    // A live one after a gap (its predecessor only in the stream) waits for
    // the fill: still in order.
    f.a.send(f.ana, privateMessage("bob", 4, "four"));
    f.backplane.run({&f.b});  // lost silently: only in the stream
    f.a.send(f.ana, privateMessage("bob", 5, "five"));
    f.backplane.run();
    got = messagesOf(f.b, f.bob);
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].text() == "four");
    BOOST_TEST(got[1].text() == "five");
}

namespace {

// The notice Redis published to hub1 for `request` (a Private of hub0), as `seq`.
BackplaneEntry noticeFor(const BackplaneRequest& request, std::uint64_t seq) {
    auto entry = parseBackplanePrivate(
        "hermes:pm:hub1", backplaneNotice(seq, "hub0", request.ref, "", request.message));
    BOOST_TEST_REQUIRE(entry.has_value());
    return *entry;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_message_for_a_member_reconnecting_to_the_same_hub_waits_for_its_welcome) {
    TwoHubs f;
    f.a.send(f.ana, privateMessage("bob", 1, "while you reconnect"));
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    // bob's connection drops and he says Hello to b again; the claim is
    // not answered yet when Redis's notice reaches b.
    f.b.hub.closed(f.bob, "reconnecting", f.b.now);
    f.b.pump();
    const SessionId again = f.b.connect();
    f.b.send(again, hello("bob"));
    f.b.hub.backplanePrivate(noticeFor(requests[0], 1), f.b.now);
    f.b.pump();
    BOOST_TEST(messagesOf(f.b, again).empty());  // not welcomed yet
    // Not forwarded: held here, and given to bob once welcomed.
    f.backplane.run();
    const auto got = messagesOf(f.b, again);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].text() == "while you reconnect");
}

BOOST_AUTO_TEST_CASE(a_forward_answered_held_here_is_delivered_to_the_new_session) {
    TwoHubs f;
    f.a.send(f.ana, privateMessage("bob", 1, "follow"));
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    f.b.hub.closed(f.bob, "reconnecting", f.b.now);
    f.b.pump();
    f.backplane.run();  // the release
    // No one here claims bob: forwarded, as REF 0 on the wire.
    f.b.hub.backplanePrivate(noticeFor(requests[0], 1), f.b.now);
    std::vector<BackplaneRequest> forwards;
    f.b.hub.takeBackplaneRequests(forwards);
    BOOST_TEST_REQUIRE(forwards.size() == 1u);
    BOOST_TEST((forwards[0].kind == BackplaneRequest::Kind::Private));
    BOOST_TEST(forwards[0].forwarded);
    BOOST_TEST(forwards[0].ref != 0u);
    // bob is back on b before the script ran: Redis answers "held here".
    const SessionId again = clusterLogin(f.b, f.backplane, "bob");
    f.b.hub.backplanePrivateSent(forwards[0].ref, PrivateOutcome::HeldHere, "hub1", f.b.now);
    f.b.hub.flush();
    f.b.pump();
    const auto got = messagesOf(f.b, again);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].text() == "follow");
}

BOOST_AUTO_TEST_CASE(a_full_page_above_the_cursor_skips_to_it_rather_than_reading_it_again) {
    // More than a page (kFillPage) missed, then trimmed past the cursor:
    // the catch-up read's first page starts above it.
    constexpr std::uint64_t kMissed = kFillPage + 100;
    constexpr std::uint64_t kTrimmedBelow = 100;
    TwoHubs f;
    f.backplane.loseNoticesSilently();
    for (std::uint64_t i = 1; i <= kMissed; ++i) {
        f.a.send(f.ana, privateMessage("bob", i, std::to_string(i)));
        f.backplane.run({&f.b});
    }
    f.a.clear(f.ana);
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    f.backplane.trimPrivate("hub1", kTrimmedBelow);
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    const auto got = messagesOf(f.b, f.bob);
    BOOST_TEST_REQUIRE(got.size() == kMissed - kTrimmedBelow + 1);
    BOOST_TEST(got.front().text() == std::to_string(kTrimmedBelow));
    BOOST_TEST(got.back().text() == std::to_string(kMissed));

    // A room's catch-up read the same way.
    for (std::uint64_t i = 1; i <= kMissed; ++i) {
        f.a.send(f.ana, say("#r", i, std::to_string(i)));
        f.backplane.run({&f.b});
    }
    f.backplane.trim("r", kTrimmedBelow);
    f.a.send(f.ana, say("#r", kMissed + 1, "live"));
    f.backplane.run();
    const std::vector<std::string> frames = chatFrames(f.b, f.ben);
    BOOST_TEST_REQUIRE(frames.size() == kMissed - kTrimmedBelow + 2);
    v1::Envelope first;
    first.ParseFromString(frames.front());
    BOOST_TEST(first.message().seq() == kTrimmedBelow);
    v1::Envelope last;
    last.ParseFromString(frames.back());
    BOOST_TEST(last.message().text() == "live");
}

BOOST_AUTO_TEST_CASE(a_catch_up_read_that_fails_is_asked_again_not_taken_for_a_trimmed_stream) {
    TwoHubs f;
    f.backplane.loseNoticesSilently();
    f.a.send(f.ana, privateMessage("bob", 1, "one"));
    f.a.send(f.ana, privateMessage("bob", 2, "two"));
    f.backplane.run({&f.b});
    // b reconnects; its reads of its stream fail (error replies).
    f.backplane.failPrivateFills(2);
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    // A live one meanwhile asks again (fails again) and waits behind the
    // gap: not skipped to as if the stream were trimmed.
    f.a.send(f.ana, privateMessage("bob", 3, "three"));
    f.backplane.run();
    BOOST_TEST(messagesOf(f.b, f.bob).empty());
    // The next tick asks again: all three, in order.
    f.b.advance(1s);
    f.backplane.run();
    const auto got = messagesOf(f.b, f.bob);
    BOOST_TEST_REQUIRE(got.size() == 3u);
    BOOST_TEST(got[0].text() == "one");
    BOOST_TEST(got[2].text() == "three");
}

BOOST_AUTO_TEST_CASE(a_hub_trims_its_private_stream_up_to_what_it_delivered) {
    TwoHubs f;
    f.a.send(f.ana, privateMessage("bob", 1, "one"));
    f.a.send(f.ana, privateMessage("bob", 2, "two"));
    f.backplane.run();
    BOOST_TEST(messagesOf(f.b, f.bob).size() == 2u);
    BOOST_TEST(f.backplane.privateStreamSize("hub1") == 2u);  // kept until b trims
    f.b.advance(1s);
    f.backplane.run();
    BOOST_TEST(f.backplane.privateStreamSize("hub1") == 0u);
    // Missed while cut: kept until delivered, then trimmed too.
    f.backplane.loseNoticesSilently();
    f.a.send(f.ana, privateMessage("bob", 3, "three"));
    f.backplane.run({&f.b});
    f.b.advance(1s);
    f.backplane.run({&f.b});
    BOOST_TEST(f.backplane.privateStreamSize("hub1") == 1u);
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    BOOST_TEST(messagesOf(f.b, f.bob).size() == 1u);
    f.b.advance(1s);
    f.backplane.run();
    BOOST_TEST(f.backplane.privateStreamSize("hub1") == 0u);
}

// A bounded Fill answered after a later notice came in: the read stopped at
// its bound, so the seqs between it and the later entry are no gap in the
// stream (they are read by another Fill), never skipped as trimmed.
BOOST_AUTO_TEST_CASE(an_entry_heard_beyond_a_bounded_fill_is_filled_not_skipped) {
    TwoHubs f;
    for (std::uint64_t id = 1; id <= 4; ++id) {
        f.a.send(f.ana, say("#r", id, "line " + std::to_string(id)));
    }
    std::vector<BackplaneRequest> published;
    f.a.hub.takeBackplaneRequests(published);
    BOOST_TEST_REQUIRE(published.size() == 4u);
    std::vector<BackplaneEntry> entries;
    for (std::size_t i = 0; i < published.size(); ++i) {
        auto entry = parseBackplaneNotice(
            "hermes:room:r", backplaneNotice(i + 1, "hub0", published[i].ref, published[i].account,
                                             published[i].message));
        BOOST_TEST_REQUIRE(entry.has_value());
        entries.push_back(*entry);
    }
    // b hears 2: a Fill of 1..2 goes out; 4 arrives while it is out.
    f.b.hub.backplaneEntry(entries[1], f.b.now);
    std::vector<BackplaneRequest> requests;
    f.b.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST(requests[0].fromSeq == 1u);
    BOOST_TEST(requests[0].toSeq == 2u);
    f.b.hub.backplaneEntry(entries[3], f.b.now);
    requests.clear();
    f.b.hub.takeBackplaneRequests(requests);
    BOOST_TEST(requests.empty());
    // The Fill reads 1 and 2 (its bound): 3 is still to be read.
    f.b.hub.backplaneEntry(entries[0], f.b.now);
    f.b.hub.backplaneEntry(entries[1], f.b.now);
    f.b.hub.backplaneFilled("r", 2, 2, f.b.now);
    requests.clear();
    f.b.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::Fill));
    BOOST_TEST(requests[0].fromSeq == 3u);
    BOOST_TEST(requests[0].toSeq == 4u);
    f.b.hub.backplaneEntry(entries[2], f.b.now);
    f.b.hub.backplaneEntry(entries[3], f.b.now);
    f.b.hub.backplaneFilled("r", 2, 4, f.b.now);
    f.b.pump();
    std::vector<std::uint64_t> seqs;
    for (const std::string& frame : chatFrames(f.b, f.ben)) {
        v1::Envelope e;
        e.ParseFromString(frame);
        seqs.push_back(e.message().seq());
    }
    BOOST_TEST(seqs == (std::vector<std::uint64_t>{1, 2, 3, 4}), boost::test_tools::per_element());
}

// --- renames and away across hubs ------------------------------------------------------------

namespace {

v1::Envelope setNick(const std::string& nick) {
    v1::Envelope e;
    e.mutable_set_nick()->set_nick(nick);
    return e;
}

v1::Envelope setAway(const std::string& text) {
    v1::Envelope e;
    e.mutable_set_away()->set_text(text);
    return e;
}

// The NICK_CHANGED frames in `id`'s inbox as "old -> new (room)", taken.
std::vector<std::string> renamesSeen(HubHarness& h, SessionId id) {
    std::vector<std::string> out;
    for (const v1::Envelope& e : h.take(id)) {
        if (e.has_presence() && e.presence().kind() == v1::PRESENCE_KIND_NICK_CHANGED) {
            out.push_back(e.presence().nicks(0) + " -> " + e.presence().new_nick() + " (" +
                          e.presence().room() + ")");
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_private_message_to_an_away_member_of_another_hub_gets_its_away_text) {
    TwoHubs f;
    f.b.send(f.bob, setAway("gone fishing"));
    f.b.advance(1s);  // presence is coalesced
    f.backplane.run();
    f.a.clear(f.ana);
    f.b.clear(f.bob);
    f.a.send(f.ana, privateMessage("BOB", 5, "are you there?"));
    f.backplane.run();
    // bob gets the message, and nothing else.
    const auto got = f.b.take(f.bob);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].message().text() == "are you there?");
    // ana gets her echo, then the away reply, as from a member of her hub
    // (under bob's own spelling).
    const auto mine = f.a.take(f.ana);
    BOOST_TEST_REQUIRE(mine.size() == 2u);
    BOOST_TEST(mine[0].message().client_msg_id() == 5u);
    const v1::ChatMessage& reply = mine[1].message();
    BOOST_TEST(reply.kind() == v1::MESSAGE_KIND_NOTICE);
    BOOST_TEST(reply.from() == "bob");
    BOOST_TEST(reply.to() == "ana");
    BOOST_TEST(reply.away() == "gone fishing");
    BOOST_TEST(reply.text() == "bob is away: gone fishing");
    // Back: no reply.
    f.b.send(f.bob, setAway(""));
    f.b.advance(1s);
    f.backplane.run();
    f.a.clear(f.ana);
    f.a.send(f.ana, privateMessage("bob", 6, "and now?"));
    f.backplane.run();
    const auto later = f.a.take(f.ana);
    BOOST_TEST_REQUIRE(later.size() == 1u);
    BOOST_TEST(later[0].message().client_msg_id() == 6u);
}

BOOST_AUTO_TEST_CASE(a_rename_is_claimed_first_then_shown_on_every_hub_and_the_old_nick_freed) {
    TwoHubs f;
    f.a.send(f.ana, setNick("anna"));
    f.a.send(f.ana, say("#r", 1, "as anna"));
    // Nothing happens before Redis answers the claim: ana is still ana, and
    // her Say waits behind the SetNick.
    BOOST_TEST(f.a.take(f.ana).empty());
    BOOST_TEST(
        memberList(f.a, f.amy, "r") == (std::vector<std::string>{"amy", "ana", "ben", "bob"}),
        boost::test_tools::per_element());
    f.backplane.run();
    // Her own hub as on a single hub; the other hub the same NICK_CHANGED.
    BOOST_TEST(renamesSeen(f.a, f.amy) == std::vector<std::string>{"ana -> anna (r)"},
               boost::test_tools::per_element());
    BOOST_TEST(renamesSeen(f.b, f.bob) == std::vector<std::string>{"ana -> anna (r)"},
               boost::test_tools::per_element());
    // The Say that waited went out under the new nick.
    const std::vector<v1::ChatMessage> got = messagesOf(f.b, f.ben);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].from() == "anna");
    BOOST_TEST(
        memberList(f.b, f.bob, "r") == (std::vector<std::string>{"amy", "anna", "ben", "bob"}),
        boost::test_tools::per_element());
    // The old nick is free across the cluster (clusterLogin requires the
    // Welcome), the new one is not.
    clusterLogin(f.b, f.backplane, "ana");
    const SessionId late = f.b.connect();
    f.b.send(late, hello("Anna"));
    f.backplane.run();
    const v1::Envelope refused = f.b.next(late);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_NICK_TAKEN);
}

BOOST_AUTO_TEST_CASE(a_rename_to_a_nick_another_hub_holds_is_refused_and_the_old_kept) {
    TwoHubs f;
    f.a.send(f.ana, setNick("Bob"));
    f.backplane.run();
    const v1::Envelope refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_NICK_TAKEN);
    BOOST_TEST(refused.error().text().find("still ana") != std::string::npos);
    BOOST_TEST(renamesSeen(f.b, f.ben).empty());
    BOOST_TEST(
        memberList(f.b, f.ben, "r") == (std::vector<std::string>{"amy", "ana", "ben", "bob"}),
        boost::test_tools::per_element());
    // ana still holds hers: a Hello for it on b is refused.
    const SessionId late = f.b.connect();
    f.b.send(late, hello("ana"));
    f.backplane.run();
    BOOST_TEST(f.b.next(late).error().code() == v1::ERROR_CODE_NICK_TAKEN);
    // A bad nick is refused here, never claimed.
    f.a.send(f.ana, setNick("no spaces"));
    BOOST_TEST(f.a.next(f.ana).error().code() == v1::ERROR_CODE_INVALID_NICK);
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST(requests.empty());
    // A new spelling of its own nick needs no claim, and is shown everywhere.
    f.a.send(f.ana, setNick("Ana"));
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::Presence));
    BOOST_TEST(requests[0].presence == "renamed");
}

BOOST_AUTO_TEST_CASE(a_rename_while_the_backplane_is_down_is_refused_with_cluster_unavailable) {
    TwoHubs f;
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.send(f.ana, setNick("anna"));
    const v1::Envelope refused = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.error().text().find("still ana") != std::string::npos);
    // The backplane lost between the claim and its answer: refused too.
    f.a.hub.backplaneUp(true, f.a.now);
    std::vector<BackplaneRequest> requests;
    f.a.hub.takeBackplaneRequests(requests);
    f.a.send(f.ana, setNick("anna"));
    requests.clear();
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::ClaimNick));
    f.a.hub.backplaneClaimed(requests[0].ref, false, "this hub lost the cluster's backplane",
                             f.a.now);
    f.a.pump();
    BOOST_TEST(f.a.next(f.ana).error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(
        memberList(f.a, f.ana, "r") == (std::vector<std::string>{"amy", "ana", "ben", "bob"}),
        boost::test_tools::per_element());
    // Redis may have taken that claim before the connection was lost: the
    // nick is released (the edge keeps it until Redis is back), not leaked.
    requests.clear();
    f.a.hub.takeBackplaneRequests(requests);
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    BOOST_TEST((requests[0].kind == BackplaneRequest::Kind::ReleaseNick));
    BOOST_TEST(requests[0].nick == "anna");
    // A new spelling of its own nick while Redis is down: refused too (its
    // notice would be lost and the other hubs would list the old one).
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.clear(f.ana);
    f.a.send(f.ana, setNick("Ana"));
    const v1::Envelope spelling = f.a.next(f.ana);
    BOOST_TEST_REQUIRE(spelling.has_error());
    BOOST_TEST(spelling.error().code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    f.a.hub.backplaneUp(true, f.a.now);
    BOOST_TEST(
        memberList(f.a, f.amy, "r") == (std::vector<std::string>{"amy", "ana", "ben", "bob"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_claim_answered_late_never_frees_a_nick_another_session_here_claims) {
    // ana asks for zed and disconnects before Redis answers; a new session
    // of the same hub says Hello as zed. Redis grants both (the same hub).
    // The first answer must not release zed: Redis records the hub, not the
    // session, so that would free it on every hub while zed is welcomed.
    TwoHubs f;
    f.a.send(f.ana, setNick("zed"));
    f.a.hub.closed(f.ana, "gone", f.a.now);
    f.a.pump();
    const SessionId zed = f.a.connect();
    f.a.send(zed, hello("zed"));
    f.backplane.run();  // both claims granted, in order
    BOOST_TEST_REQUIRE(!f.a.peers[zed].inbox.empty());
    BOOST_TEST(f.a.peers[zed].inbox.front().has_welcome());
    // zed is still held in Redis: another hub refuses it.
    const SessionId other = f.b.connect();
    f.b.send(other, hello("zed"));
    f.backplane.run();
    const v1::Envelope refused = f.b.next(other);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_NICK_TAKEN);
    // ana's old nick was freed when she left.
    clusterLogin(f.b, f.backplane, "ana");
}

BOOST_AUTO_TEST_CASE(a_session_quitting_while_its_rename_is_claimed_frees_both_nicks) {
    TwoHubs f;
    f.a.send(f.ana, setNick("zed"));
    f.a.hub.closed(f.ana, "gone", f.a.now);
    f.a.pump();
    f.backplane.run();  // the claim granted after she left: released
    clusterLogin(f.b, f.backplane, "zed");
    clusterLogin(f.b, f.backplane, "ana");
}

BOOST_AUTO_TEST_CASE(a_private_message_for_the_new_nick_is_held_while_its_claim_is_out) {
    TwoHubs f;
    // bob (hub b) asks for zed; Redis grants it, and ana (hub a) writes to
    // zed before b has the answer: the message reaches b first.
    f.b.send(f.bob, setNick("zed"));
    std::vector<BackplaneRequest> claim;
    f.b.hub.takeBackplaneRequests(claim);
    BOOST_TEST_REQUIRE(claim.size() == 1u);
    BOOST_TEST((claim[0].kind == BackplaneRequest::Kind::ClaimNick));
    f.a.send(f.ana, privateMessage("zed", 1, "welcome, zed"));
    std::vector<BackplaneRequest> sent;
    f.a.hub.takeBackplaneRequests(sent);
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    f.b.hub.backplanePrivate(noticeFor(sent[0], 1), f.b.now);
    f.b.hub.flush();
    f.b.pump();
    BOOST_TEST(messagesOf(f.b, f.bob).empty());  // still bob: held, not forwarded
    std::vector<BackplaneRequest> forwards;
    f.b.hub.takeBackplaneRequests(forwards);
    BOOST_TEST(forwards.empty());
    f.b.hub.backplaneClaimed(claim[0].ref, true, "", f.b.now);
    f.b.hub.flush();
    f.b.pump();
    const auto got = messagesOf(f.b, f.bob);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].text() == "welcome, zed");
    BOOST_TEST(got[0].to() == "zed");
}

BOOST_AUTO_TEST_CASE(a_nick_banned_while_its_claim_is_out_is_refused_and_released) {
    HubConfig config = clusterConfig("hub0");
    config.operators = {"Root"};
    HubHarness a{config};
    HubHarness b{clusterConfig("hub1")};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    const SessionId ana = clusterLogin(a, backplane, "ana");
    const SessionId root = clusterLogin(a, backplane, "admin");
    a.hub.testSignIn(root, "root", a.now);
    a.pump();
    backplane.run();  // root's sign-in, published
    a.send(ana, setNick("zed"));
    std::vector<BackplaneRequest> claim;
    a.hub.takeBackplaneRequests(claim);
    BOOST_TEST_REQUIRE(claim.size() == 1u);
    v1::Envelope ban;
    auto* r = ban.mutable_moderation_request();
    r->set_action(v1::MODERATION_ACTION_BAN);
    r->set_target("zed");
    r->set_target_kind(v1::TARGET_KIND_NICK);
    a.send(root, ban);
    // In a cluster the ban takes effect when the backplane has it.
    backplane.run();
    a.clear(ana);
    a.hub.backplaneClaimed(claim[0].ref, true, "", a.now);
    a.hub.flush();
    a.pump();
    const v1::Envelope refused = a.next(ana);
    BOOST_TEST_REQUIRE(refused.has_error());
    BOOST_TEST(refused.error().code() == v1::ERROR_CODE_HUB_BANNED);
    std::vector<BackplaneRequest> release;
    a.hub.takeBackplaneRequests(release);
    BOOST_TEST_REQUIRE(release.size() == 1u);
    BOOST_TEST((release[0].kind == BackplaneRequest::Kind::ReleaseNick));
    BOOST_TEST(release[0].nick == "zed");
}

BOOST_AUTO_TEST_CASE(an_away_member_joining_a_room_is_shown_away_on_other_hubs) {
    TwoHubs f;
    // ana leaves every room, goes away, and joins again: b lists her anew
    // (a JOINED of one listed nowhere is taken as back) and then away.
    f.a.send(f.ana, leave("r"));
    f.a.send(f.ana, setAway("lunch"));
    f.a.send(f.ana, join("r"));
    f.a.advance(1s);
    f.backplane.run();
    f.b.clear(f.bob);
    v1::Envelope who;
    who.mutable_who()->set_room("r");
    f.b.send(f.bob, who);
    const v1::Envelope list = f.b.next(f.bob);
    BOOST_TEST_REQUIRE(list.has_members());
    BOOST_TEST(
        std::vector<std::string>(list.members().away().begin(), list.members().away().end()) ==
            std::vector<std::string>{"ana"},
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_away_text_from_another_hub_obeys_the_away_rules) {
    TwoHubs f;
    const std::string tooLong(protocol::kMaxAwayBytes + 1, 'x');
    for (const std::string& text : {std::string(), tooLong, std::string("bad\x01text")}) {
        f.b.hub.backplanePresence({"r", "away", "hub0", "ana", text, {}}, f.b.now);
        f.b.advance(1s);
        BOOST_TEST(presenceSeen(f.b, f.bob).empty());
    }
    f.b.hub.backplanePresence({"r", "away", "hub0", "ana", "lunch", {}}, f.b.now);
    f.b.advance(1s);
    BOOST_TEST(
        presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_AWAY ana (lunch)"},
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(whois_of_another_hubs_member_has_its_sign_on_client_and_idle_time) {
    TwoHubs f;
    // cat signs on at hub 0 with a client name; her JOINED carries both.
    const std::int64_t signedOn = f.a.wallMs;
    const SessionId cat = f.a.connect();
    v1::Envelope helloCat = hello("cat");
    helloCat.mutable_hello()->set_client_name("hermes-tui 0.9");
    f.a.send(cat, helloCat);
    f.backplane.run();
    f.a.send(cat, join("r"));
    f.backplane.run();
    f.b.advance(1s);
    // The room sees a plain JOINED: the profile is for Whois only.
    BOOST_TEST(presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_JOINED cat ()"},
               boost::test_tools::per_element());
    // bob's Whois at hub 1.
    const auto whoisOf = [&f](const std::string& nick) {
        v1::Envelope whois;
        whois.mutable_whois_request()->set_nick(nick);
        f.b.clear(f.bob);
        f.b.send(f.bob, whois);
        return f.b.next(f.bob);
    };
    const auto whoisCat = [&whoisOf] { return whoisOf("CAT"); };
    f.b.wallMs = signedOn + 5'000;
    v1::Envelope reply = whoisCat();
    BOOST_TEST_REQUIRE(reply.has_whois_reply());
    BOOST_TEST(reply.whois_reply().nick() == "cat");
    BOOST_TEST(reply.whois_reply().signed_on_ms() == signedOn);
    BOOST_TEST(reply.whois_reply().client_name() == "hermes-tui 0.9");
    BOOST_TEST(reply.whois_reply().idle_ms() == 5'000u);  // never spoke: since her sign-on
    // She speaks at +20 s (her hub's clock); idle counts from her message.
    f.a.wallMs = signedOn + 20'000;
    f.a.send(cat, say("#r", 1, "hello"));
    f.backplane.run();
    f.b.wallMs = signedOn + 21'500;
    reply = whoisCat();
    BOOST_TEST_REQUIRE(reply.has_whois_reply());
    BOOST_TEST(reply.whois_reply().idle_ms() == 1'500u);
    // Joining another room is the same session: her message still counts.
    f.a.send(cat, join("s"));
    f.backplane.run();
    BOOST_TEST(whoisCat().whois_reply().idle_ms() == 1'500u);
    // A clock behind hers reads as not idle, never as a wrapped count.
    f.b.wallMs = signedOn + 19'000;
    BOOST_TEST(whoisCat().whois_reply().idle_ms() == 0u);
    // Renamed: the profile goes with the nick.
    f.a.send(cat, setNick("kat"));
    f.backplane.run();
    reply = whoisOf("kat");
    BOOST_TEST_REQUIRE(reply.has_whois_reply());
    BOOST_TEST(reply.whois_reply().client_name() == "hermes-tui 0.9");
    BOOST_TEST(reply.whois_reply().signed_on_ms() == signedOn);
    // A JOINED from a repair (no profile) tells nothing: the fields stay empty.
    f.b.hub.backplanePresence({"r", "joined", "hub0", "zoe", "", {}}, f.b.now);
    reply = whoisOf("zoe");
    BOOST_TEST_REQUIRE(reply.has_whois_reply());
    BOOST_TEST(reply.whois_reply().signed_on_ms() == 0);
    BOOST_TEST(reply.whois_reply().client_name().empty());
    BOOST_TEST(reply.whois_reply().idle_ms() == 0u);
    // A new session under her nick on hub 7 (she moved) joins #s; then her
    // old session's QUIT from hub 0: the profile is hub 7's, and stays.
    f.b.hub.backplanePresence(
        {"s", "joined", "hub7", "kat", RemoteProfiles::notice(signedOn + 60'000, "irssi"), {}},
        f.b.now);
    f.a.hub.closed(cat, "gone", f.a.now);
    f.backplane.run();
    reply = whoisOf("kat");
    BOOST_TEST_REQUIRE(reply.has_whois_reply());
    BOOST_TEST(reply.whois_reply().signed_on_ms() == signedOn + 60'000);
    BOOST_TEST(reply.whois_reply().client_name() == "irssi");
    BOOST_TEST(std::vector<std::string>(reply.whois_reply().rooms().begin(),
                                        reply.whois_reply().rooms().end()) ==
                   std::vector<std::string>{"s"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(remote_profiles_are_each_hubs_and_end_with_their_session) {
    RemoteProfiles profiles;
    profiles.spoke("ana", 5);  // nobody known: nothing
    BOOST_TEST(profiles.size() == 0u);
    profiles.joined("Ana", "hub1", RemoteProfiles::notice(100, "tui"));
    profiles.spoke("ANA", 150);
    BOOST_TEST_REQUIRE(profiles.find("ana") != nullptr);
    BOOST_TEST(profiles.find("ana")->lastSpokeMs == 150);
    // Another room, the same session: its message stands.
    profiles.joined("ana", "hub1", RemoteProfiles::notice(100, "tui"));
    BOOST_TEST(profiles.find("ana")->lastSpokeMs == 150);
    // Gone from another hub: not this profile's hub, kept.
    profiles.gone("ana", "hub2");
    BOOST_TEST(profiles.find("ana") != nullptr);
    profiles.gone("ana", "hub1");
    BOOST_TEST(profiles.find("ana") == nullptr);
    // A repair's JOINED (no profile) drops what was known of the nick.
    profiles.joined("bob", "hub1", RemoteProfiles::notice(200, "web"));
    profiles.joined("bob", "hub1", "");
    BOOST_TEST(profiles.find("bob") == nullptr);
    // A rename moves it, a case change included; forget and clear drop.
    profiles.joined("cyd", "hub1", RemoteProfiles::notice(300, ""));
    profiles.renamed("cyd", "Cyd");
    BOOST_TEST(profiles.find("cyd") != nullptr);
    profiles.renamed("cyd", "dee");
    BOOST_TEST(profiles.find("cyd") == nullptr);
    BOOST_TEST_REQUIRE(profiles.find("dee") != nullptr);
    BOOST_TEST(profiles.find("dee")->signedOnMs == 300);
    profiles.forget("dee");
    BOOST_TEST(profiles.find("dee") == nullptr);
    profiles.joined("eve", "hub1", RemoteProfiles::notice(400, ""));
    profiles.clear();
    BOOST_TEST(profiles.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_profile_ends_with_its_session_on_its_hub) {
    const HubConfig config = clusterConfig("hub1");
    Backplane backplane(config);
    const auto profileOf = [&backplane](const char* nick) {
        return backplane.profiles().find(nick);
    };
    backplane.applyPresence({"r", "joined", "hub0", "cat", RemoteProfiles::notice(1, "tui"), {}});
    backplane.applyPresence({"s", "joined", "hub0", "cat", RemoteProfiles::notice(1, "tui"), {}});
    BOOST_TEST(profileOf("cat") != nullptr);
    // Left one room: still the same session in the other.
    backplane.applyPresence({"r", "left", "hub0", "cat", "", {}});
    BOOST_TEST(profileOf("cat") != nullptr);
    // Left her last: a session in no room may quit unheard, so it ends here.
    backplane.applyPresence({"s", "left", "hub0", "cat", "", {}});
    BOOST_TEST(profileOf("cat") == nullptr);
    // She moved to hub 7 (a new session in #s); her old session's QUIT from
    // hub 0 in #r keeps hub 7's profile.
    backplane.applyPresence({"r", "joined", "hub0", "dan", RemoteProfiles::notice(2, "a"), {}});
    backplane.applyPresence({"s", "joined", "hub7", "dan", RemoteProfiles::notice(3, "b"), {}});
    backplane.applyPresence({"r", "quit", "hub0", "dan", "", {}});
    BOOST_TEST_REQUIRE(profileOf("dan") != nullptr);
    BOOST_TEST(profileOf("dan")->signedOnMs == 3);
    // Then her quit from hub 7 ends it.
    backplane.applyPresence({"s", "quit", "hub7", "dan", "", {}});
    BOOST_TEST(profileOf("dan") == nullptr);
    // A member of this hub under a nick another hub had: dropped.
    backplane.applyPresence({"r", "joined", "hub0", "eve", RemoteProfiles::notice(4, ""), {}});
    backplane.applyPresence({"r", "joined", "hub1", "eve", "", {}});
    BOOST_TEST(profileOf("eve") == nullptr);
    // A read of every hub's members (a reconnect) drops every profile.
    backplane.applyPresence({"r", "joined", "hub0", "fay", RemoteProfiles::notice(5, ""), {}});
    backplane.setMembers({{"r", "fay", "hub0", ""}});
    BOOST_TEST(backplane.profiles().size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_profile_is_read_only_from_what_a_hub_writes) {
    const auto profile = RemoteProfiles::parse(RemoteProfiles::notice(1'700'000'000'123, "a b"));
    BOOST_TEST_REQUIRE(profile.has_value());
    BOOST_TEST(profile->signedOnMs == 1'700'000'000'123);
    BOOST_TEST(profile->clientName == "a b");
    BOOST_TEST(RemoteProfiles::parse(RemoteProfiles::notice(5, ""))->clientName.empty());
    for (const char* reason : {"", " x", "12", "x 1", "-5 x", "0 x", "12x y"}) {
        BOOST_TEST_CONTEXT(reason) {
            BOOST_TEST(!RemoteProfiles::parse(reason).has_value());
        }
    }
    // A client name that breaks the text rules is left out, the time kept.
    const auto bad = RemoteProfiles::parse("7 bad\x01name");
    BOOST_TEST_REQUIRE(bad.has_value());
    BOOST_TEST(bad->signedOnMs == 7);
    BOOST_TEST(bad->clientName.empty());
}

BOOST_AUTO_TEST_CASE(away_and_back_are_shown_on_other_hubs_and_in_who_and_whois) {
    TwoHubs f;
    f.a.send(f.ana, setAway("lunch"));
    f.backplane.run();
    f.b.advance(1s);  // presence is coalesced, as for a local away
    BOOST_TEST(
        presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_AWAY ana (lunch)"},
        boost::test_tools::per_element());
    // Who and Whois at the other hub report it.
    v1::Envelope who;
    who.mutable_who()->set_room("r");
    f.b.send(f.bob, who);
    const v1::Envelope list = f.b.next(f.bob);
    BOOST_TEST_REQUIRE(list.has_members());
    BOOST_TEST(
        std::vector<std::string>(list.members().away().begin(), list.members().away().end()) ==
            std::vector<std::string>{"ana"},
        boost::test_tools::per_element());
    v1::Envelope whois;
    whois.mutable_whois_request()->set_nick("ANA");
    f.b.send(f.bob, whois);
    const v1::Envelope reply = f.b.next(f.bob);
    BOOST_TEST_REQUIRE(reply.has_whois_reply());
    BOOST_TEST(reply.whois_reply().nick() == "ana");
    BOOST_TEST(reply.whois_reply().away() == "lunch");
    BOOST_TEST_REQUIRE(reply.whois_reply().rooms_size() == 1);
    BOOST_TEST(reply.whois_reply().rooms(0) == "r");
    // The same text again changes nothing and tells no one.
    f.a.send(f.ana, setAway("lunch"));
    f.backplane.run();
    f.b.advance(1s);
    BOOST_TEST(presenceSeen(f.b, f.bob).empty());
    // Renamed while away: still away under the new nick. Then back.
    f.a.send(f.ana, setNick("anna"));
    f.backplane.run();
    f.a.send(f.ana, setAway(""));
    f.backplane.run();
    f.b.advance(1s);
    const std::vector<std::string> seen = presenceSeen(f.b, f.ben);
    BOOST_TEST_REQUIRE(!seen.empty());
    BOOST_TEST(seen.back() == "PRESENCE_KIND_BACK anna ()");
    whois.mutable_whois_request()->set_nick("anna");
    f.b.clear(f.bob);
    f.b.send(f.bob, whois);
    const v1::Envelope back = f.b.next(f.bob);
    BOOST_TEST_REQUIRE(back.has_whois_reply());
    BOOST_TEST(back.whois_reply().away().empty());
    // A quit forgets it: a new session under the nick is not away.
    f.a.send(f.amy, setAway("gone"));
    f.backplane.run();
    f.a.hub.closed(f.amy, "gone", f.a.now);
    f.a.pump();
    f.backplane.run();
    const SessionId amy2 = clusterLogin(f.a, f.backplane, "amy");
    f.a.send(amy2, join("r"));
    f.a.advance(1s);
    f.backplane.run();
    f.b.clear(f.bob);
    f.b.send(f.bob, who);
    const v1::Envelope again = f.b.next(f.bob);
    BOOST_TEST_REQUIRE(again.has_members());
    BOOST_TEST(again.members().away().empty());
}

BOOST_AUTO_TEST_CASE(a_rename_keeps_the_account_rules_and_asks_redis_only_when_they_allow_it) {
    // "reg" is an account of a's book: only a session signed in to it may
    // take it, in a cluster as alone, and the refusal asks nothing of Redis.
    HubHarness a{clusterConfig("hub0"), 77, nullptr, nullptr,
                 std::make_unique<Book>(std::vector<std::string>{"reg"})};
    HubHarness b{clusterConfig("hub1")};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    const SessionId ana = clusterLogin(a, backplane, "ana");
    backplane.run();
    a.send(ana, setNick("reg"));
    BOOST_TEST(a.next(ana).error().code() == v1::ERROR_CODE_PASSWORD_REQUIRED);
    std::vector<BackplaneRequest> requests;
    a.hub.takeBackplaneRequests(requests);
    BOOST_TEST(requests.empty());
    // Signed in to it: claimed, then renamed.
    a.hub.testSignIn(ana, "reg", a.now);
    a.clear(ana);
    a.send(ana, setNick("reg"));
    backplane.run();
    bool confirmed = false;
    for (const v1::Envelope& e : a.take(ana)) {
        confirmed = confirmed || (e.has_presence() && e.presence().new_nick() == "reg");
    }
    BOOST_TEST(confirmed);
    // And held across the cluster.
    const SessionId late = b.connect();
    b.send(late, hello("reg"));
    backplane.run();
    BOOST_TEST(b.next(late).error().code() == v1::ERROR_CODE_NICK_TAKEN);
}

// --- topics, bans and kicks across hubs (ClusterState.hpp) ---------------------------------

namespace {

// The Topic frames in `id`'s inbox as "text by setter", taken.
std::vector<std::string> topicsSeen(HubHarness& h, SessionId id) {
    std::vector<std::string> out;
    for (const v1::Envelope& e : h.take(id)) {
        if (e.has_topic()) {
            out.push_back(e.topic().text() + " by " + e.topic().set_by());
        }
    }
    return out;
}

v1::Envelope topic(const std::string& room, const std::string& text) {
    v1::Envelope e;
    e.mutable_topic()->set_room(room);
    e.mutable_topic()->set_text(text);
    return e;
}

v1::Envelope moderate(v1::ModerationAction action, const std::string& target,
                      std::uint32_t expirySeconds = 0) {
    v1::Envelope e;
    auto* r = e.mutable_moderation_request();
    r->set_room("r");
    r->set_action(action);
    r->set_target(target);
    r->set_target_kind(v1::TARGET_KIND_NICK);
    r->set_reason("why");
    r->set_expiry_seconds(expirySeconds);
    return e;
}

bool hasError(const std::vector<v1::Envelope>& got, v1::ErrorCode code) {
    return std::any_of(got.begin(), got.end(), [code](const v1::Envelope& e) {
        return e.has_error() && e.error().code() == code;
    });
}

bool hasPresence(const std::vector<v1::Envelope>& got, v1::PresenceKind kind) {
    return std::any_of(got.begin(), got.end(), [kind](const v1::Envelope& e) {
        return e.has_presence() && e.presence().kind() == kind;
    });
}

}  // namespace

BOOST_AUTO_TEST_CASE(state_fields_and_notices_round_trip_and_versions_order_them) {
    const auto topicField = ClusterState::parse(ClusterState::topicField("r"));
    BOOST_TEST_REQUIRE(topicField.has_value());
    BOOST_TEST((topicField->kind == ClusterState::Kind::Topic));
    BOOST_TEST(topicField->room == "r");
    const auto hubBan = ClusterState::parse(ClusterState::banField("", BanKind::Account, "eve"));
    BOOST_TEST_REQUIRE(hubBan.has_value());
    BOOST_TEST((hubBan->kind == ClusterState::Kind::Ban));
    BOOST_TEST(hubBan->room.empty());
    BOOST_TEST((hubBan->banKind == BanKind::Account));
    BOOST_TEST(hubBan->target == "eve");
    const auto kick = ClusterState::parse(ClusterState::kickField("r", "Ben"));
    BOOST_TEST_REQUIRE(kick.has_value());
    BOOST_TEST(kick->target == "Ben");
    for (const char* bad : {"", "topic", "topic r x", "ban r 7 eve", "ban r 0", "kick r", "x r"}) {
        BOOST_TEST(!ClusterState::parse(bad).has_value(), bad);
    }
    const auto notice = parseBackplaneStateNotice("7 del\nban r 0 eve\nrec\nord");
    BOOST_TEST_REQUIRE(notice.has_value());
    BOOST_TEST(notice->version == 7u);
    BOOST_TEST(notice->deleted);
    BOOST_TEST(notice->field == "ban r 0 eve");
    BOOST_TEST(notice->record == "rec\nord");
    for (const char* bad : {"7\nf\nr", "x set\nf\nr", "7 set\n\nr", "7 set\nf", "7 put\nf\nr"}) {
        BOOST_TEST(!parseBackplaneStateNotice(bad).has_value(), bad);
    }
    // Versions: an older notice is not applied over a newer.
    ClusterState state;
    const BackplaneState topic5{"topic r", 5, "b", false};
    BOOST_TEST(state.newer(topic5));
    state.applied(topic5);
    BOOST_TEST(!state.newer({"topic r", 4, "a", false}));
    BOOST_TEST(!state.newer(topic5));
    BOOST_TEST(state.newer({"ban r 0 eve", 6, "x", false}));
    BOOST_TEST(!state.holds("ban r 0 eve"));  // not applied (yet): the apply may fail
}

namespace {

// The fields of `records` as "FIELD@VERSION" (deletions "-FIELD@VERSION").
std::vector<std::string> names(const std::vector<BackplaneState>& records) {
    std::vector<std::string> out;
    for (const BackplaneState& r : records) {
        out.push_back((r.deleted ? "-" : "") + r.field + "@" + std::to_string(r.version));
    }
    return out;
}

// `state` applies `records` (as Hub::backplaneStates does after each apply).
void applyAll(ClusterState& state, const std::vector<BackplaneState>& records) {
    for (const BackplaneState& r : records) {
        state.applied(r);
    }
}

}  // namespace

// The read of hermes:state (at a reconnect) and the live notices cross: the
// snapshot's version tells which is newer, in either order.
BOOST_AUTO_TEST_CASE(a_snapshot_and_live_notices_agree_in_either_order) {
    // Live first: topic v7 and ban v8 arrive before a snapshot taken at v6
    // (it lacks the ban, holds the topic at v6): nothing is reverted or lifted.
    ClusterState live;
    live.reading();
    applyAll(live, {{"topic r", 7, "new", false}, {"ban r 0 eve", 8, "x", false}});
    BOOST_TEST(names(live.loaded(6, {{"topic r", 6, "old", false}})).empty());
    BOOST_TEST(live.holds("ban r 0 eve"));
    // An unban (v9) live, then a snapshot at v8 that still holds the ban: not re-applied.
    live.reading();  // a later reconnect (asked at v8), the unban (v9) overtakes it
    applyAll(live, {{"ban r 0 eve", 9, "", true}});
    BOOST_TEST(names(live.loaded(8, {{"topic r", 7, "new", false}, {"ban r 0 eve", 8, "x", false}}))
                   .empty());
    BOOST_TEST(!live.holds("ban r 0 eve"));

    // Snapshot first: it applies what is newer and lifts a ban applied at or
    // before it that it lacks; a notice it already holds comes next and is not applied again.
    ClusterState snap;
    applyAll(snap, {{"ban r 0 eve", 3, "x", false}, {"topic r", 4, "a", false}});
    snap.reading();
    const auto toApply = snap.loaded(10, {{"topic r", 10, "b", false}});
    BOOST_TEST(names(toApply) == (std::vector<std::string>{"-ban r 0 eve@10", "topic r@10"}),
               boost::test_tools::per_element());
    applyAll(snap, toApply);
    BOOST_TEST(!snap.newer({"topic r", 10, "b", false}));
    BOOST_TEST(!snap.newer({"ban r 0 eve", 3, "x", false}));  // the old ban, late
    BOOST_TEST(snap.newer({"ban r 0 eve", 11, "y", false}));  // banned again after

    // Redis lost its data (snapshot v2 below the v10 applied): the snapshot
    // is the truth, and changes after it (low versions) are applied.
    snap.reading();
    const auto afterLoss = snap.loaded(2, {{"topic r", 2, "c", false}});
    BOOST_TEST(names(afterLoss) == (std::vector<std::string>{"topic r@2"}),
               boost::test_tools::per_element());
    applyAll(snap, afterLoss);
    BOOST_TEST(snap.newer({"ban r 0 eve", 3, "z", false}));
    BOOST_TEST(!snap.newer({"topic r", 2, "c", false}));
}

BOOST_AUTO_TEST_CASE(a_topic_is_shown_on_every_hub_once_the_backplane_has_it) {
    TwoHubs f;
    f.a.send(f.ana, topic("r", "release friday"));
    // Nothing is shown before the backplane answers, not even to the setter.
    BOOST_TEST(topicsSeen(f.a, f.ana).empty());
    f.backplane.run();
    BOOST_TEST(topicsSeen(f.a, f.ana) == std::vector<std::string>{"release friday by ana"},
               boost::test_tools::per_element());
    BOOST_TEST(topicsSeen(f.b, f.bob) == std::vector<std::string>{"release friday by ana"},
               boost::test_tools::per_element());
    // A hub that never had the room (c) shows it to its first joiner.
    HubHarness c{clusterConfig("hub2")};
    c.hub.backplaneUp(true, c.now);
    FakeBackplane withC{{&f.a, &f.b, &c}};
    withC.state() = f.backplane.state();
    withC.run();
    const SessionId cid = clusterLogin(c, withC, "cid");
    c.send(cid, join("r"));
    BOOST_TEST(topicsSeen(c, cid) == std::vector<std::string>{"release friday by ana"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_topic_ban_or_remote_kick_is_refused_while_the_backplane_is_down) {
    TwoHubs f;
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.send(f.ana, topic("r", "nope"));
    BOOST_TEST(hasError(f.a.take(f.ana), v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_BAN, "ben"));
    BOOST_TEST(hasError(f.a.take(f.ana), v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_KICK, "ben"));
    BOOST_TEST(hasError(f.a.take(f.ana), v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
    // A kick of this hub's own member needs no other hub.
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_KICK, "amy"));
    BOOST_TEST(!hasError(f.a.take(f.ana), v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
    f.backplane.run();
    BOOST_TEST(topicsSeen(f.b, f.bob).empty());
    BOOST_TEST(presenceSeen(f.b, f.ben).empty());
    BOOST_TEST(f.backplane.state().empty());
}

BOOST_AUTO_TEST_CASE(a_ban_on_one_hub_removes_and_refuses_on_the_other_and_unban_lifts_it) {
    TwoHubs f;
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_BAN, "ben", 60));
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    // ben (hub b) is told and leaves, as under a local ban; bob sees it.
    BOOST_TEST(
        presenceSeen(f.b, f.ben) == std::vector<std::string>{"PRESENCE_KIND_BANNED ben (why)"},
        boost::test_tools::per_element());
    BOOST_TEST(
        presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_BANNED ben (why)"},
        boost::test_tools::per_element());
    // a's members see the ban, not also ben's LEFT.
    BOOST_TEST(
        presenceSeen(f.a, f.amy) == std::vector<std::string>{"PRESENCE_KIND_BANNED ben (why)"},
        boost::test_tools::per_element());
    BOOST_TEST(memberList(f.a, f.ana, "r") == (std::vector<std::string>{"amy", "ana", "bob"}),
               boost::test_tools::per_element());
    f.b.send(f.ben, join("r"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_BANNED));
    // Both hubs list it with the same absolute expiry.
    v1::Envelope list;
    list.mutable_ban_list_request()->set_room("r");
    f.a.send(f.ana, list);
    f.b.send(f.bob, list);
    const v1::Envelope atA = f.a.next(f.ana);
    const v1::Envelope atB = f.b.next(f.bob);
    BOOST_TEST_REQUIRE(atA.ban_list().bans_size() == 1);
    BOOST_TEST_REQUIRE(atB.ban_list().bans_size() == 1);
    BOOST_TEST(atA.ban_list().bans(0).expires_ms() > 0);
    BOOST_TEST(atA.ban_list().bans(0).expires_ms() == atB.ban_list().bans(0).expires_ms());
    // Unbanned on b (bob operates #r there): ben joins again on a.
    f.b.send(f.bob, moderate(v1::MODERATION_ACTION_UNBAN, "ben"));
    f.backplane.run();
    BOOST_TEST(f.backplane.state().empty());
    f.b.hub.closed(f.ben, "moving", f.b.now);
    f.b.pump();
    f.backplane.run();
    const SessionId ben2 = clusterLogin(f.a, f.backplane, "ben");
    f.a.send(ben2, join("r"));
    BOOST_TEST(!hasError(f.a.take(ben2), v1::ERROR_CODE_BANNED));
}

BOOST_AUTO_TEST_CASE(a_hub_back_on_the_backplane_takes_bans_made_and_lifted_meanwhile) {
    TwoHubs f;
    f.backplane.onlyAlive({&f.a});  // b does not hear
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_BAN, "ben"));
    f.backplane.run();
    BOOST_TEST(presenceSeen(f.b, f.ben).empty());
    // b is back: it reads hermes:state and removes ben.
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    f.b.advance(1s);
    BOOST_TEST(
        presenceSeen(f.b, f.ben) == std::vector<std::string>{"PRESENCE_KIND_BANNED ben (why)"},
        boost::test_tools::per_element());
    // Lifted while b was away again: its next read lifts it here too.
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_UNBAN, "ben"));
    f.backplane.run();
    f.b.send(f.ben, join("r"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_BANNED));
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    f.b.send(f.ben, join("r"));
    BOOST_TEST(!hasError(f.b.take(f.ben), v1::ERROR_CODE_BANNED));
}

BOOST_AUTO_TEST_CASE(a_kick_of_another_hubs_member_removes_it_there) {
    TwoHubs f;
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_KICK, "ben"));
    BOOST_TEST(!hasError(f.a.take(f.ana), v1::ERROR_CODE_NO_SUCH_NICK));
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    BOOST_TEST(
        presenceSeen(f.b, f.ben) == std::vector<std::string>{"PRESENCE_KIND_KICKED ben (why)"},
        boost::test_tools::per_element());
    BOOST_TEST(
        presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_KICKED ben (why)"},
        boost::test_tools::per_element());
    BOOST_TEST(
        presenceSeen(f.a, f.amy) == std::vector<std::string>{"PRESENCE_KIND_KICKED ben (why)"},
        boost::test_tools::per_element());
    BOOST_TEST(memberList(f.a, f.ana, "r") == (std::vector<std::string>{"amy", "ana", "bob"}),
               boost::test_tools::per_element());
    BOOST_TEST(f.backplane.state().empty());  // a kick is not kept
    // A nick no hub lists is refused as on a hub alone.
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_KICK, "nobody"));
    BOOST_TEST(hasError(f.a.take(f.ana), v1::ERROR_CODE_NO_SUCH_NICK));
}

BOOST_AUTO_TEST_CASE(a_hub_wide_ban_on_one_hub_closes_and_refuses_on_the_other) {
    HubConfig configA = clusterConfig("hub0");
    configA.operators = {"root"};
    HubHarness a{configA};
    HubHarness b{clusterConfig("hub1")};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    const SessionId root = clusterLogin(a, backplane, "admin");
    a.hub.testSignIn(root, "root", a.now);
    a.pump();
    const SessionId eve = clusterLogin(b, backplane, "eve");
    backplane.run();
    v1::Envelope ban;
    auto* r = ban.mutable_moderation_request();
    r->set_action(v1::MODERATION_ACTION_BAN);
    r->set_target("eve");
    r->set_target_kind(v1::TARGET_KIND_NICK);
    a.send(root, ban);
    backplane.run();
    // eve, on hub b, is closed HUB_BANNED as under a local hub-wide ban.
    BOOST_TEST(hasError(b.take(eve), v1::ERROR_CODE_HUB_BANNED));
    BOOST_TEST(b.peers[eve].closed);
    backplane.run();  // eve's nick released
    // And refused at Hello on hub b.
    const SessionId again = b.connect();
    b.send(again, hello("eve"));
    backplane.run();
    BOOST_TEST(hasError(b.take(again), v1::ERROR_CODE_HUB_BANNED));
}

BOOST_AUTO_TEST_CASE(a_kick_or_ban_of_another_hubs_operator_is_shown_nowhere_and_drops_nothing) {
    HubHarness a{clusterConfig("hub0")};
    HubConfig configB = clusterConfig("hub1");
    configB.operators = {"benacct"};
    HubHarness b{configB};
    FakeBackplane backplane{{&a, &b}};
    a.hub.backplaneUp(true, a.now);
    b.hub.backplaneUp(true, b.now);
    const SessionId ana = clusterLogin(a, backplane, "ana");
    const SessionId amy = clusterLogin(a, backplane, "amy");
    const SessionId ben = clusterLogin(b, backplane, "Ben");
    b.hub.testSignIn(ben, "benacct", b.now);  // a hub operator of hub b only
    b.pump();
    for (auto [h, id] : {std::pair{&a, ana}, {&a, amy}, {&b, ben}}) {
        h->send(id, join("r"));
    }
    a.advance(1s);
    b.advance(1s);
    backplane.run();
    a.clear(ana);
    a.clear(amy);
    b.clear(ben);
    v1::Envelope kick = moderate(v1::MODERATION_ACTION_KICK, "ben");
    a.send(ana, kick);
    backplane.run();
    a.advance(1s);
    b.advance(1s);
    // Hub b refuses to kick its own hub operator: no hub shows a kick, and
    // hub a still lists Ben.
    BOOST_TEST(presenceSeen(a, amy).empty());
    BOOST_TEST(presenceSeen(b, ben).empty());
    BOOST_TEST(memberList(a, ana, "r") == (std::vector<std::string>{"Ben", "amy", "ana"}),
               boost::test_tools::per_element());
    // The same for a nick ban naming him: kept, but he stays, and hub a
    // shows no BANNED it cannot vouch for.
    a.send(ana, moderate(v1::MODERATION_ACTION_BAN, "ben"));
    backplane.run();
    a.advance(1s);
    b.advance(1s);
    BOOST_TEST(presenceSeen(a, amy).empty());
    BOOST_TEST(memberList(a, ana, "r") == (std::vector<std::string>{"Ben", "amy", "ana"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_kick_on_the_members_own_hub_is_shown_on_the_other_hub) {
    TwoHubs f;
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_KICK, "amy"));
    // Carried out when Redis publishes it, as every kick in a cluster.
    BOOST_TEST(presenceSeen(f.a, f.amy).empty());
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    BOOST_TEST(
        presenceSeen(f.a, f.amy) == std::vector<std::string>{"PRESENCE_KIND_KICKED amy (why)"},
        boost::test_tools::per_element());
    const std::vector<v1::Envelope> atBob = f.b.take(f.bob);
    std::vector<std::string> kicked;
    for (const v1::Envelope& e : atBob) {
        if (e.has_presence()) {
            BOOST_TEST(e.presence().kind() == v1::PRESENCE_KIND_KICKED);
            BOOST_TEST(e.presence().by() == "ana");
            BOOST_TEST(e.presence().reason() == "why");
            kicked.insert(kicked.end(), e.presence().nicks().begin(), e.presence().nicks().end());
        }
    }
    BOOST_TEST(kicked == std::vector<std::string>{"amy"}, boost::test_tools::per_element());
    BOOST_TEST(memberList(f.b, f.bob, "r") == (std::vector<std::string>{"ana", "ben", "bob"}),
               boost::test_tools::per_element());
    // She joins again: hub b shows it.
    f.a.send(f.amy, join("r"));
    f.a.advance(1s);
    f.backplane.run();
    f.b.advance(1s);
    BOOST_TEST(presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_JOINED amy ()"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_account_ban_removes_the_accounts_sessions_on_every_hub) {
    // Accounts are the cluster's, and so are their bans: ben on hub b is
    // signed in to account "ben"; ana bans the account on hub a.
    TwoHubs f;
    f.b.hub.testSignIn(f.ben, "ben", f.b.now);
    v1::Envelope ban = moderate(v1::MODERATION_ACTION_BAN, "ben");
    ban.mutable_moderation_request()->set_target_kind(v1::TARGET_KIND_ACCOUNT);
    f.a.send(f.ana, ban);
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    BOOST_TEST(f.backplane.state().contains(ClusterState::banField("r", BanKind::Account, "ben")));
    BOOST_TEST(hasPresence(f.b.take(f.ben), v1::PRESENCE_KIND_BANNED));
    f.b.send(f.ben, join("r"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_BANNED));
    f.a.clear(f.ana);
    f.b.clear(f.bob);
    v1::Envelope list;
    list.mutable_ban_list_request()->set_room("r");
    f.a.send(f.ana, list);
    f.b.send(f.bob, list);
    BOOST_TEST(f.a.next(f.ana).ban_list().bans_size() == 1);
    BOOST_TEST(f.b.next(f.bob).ban_list().bans_size() == 1);
    // Unbanned on hub a: ben joins on hub b.
    v1::Envelope unban = moderate(v1::MODERATION_ACTION_UNBAN, "ben");
    unban.mutable_moderation_request()->set_target_kind(v1::TARGET_KIND_ACCOUNT);
    f.a.send(f.ana, unban);
    f.backplane.run();
    BOOST_TEST(f.backplane.state().empty());
    f.b.send(f.ben, join("r"));
    BOOST_TEST(!hasError(f.b.take(f.ben), v1::ERROR_CODE_BANNED));
    // While the backplane is down an account ban is refused, as any ban.
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.send(f.ana, ban);
    BOOST_TEST(hasError(f.a.take(f.ana), v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
}

BOOST_AUTO_TEST_CASE(a_ban_that_lapsed_is_not_applied_at_a_read_and_can_be_unbanned) {
    TwoHubs f;
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_BAN, "ben", 60));
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    BOOST_TEST_REQUIRE(f.backplane.state().size() == 1u);
    // A hub that joins after it lapsed shows nothing.
    HubHarness c{clusterConfig("hub2")};
    FakeBackplane withC{{&f.a, &f.b, &c}};
    withC.state() = f.backplane.state();
    c.wallMs = f.a.wallMs + 120'000;
    c.hub.backplaneUp(true, c.now);
    withC.run();
    const SessionId ben = clusterLogin(c, withC, "ben");  // withC: its own nicks
    c.send(ben, join("r"));
    BOOST_TEST(!hasError(c.take(ben), v1::ERROR_CODE_BANNED));
    // Lapsed on hub a too: its unban still clears it from hermes:state.
    f.a.wallMs += 120'000;
    f.a.clear(f.ana);
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_UNBAN, "ben"));
    BOOST_TEST(!hasError(f.a.take(f.ana), v1::ERROR_CODE_NO_SUCH_BAN));
    f.backplane.run();
    BOOST_TEST(f.backplane.state().empty());
}

BOOST_AUTO_TEST_CASE(a_change_redis_refuses_is_answered_cluster_unavailable_to_its_setter) {
    TwoHubs f;
    f.backplane.refuseStates(true);
    f.a.send(f.ana, topic("r", "nope"));
    f.backplane.run();
    const std::vector<v1::Envelope> got = f.a.take(f.ana);
    BOOST_TEST(hasError(got, v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
    for (const v1::Envelope& e : got) {
        if (e.has_error()) {
            BOOST_TEST(e.error().room() == "r");
            BOOST_TEST(e.error().text().find("READONLY") != std::string::npos);
        }
    }
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_BAN, "ben"));
    f.backplane.run();
    BOOST_TEST(hasError(f.a.take(f.ana), v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
    BOOST_TEST(presenceSeen(f.b, f.ben).empty());
    BOOST_TEST(f.backplane.state().empty());
}

// --- presence lost while a hub was away from Redis ----------------------------------------

// a is cut from Redis: amy leaves #r and ana joins #s there (their notices
// are lost), and ben leaves #r on b (a does not hear it). When a is back it
// writes its members again, which publishes what b missed, and reads the
// cluster's, which shows a's members what they missed.
BOOST_AUTO_TEST_CASE(presence_lost_while_a_hub_was_away_is_published_and_shown_when_it_is_back) {
    TwoHubs f;
    f.a.hub.backplaneUp(false, f.a.now);
    f.backplane.onlyAlive({&f.b});
    f.a.send(f.amy, leave("r", "lunch"));
    f.a.send(f.ana, join("s"));
    f.a.advance(1s);
    std::vector<BackplaneRequest> lost;
    f.a.hub.takeBackplaneRequests(lost);  // the edge drops them: Redis is away
    f.b.send(f.ben, leave("r", "bye"));
    f.b.advance(1s);
    f.backplane.run();
    f.a.advance(1s);
    // a heard nothing of ben, nor b of amy (each saw its own hub's).
    const auto mentions = [](const std::vector<std::string>& seen, const std::string& nick) {
        return std::count_if(seen.begin(), seen.end(), [&nick](const std::string& line) {
            return line.find(" " + nick + " ") != std::string::npos;
        });
    };
    const std::vector<std::string> atA = presenceSeen(f.a, f.ana);
    BOOST_TEST(mentions(atA, "amy") == 1);
    BOOST_TEST(mentions(atA, "ben") == 0);
    const std::vector<std::string> atB = presenceSeen(f.b, f.bob);
    BOOST_TEST(mentions(atB, "ben") == 1);
    BOOST_TEST(mentions(atB, "amy") == 0);
    f.backplane.onlyAlive({});
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    // amy is still on a (in no room): she left, she did not quit.
    BOOST_TEST(presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_LEFT amy ()"},
               boost::test_tools::per_element());
    BOOST_TEST(presenceSeen(f.a, f.ana) == std::vector<std::string>{"PRESENCE_KIND_LEFT ben ()"},
               boost::test_tools::per_element());
    BOOST_TEST(memberList(f.a, f.ana, "r") == (std::vector<std::string>{"ana", "bob"}),
               boost::test_tools::per_element());
    BOOST_TEST(memberList(f.b, f.bob, "r") == (std::vector<std::string>{"ana", "bob"}),
               boost::test_tools::per_element());
    f.b.send(f.ben, join("s"));
    f.b.advance(1s);
    f.backplane.run();
    BOOST_TEST(memberList(f.b, f.ben, "s") == (std::vector<std::string>{"ana", "ben"}),
               boost::test_tools::per_element());
    f.a.advance(1s);
    f.a.clear(f.ana);
    // Back again with nothing changed: nothing is shown twice.
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    BOOST_TEST(presenceSeen(f.a, f.ana).empty());
    BOOST_TEST(presenceSeen(f.b, f.bob).empty());
}

// A member who quit while its hub was away from Redis quits on the other hubs.
BOOST_AUTO_TEST_CASE(a_quit_lost_while_a_hub_was_away_is_a_quit_when_it_is_back) {
    TwoHubs f;
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.hub.closed(f.amy, "gone", f.a.now);
    f.a.pump();
    f.a.advance(1s);
    std::vector<BackplaneRequest> lost;
    f.a.hub.takeBackplaneRequests(lost);
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    f.b.advance(1s);
    BOOST_TEST(presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_QUIT amy ()"},
               boost::test_tools::per_element());
    BOOST_TEST(memberList(f.b, f.bob, "r") == (std::vector<std::string>{"ana", "ben", "bob"}),
               boost::test_tools::per_element());
}

// An away set, and a back, while a hub was cut from Redis: shown on the
// other hub when it is back; and a hub that joins later learns who is away
// from the read of the members, not from notices it never heard.
BOOST_AUTO_TEST_CASE(away_lost_while_a_hub_was_away_is_shown_when_it_is_back) {
    TwoHubs f;
    v1::Envelope away;
    away.mutable_set_away()->set_text("at lunch");
    f.a.send(f.ana, away);
    f.a.advance(1s);
    f.backplane.run();
    f.b.advance(1s);
    BOOST_TEST(
        presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_AWAY ana (at lunch)"},
        boost::test_tools::per_element());
    // Cut: ana comes back and ben goes away; neither notice crosses.
    f.a.hub.backplaneUp(false, f.a.now);
    f.backplane.onlyAlive({&f.b});
    v1::Envelope back;
    back.mutable_set_away();
    f.a.send(f.ana, back);
    f.a.advance(1s);
    std::vector<BackplaneRequest> lost;
    f.a.hub.takeBackplaneRequests(lost);
    v1::Envelope benAway;
    benAway.mutable_set_away()->set_text("meeting");
    f.b.send(f.ben, benAway);
    f.b.advance(1s);
    f.backplane.run();
    f.a.advance(1s);
    f.a.clear(f.amy);
    f.b.clear(f.bob);
    f.backplane.onlyAlive({});
    f.a.hub.backplaneUp(true, f.a.now);
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    BOOST_TEST(presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_BACK ana ()"},
               boost::test_tools::per_element());
    BOOST_TEST(
        presenceSeen(f.a, f.amy) == std::vector<std::string>{"PRESENCE_KIND_AWAY ben (meeting)"},
        boost::test_tools::per_element());
    // A hub that joins later knows ben is away from the read of the
    // members, without having heard the notice; and learns ana came back.
    Backplane late(clusterConfig("hub2"));
    late.setUp(true);
    const auto changes = late.setMembers({{"r", "ben", "hub1", "meeting"},
                                          {"r", "ana", "hub0", ""},
                                          {"s", "cid", "hub1", "bell\a"}});
    BOOST_TEST(late.awayOf("ben") == "meeting");
    BOOST_TEST(late.awayOf("ana") == "");
    BOOST_TEST(late.awayOf("cid") == "");  // breaks the away rules: taken as none
    // As a join: listed with JOINED, and AWAY after it for the one away.
    std::vector<std::string> shown;
    for (const BackplanePresence& change : changes) {
        shown.push_back(change.kind + " " + change.nick);
    }
    std::sort(shown.begin(), shown.end());
    BOOST_TEST(
        shown == (std::vector<std::string>{"away ben", "joined ana", "joined ben", "joined cid"}),
        boost::test_tools::per_element());
}

// --- edits, deletes and reactions across hubs ------------------------------------------------

namespace {

// A Say of an event kind (EDIT, DELETE, REACT, UNREACT) about `target`.
v1::Envelope event(std::uint64_t id, v1::MessageKind kind, std::uint64_t target,
                   const std::string& text = "") {
    v1::Envelope e = say("#r", id, text, kind);
    e.mutable_say()->set_target_seq(target);
    return e;
}

// The one error `id` got, or fails.
v1::Error errorOf(HubHarness& h, SessionId id) {
    const std::vector<v1::Envelope> got = h.take(id);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST_REQUIRE(got[0].has_error());
    return got[0].error();
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_edit_delete_and_reactions_reach_every_hub_with_the_backplanes_seq) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.clear(f.ana);
    f.b.clear(f.bob);
    f.b.clear(f.ben);
    // Not applied until the backplane orders it: no echo yet.
    f.a.send(f.ana, event(2, v1::MESSAGE_KIND_EDIT, 1, "one, edited"));
    BOOST_TEST(chatFrames(f.a, f.ana).empty());
    f.backplane.run();
    f.b.send(f.bob, event(3, v1::MESSAGE_KIND_REACT, 1, "+1"));
    f.backplane.run();
    f.a.send(f.amy, event(4, v1::MESSAGE_KIND_REACT, 1, "+1"));
    f.backplane.run();
    const std::vector<std::string> reference = chatFrames(f.a, f.ana);
    BOOST_TEST_REQUIRE(reference.size() == 3u);
    const v1::MessageKind kinds[] = {v1::MESSAGE_KIND_EDIT, v1::MESSAGE_KIND_REACT,
                                     v1::MESSAGE_KIND_REACT};
    for (std::size_t i = 0; i < reference.size(); ++i) {
        v1::Envelope e;
        BOOST_TEST_REQUIRE(e.ParseFromString(reference[i]));
        BOOST_TEST(e.message().seq() == i + 2);
        BOOST_TEST(e.message().kind() == kinds[i]);
        BOOST_TEST(e.message().target_seq() == 1u);
    }
    BOOST_TEST(chatFrames(f.b, f.bob) == reference, boost::test_tools::per_element());
    BOOST_TEST(chatFrames(f.b, f.ben) == reference, boost::test_tools::per_element());
    // Both reactions are counted on hub b too: bob's again is refused there.
    f.b.send(f.bob, event(5, v1::MESSAGE_KIND_REACT, 1, "+1"));
    BOOST_TEST(errorOf(f.b, f.bob).code() == v1::ERROR_CODE_REACTION_UNCHANGED);
    // The author's own delete, from its hub; then the message is gone on both.
    f.a.send(f.ana, event(6, v1::MESSAGE_KIND_DELETE, 1));
    f.backplane.run();
    BOOST_TEST(chatFrames(f.b, f.bob).size() == 1u);
    f.b.send(f.bob, event(7, v1::MESSAGE_KIND_UNREACT, 1, "+1"));
    const v1::Error gone = errorOf(f.b, f.bob);
    BOOST_TEST(gone.code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    BOOST_TEST(gone.text().find("was deleted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(another_hubs_guest_cannot_edit_and_is_told_why) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.b.clear(f.bob);
    f.b.send(f.bob, event(2, v1::MESSAGE_KIND_EDIT, 1, "mine now"));
    const v1::Error refused = errorOf(f.b, f.bob);
    BOOST_TEST(refused.code() == v1::ERROR_CODE_NOT_AUTHOR);
    BOOST_TEST(refused.room() == "r");
    BOOST_TEST(refused.text().find("another hub") != std::string::npos);
    // Nothing went to the backplane.
    std::vector<BackplaneRequest> requests;
    f.b.hub.takeBackplaneRequests(requests);
    BOOST_TEST(requests.empty());
    // Its own hub's other guest is refused too, as on a hub alone.
    f.a.clear(f.amy);
    f.a.send(f.amy, event(3, v1::MESSAGE_KIND_DELETE, 1));
    BOOST_TEST(errorOf(f.a, f.amy).code() == v1::ERROR_CODE_NOT_AUTHOR);
}

BOOST_AUTO_TEST_CASE(conflicting_events_in_flight_have_the_same_effect_on_every_hub) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.clear(f.ana);
    f.b.clear(f.bob);
    // Both checked before either is ordered: bob's reaction twice, then
    // ana's delete. Every one is delivered (seqs 2-4), the second reaction
    // counts nothing, and the delete wins over nothing later.
    f.b.send(f.bob, event(2, v1::MESSAGE_KIND_REACT, 1, "+1"));
    f.b.send(f.bob, event(3, v1::MESSAGE_KIND_REACT, 1, "+1"));
    f.backplane.run();
    BOOST_TEST(chatFrames(f.a, f.ana).size() == 2u);
    // The reaction was counted once: one UNREACT takes it, and a second
    // (after the first is ordered) finds none.
    f.b.clear(f.bob);
    f.b.send(f.bob, event(4, v1::MESSAGE_KIND_UNREACT, 1, "+1"));
    f.backplane.run();
    f.b.clear(f.bob);
    f.b.send(f.bob, event(5, v1::MESSAGE_KIND_UNREACT, 1, "+1"));
    const v1::Error none = errorOf(f.b, f.bob);
    BOOST_TEST(none.code() == v1::ERROR_CODE_REACTION_UNCHANGED);
    BOOST_TEST(none.client_msg_id() == 5u);
    f.a.clear(f.amy);
    // A delete and a reaction at once: the reaction, later in the order,
    // is delivered but counts nothing; the message is deleted on both hubs.
    f.a.send(f.ana, event(6, v1::MESSAGE_KIND_DELETE, 1));
    f.b.send(f.bob, event(7, v1::MESSAGE_KIND_REACT, 1, "+1"));
    f.backplane.run();
    BOOST_TEST(chatFrames(f.a, f.amy).size() == 2u);  // the delete, then the reaction
    for (auto [h, id] : {std::pair{&f.a, f.ana}, std::pair{&f.b, f.bob}}) {
        h->clear(id);
        h->send(id, event(8, v1::MESSAGE_KIND_EDIT, 1, "late"));
        BOOST_TEST(errorOf(*h, id).code() == v1::ERROR_CODE_NO_SUCH_MESSAGE);
    }
}

BOOST_AUTO_TEST_CASE(an_event_is_refused_while_the_backplane_is_down) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.clear(f.ana);
    f.a.hub.backplaneUp(false, f.a.now);
    f.a.send(f.ana, event(2, v1::MESSAGE_KIND_EDIT, 1, "edited"));
    const v1::Error refused = errorOf(f.a, f.ana);
    BOOST_TEST(refused.code() == v1::ERROR_CODE_CLUSTER_UNAVAILABLE);
    BOOST_TEST(refused.client_msg_id() == 2u);
}

BOOST_AUTO_TEST_CASE(an_edit_ordered_after_the_delete_of_its_message_is_erased_on_every_hub) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.clear(f.ana);
    f.b.clear(f.bob);
    // Both checked before either is ordered (the delete in flight): the
    // backplane orders the delete first, so the edit's text is erased on
    // both hubs, the sender's echo included, and so is what they store.
    f.a.send(f.ana, event(2, v1::MESSAGE_KIND_DELETE, 1));
    f.a.send(f.ana, event(3, v1::MESSAGE_KIND_EDIT, 1, "secret"));
    f.backplane.run();
    for (auto [h, id] : {std::pair{&f.a, f.ana}, std::pair{&f.b, f.bob}}) {
        const std::vector<std::string> frames = chatFrames(*h, id);
        BOOST_TEST_REQUIRE(frames.size() == 2u);
        v1::Envelope edit;
        BOOST_TEST_REQUIRE(edit.ParseFromString(frames[1]));
        BOOST_TEST(edit.message().kind() == v1::MESSAGE_KIND_EDIT);
        BOOST_TEST(edit.message().seq() == 3u);
        BOOST_TEST(edit.message().text().empty());
    }
}

BOOST_AUTO_TEST_CASE(events_leave_no_sender_awaited) {
    TwoHubs f;
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.send(f.ana, event(2, v1::MESSAGE_KIND_EDIT, 1, "one, edited"));
    f.b.send(f.bob, event(3, v1::MESSAGE_KIND_REACT, 1, "+1"));
    f.a.send(f.ana, event(4, v1::MESSAGE_KIND_DELETE, 1));
    f.backplane.run();
    // Every answer and entry came: nothing is remembered for them.
    BOOST_TEST(f.a.hub.backplaneAwaited() == 0u);
    BOOST_TEST(f.b.hub.backplaneAwaited() == 0u);
}

BOOST_AUTO_TEST_CASE(a_guests_message_stays_its_own_when_the_notice_comes_before_the_answer) {
    TwoHubs f;
    f.backplane.noticesBeforeAnswers();
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    f.a.clear(f.ana);
    f.a.send(f.ana, event(2, v1::MESSAGE_KIND_EDIT, 1, "one, edited"));
    f.backplane.run();
    const std::vector<std::string> frames = chatFrames(f.a, f.ana);
    BOOST_TEST_REQUIRE(frames.size() == 1u);
    v1::Envelope edit;
    BOOST_TEST_REQUIRE(edit.ParseFromString(frames[0]));
    BOOST_TEST(edit.message().text() == "one, edited");
    // Its hub's other guest is no author.
    f.a.clear(f.amy);
    f.a.send(f.amy, event(3, v1::MESSAGE_KIND_EDIT, 1, "amy's"));
    BOOST_TEST(errorOf(f.a, f.amy).code() == v1::ERROR_CODE_NOT_AUTHOR);
    BOOST_TEST(f.a.hub.backplaneAwaited() == 0u);
}

BOOST_AUTO_TEST_CASE(an_error_answer_after_the_entry_came_is_not_told_to_the_sender) {
    TwoHubs f;
    // The connection lost after Redis ran the script: the notice came.
    f.backplane.noticesBeforeAnswers("this hub lost the cluster's backplane (Redis)");
    f.a.send(f.ana, say("#r", 1, "one"));
    f.backplane.run();
    const std::vector<v1::Envelope> got = f.a.take(f.ana);
    BOOST_TEST_REQUIRE(got.size() == 1u);  // the echo, and no error to send it again
    BOOST_TEST(got[0].has_message());
    BOOST_TEST(got[0].message().client_msg_id() == 1u);
}

namespace {

// `request` (a Publish of hub `hub`) as the backplane's entry `seq`.
BackplaneEntry entryOf(const BackplaneRequest& request, std::uint64_t seq, const std::string& hub) {
    auto entry = parseBackplaneNotice(
        std::string(kBackplaneChannelPrefix) + request.room,
        backplaneNotice(seq, hub, request.ref, request.account, request.message));
    BOOST_TEST_REQUIRE(entry.has_value());
    return *entry;
}

// The one Publish among `h`'s requests, taken.
BackplaneRequest publishOf(HubHarness& h) {
    std::vector<BackplaneRequest> requests;
    h.hub.takeBackplaneRequests(requests);
    std::erase_if(requests, [](const BackplaneRequest& r) {
        return r.kind != BackplaneRequest::Kind::Publish;
    });
    BOOST_TEST_REQUIRE(requests.size() == 1u);
    return requests[0];
}

// A guest `nick` of `h` (alone on its backplane, so "hub0") in #r who
// said `text`, its Publish not answered.
BackplaneRequest guestSaid(HubHarness& h, const std::string& nick, const std::string& text,
                           SessionId& id) {
    FakeBackplane plane{{&h}};
    h.hub.backplaneUp(true, h.now);
    id = clusterLogin(h, plane, nick);
    h.send(id, join("r"));
    h.advance(1s);
    plane.run();
    h.clear(id);
    h.send(id, say("#r", 1, text));
    return publishOf(h);
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_earlier_runs_entry_of_this_hub_is_no_sessions_of_this_run) {
    // hub0's earlier run: its guest's message published, the hub gone
    // before the entry came.
    HubHarness earlier{clusterConfig("hub0"), StartedAt{1'700'000'000'000}};
    SessionId zed = 0;
    const BackplaneRequest old = guestSaid(earlier, "zed", "zed's", zed);
    // This run, the same steps: ana's message awaits its entry while the
    // Fill at connect reads the earlier run's.
    HubHarness h{clusterConfig("hub0"), StartedAt{1'700'000'060'000}};
    SessionId ana = 0;
    const BackplaneRequest mine = guestSaid(h, "ana", "ana's", ana);
    h.hub.backplaneEntry(entryOf(old, 1, "hub0"), h.now);
    h.hub.backplanePublished(mine.ref, "", h.now);
    h.hub.backplaneEntry(entryOf(mine, 2, "hub0"), h.now);
    h.pump();
    h.clear(ana);
    // zed's message is not ana's; hers is.
    h.send(ana, event(2, v1::MESSAGE_KIND_EDIT, 1, "not mine"));
    BOOST_TEST(errorOf(h, ana).code() == v1::ERROR_CODE_NOT_AUTHOR);
    h.send(ana, event(3, v1::MESSAGE_KIND_EDIT, 2, "mine, edited"));
    BOOST_TEST(h.take(ana).empty());
    BOOST_TEST(publishOf(h).ref != old.ref);
}

// --- mutes, operators, invites and modes across hubs (ClusterRoomModes.cpp) ---

BOOST_AUTO_TEST_CASE(member_and_mode_fields_parse_and_what_is_not_one_is_refused) {
    const auto mute =
        ClusterState::parse(ClusterState::memberField(ClusterState::Kind::Mute, "r", "ben"));
    BOOST_TEST_REQUIRE(mute.has_value());
    BOOST_TEST((mute->kind == ClusterState::Kind::Mute));
    BOOST_TEST(mute->target == "ben");
    const auto op =
        ClusterState::parse(ClusterState::memberField(ClusterState::Kind::Op, "r", "ben"));
    BOOST_TEST_REQUIRE(op.has_value());
    BOOST_TEST((op->kind == ClusterState::Kind::Op));
    const auto opAccount =
        ClusterState::parse(ClusterState::memberField(ClusterState::Kind::OpAccount, "r", "ben"));
    BOOST_TEST_REQUIRE(opAccount.has_value());
    BOOST_TEST((opAccount->kind == ClusterState::Kind::OpAccount));
    BOOST_TEST(opAccount->target == "ben");
    const auto account = ClusterState::parse(ClusterState::accountField("ben"));
    BOOST_TEST_REQUIRE(account.has_value());
    BOOST_TEST((account->kind == ClusterState::Kind::Account));
    BOOST_TEST(account->room.empty());
    BOOST_TEST(!ClusterState::parse("account two words").has_value());
    const auto invite =
        ClusterState::parse(ClusterState::memberField(ClusterState::Kind::Invite, "r", "cid"));
    BOOST_TEST_REQUIRE(invite.has_value());
    BOOST_TEST((invite->kind == ClusterState::Kind::Invite));
    const auto mode = ClusterState::parse(ClusterState::modeField("r", ClusterState::kInviteOnly));
    BOOST_TEST_REQUIRE(mode.has_value());
    BOOST_TEST((mode->kind == ClusterState::Kind::Mode));
    BOOST_TEST(mode->target == "invite-only");
    BOOST_TEST(!ClusterState::parse("mode r secret").has_value());
    BOOST_TEST(!ClusterState::parse("mute r").has_value());
    BOOST_TEST(!ClusterState::parse("op r two words").has_value());
}

BOOST_AUTO_TEST_CASE(a_mute_on_one_hub_silences_the_member_on_the_other_and_every_hub_shows_it) {
    TwoHubs f;
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_MUTE, "ben"));
    f.backplane.run();
    f.a.advance(1s);
    f.b.advance(1s);
    BOOST_TEST(f.backplane.state().contains("mute r ben"));
    const std::vector<std::string> shown{"PRESENCE_KIND_MUTED ben (why)"};
    BOOST_TEST(presenceSeen(f.b, f.bob) == shown, boost::test_tools::per_element());
    BOOST_TEST(presenceSeen(f.a, f.amy) == shown, boost::test_tools::per_element());
    f.b.clear(f.ben);
    f.b.send(f.ben, say("r", 1, "still talking"));
    f.backplane.run();
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_MUTED));
    // Unmuted on a: ben talks again, and the field is gone from Redis.
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_UNMUTE, "ben"));
    f.backplane.run();
    BOOST_TEST(!f.backplane.state().contains("mute r ben"));
    f.b.clear(f.ben);
    f.b.send(f.ben, say("r", 2, "back"));
    f.backplane.run();
    BOOST_TEST(!hasError(f.b.take(f.ben), v1::ERROR_CODE_MUTED));
}

BOOST_AUTO_TEST_CASE(an_op_on_one_hub_lets_the_member_kick_on_its_own_hub) {
    TwoHubs f;
    // ben is no operator of #r on b (bob created it there).
    f.b.send(f.ben, moderate(v1::MODERATION_ACTION_KICK, "amy"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_NOT_OPERATOR));
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_OP, "ben"));
    f.backplane.run();
    f.b.advance(1s);
    BOOST_TEST(
        presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_OPPED ben (why)"},
        boost::test_tools::per_element());
    f.b.send(f.ben, moderate(v1::MODERATION_ACTION_KICK, "amy"));
    f.backplane.run();
    f.a.advance(1s);
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_NOT_OPERATOR) == false);
    BOOST_TEST(memberList(f.a, f.ana, "r") == (std::vector<std::string>{"ana", "ben", "bob"}),
               boost::test_tools::per_element());
    // Deopped on a: refused again on b.
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_DEOP, "ben"));
    f.backplane.run();
    f.b.clear(f.ben);
    f.b.send(f.ben, moderate(v1::MODERATION_ACTION_MUTE, "bob"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_NOT_OPERATOR));
}

BOOST_AUTO_TEST_CASE(an_op_by_account_on_one_hub_makes_its_sessions_operators_on_the_other) {
    TwoHubs f;
    f.b.hub.testSignIn(f.ben, "ben", f.b.now);
    v1::Envelope op = moderate(v1::MODERATION_ACTION_OP, "ben");
    op.mutable_moderation_request()->set_target_kind(v1::TARGET_KIND_ACCOUNT);
    f.a.send(f.ana, op);
    f.backplane.run();
    f.b.advance(1s);
    BOOST_TEST(f.backplane.state().contains(
        ClusterState::memberField(ClusterState::Kind::OpAccount, "r", "ben")));
    BOOST_TEST(
        presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_OPPED ben (why)"},
        boost::test_tools::per_element());
    // ben, signed in to the account on b, is an operator of #r there.
    f.b.clear(f.ben);
    f.b.send(f.ben, moderate(v1::MODERATION_ACTION_KICK, "amy"));
    f.backplane.run();
    f.a.advance(1s);
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_NOT_OPERATOR) == false);
    BOOST_TEST(memberList(f.a, f.ana, "r") == (std::vector<std::string>{"ana", "ben", "bob"}),
               boost::test_tools::per_element());
    // Deopped by account on a: refused again on b.
    v1::Envelope deop = op;
    deop.mutable_moderation_request()->set_action(v1::MODERATION_ACTION_DEOP);
    f.a.send(f.ana, deop);
    f.backplane.run();
    BOOST_TEST(!f.backplane.state().contains(
        ClusterState::memberField(ClusterState::Kind::OpAccount, "r", "ben")));
    f.b.clear(f.ben);
    f.b.send(f.ben, moderate(v1::MODERATION_ACTION_MUTE, "bob"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_NOT_OPERATOR));
}

BOOST_AUTO_TEST_CASE(invite_only_on_one_hub_refuses_on_the_other_until_an_invite_used_once) {
    TwoHubs f;
    v1::Envelope inviteOnly = moderate(v1::MODERATION_ACTION_INVITE_ONLY, "");
    inviteOnly.mutable_moderation_request()->clear_target();
    f.a.send(f.ana, inviteOnly);
    f.backplane.run();
    f.b.advance(1s);
    const std::vector<v1::Envelope> atBob = f.b.take(f.bob);
    BOOST_TEST(std::any_of(atBob.begin(), atBob.end(), [](const v1::Envelope& e) {
        return e.has_presence() && e.presence().kind() == v1::PRESENCE_KIND_MODE_CHANGED &&
               e.presence().reason() == "invite-only: why";
    }));
    const SessionId cid = clusterLogin(f.b, f.backplane, "cid");
    f.b.send(cid, join("r"));
    BOOST_TEST(hasError(f.b.take(cid), v1::ERROR_CODE_INVITE_ONLY));
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_INVITE, "cid"));
    f.backplane.run();
    BOOST_TEST(f.backplane.state().contains("invite r cid"));
    f.b.clear(cid);
    f.b.send(cid, join("r"));
    BOOST_TEST(!hasError(f.b.take(cid), v1::ERROR_CODE_INVITE_ONLY));
    f.backplane.run();
    // Used up: gone from Redis and from hub a too.
    BOOST_TEST(!f.backplane.state().contains("invite r cid"));
    f.b.send(cid, leave("r"));
    f.b.hub.closed(cid, "moving", f.b.now);
    f.b.pump();
    f.backplane.run();
    const SessionId cid2 = clusterLogin(f.a, f.backplane, "cid");
    f.a.send(cid2, join("r"));
    BOOST_TEST(hasError(f.a.take(cid2), v1::ERROR_CODE_INVITE_ONLY));
}

BOOST_AUTO_TEST_CASE(a_hub_back_on_the_backplane_reads_modes_and_mutes_made_meanwhile) {
    TwoHubs f;
    f.backplane.onlyAlive({&f.a});  // b does not hear
    v1::Envelope lock = moderate(v1::MODERATION_ACTION_LOCK_TOPIC, "");
    lock.mutable_moderation_request()->clear_target();
    f.a.send(f.ana, lock);
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_MUTE, "ben"));
    f.backplane.run();
    f.b.send(f.ben, say("r", 1, "not yet muted here"));
    BOOST_TEST(!hasError(f.b.take(f.ben), v1::ERROR_CODE_MUTED));
    f.b.hub.backplaneUp(false, f.b.now);
    f.b.hub.backplaneUp(true, f.b.now);
    f.backplane.run();
    f.b.clear(f.ben);
    f.b.send(f.ben, say("r", 2, "muted now"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_MUTED));
    // bob operates #r on b, but the topic lock holds for anyone else.
    const SessionId cid = clusterLogin(f.b, f.backplane, "cid");
    f.b.send(cid, join("r"));
    f.b.clear(cid);
    f.b.send(cid, topic("r", "mine"));
    BOOST_TEST(hasError(f.b.take(cid), v1::ERROR_CODE_TOPIC_LOCKED));
}

namespace {

// ana, #r's operator on hub a, leaves it (its LEFT shown everywhere, taken).
void anaLeaves(TwoHubs& f) {
    f.a.send(f.ana, leave("r"));
    f.a.advance(1s);
    f.backplane.run();
    f.b.advance(1s);
    f.a.clear(f.ana);
    f.b.clear(f.ben);
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_operator_outside_the_room_is_told_of_its_ban_and_mute_once_applied) {
    TwoHubs f;
    anaLeaves(f);
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_MUTE, "ben"));
    BOOST_TEST(presenceSeen(f.a, f.ana).empty());  // not before Redis has it
    f.backplane.run();
    BOOST_TEST(
        presenceSeen(f.a, f.ana) == std::vector<std::string>{"PRESENCE_KIND_MUTED ben (why)"},
        boost::test_tools::per_element());
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_BAN, "ben"));
    f.backplane.run();
    BOOST_TEST(
        presenceSeen(f.a, f.ana) == std::vector<std::string>{"PRESENCE_KIND_BANNED ben (why)"},
        boost::test_tools::per_element());
    // ben's hub shows the mute and the ban (ben leaves), and tells no one else.
    const std::vector<std::string> atBen{"PRESENCE_KIND_MUTED ben (why)",
                                         "PRESENCE_KIND_BANNED ben (why)"};
    f.b.advance(1s);
    BOOST_TEST(presenceSeen(f.b, f.ben) == atBen, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_operator_outside_the_room_is_told_of_its_kicks_once_carried_out) {
    TwoHubs f;
    anaLeaves(f);
    // ben is hub b's: b removes him, and ana (hub a) is told when b says so.
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_KICK, "ben"));
    BOOST_TEST(presenceSeen(f.a, f.ana).empty());  // not before it is done
    f.backplane.run();
    BOOST_TEST(
        presenceSeen(f.a, f.ana) == std::vector<std::string>{"PRESENCE_KIND_KICKED ben (why)"},
        boost::test_tools::per_element());
    // amy is hub a's own: carried out there when Redis has it, told once.
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_KICK, "amy"));
    f.backplane.run();
    BOOST_TEST(
        presenceSeen(f.a, f.ana) == std::vector<std::string>{"PRESENCE_KIND_KICKED amy (why)"},
        boost::test_tools::per_element());
    f.b.advance(1s);
    f.backplane.run();
    BOOST_TEST(presenceSeen(f.a, f.ana).empty(), "told twice");
}

namespace {

v1::Envelope roomMode(v1::ModerationAction action) {
    v1::Envelope mode = moderate(action, "");
    mode.mutable_moderation_request()->clear_target();
    return mode;
}

}  // namespace

BOOST_AUTO_TEST_CASE(opening_a_room_deletes_its_invites_from_redis_not_only_from_each_hub) {
    TwoHubs f;
    f.a.send(f.ana, roomMode(v1::MODERATION_ACTION_INVITE_ONLY));
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_INVITE, "cid"));
    f.b.send(f.bob, moderate(v1::MODERATION_ACTION_INVITE, "dee"));
    f.backplane.run();
    BOOST_TEST_REQUIRE(f.backplane.state().contains("invite r cid"));
    BOOST_TEST_REQUIRE(f.backplane.state().contains("invite r dee"));
    f.a.send(f.ana, roomMode(v1::MODERATION_ACTION_OPEN));
    f.backplane.run();
    // A hub reading hermes:state later (a restart, a new hub) finds none to
    // take again once the room is invite-only again.
    BOOST_TEST(!f.backplane.state().contains("invite r cid"));
    BOOST_TEST(!f.backplane.state().contains("invite r dee"));
    f.a.send(f.ana, roomMode(v1::MODERATION_ACTION_INVITE_ONLY));
    f.backplane.run();
    const SessionId cid = clusterLogin(f.b, f.backplane, "cid");
    f.b.send(cid, join("r"));
    BOOST_TEST(hasError(f.b.take(cid), v1::ERROR_CODE_INVITE_ONLY));
}

BOOST_AUTO_TEST_CASE(an_invite_whose_deletion_redis_refuses_does_not_fail_the_join_that_used_it) {
    TwoHubs f;
    f.a.send(f.ana, roomMode(v1::MODERATION_ACTION_INVITE_ONLY));
    f.a.send(f.ana, moderate(v1::MODERATION_ACTION_INVITE, "cid"));
    f.backplane.run();
    const SessionId cid = clusterLogin(f.b, f.backplane, "cid");
    f.b.clear(cid);
    f.backplane.refuseStates(true);
    f.b.send(cid, join("r"));
    f.backplane.run();
    const std::vector<v1::Envelope> got = f.b.take(cid);
    BOOST_TEST(!hasError(got, v1::ERROR_CODE_INVITE_ONLY));
    BOOST_TEST(!hasError(got, v1::ERROR_CODE_CLUSTER_UNAVAILABLE));
    const std::vector<std::string> members = memberList(f.b, f.bob, "r");
    BOOST_TEST((std::find(members.begin(), members.end(), "cid") != members.end()));
}

BOOST_AUTO_TEST_CASE(a_mute_notice_whose_record_names_someone_else_shows_the_fields_member) {
    TwoHubs f;
    f.b.clear(f.bob);
    v1::BanEntry record;
    record.set_target("amy");  // not the field's nick: a bad notice
    record.set_set_by("ana");
    f.b.hub.backplaneState(BackplaneState{"mute r ben", 1000, record.SerializeAsString(), false},
                           f.b.now);
    f.b.hub.flush();
    f.b.pump();
    f.b.advance(1s);
    BOOST_TEST(presenceSeen(f.b, f.bob) == std::vector<std::string>{"PRESENCE_KIND_MUTED ben ()"},
               boost::test_tools::per_element());
    f.b.clear(f.ben);
    f.b.send(f.ben, say("r", 1, "muted?"));
    BOOST_TEST(hasError(f.b.take(f.ben), v1::ERROR_CODE_MUTED));
}
