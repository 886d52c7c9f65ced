#include "CatSession.hpp"

#include "InputCommand.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <stdexcept>

namespace hermes::cat {

namespace {

hermes::client::ClientOptions clientOptions(const CatOptions& o) {
    hermes::client::ClientOptions c;
    c.host = o.host;
    c.port = o.port;
    c.moreHubs = o.moreHubs;
    c.nick = o.nick;
    c.clientName = "hermes-cat";
    c.tls = o.tls;
    c.trustFingerprint = o.trustFingerprint;
    c.password = o.password;
    c.hubPassword = o.hubPassword;
    c.connectTimeout = o.timeout;
    c.handshakeTimeout = o.timeout;
    // A script wants a plain answer: a dropped connection ends the run, and
    // the exit status says whether every line was echoed before it. With a
    // hub list (a cluster) it moves to the next hub instead, catches up and
    // sends what was not echoed; --timeout still bounds a run without
    // progress.
    c.autoReconnect = !o.moreHubs.empty();
    return c;
}

}  // namespace

CatSession::CatSession(CatOptions options, std::ostream& out, std::ostream& err)
    : options_(std::move(options)),
      err_(err),
      printer_(out, err, options_.json, options_.backlog, options_.typing),
      input_(STDIN_FILENO),
      core_(clientOptions(options_)) {}

int CatSession::finish(int code, const std::string& why) {
    if (!why.empty()) {
        err_ << "hermes-cat: " << why << '\n';
    }
    core_.stop("hermes-cat done");
    return code;
}

int CatSession::run() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    // Before start(): the I/O thread inherits the mask, so the signals are
    // only ever taken from the signalfd below.
    if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
        throw std::runtime_error("cannot block SIGINT/SIGTERM");
    }
    signal(SIGPIPE, SIG_IGN);
    const int signalFd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signalFd < 0) {
        throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{signalFd};

    core_.start();
    deadline_ = Clock::now() + options_.timeout;
    for (;;) {
        const bool wantInput = !fileMode() && phase_ == Phase::Sending && !held_ && !input_.atEnd();
        pollfd fds[3] = {{core_.wakeFd(), POLLIN, 0},
                         {signalFd, POLLIN, 0},
                         {wantInput ? STDIN_FILENO : -1, POLLIN, 0}};
        const int ready = ::poll(fds, 3, kTickMs);
        if (ready < 0 && errno != EINTR) {
            return finish(kExitNoSession, std::string("poll: ") + std::strerror(errno));
        }
        if ((fds[1].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            [[maybe_unused]] const ssize_t n = ::read(signalFd, &info, sizeof info);
            const bool done = core_.pendingCount() == 0 && input_.atEnd() && !held_;
            if (done && rejected_ != 0) {
                return finish(kExitRejected, std::to_string(rejected_) + " of " +
                                                 std::to_string(linesSent_) +
                                                 " lines were refused by the hub");
            }
            return finish(done || (options_.follow && linesSent_ == 0) ? kExitOk : kExitInterrupted,
                          done ? "" : "interrupted before every line was echoed");
        }
        hermes::client::Event event;
        while (core_.pollEvent(event)) {
            if (auto code = onEvent(event)) {
                return *code;
            }
        }
        if (fileMode()) {
            if (phase_ == Phase::Sending) {
                if (auto code = fileStarted_ ? pumpFile() : startFile()) {
                    return *code;
                }
            } else if (auto code = checkProgress()) {
                return *code;
            }
            continue;
        }
        if (phase_ == Phase::Sending && (held_ || (fds[2].revents & (POLLIN | POLLHUP)) != 0)) {
            if (!held_ && !input_.readAvailable() && input_.error() != 0) {
                err_ << "hermes-cat: reading standard input: " << std::strerror(input_.error())
                     << '\n';
            }
            sendLines();
        }
        if (auto code = checkProgress()) {
            return *code;
        }
    }
}

bool CatSession::repeatsShownMembers(const hermes::v1::Envelope& envelope) {
    if (!envelope.has_members() || envelope.members().room() != options_.room) {
        return false;
    }
    const auto& nicks = envelope.members().nicks();
    std::vector<std::string> members(nicks.begin(), nicks.end());
    if (members == shownMembers_) {
        return true;
    }
    shownMembers_ = std::move(members);
    return false;
}

std::optional<int> CatSession::onEvent(hermes::client::Event& event) {
    using hermes::client::EventKind;
    switch (event.kind) {
        case EventKind::Welcomed:
            if (event.envelope) {
                ratePerSecond_ = event.envelope->welcome().limits().rate_per_second();
            }
            if (!event.text.empty()) {
                printer_.status(event.text);  // now on another hub of the list
            }
            // After a move to another hub the core rejoins the room itself;
            // only a Join lost with the connection is sent again.
            if (phase_ == Phase::Joining && !core_.join(options_.room)) {
                return finish(kExitNoSession, "could not queue the Join");
            }
            return std::nullopt;
        case EventKind::NickRejected:
            return finish(kExitNoSession,
                          "the hub refused nick '" + options_.nick + "': " +
                              (event.envelope ? event.envelope->error().text() : event.text));
        case EventKind::Envelope: {
            const auto& envelope = *event.envelope;
            if (!repeatsShownMembers(envelope)) {
                printer_.print(envelope);
            }
            if (upload_ && upload_->handle(envelope)) {
                deadline_ = Clock::now() + options_.timeout;
                return pumpFile();
            }
            if (download_ && download_->handle(envelope)) {
                deadline_ = Clock::now() + options_.timeout;
                return pumpFile();
            }
            if (envelope.has_members() && envelope.members().room() == options_.room &&
                phase_ == Phase::Joining) {
                return joined();
            } else if (phase_ == Phase::Fetching) {
                return onFetched(envelope);
            } else if (envelope.has_error()) {
                const auto& error = envelope.error();
                if (phase_ == Phase::Joining && error.room() == options_.room) {
                    return finish(kExitNoSession,
                                  "could not join " + options_.room + ": " + error.text());
                }
            }
            return std::nullopt;
        }
        case EventKind::SendAcked:
            ++acked_;
            deadline_ = Clock::now() + options_.timeout;  // progress: the wait starts over
            return std::nullopt;
        case EventKind::SendFailed:
            ++rejected_;
            if (event.envelope) {
                printer_.print(*event.envelope);  // the hub's Error, as before
            } else {
                err_ << "hermes-cat: a line was not sent: " << event.text << '\n';
            }
            return std::nullopt;
        case EventKind::UntrustedHub:
            // No prompt in a script: the user decides with --trust-fingerprint.
            return finish(kExitUsage,
                          event.text + (event.pinnedFingerprint.empty()
                                            ? "\nNot connecting. If it is the right one, run "
                                              "again with --trust-fingerprint " +
                                                  event.fingerprint
                                            : std::string()));
        case EventKind::Disconnected:
            if (event.willRetry && !fileStarted_) {
                // A hub list: the core moves to the next hub.
                printer_.status(event.text + "; trying the next hub");
                return std::nullopt;
            }
            [[fallthrough]];
        case EventKind::Failed: {
            if (fileStarted_) {
                return finish(kExitConnection, "the hub closed the connection (" + event.text +
                                                   ") before the file was done" +
                                                   (download_ ? "; run again to resume" : ""));
            }
            if (phase_ == Phase::Joining) {
                return finish(kExitNoSession,
                              "could not join " + options_.room + " on " + options_.host + ":" +
                                  std::to_string(options_.port) + ": " + event.text);
            }
            const std::size_t pending = core_.pendingCount();
            if (phase_ == Phase::Following && pending == 0) {
                printer_.status("the hub closed the connection: " + event.text);
                return finish(rejected_ ? kExitRejected : kExitOk);
            }
            return finish(kExitConnection, "the hub closed the connection (" + event.text +
                                               ") with " + std::to_string(pending) +
                                               " lines not echoed");
        }
        default:
            return std::nullopt;  // Connecting, Connected, ReconnectScheduled
    }
}

std::optional<int> CatSession::startFile() {
    fileStarted_ = true;
    deadline_ = Clock::now() + options_.timeout;
    try {
        if (!options_.upload.empty()) {
            upload_.emplace(hermes::client::FileUpload::fromPath(options_.room, options_.upload,
                                                                 options_.uploadName));
            if (!core_.send(upload_->offer())) {
                return finish(kExitConnection, "could not queue the FileOffer");
            }
            return std::nullopt;
        }
        const std::string path = options_.output.empty() ? options_.download : options_.output;
        const bool bySeq = options_.download.size() != 64;
        download_.emplace(bySeq ? hermes::client::FileDownload::bySeq(
                                      options_.room, std::stoull(options_.download), path)
                                : hermes::client::FileDownload::byHash(options_.download, path));
        if (!core_.send(download_->request())) {
            return finish(kExitConnection, "could not queue the FileRequest");
        }
        if (download_->resumedFrom() > 0) {
            err_ << "hermes-cat: resuming " << path << " from byte " << download_->resumedFrom()
                 << '\n';
        }
    } catch (const std::exception& error) {
        return finish(kExitFile, error.what());
    }
    return std::nullopt;
}

std::optional<int> CatSession::joined() {
    if (options_.privateHistory.empty()) {
        phase_ = Phase::Sending;
        return std::nullopt;
    }
    phase_ = Phase::Fetching;
    deadline_ = Clock::now() + options_.timeout;
    if (!core_.requestPrivateHistory(options_.privateHistory, 0)) {
        return finish(kExitNoSession, "could not queue the HistoryRequest");
    }
    return std::nullopt;
}

std::optional<int> CatSession::pumpFile() {
    using hermes::client::FileDownload;
    using hermes::client::FileUpload;
    if (upload_) {
        while (auto chunk = upload_->nextChunk()) {
            if (!core_.send(*chunk)) {
                upload_->unsend(*chunk);  // the core's queue is full: again next turn
                break;
            }
        }
        switch (upload_->state()) {
            case FileUpload::State::Done:
                return finish(kExitOk);
            case FileUpload::State::Failed:
                return finish(kExitFile, "upload of " + upload_->file().name() +
                                             " refused: " + upload_->error());
            default:
                break;
        }
    }
    if (download_) {
        switch (download_->state()) {
            case FileDownload::State::Done:
                err_ << "hermes-cat: " << download_->path() << ": " << download_->size()
                     << " bytes, sha256 " << download_->file().sha256() << " checked\n";
                return finish(kExitOk);
            case FileDownload::State::Failed:
                return finish(kExitFile, "download failed: " + download_->error());
            default:
                break;
        }
    }
    if (Clock::now() >= deadline_) {
        return finish(kExitUnacked, "no progress of the file for " +
                                        std::to_string(options_.timeout.count()) + " ms");
    }
    return std::nullopt;
}

std::optional<int> CatSession::onFetched(const hermes::v1::Envelope& envelope) {
    if (envelope.has_error() && envelope.error().room().empty() &&
        envelope.error().client_msg_id() == 0) {
        return finish(kExitRejected, "could not read the conversation with " +
                                         options_.privateHistory + ": " + envelope.error().text());
    }
    if (!envelope.has_history_page() || envelope.history_page().peer().empty()) {
        return std::nullopt;
    }
    const auto& page = envelope.history_page();
    if (page.has_more() && page.messages_size() > 0) {
        const std::uint64_t last = page.messages(page.messages_size() - 1).private_seq();
        deadline_ = Clock::now() + options_.timeout;
        if (!core_.requestPrivateHistory(options_.privateHistory, last)) {
            return finish(kExitNoSession, "could not queue the HistoryRequest");
        }
        return std::nullopt;
    }
    phase_ = Phase::Sending;
    return std::nullopt;
}

bool CatSession::sendLine(const std::string& line) {
    if (line.empty()) {
        return true;
    }
    InputCommand command = parseInputLine(line, options_.room);
    if (command.say && !options_.to.empty() &&
        (command.say->reply_to() != 0 ||
         (command.say->kind() != hermes::v1::MESSAGE_KIND_TEXT &&
          command.say->kind() != hermes::v1::MESSAGE_KIND_ACTION))) {
        command.say.reset();
        command.error = "replies, edits, deletes and reactions are for a room's messages, not --to";
    }
    if (!command.say) {
        // Nothing to send: refused here as the hub would refuse it.
        ++linesSent_;
        ++rejected_;
        err_ << "hermes-cat: not sent: " << command.error << '\n';
        return true;
    }
    const std::uint64_t id =
        options_.to.empty()
            ? core_.sendSay(std::move(*command.say))
            : core_.privateMessage(options_.to, command.say->text(), command.say->kind());
    if (id == 0) {
        return false;
    }
    ++linesSent_;
    if (!firstLineAt_) {
        firstLineAt_ = Clock::now();
        nextProgress_ = *firstLineAt_ + kProgressAfter;
    }
    return true;
}

bool CatSession::sendLines() {
    if (held_) {
        if (!sendLine(*held_)) {
            return false;
        }
        held_.reset();
    }
    std::string line;
    while (input_.nextLine(line)) {
        if (!sendLine(line)) {
            held_ = std::move(line);
            return false;
        }
    }
    return true;
}

// "hermes-cat: 125 of 1000 lines in lobby; paced to the hub's 5 lines/s, about
// 2 min 55 s to go". Only while lines wait, and only once it is slow.
void CatSession::reportProgress(Clock::time_point now) {
    const std::uint64_t waiting = core_.pendingCount() + (held_ ? 1 : 0);
    if (!firstLineAt_ || now < nextProgress_ || waiting == 0 || options_.follow) {
        return;
    }
    nextProgress_ = now + kProgressEvery;
    std::string line = "hermes-cat: " + std::to_string(acked_) + " of " +
                       std::to_string(linesSent_) + (input_.atEnd() && !held_ ? "" : "+") +
                       " lines in " + options_.room;
    if (ratePerSecond_ > 0) {
        const auto seconds =
            static_cast<std::uint64_t>(static_cast<double>(waiting) / ratePerSecond_ + 0.5);
        line += "; paced to the hub's " + std::to_string(static_cast<long>(ratePerSecond_)) +
                " lines/s, about " +
                (seconds >= 60 ? std::to_string(seconds / 60) + " min " : std::string()) +
                std::to_string(seconds % 60) + " s to go" +
                (input_.atEnd() && !held_ ? "" : " for those read so far");
    }
    err_ << line << '\n' << std::flush;
}

std::optional<int> CatSession::checkProgress() {
    const auto now = Clock::now();
    reportProgress(now);
    switch (phase_) {
        case Phase::Joining:
            if (now >= deadline_) {
                return finish(kExitNoSession, "not joined to " + options_.room + " within " +
                                                  std::to_string(options_.timeout.count()) + " ms");
            }
            return std::nullopt;
        case Phase::Fetching:
            if (now >= deadline_) {
                return finish(kExitNoSession, "no history of the conversation with " +
                                                  options_.privateHistory + " within " +
                                                  std::to_string(options_.timeout.count()) + " ms");
            }
            return std::nullopt;
        case Phase::Sending:
            if (input_.atEnd() && !held_) {
                phase_ = options_.follow ? Phase::Following : Phase::Draining;
                deadline_ = now + options_.timeout;
            }
            return std::nullopt;
        case Phase::Draining: {
            const std::size_t pending = core_.pendingCount();
            if (pending == 0) {
                if (rejected_ != 0) {
                    return finish(kExitRejected, std::to_string(rejected_) + " of " +
                                                     std::to_string(linesSent_) +
                                                     " lines were refused by the hub");
                }
                return finish(kExitOk);
            }
            if (now >= deadline_) {
                return finish(kExitUnacked, std::to_string(pending) + " of " +
                                                std::to_string(linesSent_) +
                                                " lines not echoed: none for " +
                                                std::to_string(options_.timeout.count()) + " ms");
            }
            return std::nullopt;
        }
        case Phase::Following:
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace hermes::cat
