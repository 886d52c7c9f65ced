#pragma once
// What a hub says about itself in its DNS-SD TXT record (_hermes._tcp,
// docs/HUB.md "Discovery"): written by hermesd's Announcer, read by the
// browsing clients (HubBrowser). One "key=value" string per item:
//
//   txtvers=1            this layout
//   name=office          hub.name (at most kMaxNameBytes, cut at a character)
//   proto=1              the wire protocol version (Limits.hpp kProtocolVersion)
//   tls=0|1              the Hermes port speaks TLS only
//   fp=SHA256:AB:..      with tls=1: the certificate's fingerprint (Fingerprint.hpp)
//   irc=6667             the IRC gateway's port, when it listens
//   ircs=6697            the IRC gateway's TLS port (irc.tls_port), when it listens
//   web=7080             the browser client's port, when it listens
//   webtls=0|1           with web: https
//
// Keys are at most nine characters (RFC 6763 6.4). Anyone on the link can
// send any TXT record: parseHubRecord() keeps what is well formed, drops the
// rest (a name that is not valid text, with control characters, is no
// name), and never throws; a fingerprint read here is a hint to compare, not a
// trust anchor (docs/SECURITY.md).
//
// Threading: plain values and pure functions.

#include <cstdint>
#include <string>
#include <vector>

namespace hermes::discovery {

inline constexpr const char* kServiceType = "_hermes._tcp";
inline constexpr const char* kIrcServiceType = "_irc._tcp";
// A TXT item is at most 255 bytes; "name=" leaves 250, cut to a round figure.
inline constexpr std::size_t kMaxNameBytes = 200;
// A DNS-SD instance name is one DNS label.
inline constexpr std::size_t kMaxInstanceBytes = 63;

struct HubRecord {
    std::string name;       // hub.name ("" when absent)
    unsigned protocol = 0;  // 0 when absent or not a number
    bool tls = false;
    std::string fingerprint;       // normalized; "" unless tls and well formed
    std::uint16_t ircPort = 0;     // 0: none announced
    std::uint16_t ircTlsPort = 0;  // IRC over TLS; 0: none announced
    std::uint16_t webPort = 0;     // 0: none announced
    bool webTls = false;
};

std::vector<std::string> toTxt(const HubRecord& record);
HubRecord parseHubRecord(const std::vector<std::string>& items);

// `text` cut to at most `bytes` bytes without splitting a UTF-8 character.
std::string clipUtf8(const std::string& text, std::size_t bytes);

// Names from the network (a DNS-SD instance, a host name) as they may be
// printed to a terminal: unchanged when they are valid UTF-8 without control
// characters (the protocol's text rule), else every byte outside printable
// ASCII as '?', so no escape sequence ever reaches the user's terminal.
std::string displayable(const std::string& text);

}  // namespace hermes::discovery
