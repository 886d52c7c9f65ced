#include "RawClient.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>

#include "Frames.hpp"

namespace hermes::it {

namespace {
// Larger than any frame the hub may send (a full HistoryPage).
constexpr std::size_t kMaxFrameFromHub = 16 * 1024 * 1024;
}  // namespace

RawClient::RawClient(std::uint16_t port, std::string name, int receiveBufferBytes,
                     const std::string& localAddress)
    : name_(std::move(name)), socket_(Poco::Net::SocketAddress::IPv4), decoder_(kMaxFrameFromHub) {
    try {
        if (receiveBufferBytes > 0) {
            socket_.setReceiveBufferSize(receiveBufferBytes);
        }
        if (!localAddress.empty()) {
            socket_.impl()->bind(Poco::Net::SocketAddress(localAddress, 0));
        }
        socket_.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(10, 0));
        socket_.setNoDelay(true);
    } catch (const Poco::Exception& error) {
        throw std::runtime_error(name_ + ": connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 error.displayText());
    }
}

RawClient::~RawClient() {
    close();
}

int RawClient::fd() const {
    return static_cast<int>(socket_.impl()->sockfd());
}

void RawClient::sendBytes(std::string_view bytes) {
    try {
        socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    } catch (const Poco::Exception& error) {
        throw std::runtime_error(name_ + ": send of " + std::to_string(bytes.size()) +
                                 " bytes failed: " + error.displayText());
    }
}

void RawClient::send(const hermes::v1::Envelope& envelope) {
    sendBytes(frameOf(envelope));
}

bool RawClient::readSome(Deadline deadline) {
    const std::size_t before = inbox_.size();
    char buffer[64 * 1024];
    while (!closedByPeer_ && !closedByUs_) {
        // Frames already buffered come first.
        Frame frame;
        std::string_view payload;
        while (decoder_.nextPayload(payload)) {
            frame.payload.assign(payload);
            if (!hermes::codec::parseEnvelope(frame.payload, frame.envelope)) {
                closedByPeer_ = true;
                closeReason_ = "undecodable frame from the hub: " + toHex(frame.payload);
                return inbox_.size() > before;
            }
            if (autoPong_ && frame.envelope.has_ping()) {
                hermes::v1::Envelope pong;
                pong.mutable_pong()->set_nonce(frame.envelope.ping().nonce());
                sendBytes(frameOf(pong));
            }
            inbox_.push_back(std::move(frame));
            frame = Frame{};
        }
        if (decoder_.failed()) {
            closedByPeer_ = true;
            closeReason_ =
                "bad frame from the hub: " + std::string(hermes::codec::describe(decoder_.error()));
        }
        if (inbox_.size() > before || closedByPeer_) {
            return inbox_.size() > before;
        }
        pollfd pfd{fd(), POLLIN, 0};
        const int timeout = pollTimeoutMs(deadline);
        const int ready = ::poll(&pfd, 1, timeout);
        if (ready == 0) {
            return false;
        }
        if (ready < 0) {
            continue;  // EINTR
        }
        int received = 0;
        try {
            received = socket_.receiveBytes(buffer, sizeof buffer);
        } catch (const Poco::Exception& error) {
            closedByPeer_ = true;
            closeReason_ = error.displayText();
            return false;
        }
        if (received <= 0) {
            closedByPeer_ = true;
            closeReason_ = "eof";
            return false;
        }
        decoder_.feed(std::string_view(buffer, static_cast<std::size_t>(received)));
    }
    return false;
}

std::optional<Frame> RawClient::tryExpect(const Predicate& matches, Deadline deadline) {
    std::size_t checked = 0;
    for (;;) {
        for (; checked < inbox_.size(); ++checked) {
            if (matches(inbox_[checked])) {
                Frame found = std::move(inbox_[checked]);
                inbox_.erase(inbox_.begin() + static_cast<std::ptrdiff_t>(checked));
                return found;
            }
        }
        if (!readSome(deadline)) {
            // Nothing new: closed or out of time (one last look was done above).
            if (checked == inbox_.size()) {
                return std::nullopt;
            }
        }
    }
}

Frame RawClient::expect(const Predicate& matches, Deadline deadline, const std::string& what) {
    if (auto frame = tryExpect(matches, deadline)) {
        return std::move(*frame);
    }
    throw ExpectationFailed(name_ + ": expected " + what + " but " +
                            (closedByPeer_ ? "the connection closed (" + closeReason_ + ")"
                                           : std::string("the deadline passed")) +
                            "; unmatched frames received:\n" + inboxSummary());
}

void RawClient::sync(Deadline deadline) {
    const std::uint64_t nonce = ++nextNonce_;
    send(pingEnvelope(nonce));
    expect(
        [nonce](const Frame& frame) {
            return frame.envelope.has_pong() && frame.envelope.pong().nonce() == nonce;
        },
        deadline, "Pong{" + std::to_string(nonce) + "} (sync)");
}

bool RawClient::waitClosed(Deadline deadline) {
    while (!closedByPeer_) {
        if (!readSome(deadline) && !closedByPeer_ && pollTimeoutMs(deadline) == 0) {
            return false;
        }
    }
    return true;
}

hermes::v1::Welcome RawClient::hello(const std::string& nick, Deadline deadline) {
    send(helloEnvelope(nick));
    return expect(isBody(hermes::v1::Envelope::kWelcome), deadline, "Welcome for " + nick)
        .envelope.welcome();
}

hermes::v1::Welcome RawClient::signIn(const std::string& nick, const std::string& password,
                                      Deadline deadline) {
    send(helloWithPasswordEnvelope(nick, password));
    hermes::v1::Welcome welcome =
        expect(isBody(hermes::v1::Envelope::kWelcome), deadline, "Welcome for " + nick)
            .envelope.welcome();
    if (welcome.account().empty()) {
        throw ExpectationFailed(name_ + ": welcomed as " + nick + " but not signed in");
    }
    return welcome;
}

std::string RawClient::inboxSummary(std::size_t maxFrames) const {
    std::string out;
    std::size_t shown = 0;
    for (const auto& frame : inbox_) {
        if (shown++ == maxFrames) {
            out += "  ... " + std::to_string(inbox_.size() - maxFrames) + " more\n";
            break;
        }
        out += "  " + describe(frame.envelope) + '\n';
    }
    if (inbox_.empty()) {
        out = "  (none)\n";
    }
    return out;
}

void RawClient::shutdownWrite() {
    try {
        socket_.shutdownSend();
    } catch (const Poco::Exception&) {
        // Already gone: nothing to half-close.
    }
}

void RawClient::abort() {
    if (closedByUs_) {
        return;
    }
    // SO_LINGER 0: close() sends RST, as when a cable is cut and the peer
    // later answers with a reset.
    linger option{1, 0};
    ::setsockopt(fd(), SOL_SOCKET, SO_LINGER, &option, sizeof option);
    close();
}

void RawClient::close() {
    if (closedByUs_) {
        return;
    }
    closedByUs_ = true;
    try {
        socket_.close();
    } catch (const Poco::Exception&) {
        // Closing a dead socket: nothing left to release.
    }
}

RawClient::Predicate isError(hermes::v1::ErrorCode code) {
    return [code](const Frame& frame) {
        return frame.envelope.has_error() && frame.envelope.error().code() == code;
    };
}

RawClient::Predicate isMembersOf(const std::string& room) {
    return [room](const Frame& frame) {
        return frame.envelope.has_members() && frame.envelope.members().room() == room;
    };
}

void joinRoom(RawClient& client, const std::string& room, Deadline deadline) {
    client.send(joinEnvelope(room));
    client.expect(isMembersOf(room), deadline, client.name() + " joined " + room);
}

void expectJoins(RawClient& watcher, std::set<std::string> nicks, Deadline deadline) {
    while (!nicks.empty()) {
        const Frame f = watcher.expect(
            [&nicks](const Frame& frame) {
                if (!frame.envelope.has_presence() ||
                    frame.envelope.presence().kind() != hermes::v1::PRESENCE_KIND_JOINED) {
                    return false;
                }
                for (const std::string& nick : frame.envelope.presence().nicks()) {
                    if (nicks.contains(nick)) {
                        return true;
                    }
                }
                return false;
            },
            deadline, watcher.name() + " sees " + *nicks.begin() + " join");
        for (const std::string& nick : f.envelope.presence().nicks()) {
            nicks.erase(nick);
        }
    }
}

RawClient::Predicate isBody(hermes::v1::Envelope::BodyCase body) {
    return [body](const Frame& frame) { return frame.envelope.body_case() == body; };
}

RawClient::Predicate isChatText(const std::string& room, const std::string& text) {
    return [room, text](const Frame& frame) {
        return frame.envelope.has_message() && frame.envelope.message().room() == room &&
               frame.envelope.message().text() == text;
    };
}

RawClient::Predicate isPresence(hermes::v1::PresenceKind kind, const std::string& nick) {
    return [kind, nick](const Frame& frame) {
        if (!frame.envelope.has_presence()) {
            return false;
        }
        const auto& presence = frame.envelope.presence();
        return (kind == hermes::v1::PRESENCE_KIND_UNSPECIFIED || presence.kind() == kind) &&
               std::find(presence.nicks().begin(), presence.nicks().end(), nick) !=
                   presence.nicks().end();
    };
}

std::vector<std::string> whoNicks(RawClient& c, const std::string& room, Deadline deadline) {
    hermes::v1::Envelope who;
    who.mutable_who()->set_room(room);
    c.send(who);
    const Frame list =
        c.expect(isBody(hermes::v1::Envelope::kMembers), deadline, "member list of " + room);
    std::vector<std::string> nicks(list.envelope.members().nicks().begin(),
                                   list.envelope.members().nicks().end());
    std::sort(nicks.begin(), nicks.end());
    return nicks;
}

RawClient::Predicate isAccountReply(hermes::v1::AccountEvent event) {
    return [event](const Frame& frame) {
        return frame.envelope.has_account_reply() &&
               frame.envelope.account_reply().event() == event;
    };
}

void registerNick(std::uint16_t port, const std::string& nick, const std::string& password) {
    RawClient owner(port, nick + "-owner");
    owner.hello(nick, after(std::chrono::seconds(5)));
    owner.send(registerEnvelope(password));
    const Frame reply =
        owner.expect(isAccountReply(hermes::v1::ACCOUNT_EVENT_REGISTERED),
                     after(std::chrono::seconds(10)), "AccountReply REGISTERED for " + nick);
    if (reply.envelope.account_reply().account() != nick) {
        throw ExpectationFailed(owner.name() + ": registered " +
                                reply.envelope.account_reply().account() + ", not " + nick);
    }
    owner.send(byeEnvelope("registered"));
    if (!owner.waitClosed(after(std::chrono::seconds(5)))) {
        throw ExpectationFailed(owner.name() + ": the hub did not close after Bye");
    }
}

bool sayUntilEchoed(RawClient& client, const std::string& room, const std::string& text,
                    Deadline deadline) {
    std::uint64_t id = 0x5A1D0000;
    while (Clock::now() < deadline) {
        client.send(sayEnvelope(room, text, ++id));
        const auto answer = client.tryExpect(
            [id](const Frame& f) {
                return (f.envelope.has_error() && f.envelope.error().client_msg_id() == id) ||
                       (f.envelope.has_message() && f.envelope.message().client_msg_id() == id);
            },
            deadline);
        if (answer && answer->envelope.has_message()) {
            return true;
        }
    }
    return false;
}

}  // namespace hermes::it
