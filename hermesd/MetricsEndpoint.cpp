#include "MetricsEndpoint.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "HttpResponses.hpp"
#include "PrometheusText.hpp"

namespace hermesd {

namespace {

using Poco::Net::HTTPResponse;

class PlainHandler final : public Poco::Net::HTTPRequestHandler {
public:
    PlainHandler(HTTPResponse::HTTPStatus status, std::string_view text)
        : status_(status), text_(text) {}
    void handleRequest(Poco::Net::HTTPServerRequest&,
                       Poco::Net::HTTPServerResponse& response) override {
        sendPlain(response, status_, text_);
    }

private:
    HTTPResponse::HTTPStatus status_;
    std::string_view text_;  // a literal
};

}  // namespace

void MetricsHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                   Poco::Net::HTTPServerResponse& response) {
    if (!source_.allow.allows(request.clientAddress().host())) {
        sendPlain(response, HTTPResponse::HTTP_FORBIDDEN,
                  "the hub's metrics are not for this address: its admin can add it to "
                  "metrics.allow");
        return;
    }
    const std::shared_ptr<const MetricsSnapshot> figures = source_.board->latest();
    if (!figures) {
        sendPlain(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "the hub is starting");
        return;
    }
    const std::string body = prometheusText(*figures, source_.build);
    response.setStatusAndReason(HTTPResponse::HTTP_OK);
    addSecurityHeaders(response);
    response.setContentType(std::string(kPrometheusContentType));
    response.set("Cache-Control", "no-store");
    if (request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD) {
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.send();
        return;
    }
    response.sendBuffer(body.data(), body.size());
}

class MetricsListener::MetricsOnly final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    MetricsOnly(const MetricsSource& source, const HostCheck& hosts)
        : source_(source), hosts_(hosts) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override {
        if (!hosts_.allows(request.get("Host", ""))) {
            return new PlainHandler(HTTPResponse::HTTP_MISDIRECTED_REQUEST,
                                    "this hub does not answer to that host name");
        }
        const std::string& target = request.getURI();
        if (target.substr(0, target.find('?')) != "/metrics") {
            return new PlainHandler(HTTPResponse::HTTP_NOT_FOUND, "only /metrics is served here");
        }
        const std::string& method = request.getMethod();
        if (method != Poco::Net::HTTPRequest::HTTP_GET &&
            method != Poco::Net::HTTPRequest::HTTP_HEAD) {
            return new PlainHandler(HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "GET or HEAD only");
        }
        return new MetricsHandler(source_);
    }
    // Ends the connections being served (POCO's HTTPServerConnection listens
    // for this), as HTTPServer::stopAll(true) does.
    void abortConnections() {
        const bool abortCurrent = true;
        serverStopped.notify(this, abortCurrent);
    }

private:
    const MetricsSource& source_;
    const HostCheck& hosts_;
};

MetricsListener::MetricsListener(const std::string& host, std::uint16_t port,
                                 const MetricsSource& source, const HostCheck& hosts) {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(host, port), true, false);
    socket.listen(kQueued);
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(kThreads));
    params->setMaxQueued(kQueued);
    params->setTimeout(Poco::Timespan(kReadTimeoutSeconds, 0));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(kReadTimeoutSeconds, 0));
    params->setServerName("hermesd");
    params->setThreadIdleTime(Poco::Timespan(0, 250'000));
    handlers_ = new MetricsOnly(source, hosts);
    server_ = std::make_unique<Poco::Net::TCPServer>(
        new HttpConnectionFactory(params, Poco::Net::HTTPRequestHandlerFactory::Ptr(handlers_),
                                  perAddress_),
        pool_, socket, params);
    server_->setConnectionFilter(new AddressFilter(perAddress_));
}

MetricsListener::~MetricsListener() {
    stop();
}

void MetricsListener::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    server_->stop();
    handlers_->abortConnections();  // also ends keep-alive connections being served
    pool_.joinAll();
}

}  // namespace hermesd
