// hermesd's HTTP listener against raw requests: the page's files with their
// types, caching headers and Content-Security-Policy; no request path
// reaches a file outside http.static_dir, however it is spelled; oversized
// and odd requests are refused; and at most http.max_connections are served
// at once (docs/HUB.md "HTTP").
#define BOOST_TEST_MODULE HttpTest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "BoostSupport.hpp"
#include "HttpHub.hpp"
#include "WebClient.hpp"

using namespace std::chrono_literals;
namespace it = hermes::it;

namespace {

constexpr auto kWait = 5s;
constexpr const char* kSecret = "TOP-SECRET-NOT-FOR-THE-WEB";
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// A site beside a secret: <tmp>/site is served, <tmp>/secret.txt must never be.
struct Site {
    Site() {
        dir.write("secret.txt", kSecret);
        dir.write("site/index.html", "<!doctype html><title>Hermes</title>");
        dir.write("site/app.js", "console.log('hermes');");
        dir.write("site/app.css", "body{}");
        dir.write("site/icon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
        dir.write("site/app.js.map", "{}");
        dir.write("site/sub/deep.txt", "deep");
        dir.write("site/.hidden", kSecret);
        std::filesystem::create_symlink(dir.path / "secret.txt", dir.path / "site" / "link.txt");
        std::filesystem::create_directory_symlink(dir.path, dir.path / "site" / "up");
    }
    it::HubProcess::Settings settings(it::HubProcess::Settings extra = {}) const {
        extra["http.static_dir"] = (dir.path / "site").string();
        return extra;
    }
    it::TempDir dir;
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_page_is_served_with_its_types_caching_and_policy) {
    Site site;
    it::HttpHub web(site.settings());
    const std::uint16_t port = web.httpPort;
    struct Case {
        const char* target;
        const char* type;
        const char* body;
    };
    const Case cases[] = {
        {"/", "text/html; charset=utf-8", "<!doctype html><title>Hermes</title>"},
        {"/index.html", "text/html; charset=utf-8", "<!doctype html><title>Hermes</title>"},
        {"/app.js?v=1", "text/javascript; charset=utf-8", "console.log('hermes');"},
        {"/app.css", "text/css; charset=utf-8", "body{}"},
        {"/icon.svg", "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'/>"},
        {"/app.js.map", "application/json", "{}"},
        {"/sub/deep.txt", "text/plain; charset=utf-8", "deep"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.target) {
            const it::HttpAnswer answer =
                it::httpExchange(port, it::httpGet(port, c.target), it::after(kWait));
            BOOST_TEST(answer.status == 200);
            BOOST_TEST(answer.header("content-type") == c.type);
            BOOST_TEST(answer.body == c.body);
            BOOST_TEST(answer.header("content-security-policy") == kCsp);
            BOOST_TEST(answer.header("x-content-type-options") == "nosniff");
            BOOST_TEST(answer.header("cache-control") == "no-cache");
            BOOST_TEST(!answer.header("etag").empty());
            BOOST_TEST(!answer.header("last-modified").empty());
        }
    }
    // Revalidation: the ETag (or the date) gets 304 and no body.
    const it::HttpAnswer first =
        it::httpExchange(port, it::httpGet(port, "/app.js"), it::after(kWait));
    const std::string etag = first.header("etag");
    const it::HttpAnswer byTag = it::httpExchange(
        port, it::httpGet(port, "/app.js", "If-None-Match: " + etag + "\r\n"), it::after(kWait));
    BOOST_TEST(byTag.status == 304);
    BOOST_TEST(byTag.body.empty());
    BOOST_TEST(byTag.header("etag") == etag);
    const it::HttpAnswer byDate = it::httpExchange(
        port,
        it::httpGet(port, "/app.js",
                    "If-Modified-Since: " + first.header("last-modified") + "\r\n"),
        it::after(kWait));
    BOOST_TEST(byDate.status == 304);
    const it::HttpAnswer otherTag = it::httpExchange(
        port, it::httpGet(port, "/app.js", "If-None-Match: \"other\"\r\n"), it::after(kWait));
    BOOST_TEST(otherTag.status == 200);
    // HEAD: the headers of GET, no body.
    const it::HttpAnswer head =
        it::httpExchange(port, it::httpGet(port, "/app.js", {}, "HEAD"), it::after(kWait));
    BOOST_TEST(head.status == 200);
    BOOST_TEST(head.header("content-length") ==
               std::to_string(std::string("console.log('hermes');").size()));
    BOOST_TEST(head.body.empty());
    // Keep-alive: two requests on one connection.
    it::HttpConnection connection(port);
    connection.send(it::httpGet(port, "/app.css") + it::httpGet(port, "/icon.svg"));
    BOOST_TEST(connection.read(it::after(kWait)).body == "body{}");
    BOOST_TEST(connection.read(it::after(kWait)).header("content-type") == "image/svg+xml");
    // A missing file: 404, with the policy too.
    const it::HttpAnswer missing =
        it::httpExchange(port, it::httpGet(port, "/nope.js"), it::after(kWait));
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(missing.header("content-security-policy") == kCsp);
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(no_path_leaves_the_static_directory) {
    Site site;
    it::HttpHub web(site.settings());
    const std::uint16_t port = web.httpPort;
    struct Case {
        const char* target;
        int status;
    };
    const Case cases[] = {
        {"/../secret.txt", 404},
        {"/sub/../../secret.txt", 404},
        {"/%2e%2e/secret.txt", 404},
        {"/%2E%2E/secret.txt", 404},
        {"/..%2fsecret.txt", 404},
        {"/%2e%2e%2fsecret.txt", 404},
        {"/..%5csecret.txt", 404},
        {"/%252e%252e/secret.txt", 404},  // decoded once: a file named "%2e%2e"
        {"/.%2e/secret.txt", 404},
        {"//secret.txt", 404},
        {"/sub//deep.txt", 404},
        {"/sub%2fdeep.txt", 404},  // an encoded separator names no file, even one inside
        {"/sub%2Fdeep.txt", 404},
        {"/./index.html", 404},
        {"/.hidden", 404},
        {"/%2ehidden", 404},
        {"/index.html%00.js", 404},
        {"/link.txt", 404},       // a symbolic link out of the root
        {"/up/secret.txt", 404},  // a linked directory out of the root
        {"/sub/", 404},
        {"/%zz", 400},
        {"/%2", 400},
        {"http://127.0.0.1/secret.txt", 400},  // absolute-form: not for an origin server
        {"secret.txt", 400},
        {"*", 400},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.target) {
            const it::HttpAnswer answer =
                it::httpExchange(port, it::httpGet(port, c.target), it::after(kWait));
            BOOST_TEST(answer.status == c.status);
            BOOST_TEST(answer.body.find(kSecret) == std::string::npos);
        }
    }
    // Still serving.
    BOOST_TEST(it::httpExchange(port, it::httpGet(port, "/"), it::after(kWait)).status == 200);
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(oversized_and_odd_requests_are_refused) {
    Site site;
    it::HttpHub web(site.settings());
    const std::uint16_t port = web.httpPort;
    std::string manyFields;
    for (int i = 0; i < 101; ++i) {
        manyFields += "X-F" + std::to_string(i) + ": v\r\n";
    }
    std::string bigFields;
    for (int i = 0; i < 3; ++i) {
        bigFields += "X-Big" + std::to_string(i) + ": " + std::string(3000, 'b') + "\r\n";
    }
    struct Case {
        const char* name;
        std::string request;
        int status;
    };
    const Case cases[] = {
        {"a target of 3,000 bytes", it::httpGet(port, "/" + std::string(3000, 'a')), 414},
        {"header fields of 9 KB", it::httpGet(port, "/", bigFields), 431},
        {"a field of 9,000 bytes (POCO's limit)",
         it::httpGet(port, "/", "X-Huge: " + std::string(9000, 'h') + "\r\n"), 400},
        {"101 fields (POCO's limit)", it::httpGet(port, "/", manyFields), 400},
        {"a target of 20 KB (POCO's limit)", it::httpGet(port, "/" + std::string(20000, 'a')), 400},
        {"a body", it::httpGet(port, "/", "Content-Length: 5\r\n") + "hello", 413},
        {"a chunked body",
         it::httpGet(port, "/", "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n", 413},
        {"POST", it::httpGet(port, "/", "Content-Length: 0\r\n", "POST"), 405},
        {"DELETE", it::httpGet(port, "/index.html", {}, "DELETE"), 405},
        {"a method of 40 bytes (POCO's limit)", std::string(40, 'G') + " / HTTP/1.1\r\n\r\n", 400},
        {"not HTTP", "NOT HTTP AT ALL\r\n\r\n", 405},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            it::HttpConnection connection(port);
            try {
                connection.send(c.request);
            } catch (const Poco::Exception&) {
                // refused before it was all sent: the answer is still read
            }
            const it::HttpAnswer answer = connection.read(it::after(kWait));
            BOOST_TEST(answer.status == c.status);
            BOOST_TEST(connection.waitClosed(it::after(kWait)), "closed after a refusal");
            if (c.status == 405) {
                BOOST_TEST(answer.header("allow") == "GET, HEAD");
            }
        }
    }
    BOOST_TEST(it::httpExchange(port, it::httpGet(port, "/"), it::after(kWait)).status == 200);
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(at_most_http_max_connections_are_served_at_once) {
    Site site;
    it::HttpHub web(site.settings({{"http.max_connections", "2"},
                                   {"http.accept_queue", "1"},
                                   {"http.keep_alive_ms", "20000"}}));
    const std::uint16_t port = web.httpPort;
    // Two keep-alive connections hold both threads once answered. One at a
    // time: two connections at once could both reach the queue of one.
    it::HttpConnection first(port);
    first.send(it::httpGet(port, "/app.css"));
    BOOST_TEST_REQUIRE(first.read(it::after(kWait)).status == 200);
    it::HttpConnection second(port);
    second.send(it::httpGet(port, "/app.css"));
    BOOST_TEST_REQUIRE(second.read(it::after(kWait)).status == 200);
    // The third waits in the queue, the fourth finds it full: closed unanswered.
    it::HttpConnection third(port);
    third.send(it::httpGet(port, "/app.css"));
    it::HttpConnection fourth(port);
    fourth.send(it::httpGet(port, "/app.css"));
    const it::HttpAnswer refused = fourth.read(it::after(kWait));
    BOOST_TEST(refused.status == 0);
    BOOST_TEST(fourth.waitClosed(it::after(kWait)));
    // A thread comes free: the third is answered.
    first.socket().close();
    BOOST_TEST(third.read(it::after(kWait)).status == 200);
    web.guard->expectCleanStop();
}

BOOST_AUTO_TEST_CASE(one_address_holds_at_most_its_share_of_the_threads) {
    // Four threads, two for any one address: a host that keeps its
    // connections open (a header byte now and then would do; keep-alive does
    // here) cannot hold them all.
    Site site;
    it::HttpHub web(site.settings({{"http.max_connections", "4"},
                                   {"http.accept_queue", "4"},
                                   {"http.max_connections_per_address", "2"},
                                   {"http.keep_alive_ms", "20000"}}));
    const std::uint16_t port = web.httpPort;
    auto first = std::make_unique<it::HttpConnection>(port);
    first->send(it::httpGet(port, "/app.css"));
    BOOST_TEST_REQUIRE(first->read(it::after(kWait)).status == 200);
    it::HttpConnection second(port);
    second.send(it::httpGet(port, "/app.css"));
    BOOST_TEST_REQUIRE(second.read(it::after(kWait)).status == 200);
    // Two threads are free, but 127.0.0.1 has its two: the third is closed
    // unanswered.
    it::HttpConnection third(port);
    try {
        third.send(it::httpGet(port, "/app.css"));
    } catch (const Poco::Exception&) {
        // closed before the request was all sent: what follows still holds
    }
    BOOST_TEST(third.read(it::after(kWait)).status == 0);
    BOOST_TEST(third.waitClosed(it::after(kWait)));
    // Once one of its connections ends, the address is served again (the
    // server notices the close on its own time: ask until answered).
    first.reset();
    int status = 0;
    const it::Deadline deadline = it::after(kWait);
    while (status != 200 && it::Clock::now() < deadline) {
        it::HttpConnection again(port);
        try {
            again.send(it::httpGet(port, "/app.css"));
        } catch (const Poco::Exception&) {
            continue;  // refused at once: not freed yet
        }
        status = again.read(deadline).status;
    }
    BOOST_TEST(status == 200);
    web.guard->expectCleanStop();
}

// DNS rebinding: a hostile page whose own name resolves to the hub sends its
// requests with that name as Host and its own origin as Origin, which the
// Origin check alone lets through. Only the hub's own names are answered.
BOOST_AUTO_TEST_CASE(a_name_that_is_not_the_hubs_is_refused) {
    Site site;
    it::HttpHub web(site.settings({{"http.allowed_hosts", "chat.example"}}));
    const std::uint16_t port = web.httpPort;
    const std::string portText = std::to_string(port);
    const auto withHost = [&](std::string request, const std::string& host) {
        const std::string own = "Host: 127.0.0.1:" + portText;
        request.replace(request.find(own), own.size(), "Host: " + host);
        return request;
    };
    struct Case {
        std::string name;
        std::string request;
        int status;
    };
    const std::string rebound = "rebind.example:" + portText;
    const Case cases[] = {
        {"the page by a rebound name", withHost(it::httpGet(port, "/"), rebound), 421},
        {"a WebSocket by a rebound name, Origin matching",
         withHost(it::WebClient::upgradeRequest(port, "http://" + rebound), rebound), 421},
        {"the page by address", it::httpGet(port, "/"), 200},
        {"the page by localhost", withHost(it::httpGet(port, "/"), "localhost:" + portText), 200},
        {"the page by a listed name",
         withHost(it::httpGet(port, "/"), "CHAT.example:" + portText), 200},
        {"no Host (not a browser)", "GET / HTTP/1.0\r\n\r\n", 200},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            const it::HttpAnswer answer = it::httpExchange(port, c.request, it::after(kWait));
            BOOST_TEST(answer.status == c.status);
            if (c.status == 421) {
                BOOST_TEST(answer.body.find("http.allowed_hosts") != std::string::npos);
            }
        }
    }
    // The hub's own WebSocket, by its address, still works.
    it::WebClient browser(port, "browser");
    browser.open(it::after(kWait));
    BOOST_TEST(browser.hello("browser", it::after(kWait)).nick() == "browser");
    web.guard->expectCleanStop();
}
