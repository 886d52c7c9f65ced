#pragma once
// One run of hermes-cat: connect, join the room, send standard input line by
// line, print what arrives, and decide the exit code (see CatOptions.hpp).
//
// Lines are read only once the room is joined (so none is refused with
// NOT_IN_ROOM), and only while ClientCore's send queue takes them: a script
// piping a large file is slowed to the hub's pace instead of losing lines.
// ClientCore paces the lines to the hub's rate limit (Welcome.limits), so a
// pipe is never cut for flooding; when that makes it slow (kProgressAfter),
// progress goes to standard error every kProgressEvery. A line counts as
// sent only on SendAcked: its own echo, never a backlog or history page. The
// exit status is 0 only if every line was acknowledged.
// "/me text" is sent as an ACTION, and "/reply N text", "/edit N text",
// "/delete N", "/react N R", "/unreact N R" as replies, edits, deletes and
// reactions (InputCommand.hpp); empty lines are skipped (the hub refuses
// empty texts).
//
// With --upload or --download, the run is one file instead of standard
// input: once joined, a FileUpload (the offer, chunks as the hub's window
// allows) or a FileDownload (resumed from PATH.part, hash checked); it ends
// with the FILE message's echo or the checked file (0), or a refusal (8).
//
// Threading: the thread that calls run() is ClientCore's UI thread; SIGINT and
// SIGTERM are blocked before the core's I/O thread starts (it inherits the
// mask) and read through a signalfd, so no handler runs on any thread.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "CatOptions.hpp"
#include "EventPrinter.hpp"
#include "LineReader.hpp"
#include "hermes/client/ClientCore.hpp"
#include "hermes/client/FileDownload.hpp"
#include "hermes/client/FileUpload.hpp"

namespace hermes::cat {

class CatSession {
public:
    // poll() timeout: how often deadlines are looked at.
    static constexpr int kTickMs = 50;
    // Progress on standard error once the lines have been going this long,
    // then this often, while some wait.
    static constexpr std::chrono::seconds kProgressAfter{2};
    static constexpr std::chrono::seconds kProgressEvery{5};

    CatSession(CatOptions options, std::ostream& out, std::ostream& err);

    // Runs to the end; returns the exit code.
    int run();

private:
    // Fetching: --private-history's pages, before the input.
    enum class Phase : std::uint8_t { Joining, Fetching, Sending, Draining, Following };
    using Clock = std::chrono::steady_clock;

    // Returns an exit code when the event ends the run.
    std::optional<int> onEvent(hermes::client::Event& event);
    // Joined: fetch --private-history first, or start sending.
    std::optional<int> joined();
    // A page or error of the --private-history fetch.
    std::optional<int> onFetched(const hermes::v1::Envelope& envelope);
    // Whether `envelope` is our room's member list exactly as printed last.
    bool repeatsShownMembers(const hermes::v1::Envelope& envelope);
    // Sends the held line and what stdin has; false if the core queue is full.
    bool sendLines();
    bool sendLine(const std::string& line);
    std::optional<int> checkProgress();
    void reportProgress(Clock::time_point now);
    int finish(int code, const std::string& why = {});
    bool fileMode() const { return !options_.upload.empty() || !options_.download.empty(); }
    // Starts the upload or download once joined; nullopt while it goes on.
    std::optional<int> startFile();
    // Sends what the upload's window allows; an exit code when the file is done.
    std::optional<int> pumpFile();

    CatOptions options_;
    std::ostream& err_;
    EventPrinter printer_;
    LineReader input_;
    hermes::client::ClientCore core_;
    Phase phase_ = Phase::Joining;
    Clock::time_point deadline_;
    std::optional<std::string> held_;  // a line the full send queue did not take
    // The room's member list as last printed: when the room is also the hub's
    // default room, the hub's automatic join and ours both answer with it.
    std::vector<std::string> shownMembers_;
    std::uint64_t linesSent_ = 0;
    std::uint64_t acked_ = 0;     // lines the hub echoed
    std::uint64_t rejected_ = 0;  // lines the hub refused, or the core gave up on
    double ratePerSecond_ = 0;    // the hub's rate limit (0: none)
    std::optional<Clock::time_point> firstLineAt_;
    std::optional<hermes::client::FileUpload> upload_;
    std::optional<hermes::client::FileDownload> download_;
    bool fileStarted_ = false;
    Clock::time_point nextProgress_{};
};

}  // namespace hermes::cat
