#include "hermes/protocol/FileRules.hpp"

#include <cstdio>

#include "hermes/protocol/Validation.hpp"

namespace hermes::protocol {

namespace v1 = hermes::v1;

bool isSha256Hex(std::string_view text) {
    if (text.size() != 64) {
        return false;
    }
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

std::optional<ProtocolError> checkFileInfo(const v1::FileInfo& file) {
    if (auto error = checkText(file.name(), kMaxFileNameBytes, "file name")) {
        return ProtocolError{v1::ERROR_CODE_INVALID_FILE, error->text};
    }
    if (file.name() == "." || file.name() == ".." ||
        file.name().find_first_of("/\\") != std::string::npos) {
        return ProtocolError{v1::ERROR_CODE_INVALID_FILE,
                             "file name '" + file.name() + "' is a path; send the name alone"};
    }
    if (auto error = checkOptionalText(file.media_type(), kMaxMediaTypeBytes, "media type")) {
        return ProtocolError{v1::ERROR_CODE_INVALID_FILE, error->text};
    }
    if (!isSha256Hex(file.sha256())) {
        return ProtocolError{v1::ERROR_CODE_INVALID_FILE,
                             "sha256 must be 64 lowercase hex digits, got " +
                                 std::to_string(file.sha256().size()) + " characters"};
    }
    const std::string& preview = file.preview();
    if (preview.size() > kMaxPreviewBytes) {
        return ProtocolError{v1::ERROR_CODE_INVALID_FILE,
                             "preview of " + std::to_string(preview.size()) +
                                 " bytes; the most is " + std::to_string(kMaxPreviewBytes)};
    }
    std::size_t lines = 1;
    std::size_t start = 0;
    while (start <= preview.size() && !preview.empty()) {
        const std::size_t end = preview.find('\n', start);
        const std::string_view line =
            std::string_view(preview).substr(start, end == std::string::npos ? end : end - start);
        if (auto error = checkOptionalText(line, kMaxPreviewBytes, "preview line")) {
            return ProtocolError{v1::ERROR_CODE_INVALID_FILE, error->text};
        }
        if (end == std::string::npos) {
            break;
        }
        ++lines;
        start = end + 1;
    }
    if (lines > kMaxPreviewLines) {
        return ProtocolError{v1::ERROR_CODE_INVALID_FILE, "preview of " + std::to_string(lines) +
                                                              " lines; the most is " +
                                                              std::to_string(kMaxPreviewLines)};
    }
    return std::nullopt;
}

std::size_t chunkBytesFor(std::size_t maxFrameBytes) {
    return maxFrameBytes >= 2 * kChunkOverheadBytes ? maxFrameBytes - kChunkOverheadBytes
                                                    : maxFrameBytes / 2;
}

std::string describeSize(std::uint64_t bytes) {
    if (bytes < 1000) {
        return std::to_string(bytes) + " B";
    }
    static constexpr const char* kUnits[] = {"kB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes) / 1000.0;
    std::size_t unit = 0;
    while (value >= 999.95 && unit + 1 < std::size(kUnits)) {
        value /= 1000.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
    return text;
}

std::string fileMessageText(const v1::FileInfo& file) {
    std::string text = "shared " + file.name() + " (" + describeSize(file.size()) + ")";
    if (!file.preview().empty()) {
        text += ": " + file.preview().substr(0, file.preview().find('\n'));
    }
    return text;
}

std::string snippetPreview(std::string_view text) {
    std::string out;
    std::size_t lines = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = 1;
        if (c >= 0x80) {
            length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        }
        std::string_view piece = text.substr(i, length);
        if (c == '\n') {
            if (lines == kMaxPreviewLines) {
                break;
            }
            ++lines;
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            piece = {};
        } else if ((c < 0x20 && c != '\t') || c == 0x7f || !isValidUtf8(piece)) {
            piece = "\xEF\xBF\xBD";
        }
        if (out.size() + piece.size() > kMaxPreviewBytes) {
            break;
        }
        out += piece;
        i += length;
    }
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out;
}

}  // namespace hermes::protocol
