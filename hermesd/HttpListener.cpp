#include "HttpListener.hpp"

#include <Poco/Environment.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include "HttpResponses.hpp"

namespace hermesd {

namespace {

using Poco::Net::HTTPResponse;

// Answers a request refused before any handler: `status` and a line of text.
class RefusalHandler final : public Poco::Net::HTTPRequestHandler {
public:
    RefusalHandler(HTTPResponse::HTTPStatus status, std::string_view text)
        : status_(status), text_(text) {}
    void handleRequest(Poco::Net::HTTPServerRequest&,
                       Poco::Net::HTTPServerResponse& response) override {
        if (status_ == HTTPResponse::HTTP_METHOD_NOT_ALLOWED) {
            response.set("Allow", "GET, HEAD");
        }
        sendPlain(response, status_, text_);
    }

private:
    HTTPResponse::HTTPStatus status_;
    std::string_view text_;  // a literal
};

std::size_t headerBytes(const Poco::Net::HTTPServerRequest& request) {
    std::size_t total = 0;
    for (const auto& [name, value] : request) {
        total += name.size() + value.size() + 4;  // ": " and CRLF
    }
    return total;
}

Poco::Timespan timespan(std::chrono::milliseconds ms) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

}  // namespace

Poco::Net::HTTPRequestHandler* HttpRouter::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
    const std::string& target = request.getURI();
    if (target.size() > kMaxTargetBytes) {
        return new RefusalHandler(HTTPResponse::HTTP_REQUEST_URI_TOO_LONG,
                                  "request target too long");
    }
    if (headerBytes(request) > kMaxHeaderBytes) {
        return new RefusalHandler(HTTPResponse::HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
                                  "request header fields too large");
    }
    if ((request.hasContentLength() && request.getContentLength64() > 0) ||
        request.getChunkedTransferEncoding()) {
        return new RefusalHandler(HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE,
                                  "no request body is accepted");
    }
    if (!hosts_.allows(request.get("Host", ""))) {
        return new RefusalHandler(HTTPResponse::HTTP_MISDIRECTED_REQUEST,
                                  "this hub does not answer to that host name; its admin can "
                                  "add it to http.allowed_hosts");
    }
    const std::string_view path = std::string_view(target).substr(0, target.find('?'));
    if (path == "/ws") {
        return new WebSocketUpgrade(handoff_);
    }
    const std::string& method = request.getMethod();
    if (method != Poco::Net::HTTPRequest::HTTP_GET && method != Poco::Net::HTTPRequest::HTTP_HEAD) {
        return new RefusalHandler(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "GET or HEAD only");
    }
    if (path == "/metrics" && metrics_ != nullptr) {
        return new MetricsHandler(*metrics_);
    }
    return new StaticFileHandler(files_);
}

HttpListener::HttpListener(const HttpConfig& config, const std::filesystem::path& staticDir,
                           WebSocketHandoff handoff, const hermes::tls::TlsContext* tls,
                           const MetricsSource* metrics)
    : files_(staticDir),
      handoff_(std::move(handoff)),
      hosts_(config.allowedHosts, config.allowedOrigins, Poco::Environment::nodeName()),
      perAddress_(static_cast<std::size_t>(config.maxConnectionsPerAddress)),
      // The pool runs POCO's dispatcher tasks: one per connection served.
      pool_("hermesd-http", 1, config.maxConnections),
      metrics_(metrics),
      secure_(tls != nullptr) {
    if (tls != nullptr) {
        socket_ = HttpsServerSocket(*tls);
    }
    socket_.bind(Poco::Net::SocketAddress(config.host, config.port), true, false);
    socket_.listen(config.acceptQueue);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(config.maxConnections);
    params->setMaxQueued(config.acceptQueue);
    params->setTimeout(timespan(config.timeout));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(timespan(config.keepAlive));
    params->setMaxKeepAliveRequests(100);
    params->setServerName("hermesd");
    // As for the TCP acceptor: a dispatcher thread notices stop() within this.
    params->setThreadIdleTime(Poco::Timespan(0, 250'000));
    router_ = new HttpRouter(files_, handoff_, hosts_, metrics_);
    server_ = std::make_unique<Poco::Net::TCPServer>(
        new HttpConnectionFactory(params, Poco::Net::HTTPRequestHandlerFactory::Ptr(router_),
                                  perAddress_),
        pool_, socket_, params);
    server_->setConnectionFilter(new AddressFilter(perAddress_));
}

HttpListener::~HttpListener() {
    stop();
}

void HttpListener::start() {
    server_->start();
}

void HttpListener::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    server_->stop();
    router_->abortConnections();  // also ends keep-alive connections being served
    pool_.joinAll();
}

}  // namespace hermesd
