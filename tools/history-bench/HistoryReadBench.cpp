// hermes-history-bench: how long the history reads a hub makes take on a big
// SQLite history, and how long they hold up the hub's loop.
//
//   hermes-history-bench [FILE] [MESSAGES] [unindexed]
//
// Fills FILE (default /tmp/hermes-history-bench.db; kept for the next run)
// with MESSAGES (default 1,000,000) messages in room "big", each "common"
// plus eight words of fifteen, one in 100,000 with "needle", and waits for
// the search index; with `unindexed`, the store never indexes (a flood that
// has kept the writer busy: searches match the messages one by one). Then times, five times each
// (mean and worst):
//   - the store's reads on the caller's thread: after(), tail(), search();
//   - Hub::receive() of one SearchRequest, as the hub's loop sees it, with
//     the store searching on the loop's thread and in the background, and
//     for the latter how long until the answer is out.
// Prints one line per case.

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/SqliteHistory.hpp"

namespace {

using namespace hermes;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

template <typename F>
void timeIt(const char* what, F&& fn) {
    double worst = 0;
    double total = 0;
    std::size_t results = 0;
    for (int round = 0; round < 5; ++round) {
        const auto start = Clock::now();
        results = fn();
        const double took = ms(Clock::now() - start);
        worst = std::max(worst, took);
        total += took;
    }
    std::printf("%-62s %6zu hits  mean %9.2f ms  worst %9.2f ms\n", what, results, total / 5,
                worst);
}

bool unindexed = false;  // the third argument

hub::SqliteHistoryOptions storeOptions(const std::string& path, bool background) {
    hub::SqliteHistoryOptions options;
    options.path = path;
    options.searchInBackground = background;
    if (unindexed) {
        options.indexWhenIdle = false;
        options.indexMaxLag = SIZE_MAX;
    }
    return options;
}

void fill(hub::SqliteHistory& store, std::size_t count) {
    std::mt19937 rng(42);
    const char* words[] = {"deploy", "failed",  "build",  "green", "lunch",
                           "coffee", "meeting", "review", "merge", "ticket",
                           "server", "disk",    "alert",  "ok",    "ship"};
    v1::ChatMessage m;
    m.set_room("big");
    m.set_epoch(1);
    m.set_from("ana");
    m.set_kind(v1::MESSAGE_KIND_TEXT);
    const auto start = Clock::now();
    for (std::size_t i = 1; i <= count; ++i) {
        std::string text = "common";
        for (int w = 0; w < 8; ++w) {
            text += ' ';
            text += words[rng() % 15];
        }
        if (i % 100'000 == 0) {
            text += " needle";
        }
        m.set_seq(i);
        m.set_time_ms(1'700'000'000'000 + static_cast<std::int64_t>(i));
        m.set_text(text);
        store.append(m);
        if (i % 1000 == 0) {
            store.submit();
        }
    }
    store.submit();
    store.flush();
    // Bounded: the index catches up at ~3 us a message.
    for (int i = 0; i < 6000 && !unindexed && store.unindexedMessages() > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::printf("filled %zu messages in %.0f ms; unindexed %llu\n", count, ms(Clock::now() - start),
                static_cast<unsigned long long>(store.unindexedMessages()));
}

v1::Envelope searchRequest(const std::string& room, const std::string& query,
                           std::uint64_t beforeSeq = 0) {
    v1::Envelope e;
    e.mutable_search_request()->set_room(room);
    e.mutable_search_request()->set_query(query);
    e.mutable_search_request()->set_before_seq(beforeSeq);
    return e;
}

struct Case {
    const char* name;
    std::string room;
    std::string query;
    std::uint64_t before;
};

const std::vector<Case>& cases() {
    static const std::vector<Case> all = {
        {"'common' (in every message)", "big", "common", 0},
        {"'deploy failed'", "big", "deploy failed", 0},
        {"'needle' (10 hits)", "big", "needle", 0},
        {"'giraffe' (none)", "big", "giraffe", 0},
        {"'common deploy failed merge ship' before seq 1000", "big",
         "common deploy failed merge ship", 1000},
        {"'common' in a room without it (other)", "other", "common", 0},
    };
    return all;
}

// Hub::receive() of one SearchRequest, timed; with a background store, also
// the time until the answer is queued.
void timeHub(const std::string& path, bool background) {
    const hub::SqliteHistoryOptions options = storeOptions(path, background);
    hub::HubConfig config;
    config.ratePerSecond = 0;
    config.defaultRoom = "";
    hub::Hub hub(config, 1, std::make_unique<hub::SqliteHistory>(options));
    auto now = Clock::now();
    const hub::SessionId id = hub.open("127.0.0.1:1", now);
    v1::Envelope hello;
    hello.mutable_hello()->set_protocol_version(1);
    hello.mutable_hello()->set_nick("bench");
    hub.receive(id, codec::encodeFrame(hello), now);
    v1::Envelope join;
    join.mutable_join()->set_room("other");
    hub.receive(id, codec::encodeFrame(join), now);
    std::vector<hub::SessionId> writable;
    std::vector<hub::Closing> closing;
    std::vector<std::string_view> views(64);
    const auto drain = [&] {
        hub.takeReady(writable, closing);
        for (const hub::SessionId w : writable) {
            std::size_t n = 0;
            const std::size_t count = hub.output(w, views);
            for (std::size_t i = 0; i < count; ++i) {
                n += views[i].size();
            }
            hub.consumed(w, n, Clock::now());
        }
        writable.clear();
    };
    drain();
    for (const Case& c : cases()) {
        const std::string frame = codec::encodeFrame(searchRequest(c.room, c.query, c.before));
        double worstLoop = 0;
        double worstAnswer = 0;
        double totalLoop = 0;
        for (int round = 0; round < 5; ++round) {
            const auto start = Clock::now();
            hub.receive(id, frame, start);
            const double loop = ms(Clock::now() - start);
            if (background) {
                pollfd fd{hub.storeReadFd(), POLLIN, 0};
                ::poll(&fd, 1, 60'000);
                hub.storeReadsDone(Clock::now());
            }
            worstAnswer = std::max(worstAnswer, ms(Clock::now() - start));
            drain();
            worstLoop = std::max(worstLoop, loop);
            totalLoop += loop;
        }
        std::printf(
            "hub loop, search %-s %-46s loop mean %8.2f ms worst %8.2f ms; answer worst %8.2f ms\n",
            background ? "in background:" : "on the loop:  ", c.name, totalLoop / 5, worstLoop,
            worstAnswer);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : "/tmp/hermes-history-bench.db";
    const std::size_t count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1'000'000;
    unindexed = argc > 3 && std::string_view(argv[3]) == "unindexed";
    {
        const bool exists = std::filesystem::exists(path);
        hub::SqliteHistory store(storeOptions(path, false));
        if (!exists) {
            fill(store, count);
        }
        if (unindexed && exists && store.unindexedMessages() == 0) {
            std::fprintf(stderr,
                         "%s is indexed already: `unindexed` needs a file it fills itself\n",
                         path.c_str());
            return 2;
        }
        std::printf(
            "%s: %llu messages\n", path.c_str(),
            static_cast<unsigned long long>(store.restoredMessages() + (exists ? 0 : count)));
        const std::uint64_t last = store.lastSeq("big");
        for (const Case& c : cases()) {
            const std::string what = "store.search " + std::string(c.name);
            timeIt(what.c_str(),
                   [&] { return store.search(c.room, c.query, 200, c.before).messages.size(); });
        }
        timeIt("store.after(0, 200)", [&] { return store.after("big", 0, 200).messages.size(); });
        timeIt("store.after(last / 2, 200)",
               [&] { return store.after("big", last / 2, 200).messages.size(); });
        timeIt("store.tail(50) (a join backlog)", [&] { return store.tail("big", 50).size(); });
    }
    timeHub(path, false);
    timeHub(path, true);
    return 0;
}
