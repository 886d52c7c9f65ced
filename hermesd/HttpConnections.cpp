#include "HttpConnections.hpp"

#include <optional>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/StreamSocket.h>

namespace hermesd {

namespace {

// The peer's address without its port; none if the socket is gone already.
std::optional<std::string> hostOf(const Poco::Net::StreamSocket& socket) {
    try {
        return socket.peerAddress().host().toString();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

// A connection within its address's share: gives it back when it ends.
class CountedConnection final : public Poco::Net::HTTPServerConnection {
public:
    CountedConnection(const Poco::Net::StreamSocket& socket,
                      Poco::Net::HTTPServerParams::Ptr params,
                      Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, AddressLimit& limit,
                      std::string host)
        : HTTPServerConnection(socket, std::move(params), std::move(handlers)),
          limit_(limit),
          host_(std::move(host)) {}
    ~CountedConnection() override { limit_.release(host_); }
    CountedConnection(const CountedConnection&) = delete;
    CountedConnection& operator=(const CountedConnection&) = delete;

private:
    AddressLimit& limit_;
    std::string host_;
};

// One over its address's share: closed unanswered, as POCO closes one that
// finds its queue full.
class RefusedConnection final : public Poco::Net::TCPServerConnection {
public:
    using TCPServerConnection::TCPServerConnection;
    void run() override { socket().close(); }
};

}  // namespace

bool AddressLimit::full(const std::string& host) const {
    if (perAddress_ == 0) {
        return false;
    }
    const auto counts = counts_.lock();
    const auto it = counts->find(host);
    return it != counts->end() && it->second >= perAddress_;
}

bool AddressLimit::acquire(const std::string& host) {
    if (perAddress_ == 0) {
        return true;
    }
    auto counts = counts_.lock();
    std::size_t& count = (*counts)[host];
    if (count >= perAddress_) {
        return false;
    }
    ++count;
    return true;
}

void AddressLimit::release(const std::string& host) {
    if (perAddress_ == 0) {
        return;
    }
    auto counts = counts_.lock();
    const auto it = counts->find(host);
    if (it != counts->end() && --it->second == 0) {
        counts->erase(it);  // an address with nothing open costs nothing
    }
}

bool AddressFilter::accept(const Poco::Net::StreamSocket& socket) {
    const std::optional<std::string> host = hostOf(socket);
    return host && !limit_.full(*host);
}

Poco::Net::TCPServerConnection* HttpConnectionFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
    std::optional<std::string> host = hostOf(socket);
    if (!host || !limit_.acquire(*host)) {
        return new RefusedConnection(socket);
    }
    try {
        return new CountedConnection(socket, params_, handlers_, limit_, *host);
    } catch (...) {
        limit_.release(*host);
        throw;
    }
}

}  // namespace hermesd
