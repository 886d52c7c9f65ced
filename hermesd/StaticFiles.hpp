#pragma once
// The browser client's files (web/'s build output, http.static_dir), served
// by the HTTP listener: GET and HEAD, the content type by extension, an
// ETag and Last-Modified with "Cache-Control: no-cache" (the bundle's names
// carry no content hash, so a browser asks again each time and gets 304 Not
// Modified while the file is unchanged), and the security headers of every
// answer (HttpResponses.hpp).
//
// Paths: only what resolve() accepts is ever opened. A request path is
// percent-decoded once; an encoded separator (%2f, %2F) is refused outright
// (404: "a%2Fb" does not name a/b), and every segment must be 1..255 bytes
// of [A-Za-z0-9._-] not starting with '.', so "..", ".", hidden files, "//",
// backslashes, NUL and encoded forms of them (%2e%2e, %5c, %00) never name
// a file; a path that is not absolute ("GET http://..." or "GET x") or has a
// bad percent escape is a 400. The file found must be a regular file
// inside the root once symbolic links are resolved.
//
// Threading: const after construction; HTTP server threads call it at once.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <Poco/Net/HTTPRequestHandler.h>

namespace hermesd {

class StaticFiles {
public:
    // `root`: the directory served; empty: none (every file is 404).
    explicit StaticFiles(std::filesystem::path root);

    struct Resolved {
        enum class Status : std::uint8_t { Found, NotFound, BadRequest };
        Status status = Status::NotFound;
        std::filesystem::path file;
    };
    // The file a request target names ("/" is index.html; a query is ignored).
    Resolved resolve(std::string_view target) const;

    const std::filesystem::path& root() const { return root_; }

    // The content type for a file name's extension.
    static std::string_view contentType(const std::filesystem::path& file);

private:
    std::filesystem::path root_;  // canonical
};

class StaticFileHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit StaticFileHandler(const StaticFiles& files) : files_(files) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override;

private:
    const StaticFiles& files_;
};

}  // namespace hermesd
