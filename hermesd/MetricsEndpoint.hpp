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
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include "AddressAllowList.hpp"
#include "HostCheck.hpp"
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
// Host check (against DNS rebinding) and a few threads.
class MetricsListener {
public:
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
    Poco::ThreadPool pool_{"hermesd-metrics", 1, 2};
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    std::uint16_t port_ = 0;
    bool stopped_ = false;
};

}  // namespace hermesd
