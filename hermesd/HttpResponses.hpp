#pragma once
// What every answer of hermesd's HTTP listener carries, and its short error
// answers. The Content-Security-Policy lets the page load only its own
// script, style and images from the hub and connect only back to the hub
// (its WebSocket: 'self' covers ws:// and wss:// to the same host); no
// inline script or style, no eval, no plugins, no frames, no forms.
//
// Threading: free functions, no shared state.

#include <string_view>

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerResponse.h>

namespace hermesd {

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// Content-Security-Policy, X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer, X-Frame-Options: DENY.
void addSecurityHeaders(Poco::Net::HTTPResponse& response);

// A short text/plain answer with `status`, closing the connection (a
// request refused may have left bytes unread).
void sendPlain(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
               std::string_view text);

}  // namespace hermesd
