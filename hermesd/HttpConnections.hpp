#pragma once
// The HTTP listener's connections, at most http.max_connections_per_address
// served at once from one address. POCO's timeouts are per read, so a host
// that sends a header byte every few seconds holds a thread for as long as it
// likes; without this, one host could hold every thread
// (http.max_connections) and fill the queue behind them, and the page and
// /ws would be out of reach for everyone else.
//
//   accept (POCO's acceptor thread)  AddressFilter: an address already at
//                                    its cap is closed at once, unqueued
//   a thread takes the connection    HttpConnectionFactory: counts it
//                                    (AddressLimit::acquire); over the cap
//                                    (it was queued meanwhile), closed at once
//   the connection ends              its count is given back (destructor)
//
// The filter only looks; the factory decides. So a connection dropped from
// POCO's queue (full, or at stop) is never counted, and none is counted twice.
// A WebSocket counts only while its upgrade is served: its session leaves the
// HTTP threads, and this limit, once handed to the loop (TCP and WebSocket
// sessions count against hub.max_clients_per_address instead).
//
// Threading: AddressLimit is thread safe (POCO's acceptor and pool threads);
// the filter runs on the acceptor thread, the factory and connections on pool
// threads.

#include <cstddef>
#include <string>
#include <unordered_map>

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include "hermes/threads/LockGuarded.hpp"

namespace hermesd {

class AddressLimit {
public:
    // `perAddress` connections at once from one address; 0: no limit.
    explicit AddressLimit(std::size_t perAddress) : perAddress_(perAddress) {}

    // True when `host` has its whole share now (a hint: acquire() decides).
    bool full(const std::string& host) const;
    // Counts one more connection from `host`, unless it already has its share.
    bool acquire(const std::string& host);
    void release(const std::string& host);

private:
    std::size_t perAddress_;
    hermes::threads::LockGuarded<std::unordered_map<std::string, std::size_t>> counts_;
};

// Closes a connection from an address at its cap as soon as it is accepted.
class AddressFilter final : public Poco::Net::TCPServerConnectionFilter {
public:
    explicit AddressFilter(const AddressLimit& limit) : limit_(limit) {}
    bool accept(const Poco::Net::StreamSocket& socket) override;

private:
    const AddressLimit& limit_;
};

// POCO's HTTPServerConnection for each connection within its address's
// share; the HTTP server is a TCPServer with this factory (what
// Poco::Net::HTTPServer is, with POCO's own factory).
class HttpConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    HttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                          Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, AddressLimit& limit)
        : params_(std::move(params)), handlers_(std::move(handlers)), limit_(limit) {}
    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override;

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
    AddressLimit& limit_;
};

}  // namespace hermesd
