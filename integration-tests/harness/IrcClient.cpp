#include "IrcClient.hpp"

#include <poll.h>

#include <stdexcept>

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

namespace hermes::it {

namespace {

const hermes::tls::TlsContext& clientContext() {
    static const hermes::tls::TlsContext context = hermes::tls::TlsContext::client();
    return context;
}

}  // namespace

IrcClient::~IrcClient() = default;

IrcClient::IrcClient(std::uint16_t port, std::string name, int receiveBufferBytes, bool tls)
    : name_(std::move(name)), socket_(Poco::Net::SocketAddress::IPv4) {
    try {
        if (receiveBufferBytes > 0) {
            socket_.setReceiveBufferSize(receiveBufferBytes);
        }
        socket_.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(10, 0));
        socket_.setNoDelay(true);
    } catch (const Poco::Exception& error) {
        throw std::runtime_error(name_ + ": connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 error.displayText());
    }
    if (tls) {
        tls_ = std::make_unique<hermes::tls::TlsStream>(clientContext());
        const Deadline deadline = after(std::chrono::seconds(10));
        sendCiphertext();  // ClientHello
        handshaking_ = true;
        while (!tls_->handshakeDone()) {
            if (tls_->state() == hermes::tls::TlsStream::State::Failed || closed_ ||
                pollTimeoutMs(deadline) == 0) {
                throw std::runtime_error(
                    name_ + ": TLS handshake with 127.0.0.1:" + std::to_string(port) +
                    " failed: " + (tls_->error().empty() ? "no answer" : tls_->error()));
            }
            readSome(deadline);
        }
        handshaking_ = false;
    }
}

void IrcClient::sendCiphertext() {
    while (tls_->hasOutput()) {
        const std::string_view out = tls_->output();
        int sent = 0;
        try {
            sent = socket_.sendBytes(out.data(), static_cast<int>(out.size()));
        } catch (const Poco::Exception& error) {
            throw std::runtime_error(name_ + ": send failed: " + error.displayText());
        }
        tls_->consumed(static_cast<std::size_t>(sent));
    }
}

void IrcClient::send(std::string_view line) {
    sendRaw(std::string(line) + "\r\n");
}

void IrcClient::sendRaw(std::string_view bytes) {
    if (tls_) {
        if (!tls_->write(bytes)) {
            throw std::runtime_error(name_ + ": TLS write failed: " + tls_->error());
        }
        sendCiphertext();
        return;
    }
    try {
        socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    } catch (const Poco::Exception& error) {
        throw std::runtime_error(name_ + ": send failed: " + error.displayText());
    }
}

bool IrcClient::readSome(Deadline deadline) {
    const std::size_t before = inbox_.size();
    char chunk[16 * 1024];
    for (;;) {
        for (std::size_t lf; (lf = buffer_.find('\n')) != std::string::npos;) {
            std::string line = buffer_.substr(0, lf);
            buffer_.erase(0, lf + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (line.rfind("PING ", 0) == 0) {
                send("PONG " + line.substr(5));
            }
            inbox_.push_back(std::move(line));
        }
        if (inbox_.size() > before) {
            return true;
        }
        if (closed_) {
            return false;  // TLS: the lines before close_notify are in the inbox now
        }
        pollfd pfd{static_cast<int>(socket_.impl()->sockfd()), POLLIN, 0};
        const int ready = ::poll(&pfd, 1, pollTimeoutMs(deadline));
        if (ready == 0) {
            return false;
        }
        if (ready < 0) {
            continue;
        }
        int received = 0;
        try {
            received = socket_.receiveBytes(chunk, sizeof chunk);
        } catch (const Poco::Exception&) {
            received = 0;
        }
        if (received <= 0) {
            closed_ = true;
            return inbox_.size() > before;
        }
        if (tls_) {
            tls_->receive(std::string_view(chunk, static_cast<std::size_t>(received)));
            tls_->read(buffer_);
            sendCiphertext();  // the handshake's answers, a key update
            if (tls_->state() == hermes::tls::TlsStream::State::Failed || tls_->peerClosed()) {
                closed_ = true;
            }
            if (handshaking_) {
                return false;  // the constructor's loop checks the handshake
            }
        } else {
            buffer_.append(chunk, static_cast<std::size_t>(received));
        }
    }
}

std::optional<std::string> IrcClient::tryExpect(std::string_view text, Deadline deadline) {
    std::size_t checked = 0;
    for (;;) {
        for (; checked < inbox_.size(); ++checked) {
            if (inbox_[checked].find(text) != std::string::npos) {
                std::string found = std::move(inbox_[checked]);
                inbox_.erase(inbox_.begin() + static_cast<std::ptrdiff_t>(checked));
                return found;
            }
        }
        if (!readSome(deadline) && checked == inbox_.size()) {
            return std::nullopt;
        }
    }
}

std::string IrcClient::expect(std::string_view text, Deadline deadline) {
    if (auto line = tryExpect(text, deadline)) {
        return std::move(*line);
    }
    throw std::runtime_error(name_ + ": expected a line with \"" + std::string(text) + "\" but " +
                             (closed_ ? "the connection closed" : "the deadline passed") +
                             "; unmatched lines:\n" + inboxSummary());
}

bool IrcClient::absent(std::string_view text, Deadline deadline) {
    return !tryExpect(text, deadline).has_value();
}

void IrcClient::sync(Deadline deadline) {
    const std::string token = "sync-" + std::to_string(++syncs_);
    send("PING " + token);
    expect("PONG", deadline);  // PONG <server> :sync-N
}

bool IrcClient::waitClosed(Deadline deadline) {
    while (!closed_) {
        if (!readSome(deadline) && !closed_ && pollTimeoutMs(deadline) == 0) {
            return false;
        }
    }
    return true;
}

void IrcClient::registerAs(const std::string& nick, const std::string& caps, Deadline deadline) {
    if (!caps.empty()) {
        send("CAP LS 302");
        expect(" CAP * LS ", deadline);
        send("CAP REQ :" + caps);
        expect(" CAP * ACK ", deadline);
    }
    send("NICK " + nick);
    send("USER " + nick + " 0 * :" + name_);
    if (!caps.empty()) {
        send("CAP END");
    }
    expect(" 001 " + nick + " ", deadline);
    expect(" 376 " + nick + " ", deadline);
}

std::string IrcClient::inboxSummary() const {
    std::string out;
    for (const std::string& line : inbox_) {
        out += "  " + line + "\n";
    }
    return out.empty() ? "  (none)\n" : out;
}

IrcHub::IrcHub(HubProcess::Settings settings) {
    const auto tlsPort = settings.find("irc.tls_port");
    const bool tls = tlsPort != settings.end() && tlsPort->second == "auto";
    for (int attempt = 1;; ++attempt) {
        {
            // Both probes open at once, or the second could get the first's port.
            Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0), false);
            ircPort_ = probe.address().port();
            if (tls) {
                Poco::Net::ServerSocket tlsProbe(Poco::Net::SocketAddress("127.0.0.1", 0), false);
                ircTlsPort_ = tlsProbe.address().port();
                settings["irc.tls_port"] = std::to_string(ircTlsPort_);
            }
        }
        settings["irc.host"] = "127.0.0.1";
        settings["irc.port"] = std::to_string(ircPort_);
        try {
            hub_ = std::make_unique<HubProcess>(settings);
            return;
        } catch (const std::runtime_error& error) {
            const bool taken =
                std::string(error.what()).find("cannot listen for IRC") != std::string::npos;
            if (!taken || attempt == 3) {
                throw;
            }
        }
    }
}

}  // namespace hermes::it
