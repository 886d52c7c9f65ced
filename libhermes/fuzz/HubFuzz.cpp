// libFuzzer target for the hub's logic: hermes::hub::Hub, sans-io, driven
// by up to six sessions and the clock.
//
// The input is read with FuzzedDataProvider: first a configuration (small
// limits so that every limit is reachable: clients, rooms per client, rate
// and flood, frame and text sizes, backlog and page sizes, slow-member and
// budget figures within what hermesd accepts; the store: in memory, or
// durable with commits and background searches the input decides), then
// steps until the input runs out:
//
//   (files: a store in a temp directory, its file thread run by the input:
//   offers of three known contents and of wrong ones, chunks valid and not,
//   requests by hash and by seq, cancels, deletes of messages);
//   open a connection (two peer addresses), and maybe log it in and join a
//     room at once (and sign it in to its own account, or to one of two
//     registered accounts under another nick: private messages between
//     accounts go to every session of both, wait while none is signed in,
//     within small mailbox and per-sender caps, and are read back at a
//     sign-in as background searches are), or refuse one at accept;
//   a session sends a valid request of any kind (good and bad names, texts,
//     kinds, seqs, limits; replies, edits, deletes, reactions and unreactions
//     naming recent, old and missing seqs), a hub-only or empty envelope, raw bytes, a burst
//     of Says, or one frame split over several reads;
//   (what a client sends waits in its "socket" while the hub's input is
//   paused, as hermesd reads nothing then; a full socket blocks the client);
//   a session reads some or all of its output, stops or starts reading,
//     closes; the clock moves (1 ms to 31 s) and the hub ticks; flush; the
//     store commits some or all; background searches finish; shutdown.
//
// After every step (any violation aborts, which libFuzzer reports):
// - Hub::violatedInvariants() is empty: one state per session, nick index
//   and Registry counts, the two-way membership index, each component's
//   flags and lists, gapless room seqs, waiting frames within bounds, queued
//   bytes, output memory within the budget;
// - what each session received decodes, every chat message of a room comes
//   in increasing seq order, gapless while the session stays in the room,
//   and never before the store committed it;
//   history pages and search results fit in max_frame_bytes;
// - a session the hub closed is never handed to the edge as writable again;
// - every FileData chunk holds the bytes of the file it names at its offset.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <google/protobuf/stubs/logging.h>

#include <Poco/Logger.h>
#include <Poco/Message.h>

#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/files/Sha256.hpp"
#include "hermes/hub/AccountStore.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/MemoryHistory.hpp"
#include "hermes/hub/OutboundQueue.hpp"
#include "hermes/protocol/Validation.hpp"

namespace {

using namespace std::chrono_literals;
using hermes::hub::Closing;
using hermes::hub::Hub;
using hermes::hub::HubConfig;
using hermes::hub::SessionId;
using hermes::hub::TimePoint;
namespace v1 = hermes::v1;
namespace hub = hermes::hub;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "HubFuzz: invariant violated: %s\n", what.c_str());
    std::abort();
}

void check(bool condition, const char* what) {
    if (!condition) {
        fail(what);
    }
}

// The hub's store: MemoryHistory's contents; durable (commits when the input
// says) and searching in the background if the configuration says so.
class FuzzStore : public hub::HistoryStore {
public:
    FuzzStore(bool durable, bool background) : durable_(durable), background_(background) {}
    void append(const v1::ChatMessage& message) override {
        memory_.append(message);
        committed_.try_emplace(message.room(), 0);
    }
    hub::HistorySlice after(std::string_view room, std::uint64_t afterSeq,
                            std::size_t limit) const override {
        return memory_.after(room, afterSeq, limit);
    }
    std::vector<v1::ChatMessage> tail(std::string_view room, std::size_t count) const override {
        return memory_.tail(room, count);
    }
    std::uint64_t lastSeq(std::string_view room) const override { return memory_.lastSeq(room); }
    bool synchronous() const override { return !durable_; }
    std::uint64_t committedSeq(std::string_view room) const override {
        if (!durable_) {
            return memory_.lastSeq(room);
        }
        const auto it = committed_.find(std::string(room));
        return it == committed_.end() ? 0 : it->second;
    }
    void flush() override { commitAll(); }
    hub::SearchHits search(std::string_view room, std::string_view query, std::size_t limit,
                           std::uint64_t beforeSeq) const override {
        return memory_.search(room, query, limit, beforeSeq);
    }
    bool searchesInBackground() const override { return background_; }
    void startSearch(hub::SearchJob job) override { jobs_.push_back(std::move(job)); }
    std::vector<hub::FinishedSearch> finishedSearches() override {
        std::vector<hub::FinishedSearch> done;
        done.swap(done_);
        return done;
    }

    void commitAll() {
        for (auto& [room, seq] : committed_) {
            seq = memory_.lastSeq(room);
        }
    }
    // Commits `count` more messages of the `which`th room with any pending.
    void commitSome(std::size_t which, std::uint64_t count) {
        if (committed_.empty()) {
            return;
        }
        auto it = committed_.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(which % committed_.size()));
        it->second = std::min(memory_.lastSeq(it->first), it->second + count);
    }
    void finishSearches(std::size_t count) {
        for (std::size_t i = 0; i < count && !jobs_.empty(); ++i) {
            hub::SearchJob job = std::move(jobs_.front());
            jobs_.erase(jobs_.begin());
            hub::SearchHits hits;
            if (job.waited.empty()) {
                hits = memory_.search(job.room, job.query, job.limit, job.beforeSeq);
            } else {
                // A sign-in's waiting messages (HistoryStore.hpp), read as SQLite does.
                for (const hub::WaitingMessage& w : job.waited) {
                    hub::HistorySlice slice = memory_.after(w.conversation, w.seq - 1, 1);
                    if (!slice.messages.empty() && slice.messages.front().seq() == w.seq) {
                        hits.messages.push_back(std::move(slice.messages.front()));
                    }
                }
            }
            done_.push_back(hub::FinishedSearch{std::move(job), std::move(hits)});
        }
    }

private:
    bool durable_;
    bool background_;
    hub::MemoryHistory memory_{100};  // small rings: gaps come sooner, runs stay fast
    std::map<std::string, std::uint64_t> committed_;
    std::vector<hub::SearchJob> jobs_;
    std::vector<hub::FinishedSearch> done_;
};

// One connection as its client sees it.
struct Peer {
    SessionId id = 0;
    bool open = false;
    bool reading = true;
    // What the client sent that the edge has not read yet (its socket): the
    // edge reads nothing while the hub's input is paused, as hermesd does.
    std::string unread;
    hermes::codec::FrameDecoder decoder{std::size_t{1} << 26};
    std::map<std::string, std::uint64_t> lastSeq;    // per room, any time
    std::map<std::string, std::uint64_t> sinceJoin;  // per room, while a member
    // Files: the content last offered, and each accepted upload's content and next offset.
    int lastOffered = -1;
    std::map<std::uint64_t, std::pair<int, std::uint64_t>> uploads;
    std::size_t chunkBytes = 1;
};

// The files a fuzzed client offers: three known contents (one empty, one
// over several chunks) and their hashes; the hub's store lives in a temp
// directory made once (each Hub sweeps what the last one left: its history
// names nothing).
struct KnownFiles {
    std::array<std::string, 3> contents{"", "hello file\n", std::string(1500, 'f')};
    std::array<std::string, 3> hashes;
    std::string directory;
    KnownFiles() {
        for (std::size_t i = 0; i < contents[2].size(); i += 7) {
            contents[2][i] = static_cast<char>(i);  // not one byte repeated
        }
        for (std::size_t i = 0; i < contents.size(); ++i) {
            hashes[i] = hermes::files::Sha256::hex(contents[i]);
        }
        char name[] = "/tmp/hubfuzz-files-XXXXXX";
        if (mkdtemp(name) != nullptr) {
            directory = std::string(name) + "/files";
        }
    }
};
KnownFiles& knownFiles() {
    static KnownFiles files;
    return files;
}

// The room a Join or Leave of `room` means to the hub (as sent, if invalid).
std::string canonical(const std::string& room) {
    return hermes::protocol::checkRoom(room) ? room : hermes::protocol::canonicalRoom(room);
}

// u1 and u2 are nicks login() gives (and may sign in to as accounts: then
// their private messages are kept as a conversation). carol and dan are
// registered (FuzzAccounts): sessions under other nicks may sign in to
// them, and messages to them wait while none is signed in.
constexpr std::array<const char*, 10> kNicks = {"ana", "bob", "Ana", "carol", "dan",
                                                "x y", "",    "eve", "u1",    "U2"};
constexpr std::array<const char*, 8> kRooms = {"lobby", "r",   "#R",    "dev",
                                               "",      "a b", "Lobby", "ops"};
constexpr std::array<const char*, 8> kTexts = {
    "hello", "red fox", "", "\x01control", "caf\xc3\xa9", "bad \xff utf8", "fox", "a long line"};
// Reactions: good ones (an emoji, a word), and a space, a control character,
// 33 bytes, invalid UTF-8.
constexpr std::array<const char*, 6> kReactions = {
    "\xF0\x9F\x91\x8D", "+1", "ok", "a b", "x\x1b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};

// Accounts the hub's book holds from the start (never signed in to by
// password here: Hub::testSignIn).
class FuzzAccounts : public hub::AccountStore {
public:
    std::vector<hub::StoredAccount> load() override {
        return {{"carol", "$argon2id$unused"}, {"dan", "$argon2id$unused"}};
    }
    void save(const hub::StoredAccount& /*account*/) override {}
    bool persistent() const override { return false; }
};

class Run {
public:
    explicit Run(FuzzedDataProvider& in) : in_(in) {
        HubConfig config;
        config.serverName = "fuzz";
        config.defaultRoom = in_.ConsumeBool() ? "lobby" : "";
        config.maxClients = in_.ConsumeIntegralInRange<std::size_t>(1, 6);
        config.maxClientsPerAddress = in_.ConsumeIntegralInRange<std::size_t>(0, 3);
        config.maxHandshakesPerAddress = in_.ConsumeIntegralInRange<std::size_t>(0, 3);
        config.maxTextBytes =
            in_.ConsumeBool() ? 4096 : in_.ConsumeIntegralInRange<std::size_t>(8, 600);
        config.maxFrameBytes =
            config.maxTextBytes + 512 + in_.ConsumeIntegralInRange<std::size_t>(0, 4096);
        config.maxRoomsPerClient = in_.ConsumeIntegralInRange<std::size_t>(1, 4);
        config.maxRooms = in_.ConsumeIntegralInRange<std::size_t>(1, 6);
        config.joinBacklog = in_.ConsumeIntegralInRange<std::size_t>(0, 6);
        config.historyPageMax = in_.ConsumeIntegralInRange<std::size_t>(1, 8);
        config.outboundQueueBytes = in_.ConsumeIntegralInRange<std::size_t>(4096, 65536);
        // hermesd accepts 1 MiB at least (DaemonConfig).
        config.maxQueuedBytes = in_.ConsumeBool() ? 1u << 20 : 2u << 20;
        config.handshakeTimeout =
            std::chrono::milliseconds(in_.ConsumeIntegralInRange(1, 20) * 500);
        config.writeStallTimeout =
            std::chrono::milliseconds(in_.ConsumeIntegralInRange(1, 20) * 500);
        config.pingInterval = std::chrono::milliseconds(in_.ConsumeIntegralInRange(0, 20) * 1000);
        config.pingTimeout = std::chrono::milliseconds(in_.ConsumeIntegralInRange(1, 10) * 1000);
        config.ratePerSecond = in_.ConsumeBool() ? 0.0 : in_.ConsumeIntegralInRange(1, 20);
        config.rateBurst = in_.ConsumeIntegralInRange(1, 8);
        config.floodBacklog = in_.ConsumeIntegralInRange<std::size_t>(1, 8);
        config.presenceCoalesceMembers = in_.ConsumeIntegralInRange<std::size_t>(1, 4);
        config.presenceCoalesceDelay =
            std::chrono::milliseconds(in_.ConsumeIntegralInRange(0, 200));
        config.maxHeldMessages = in_.ConsumeIntegralInRange<std::size_t>(1, 16);
        config.privateMaxWaiting = in_.ConsumeIntegralInRange<std::size_t>(0, 5);
        config.privateMaxWaitingPerSender = in_.ConsumeIntegralInRange<std::size_t>(0, 3);
        if (in_.ConsumeBool() && !knownFiles().directory.empty()) {
            // Files, the file thread's jobs run when the input says.
            config.filesPath = knownFiles().directory;
            config.fileWorkerThread = false;
            config.maxFileBytes = in_.ConsumeBool() ? 4096 : 16;
            config.fileQuotaBytes = in_.ConsumeBool() ? 1u << 20 : 2000;
            config.fileWindowBytes = in_.ConsumeIntegralInRange<std::size_t>(1, 4) * 512;
            config.uploadBytesPerSecond = in_.ConsumeBool() ? 0 : 20'000;
            config.downloadBytesPerSecond = in_.ConsumeBool() ? 0 : 20'000;
            config.maxDownloadsPerSession = in_.ConsumeIntegralInRange<std::size_t>(1, 3);
            config.maxUploadsPerClient = in_.ConsumeIntegralInRange<std::size_t>(1, 3);
            config.maxQueuedFileBytes = in_.ConsumeBool() ? 600 : 1u << 20;
            config.uploadTimeout =
                std::chrono::milliseconds(in_.ConsumeIntegralInRange(1, 8) * 500);
        }
        const bool durable = in_.ConsumeBool();
        const bool background = in_.ConsumeBool();
        auto store = std::make_unique<FuzzStore>(durable, background);
        store_ = store.get();
        config_ = config;
        hub_ = std::make_unique<Hub>(
            config, 7, std::move(store), [this] { return ++wallMs_; }, nullptr,
            std::make_unique<FuzzAccounts>());
    }

    void play() {
        // Bounded: every step consumes input, and at most kMaxSteps run.
        for (int step = 0; step < kMaxSteps && in_.remaining_bytes() > 0; ++step) {
            oneStep();
            pump();
            if (tracing_) {
                // HUBFUZZ_TRACE=1 HubFuzz INPUT: each step and the hub after it.
                std::fprintf(stderr, "  after step %d: output memory %zu, queued %llu, paused %d\n",
                             step, hub_->outputMemory().bytes(),
                             static_cast<unsigned long long>(hub_->stats().bytesQueued),
                             hub_->inputPaused());
            }
            for (const std::string& violation : hub_->violatedInvariants()) {
                fail(violation);
            }
        }
        if (std::getenv("HUBFUZZ_STATS") != nullptr) {
            // What an input reached, to judge the corpus: HUBFUZZ_STATS=1 HubFuzz corpus/*
            const hub::HubStats& stats = hub_->stats();
            std::fprintf(stderr,
                         "HubFuzz: peers %zu clients %llu rooms %llu in %llu deliveries %llu "
                         "pauses %llu held %zu disconnects",
                         peers_.size(), static_cast<unsigned long long>(stats.clients),
                         static_cast<unsigned long long>(stats.rooms),
                         static_cast<unsigned long long>(stats.messagesIn),
                         static_cast<unsigned long long>(stats.deliveries),
                         static_cast<unsigned long long>(stats.inputPauses), hub_->heldMessages());
            for (const auto& [reason, count] : stats.disconnects) {
                std::fprintf(stderr, " %s=%llu", reason.c_str(),
                             static_cast<unsigned long long>(count));
            }
            std::fprintf(stderr, "\n");
        }
        // The end of a run is a shutdown: everything still open gets a Bye.
        if (!shutDown_) {
            hub_->shutdown("fuzz over");
            pump();
            for (const Peer& peer : peers_) {
                check(!peer.open, "a session outlived shutdown");
            }
        }
    }

private:
    static constexpr int kMaxSteps = 400;

    Peer* pickOpen() {
        std::vector<Peer*> open;
        for (Peer& peer : peers_) {
            if (peer.open) {
                open.push_back(&peer);
            }
        }
        if (open.empty()) {
            return nullptr;
        }
        return open[in_.ConsumeIntegralInRange<std::size_t>(0, open.size() - 1)];
    }

    template <std::size_t N>
    std::string pick(const std::array<const char*, N>& from) {
        return from[in_.ConsumeIntegralInRange<std::size_t>(0, N - 1)];
    }
    std::string text() {
        switch (in_.ConsumeIntegralInRange(0, 3)) {
            case 0:
            case 1:
                return pick(kTexts);
            case 2:  // as long as allowed: bursts of these fill the output budget
                return std::string(config_.maxTextBytes, 'l');
            default:
                return std::string(
                    in_.ConsumeIntegralInRange<std::size_t>(0, config_.maxTextBytes + 8), 'w');
        }
    }

    v1::Envelope request(Peer& peer) {
        v1::Envelope e;
        switch (in_.ConsumeIntegralInRange(0, 30)) {
            case 28:
            case 29: {  // replies, edits, deletes, reactions: recent, old, missing seqs
                auto* say = e.mutable_say();
                say->set_room(pick(kRooms));
                say->set_client_msg_id(in_.ConsumeIntegral<std::uint64_t>());
                const int kind = in_.ConsumeIntegralInRange(0, 7);  // 7: none such
                say->set_kind(static_cast<v1::MessageKind>(kind));
                const std::uint64_t seq = in_.ConsumeIntegralInRange(0, 15) == 0
                                              ? in_.ConsumeIntegral<std::uint64_t>()
                                              : in_.ConsumeIntegralInRange<std::uint64_t>(0, 40);
                if (kind == v1::MESSAGE_KIND_REACT || kind == v1::MESSAGE_KIND_UNREACT) {
                    say->set_text(in_.ConsumeBool() ? pick(kReactions) : text());
                } else if (kind != v1::MESSAGE_KIND_DELETE || in_.ConsumeBool()) {
                    say->set_text(text());
                }
                if (kind <= v1::MESSAGE_KIND_ACTION || in_.ConsumeIntegralInRange(0, 7) == 0) {
                    say->set_reply_to(seq);  // on an event: UNSUPPORTED
                }
                if (kind > v1::MESSAGE_KIND_ACTION || in_.ConsumeIntegralInRange(0, 7) == 0) {
                    say->set_target_seq(seq);  // on a message: ignored
                }
                break;
            }
            case 0: {
                auto* hello = e.mutable_hello();
                hello->set_protocol_version(in_.ConsumeIntegralInRange(0, 10) == 0 ? 2 : 1);
                hello->set_nick(pick(kNicks));
                hello->set_client_name(pick(kTexts));
                break;
            }
            case 1: {
                const std::string room = pick(kRooms);
                e.mutable_join()->set_room(room);
                e.mutable_join()->set_skip_backlog(in_.ConsumeBool());
                peer.sinceJoin.erase(canonical(room));
                break;
            }
            case 2: {
                const std::string room = pick(kRooms);
                e.mutable_leave()->set_room(room);
                e.mutable_leave()->set_reason(pick(kTexts));
                peer.sinceJoin.erase(canonical(room));
                break;
            }
            case 3:
            case 4:
            case 5: {
                auto* say = e.mutable_say();
                say->set_room(pick(kRooms));
                say->set_client_msg_id(in_.ConsumeIntegral<std::uint64_t>());
                say->set_kind(static_cast<v1::MessageKind>(in_.ConsumeIntegralInRange(0, 3)));
                say->set_text(text());
                break;
            }
            case 6: {
                auto* pm = e.mutable_private_message();
                pm->set_to(pick(kNicks));
                pm->set_client_msg_id(in_.ConsumeIntegral<std::uint64_t>());
                pm->set_kind(static_cast<v1::MessageKind>(in_.ConsumeIntegralInRange(0, 2)));
                pm->set_text(text());
                break;
            }
            case 7:
                e.mutable_who()->set_room(pick(kRooms));
                break;
            case 8:
                e.mutable_topic()->set_room(pick(kRooms));
                e.mutable_topic()->set_text(text());
                break;
            case 9:
                e.mutable_room_list_request();
                break;
            case 10: {
                auto* history = e.mutable_history_request();
                history->set_room(pick(kRooms));
                if (in_.ConsumeBool()) {  // a private conversation's (room then mostly empty)
                    history->set_peer(pick(kNicks));
                    if (in_.ConsumeBool()) {
                        history->clear_room();
                    }
                }
                history->set_after_seq(in_.ConsumeIntegralInRange<std::uint64_t>(0, 40));
                history->set_limit(in_.ConsumeIntegralInRange<std::uint32_t>(0, 12));
                break;
            }
            case 11: {
                auto* search = e.mutable_search_request();
                search->set_room(pick(kRooms));
                if (in_.ConsumeBool()) {
                    search->set_peer(pick(kNicks));
                    if (in_.ConsumeBool()) {
                        search->clear_room();
                    }
                }
                search->set_query(pick(kTexts));
                search->set_limit(in_.ConsumeIntegralInRange<std::uint32_t>(0, 12));
                search->set_before_seq(in_.ConsumeIntegralInRange<std::uint64_t>(0, 40));
                break;
            }
            case 12:
                e.mutable_ping()->set_nonce(in_.ConsumeIntegral<std::uint64_t>());
                break;
            case 13:
                e.mutable_pong()->set_nonce(in_.ConsumeIntegral<std::uint64_t>());
                break;
            case 14:
                e.mutable_bye()->set_reason(v1::BYE_REASON_CLIENT_QUIT);
                e.mutable_bye()->set_text(pick(kTexts));
                break;
            case 15:
                e.mutable_stats_request();
                break;
            case 16:
                e.mutable_set_nick()->set_nick(pick(kNicks));
                break;
            case 17:
                e.mutable_whois_request()->set_nick(pick(kNicks));
                break;
            case 18:
                e.mutable_set_away()->set_text(in_.ConsumeBool() ? std::string() : pick(kTexts));
                break;
            case 19: {  // moderation: any action, on a room or (room "") the hub
                auto* request = e.mutable_moderation_request();
                request->set_room(in_.ConsumeBool() ? pick(kRooms) : "");
                request->set_action(
                    static_cast<v1::ModerationAction>(in_.ConsumeIntegralInRange(0, 13)));
                const int kind = in_.ConsumeIntegralInRange(0, 3);
                request->set_target_kind(static_cast<v1::TargetKind>(kind));
                request->set_target(kind == v1::TARGET_KIND_ADDRESS
                                        ? (in_.ConsumeBool() ? "10.0.0.1" : "10.0.0.2")
                                        : pick(kNicks));
                request->set_reason(in_.ConsumeBool() ? std::string() : pick(kTexts));
                request->set_expiry_seconds(in_.ConsumeBool() ? 0u
                                                              : in_.ConsumeIntegralInRange(1u, 5u));
                break;
            }
            case 20:
                e.mutable_ban_list_request()->set_room(in_.ConsumeBool() ? pick(kRooms) : "");
                break;
            case 21: {  // typing: a room, a nick, both or neither; past its own bucket too
                auto* typing = e.mutable_typing();
                if (in_.ConsumeBool()) {
                    typing->set_room(pick(kRooms));
                }
                if (in_.ConsumeBool()) {
                    typing->set_to(pick(kNicks));
                }
                typing->set_stopped(in_.ConsumeBool());
                break;
            }
            case 22: {  // read markers: forward, back, past the newest seq
                auto* mark = e.mutable_mark_read();
                if (in_.ConsumeBool()) {
                    mark->set_room(pick(kRooms));
                } else {
                    mark->set_peer(pick(kNicks));
                }
                mark->set_seq(in_.ConsumeIntegralInRange<std::uint64_t>(0, 40));
                break;
            }
            case 23:
                e.mutable_read_markers_request()->set_room(in_.ConsumeBool() ? pick(kRooms) : "");
                break;
            case 24: {  // an offer: a known content, or a wrong hash or size
                const KnownFiles& files = knownFiles();
                const int which = in_.ConsumeIntegralInRange(0, 2);
                auto* offer = e.mutable_file_offer();
                offer->set_room(pick(kRooms));
                offer->set_client_msg_id(in_.ConsumeIntegral<std::uint64_t>());
                auto* file = offer->mutable_file();
                file->set_name(in_.ConsumeBool() ? "f.txt" : pick(kTexts));
                file->set_media_type("text/plain");
                file->set_size(files.contents[which].size() +
                               (in_.ConsumeIntegralInRange(0, 7) == 0 ? 1 : 0));
                file->set_sha256(in_.ConsumeIntegralInRange(0, 7) == 0 ? std::string(64, 'a')
                                                                       : files.hashes[which]);
                peer.lastOffered = which;
                break;
            }
            case 25: {  // a chunk: the next one of an upload, or any
                const KnownFiles& files = knownFiles();
                auto* chunk = e.mutable_file_chunk();
                if (!peer.uploads.empty() && in_.ConsumeIntegralInRange(0, 3) != 0) {
                    auto it = peer.uploads.begin();
                    std::advance(
                        it, in_.ConsumeIntegralInRange<std::size_t>(0, peer.uploads.size() - 1));
                    auto& [which, offset] = it->second;
                    const std::string& content = files.contents[static_cast<std::size_t>(which)];
                    const std::size_t length =
                        std::min(peer.chunkBytes,
                                 content.size() - std::min<std::size_t>(offset, content.size()));
                    chunk->set_upload_id(it->first);
                    chunk->set_offset(offset);
                    chunk->set_data(
                        content.substr(std::min<std::size_t>(offset, content.size()), length));
                    offset += length;
                    if (offset >= content.size()) {
                        peer.uploads.erase(it);
                    }
                } else {
                    chunk->set_upload_id(in_.ConsumeIntegralInRange<std::uint64_t>(0, 3));
                    chunk->set_offset(in_.ConsumeIntegralInRange<std::uint64_t>(0, 2000));
                    chunk->set_data(
                        std::string(in_.ConsumeIntegralInRange<std::size_t>(0, 700), 'c'));
                }
                break;
            }
            case 26: {  // a download by hash or by seq, from an offset
                auto* request = e.mutable_file_request();
                if (in_.ConsumeBool()) {
                    request->set_sha256(
                        in_.ConsumeIntegralInRange(0, 7) == 0
                            ? std::string(64, 'a')
                            : knownFiles().hashes[in_.ConsumeIntegralInRange<std::size_t>(0, 2)]);
                } else {
                    request->set_room(pick(kRooms));
                    request->set_seq(in_.ConsumeIntegralInRange<std::uint64_t>(0, 40));
                }
                request->set_offset(
                    in_.ConsumeBool() ? 0 : in_.ConsumeIntegralInRange<std::uint64_t>(0, 1600));
                break;
            }
            case 27: {  // a cancel, or a delete of a message (a file's, maybe)
                if (in_.ConsumeBool()) {
                    auto* cancel = e.mutable_file_cancel();
                    cancel->set_upload_id(in_.ConsumeIntegralInRange<std::uint64_t>(0, 3));
                    if (in_.ConsumeBool()) {
                        cancel->set_sha256(
                            knownFiles().hashes[in_.ConsumeIntegralInRange<std::size_t>(0, 2)]);
                    }
                } else {
                    auto* say = e.mutable_say();
                    say->set_room(pick(kRooms));
                    say->set_client_msg_id(in_.ConsumeIntegral<std::uint64_t>());
                    say->set_kind(v1::MESSAGE_KIND_DELETE);
                    say->set_target_seq(in_.ConsumeIntegralInRange<std::uint64_t>(0, 40));
                }
                break;
            }
            default:
                if (in_.ConsumeBool()) {
                    e.mutable_message()->set_text("only the hub sends these");
                }  // else: an empty envelope
                break;
        }
        return e;
    }

    void login(Peer& peer) {
        v1::Envelope hello;
        hello.mutable_hello()->set_protocol_version(1);
        hello.mutable_hello()->set_nick("u" + std::to_string(peers_.size()));
        v1::Envelope join;
        join.mutable_join()->set_room(kRooms[in_.ConsumeIntegralInRange<std::size_t>(0, 3)]);
        join.mutable_join()->set_skip_backlog(in_.ConsumeBool());
        peer.unread += hermes::codec::encodeFrame(hello) + hermes::codec::encodeFrame(join);
        feed(peer);
        hub_->flush();
        if (in_.ConsumeBool()) {
            // Signed in to the account of its nick, as a right password does:
            // private conversations (Conversations.hpp) need two of them.
            // Or to a registered account under another nick: a second
            // session (device) of it, which gets what is sent to it.
            const int which = in_.ConsumeIntegralInRange(0, 3);
            hub_->testSignIn(
                peer.id, which < 2 ? hello.hello().nick() : (which == 2 ? "carol" : "dan"), now_);
        }
    }

    // A client whose socket is this full blocks: it sends nothing more.
    static constexpr std::size_t kSocketBytes = 256 * 1024;
    static bool blocked(const Peer& peer) { return peer.unread.size() >= kSocketBytes; }

    void receive(Peer& peer, std::string_view bytes) {
        trace("  session %llu sends %zu bytes\n", static_cast<unsigned long long>(peer.id),
              bytes.size());
        peer.unread.append(bytes);
        feed(peer);
        if (in_.ConsumeBool()) {
            hub_->flush();
        }
    }

    // The edge's reads: 64 KiB at a time, none while the hub's input is paused.
    void feed(Peer& peer) {
        constexpr std::size_t kReadChunk = 64 * 1024;
        // Bounded: each pass takes a chunk of what the peer sent.
        while (peer.open && !peer.unread.empty() && !hub_->inputPaused()) {
            const std::size_t n = std::min(kReadChunk, peer.unread.size());
            hub_->receive(peer.id, std::string_view(peer.unread).substr(0, n), now_);
            peer.unread.erase(0, n);
        }
    }

    template <typename... Args>
    void trace(const char* format, Args... args) {
        if (tracing_) {
            std::fprintf(stderr, format, args...);
        }
    }

    void oneStep() {
        const int kind = in_.ConsumeIntegralInRange(0, 17);
        trace("step %d\n", kind);
        switch (kind) {
            case 0:
            case 1: {  // a connection
                if (peers_.size() >= 8) {
                    break;
                }
                const std::string peer = in_.ConsumeBool() ? "10.0.0.1:1" : "10.0.0.2:2";
                Peer fresh;
                if (in_.ConsumeIntegralInRange(0, 7) == 0) {
                    constexpr hub::Registry::Admission kRefusals[] = {
                        hub::Registry::Admission::HubFull, hub::Registry::Admission::AddressFull,
                        hub::Registry::Admission::HandshakesFull};
                    fresh.id = hub_->refuse(peer, in_.PickValueInArray(kRefusals), now_);
                } else {
                    fresh.id = hub_->open(peer, now_);
                }
                fresh.open = true;
                peers_.push_back(std::move(fresh));
                if (in_.ConsumeBool()) {
                    // Straight to a welcomed member of a room, the state
                    // most of the hub's logic needs.
                    login(peers_.back());
                }
                break;
            }
            case 2:
            case 3:
            case 4:
            case 5: {  // one request
                if (Peer* peer = pickOpen(); peer != nullptr && !blocked(*peer)) {
                    receive(*peer, hermes::codec::encodeFrame(request(*peer)));
                }
                break;
            }
            case 6: {  // one request split over several reads
                if (Peer* peer = pickOpen(); peer != nullptr && !blocked(*peer)) {
                    const std::string frame = hermes::codec::encodeFrame(request(*peer));
                    std::size_t at = 0;
                    while (at < frame.size() && peer->open) {  // bounded by the frame
                        const std::size_t n = std::min(
                            frame.size() - at, in_.ConsumeIntegralInRange<std::size_t>(1, 16));
                        receive(*peer, std::string_view(frame).substr(at, n));
                        at += n;
                    }
                }
                break;
            }
            case 7: {  // a burst of Says in one read
                if (Peer* peer = pickOpen(); peer != nullptr && !blocked(*peer)) {
                    std::string frames;
                    v1::Envelope e;
                    e.mutable_say()->set_room(pick(kRooms));
                    e.mutable_say()->set_text(text());
                    const int count = in_.ConsumeIntegralInRange(1, 256);
                    for (int i = 0; i < count; ++i) {
                        e.mutable_say()->set_client_msg_id(static_cast<std::uint64_t>(i));
                        frames += hermes::codec::encodeFrame(e);
                    }
                    receive(*peer, frames);
                }
                break;
            }
            case 8: {  // raw bytes
                if (Peer* peer = pickOpen(); peer != nullptr && !blocked(*peer)) {
                    const std::string bytes =
                        in_.ConsumeBytesAsString(in_.ConsumeIntegralInRange<std::size_t>(0, 32));
                    receive(*peer, bytes);
                }
                break;
            }
            case 9: {  // a peer reads some of its output
                if (Peer* peer = pickOpen()) {
                    read(*peer, in_.ConsumeIntegralInRange<std::size_t>(0, 4096));
                }
                break;
            }
            case 10: {  // a peer stops or starts reading
                if (Peer* peer = pickOpen()) {
                    peer->reading = !peer->reading;
                }
                break;
            }
            case 11: {  // a peer closes
                if (Peer* peer = pickOpen()) {
                    hub_->closed(peer->id, in_.ConsumeBool() ? "" : "reset by peer", now_);
                    peer->open = false;
                    peer->unread.clear();
                }
                break;
            }
            case 12: {  // time
                static constexpr std::array<std::chrono::milliseconds, 8> kSteps = {
                    1ms, 100ms, 250ms, 600ms, 1100ms, 5s, 11s, 31s};
                now_ += kSteps[in_.ConsumeIntegralInRange<std::size_t>(0, kSteps.size() - 1)];
                const TimePoint next = hub_->tick(now_);
                check(next > now_ || next == now_, "tick asks for a time in the past");
                check(next <= now_ + 1s, "tick wants more than a second's sleep");
                break;
            }
            case 13:
                hub_->flush();
                break;
            case 14: {  // the store
                if (in_.ConsumeBool()) {
                    store_->commitAll();
                } else {
                    store_->commitSome(in_.ConsumeIntegral<std::uint8_t>(),
                                       in_.ConsumeIntegralInRange<std::uint64_t>(1, 8));
                }
                hub_->storeCommitted(now_);
                store_->finishSearches(in_.ConsumeIntegralInRange<std::size_t>(0, 3));
                hub_->storeReadsDone(now_);
                break;
            }
            case 16: {  // a peer sends the rest of an accepted upload in one read
                Peer* peer = pickOpen();
                if (peer == nullptr || blocked(*peer) || peer->uploads.empty()) {
                    break;
                }
                const auto [id, upload] = *peer->uploads.begin();
                peer->uploads.erase(peer->uploads.begin());
                const std::string& content =
                    knownFiles().contents[static_cast<std::size_t>(upload.first)];
                std::string frames;
                v1::Envelope e;
                // Bounded: each pass sends at least one byte of the content.
                for (std::uint64_t at = upload.second; at < content.size();) {
                    const std::size_t length =
                        std::min<std::size_t>(peer->chunkBytes, content.size() - at);
                    e.mutable_file_chunk()->set_upload_id(id);
                    e.mutable_file_chunk()->set_offset(at);
                    e.mutable_file_chunk()->set_data(content.substr(at, length));
                    frames += hermes::codec::encodeFrame(e);
                    at += length;
                }
                receive(*peer, frames);
                break;
            }
            case 15:  // the file thread: some of its jobs, then their results
                hub_->runFileJobs(in_.ConsumeIntegralInRange<std::size_t>(0, 8));
                hub_->filesDone(now_);
                break;
            default:
                if (in_.ConsumeIntegralInRange(0, 15) == 0 && !shutDown_) {
                    hub_->shutdown("fuzz");
                    shutDown_ = true;
                }
                break;
        }
    }

    Peer* find(SessionId id) {
        for (Peer& peer : peers_) {
            if (peer.id == id) {
                return &peer;
            }
        }
        return nullptr;
    }

    // Reads up to `limit` bytes of what the hub queued for `peer`.
    void read(Peer& peer, std::size_t limit) {
        trace("  session %llu reads up to %zu\n", static_cast<unsigned long long>(peer.id), limit);
        std::vector<std::string_view> views(hub::OutboundQueue::kMaxSegments);
        const std::size_t count = hub_->output(peer.id, views);
        std::string bytes;
        for (std::size_t i = 0; i < count && bytes.size() < limit; ++i) {
            bytes.append(views[i].substr(0, limit - bytes.size()));
        }
        deliver(peer, bytes);
        hub_->consumed(peer.id, bytes.size(), now_);
    }

    void deliver(Peer& peer, std::string_view bytes) {
        peer.decoder.feed(bytes);
        std::string_view payload;
        v1::Envelope e;
        // Bounded: each pass consumes one whole frame of what was fed.
        while (peer.decoder.nextPayload(payload)) {
            check(hermes::codec::parseEnvelope(payload, e), "the hub sent an undecodable frame");
            inspect(peer, e, payload.size());
        }
        check(!peer.decoder.failed(), "the hub's byte stream broke");
    }

    void inspect(Peer& peer, const v1::Envelope& e, std::size_t bytes) {
        if (e.has_message() && e.message().seq() != 0) {
            const std::string& room = e.message().room();
            const std::uint64_t seq = e.message().seq();
            std::uint64_t& last = peer.lastSeq[room];
            if (seq <= last) {
                fail("session " + std::to_string(peer.id) + " got seq " + std::to_string(seq) +
                     " of " + room + " after " + std::to_string(last));
            }
            last = seq;
            auto it = peer.sinceJoin.find(room);
            if (it != peer.sinceJoin.end() && seq != it->second + 1) {
                fail("session " + std::to_string(peer.id) + " missed seqs of " + room +
                     " between " + std::to_string(it->second) + " and " + std::to_string(seq));
            }
            peer.sinceJoin[room] = seq;
            // The durability promise: nothing is sent before the store committed it.
            if (seq > store_->committedSeq(room)) {
                fail("seq " + std::to_string(seq) + " of " + room + " sent before its commit");
            }
        }
        if (e.has_file_accept()) {
            if (peer.lastOffered >= 0) {
                peer.uploads[e.file_accept().upload_id()] = {peer.lastOffered, 0};
            }
            peer.chunkBytes = std::max<std::size_t>(1, e.file_accept().chunk_bytes());
        }
        if (e.has_file_data()) {
            const KnownFiles& files = knownFiles();
            const auto& data = e.file_data();
            bool known = false;
            for (std::size_t i = 0; i < files.hashes.size(); ++i) {
                if (files.hashes[i] == data.sha256()) {
                    known = true;
                    check(data.offset() <= files.contents[i].size() &&
                              files.contents[i].compare(data.offset(), data.data().size(),
                                                        data.data()) == 0,
                          "a FileData chunk does not hold the file's bytes at its offset");
                }
            }
            check(known, "FileData of a file no one uploaded");
        }
        if (e.has_history_page() || e.has_search_results()) {
            check(bytes <= config_.maxFrameBytes, "a page passed max_frame_bytes");
        }
    }

    void pump() {
        for (Peer& peer : peers_) {
            feed(peer);  // input paused before may be taken again
        }
        std::vector<SessionId> writable;
        std::vector<Closing> closing;
        hub_->takeReady(writable, closing);
        for (const SessionId id : writable) {
            Peer* peer = find(id);
            check(peer != nullptr && peer->open, "a closed session was handed out as writable");
            if (peer->reading) {
                read(*peer, SIZE_MAX);
            }
        }
        for (Closing& entry : closing) {
            Peer* peer = find(entry.id);
            check(peer != nullptr && peer->open, "a session was closed twice");
            deliver(*peer, entry.lastBytes);
            peer->open = false;
            peer->unread.clear();
        }
    }

    FuzzedDataProvider& in_;
    HubConfig config_;
    FuzzStore* store_ = nullptr;
    std::int64_t wallMs_ = 1'700'000'000'000;
    std::unique_ptr<Hub> hub_;
    TimePoint now_ = TimePoint{} + 1000s;
    std::vector<Peer> peers_;
    bool shutDown_ = false;
    const bool tracing_ = std::getenv("HUBFUZZ_TRACE") != nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Invalid UTF-8 in string fields makes protobuf log each time, and the
    // hub logs every connection: at fuzzing speed both are only noise.
    google::protobuf::SetLogHandler(nullptr);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_FATAL);
    Poco::Logger::get("hermes.hub").setLevel(Poco::Message::PRIO_FATAL);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    Run run(in);
    run.play();
    return 0;
}
