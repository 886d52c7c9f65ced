#include "StaticFiles.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StringTokenizer.h>
#include <Poco/Timestamp.h>

#include "HttpResponses.hpp"

namespace hermesd {

namespace {

// The largest file served (the page's bundle is about 200 KB).
constexpr std::uintmax_t kMaxFileBytes = 32 * 1024 * 1024;
constexpr std::size_t kMaxSegmentBytes = 255;

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

enum class Decoded : std::uint8_t { Ok, Malformed, EncodedSlash };

// Percent-decodes once. An escape that decodes to '/' (%2F) is refused: a
// separator only ever comes as itself, so "a%2Fb" names no file.
Decoded percentDecode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) {
            return Decoded::Malformed;
        }
        const int high = hexValue(in[i + 1]);
        const int low = hexValue(in[i + 2]);
        if (high < 0 || low < 0) {
            return Decoded::Malformed;
        }
        const char c = static_cast<char>(high * 16 + low);
        if (c == '/') {
            return Decoded::EncodedSlash;
        }
        out.push_back(c);
        i += 2;
    }
    return Decoded::Ok;
}

bool segmentAllowed(std::string_view segment) {
    if (segment.empty() || segment.size() > kMaxSegmentBytes || segment.front() == '.') {
        return false;
    }
    return std::all_of(segment.begin(), segment.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

bool within(const std::filesystem::path& root, const std::filesystem::path& file) {
    const auto [rootEnd, fileAt] =
        std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    return rootEnd == root.end() && fileAt != file.end();
}

bool ifNoneMatch(const std::string& header, const std::string& etag) {
    const Poco::StringTokenizer tags(
        header, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    return std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
        // Weak comparison (RFC 9110 13.1.2): a W/ prefix does not matter.
        const std::string_view bare = std::string_view(tag).substr(tag.rfind("W/", 0) == 0 ? 2 : 0);
        return tag == "*" || bare == etag;
    });
}

}  // namespace

StaticFiles::StaticFiles(std::filesystem::path root) {
    if (!root.empty()) {
        root_ = std::filesystem::canonical(root);  // throws if it does not exist
    }
}

StaticFiles::Resolved StaticFiles::resolve(std::string_view target) const {
    Resolved result;
    if (target.empty() || target.front() != '/') {
        result.status = Resolved::Status::BadRequest;  // absolute-form or garbage
        return result;
    }
    std::string path;
    switch (percentDecode(target.substr(0, target.find_first_of("?#")), path)) {
        case Decoded::Ok:
            break;
        case Decoded::Malformed:
            result.status = Resolved::Status::BadRequest;
            return result;
        case Decoded::EncodedSlash:
            return result;  // NotFound
    }
    if (path == "/") {
        path = "/index.html";
    }
    std::filesystem::path relative;
    std::string_view rest = std::string_view(path).substr(1);
    while (true) {
        const std::size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (!segmentAllowed(segment)) {
            return result;  // NotFound: "..", ".x", "", "a\\b", "%00"...
        }
        relative /= std::string(segment);
        if (slash == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    if (root_.empty()) {
        return result;
    }
    std::error_code error;
    const std::filesystem::path file = std::filesystem::canonical(root_ / relative, error);
    if (error || !within(root_, file) || !std::filesystem::is_regular_file(file, error)) {
        return result;
    }
    result.status = Resolved::Status::Found;
    result.file = file;
    return result;
}

std::string_view StaticFiles::contentType(const std::filesystem::path& file) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".map", "application/json"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
    }};
    const std::string extension = file.extension().string();
    for (const auto& [suffix, type] : kTypes) {
        if (extension == suffix) {
            return type;
        }
    }
    return "application/octet-stream";
}

void StaticFileHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                      Poco::Net::HTTPServerResponse& response) {
    using Poco::Net::HTTPResponse;
    const StaticFiles::Resolved resolved = files_.resolve(request.getURI());
    if (resolved.status == StaticFiles::Resolved::Status::BadRequest) {
        sendPlain(response, HTTPResponse::HTTP_BAD_REQUEST, "bad request path");
        return;
    }
    struct stat info {};
    if (resolved.status != StaticFiles::Resolved::Status::Found ||
        ::stat(resolved.file.c_str(), &info) != 0) {
        sendPlain(response, HTTPResponse::HTTP_NOT_FOUND, "not found");
        return;
    }
    const auto size = static_cast<std::uintmax_t>(info.st_size);
    if (size > kMaxFileBytes) {
        sendPlain(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "file too large to serve");
        return;
    }
    char etag[64];
    std::snprintf(etag, sizeof etag, "\"%jx-%jx\"", size,
                  static_cast<std::uintmax_t>(info.st_mtim.tv_sec) * 1'000'000'000u +
                      static_cast<std::uintmax_t>(info.st_mtim.tv_nsec));
    const Poco::Timestamp modified = Poco::Timestamp::fromEpochTime(info.st_mtim.tv_sec);

    addSecurityHeaders(response);
    response.set("Cache-Control", "no-cache");
    response.set("ETag", etag);
    response.set("Last-Modified",
                 Poco::DateTimeFormatter::format(modified, Poco::DateTimeFormat::HTTP_FORMAT));
    bool fresh = false;
    if (request.has("If-None-Match")) {
        fresh = ifNoneMatch(request.get("If-None-Match"), etag);
    } else if (request.has("If-Modified-Since")) {
        Poco::DateTime since;
        int zone = 0;
        fresh = Poco::DateTimeParser::tryParse(request.get("If-Modified-Since"), since, zone) &&
                modified <= since.timestamp();
    }
    if (fresh) {
        response.setStatusAndReason(HTTPResponse::HTTP_NOT_MODIFIED);
        response.send();
        return;
    }
    std::ifstream in(resolved.file, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) {
        sendPlain(response, HTTPResponse::HTTP_NOT_FOUND, "not found");
        return;
    }
    const std::string bytes = body.str();
    response.setContentType(std::string(StaticFiles::contentType(resolved.file)));
    response.sendBuffer(bytes.data(), bytes.size());  // headers only for HEAD
}

}  // namespace hermesd
