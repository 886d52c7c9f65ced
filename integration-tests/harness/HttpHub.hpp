#pragma once
// A test's hub with its HTTP listener on 127.0.0.1. http.port = 0 means "no
// listener", so the test picks a free loopback port itself and, should
// another process take it before hermesd binds it, starts again on another.
//
// Threading: Boost.Test's main thread only (header only: it uses HubGuard).

#include <memory>
#include <stdexcept>
#include <string>

#include "BoostSupport.hpp"
#include "WebClient.hpp"

namespace hermes::it {

struct HttpHub {
    explicit HttpHub(HubProcess::Settings settings) {
        settings["http.host"] = "127.0.0.1";
        for (int attempt = 1;; ++attempt) {
            httpPort = freeLoopbackPort();
            settings["http.port"] = std::to_string(httpPort);
            try {
                guard = std::make_unique<HubGuard>(settings);
                return;
            } catch (const std::runtime_error& error) {
                const bool taken =
                    std::string(error.what()).find("cannot listen for HTTP") != std::string::npos;
                if (!taken || attempt == 3) {
                    throw;
                }
            }
        }
    }
    HubProcess& hub() { return guard->hub; }
    std::unique_ptr<HubGuard> guard;
    std::uint16_t httpPort = 0;
};

}  // namespace hermes::it
