#include "HttpResponses.hpp"

#include <string>

namespace hermesd {

void addSecurityHeaders(Poco::Net::HTTPResponse& response) {
    response.set("Content-Security-Policy", std::string(kContentSecurityPolicy));
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
}

void sendPlain(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               std::string_view text) {
    response.setStatusAndReason(status);
    addSecurityHeaders(response);
    response.setContentType("text/plain; charset=utf-8");
    response.set("Cache-Control", "no-store");
    response.setKeepAlive(false);
    const std::string body = std::string(text) + "\n";
    response.sendBuffer(body.data(), body.size());
}

}  // namespace hermesd
