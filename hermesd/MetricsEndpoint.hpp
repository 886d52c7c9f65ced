#pragma once
// GET /metrics (docs/HUB.md "Metrics"): the newest MetricsSnapshot in
// Prometheus' text format, for a peer whose address metrics.allow lists
// (403 for anyone else, docs/SECURITY.md "Metrics"). Served by the web
// listener (HttpRouter, when metrics.enabled) and, when metrics.port is set,
// by a MetricsListener of its own on that port: the same handler, nothing
// else on it, so an admin may firewall or bind it apart from the page.
//
// A scrape copies nothing the loop is using: it renders the snapshot the
// loop published (MetricsSnapshot.hpp), at most a second old.
//
// Threading: handlers on POCO's HTTP threads; MetricsSource is const once
// built and outlives the listeners; the listener's start() and stop() on
// the main thread.

#include <cstdint>
#include <memory>
#include <string>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>

#include "AddressAllowList.hpp"
#include "HostCheck.hpp"
#include "HttpConnections.hpp"
#include "MetricsSnapshot.hpp"

namespace hermesd {

struct MetricsSource {
    const MetricsBoard* board = nullptr;
    BuildFacts build;
    AddressAllowList allow{{}};
};

class MetricsHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit MetricsHandler(const MetricsSource& source) : source_(source) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override;

private:
    const MetricsSource& source_;
};

// metrics.port: GET /metrics and nothing else, with the web listener's
// Host check (against DNS rebinding) and a few threads, of which one
// address holds at most half (AddressLimit, HttpConnections.hpp, as the web
// listener does): POCO's timeouts are per read, so idle or slow
// connections (a slowloris) from one host cannot keep a scrape from another
// waiting, and a read that waits kReadTimeoutSeconds ends its connection, so one
// from the same host waits in the queue at most that long.
class MetricsListener {
public:
    // A Prometheus scrapes once every few seconds, on one connection.
    static constexpr std::size_t kThreads = 4;
    static constexpr std::size_t kConnectionsPerAddress = kThreads / 2;
    static constexpr int kQueued = 16;
    static constexpr int kReadTimeoutSeconds = 3;

    // Binds host:port (throws Poco::Exception if it cannot).
    MetricsListener(const std::string& host, std::uint16_t port, const MetricsSource& source,
                    const HostCheck& hosts);
    ~MetricsListener();
    MetricsListener(const MetricsListener&) = delete;
    MetricsListener& operator=(const MetricsListener&) = delete;

    void start() { server_->start(); }
    void stop();
    std::uint16_t port() const { return port_; }

private:
    // Its own pool, joined at stop(): no connection thread outlives the
    // listener and the source it reads (POCO's default pool lives on).
    Poco::ThreadPool pool_{"hermesd-metrics", 1, static_cast<int>(kThreads)};
    AddressLimit perAddress_{kConnectionsPerAddress};
    class MetricsOnly;
    MetricsOnly* handlers_ = nullptr;  // owned by the server's connection factory
    std::unique_ptr<Poco::Net::TCPServer> server_;
    std::uint16_t port_ = 0;
    bool stopped_ = false;
};

}  // namespace hermesd
