#pragma once
// hermesd's HTTP side (http.port, 7080 by default): POCO's HTTPServer on its
// own listening socket and thread pool, beside the TCP acceptor; https with
// the hub's certificate when http.tls is on (HttpsSocket.hpp). It serves
// the browser client's files (StaticFiles.hpp), upgrades GET /ws to a
// WebSocket handed to the event loop (WebSocketUpgrade.hpp), and answers
// GET /metrics when metrics.enabled (MetricsEndpoint.hpp). Nothing else.
//
// Hardening, before any handler runs (HttpRouter):
// - POCO's own parse limits: a method of 32 bytes, a URI of 16 KiB, 100
//   header fields of 256-byte names and 8 KiB values; past them POCO
//   answers 400 itself;
// - tighter ones here: a request target over kMaxTargetBytes is 414, header
//   fields over kMaxHeaderBytes in all 431, any request body 413, a Host that
//   is not one of the hub's names 421 (DNS rebinding, HostCheck.hpp), any
//   method but GET and HEAD 405;
// - at most http.max_connections connections served at once (one thread
//   each, while it sends a request or waits on keep-alive, at most
//   http.keep_alive_ms), http.accept_queue more waiting; past that POCO
//   closes new ones at once. Every read and write has http.timeout_ms.
//   A WebSocket leaves this pool once upgraded;
// - at most http.max_connections_per_address of those from one address
//   (HttpConnections.hpp): one host cannot hold every thread.
//
// The server is POCO's TCPServer with HttpConnectionFactory, which is what
// Poco::Net::HTTPServer is with a factory of its own; stop() does what
// HTTPServer::stopAll(true) does.
//
// Threading: start() and stop() on the main thread; requests on POCO's
// threads (the handlers' own contracts say what they touch).

#include <cstddef>
#include <cstdint>
#include <memory>

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/SharedPtr.h>
#include <Poco/ThreadPool.h>

#include "DaemonConfig.hpp"
#include "HostCheck.hpp"
#include "HttpConnections.hpp"
#include "HttpsSocket.hpp"
#include "MetricsEndpoint.hpp"
#include "StaticFiles.hpp"
#include "WebSocketUpgrade.hpp"

namespace hermesd {

class HttpRouter final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    // The longest request target (path and query) taken.
    static constexpr std::size_t kMaxTargetBytes = 2048;
    // The most bytes of header fields (names, values, ": " and CRLF) taken.
    static constexpr std::size_t kMaxHeaderBytes = 8192;

    // `metrics`: GET /metrics is served from it; null: it is a static file's path.
    HttpRouter(const StaticFiles& files, const WebSocketHandoff& handoff, const HostCheck& hosts,
               const MetricsSource* metrics)
        : files_(files), handoff_(handoff), hosts_(hosts), metrics_(metrics) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;
    // Ends the connections being served (POCO's HTTPServerConnection listens
    // for this), as HTTPServer::stopAll(true) does.
    void abortConnections() {
        const bool abortCurrent = true;
        serverStopped.notify(this, abortCurrent);
    }

private:
    const StaticFiles& files_;
    const WebSocketHandoff& handoff_;
    const HostCheck& hosts_;
    const MetricsSource* metrics_;
};

class HttpListener {
public:
    // Binds http.host:http.port (throws Poco::Exception if it cannot).
    // `handoff` says where WebSocket sessions go. `tls`: https with this
    // (server) context, which outlives the listener (HttpsSocket.hpp); null:
    // plain HTTP. `metrics`: GET /metrics served from it (it outlives the
    // listener); null: not served here.
    HttpListener(const HttpConfig& config, const std::filesystem::path& staticDir,
                 WebSocketHandoff handoff, const hermes::tls::TlsContext* tls = nullptr,
                 const MetricsSource* metrics = nullptr);
    ~HttpListener();
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    void start();
    // Stops accepting and ends the connections being served; joins the pool.
    void stop();
    std::uint16_t port() const { return socket_.address().port(); }
    bool secure() const { return secure_; }
    const HostCheck& hosts() const { return hosts_; }

private:
    StaticFiles files_;
    WebSocketHandoff handoff_;
    HostCheck hosts_;
    AddressLimit perAddress_;  // outlives the server and its connections
    Poco::ThreadPool pool_;
    Poco::Net::ServerSocket socket_;
    Poco::SharedPtr<HttpRouter> router_;
    std::unique_ptr<Poco::Net::TCPServer> server_;
    const MetricsSource* metrics_ = nullptr;
    bool secure_ = false;
    bool stopped_ = false;
};

}  // namespace hermesd
