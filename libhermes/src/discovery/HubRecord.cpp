#include "hermes/discovery/HubRecord.hpp"

#include <charconv>

#include "hermes/protocol/Validation.hpp"
#include "hermes/tls/Fingerprint.hpp"

namespace hermes::discovery {

namespace {

// A decimal number of at most `max`, or nothing.
bool readNumber(const std::string& text, unsigned max, unsigned& out) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end || text.empty() || value > max) {
        return false;
    }
    out = value;
    return true;
}

std::uint16_t readPort(const std::string& text) {
    unsigned port = 0;
    return readNumber(text, 65535, port) ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace

std::string clipUtf8(const std::string& text, std::size_t bytes) {
    if (text.size() <= bytes) {
        return text;
    }
    std::size_t cut = bytes;
    // Back off continuation bytes (10xxxxxx) to the start of their character.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return text.substr(0, cut);
}

std::string displayable(const std::string& text) {
    if (!hermes::protocol::checkOptionalText(text, text.size(), "name")) {
        return text;
    }
    std::string shown = text;
    for (char& c : shown) {
        if (c < 0x20 || c > 0x7e) {
            c = '?';
        }
    }
    return shown;
}

std::vector<std::string> toTxt(const HubRecord& record) {
    std::vector<std::string> items{"txtvers=1", "name=" + clipUtf8(record.name, kMaxNameBytes),
                                   "proto=" + std::to_string(record.protocol),
                                   std::string("tls=") + (record.tls ? "1" : "0")};
    if (record.tls && !record.fingerprint.empty()) {
        items.push_back("fp=" + record.fingerprint);
    }
    if (record.ircPort != 0) {
        items.push_back("irc=" + std::to_string(record.ircPort));
    }
    if (record.ircTlsPort != 0) {
        items.push_back("ircs=" + std::to_string(record.ircTlsPort));
    }
    if (record.webPort != 0) {
        items.push_back("web=" + std::to_string(record.webPort));
        items.push_back(std::string("webtls=") + (record.webTls ? "1" : "0"));
    }
    return items;
}

HubRecord parseHubRecord(const std::vector<std::string>& items) {
    HubRecord record;
    std::string fingerprint;
    for (const std::string& item : items) {
        const auto equals = item.find('=');
        if (equals == std::string::npos) {
            continue;  // a boolean attribute: none is defined
        }
        const std::string key = item.substr(0, equals);
        const std::string value = item.substr(equals + 1);
        if (key == "name") {
            // Shown and printed: a name that is not text (invalid UTF-8,
            // control characters such as ESC) is no name.
            if (!hermes::protocol::checkOptionalText(value, value.size(), "name")) {
                record.name = clipUtf8(value, kMaxNameBytes);
            }
        } else if (key == "proto") {
            readNumber(value, 1'000'000, record.protocol);
        } else if (key == "tls") {
            record.tls = value == "1";
        } else if (key == "fp") {
            fingerprint = value;
        } else if (key == "irc") {
            record.ircPort = readPort(value);
        } else if (key == "ircs") {
            record.ircTlsPort = readPort(value);
        } else if (key == "web") {
            record.webPort = readPort(value);
        } else if (key == "webtls") {
            record.webTls = value == "1";
        }
    }
    if (record.tls && hermes::tls::isFingerprint(fingerprint)) {
        record.fingerprint = hermes::tls::normalizeFingerprint(fingerprint);
    }
    if (record.webPort == 0) {
        record.webTls = false;
    }
    return record;
}

}  // namespace hermes::discovery
