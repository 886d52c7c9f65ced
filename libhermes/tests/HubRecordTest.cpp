// The _hermes._tcp TXT record (HubRecord.hpp): what hermesd writes reads back
// the same, and what anyone on the link may send instead (a bad port, a
// fingerprint that is not one, a name that is not UTF-8, a name too long for
// a TXT item) is dropped item by item, never thrown on.
#define BOOST_TEST_MODULE hub_record
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "hermes/discovery/HubRecord.hpp"

using hermes::discovery::clipUtf8;
using hermes::discovery::HubRecord;
using hermes::discovery::parseHubRecord;
using hermes::discovery::toTxt;

namespace {

const std::string kFingerprint =
    "SHA256:3F:A0:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
    "AA:BB:CC:DD:9C";

}  // namespace

BOOST_AUTO_TEST_CASE(what_the_hub_writes_reads_back) {
    HubRecord record;
    record.name = "office on the 2nd floor";
    record.protocol = 1;
    record.tls = true;
    record.fingerprint = kFingerprint;
    record.ircPort = 6667;
    record.ircTlsPort = 6697;
    record.webPort = 7443;
    record.webTls = true;
    const auto items = toTxt(record);
    BOOST_TEST(items.front() == "txtvers=1");
    BOOST_TEST((std::find(items.begin(), items.end(), "ircs=6697") != items.end()));
    for (const auto& item : items) {
        BOOST_TEST(item.size() <= 255u);
        BOOST_TEST(item.find('=') <= 9u);  // RFC 6763 6.4: short keys
    }
    const HubRecord back = parseHubRecord(items);
    BOOST_TEST(back.name == record.name);
    BOOST_TEST(back.protocol == 1u);
    BOOST_TEST(back.tls);
    BOOST_TEST(back.fingerprint == kFingerprint);
    BOOST_TEST(back.ircPort == 6667);
    BOOST_TEST(back.ircTlsPort == 6697);
    BOOST_TEST(back.webPort == 7443);
    BOOST_TEST(back.webTls);
}

// irc.tls_port alone (no plaintext IRC listener): announced, and read back
// by a client that knows the key; one that does not ignores the item.
BOOST_AUTO_TEST_CASE(the_irc_tls_port_alone_reads_back) {
    HubRecord record;
    record.name = "tls only";
    record.protocol = 1;
    record.ircTlsPort = 6697;
    const auto items = toTxt(record);
    BOOST_TEST(items == (std::vector<std::string>{"txtvers=1", "name=tls only", "proto=1", "tls=0",
                                                  "ircs=6697"}));
    const HubRecord back = parseHubRecord(items);
    BOOST_TEST(back.ircTlsPort == 6697);
    BOOST_TEST(back.ircPort == 0);
}

BOOST_AUTO_TEST_CASE(a_plain_hub_has_no_fingerprint_and_no_extra_ports) {
    HubRecord record;
    record.name = "lan party";
    record.protocol = 1;
    record.fingerprint = kFingerprint;  // ignored without tls
    const auto items = toTxt(record);
    BOOST_TEST(items ==
               (std::vector<std::string>{"txtvers=1", "name=lan party", "proto=1", "tls=0"}));
    const HubRecord back = parseHubRecord(items);
    BOOST_TEST(!back.tls);
    BOOST_TEST(back.fingerprint.empty());
    BOOST_TEST(back.ircPort == 0);
    BOOST_TEST(back.ircTlsPort == 0);
    BOOST_TEST(back.webPort == 0);
}

BOOST_AUTO_TEST_CASE(what_is_not_well_formed_is_dropped) {
    const HubRecord record = parseHubRecord({
        "name=\xff\xfe",  // not UTF-8
        "proto=one",      // not a number
        "tls=1",
        "fp=SHA256:not-a-fingerprint",  // not one
        "irc=70000",                    // not a port
        "ircs=-1",                      // not a port either
        "web=",                         // empty
        "webtls=1",                     // without a web port
        "flag",                         // a boolean attribute nobody defined
        "=value",                       // no key
    });
    BOOST_TEST(record.name.empty());
    BOOST_TEST(record.protocol == 0u);
    BOOST_TEST(record.tls);
    BOOST_TEST(record.fingerprint.empty());
    BOOST_TEST(record.ircPort == 0);
    BOOST_TEST(record.ircTlsPort == 0);
    BOOST_TEST(record.webPort == 0);
    BOOST_TEST(!record.webTls);
}

BOOST_AUTO_TEST_CASE(a_fingerprint_in_lower_case_is_normalized) {
    std::string lower = kFingerprint;
    for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const HubRecord record = parseHubRecord({"tls=1", "fp=" + lower});
    BOOST_TEST(record.fingerprint == kFingerprint);
}

BOOST_AUTO_TEST_CASE(names_are_cut_at_a_character) {
    // "é" is two bytes: cutting at an odd byte count backs off to the whole one.
    const std::string name = "h\xc3\xa9h\xc3\xa9";
    BOOST_TEST(clipUtf8(name, 2) == "h");
    BOOST_TEST(clipUtf8(name, 3) == "h\xc3\xa9");
    BOOST_TEST(clipUtf8(name, 100) == name);
    HubRecord record;
    record.name = std::string(300, 'x');
    const auto items = toTxt(record);
    BOOST_TEST(items[1].size() == 5 + hermes::discovery::kMaxNameBytes);
}

BOOST_AUTO_TEST_CASE(names_never_carry_terminal_escapes) {
    BOOST_TEST(parseHubRecord({"name=office\x1b]0;pwned\x07"}).name.empty());
    BOOST_TEST(parseHubRecord({"name=caf\xc3\xa9"}).name == "caf\xc3\xa9");
    using hermes::discovery::displayable;
    BOOST_TEST(displayable("office #2") == "office #2");
    BOOST_TEST(displayable("caf\xc3\xa9") == "caf\xc3\xa9");
    BOOST_TEST(displayable("a\x1b[2Jb") == "a?[2Jb");
    BOOST_TEST(displayable("\xc2\x9b"
                           "31m") == "??31m");  // C1 CSI
    BOOST_TEST(displayable("\xff") == "?");
}
