// known_hubs on real files: a hub not in the file, one pinned, one whose
// certificate changed (with the line to remove), comments and other hubs
// ignored, the file and its directory created private, and the messages a
// user reads.
#define BOOST_TEST_MODULE known_hubs
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "hermes/client/KnownHubs.hpp"
#include "hermes/test/TempDir.hpp"

using hermes::client::KnownHubs;
using hermes::test::TempDir;
using Kind = KnownHubs::Verdict::Kind;

namespace {

std::string fingerprint(char fill) {
    std::string text = "SHA256:";
    for (int i = 0; i < 32; ++i) {
        text += (i > 0 ? ":" : "");
        text += std::string(2, fill);
    }
    return text;
}

mode_t modeOf(const std::string& path) {
    struct stat info {};
    BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

}  // namespace

BOOST_AUTO_TEST_CASE(unknown_then_added_then_trusted) {
    TempDir dir("hermes-known-hubs");
    const KnownHubs hubs(dir.file("data/hermes/known_hubs"));
    const std::string a = fingerprint('A');
    BOOST_TEST((hubs.check("hub:7070", a).kind == Kind::Unknown));  // no file yet
    hubs.add("hub:7070", a);
    BOOST_TEST(modeOf(hubs.path()) == 0600u);
    BOOST_TEST(modeOf(dir.file("data/hermes")) == 0700u);
    const auto verdict = hubs.check("hub:7070", a);
    BOOST_TEST((verdict.kind == Kind::Trusted));
    BOOST_TEST(verdict.line == 1);
    // Same host, other port: another hub.
    BOOST_TEST((hubs.check("hub:7071", a).kind == Kind::Unknown));
    // Lower-case hex is the same fingerprint.
    std::string lower = a;
    for (char& c : lower) {
        c = c == 'A' ? 'a' : c;
    }
    BOOST_TEST((hubs.check("hub:7070", lower).kind == Kind::Trusted));
}

BOOST_AUTO_TEST_CASE(a_changed_fingerprint_names_the_line_and_the_old_one) {
    TempDir dir("hermes-known-hubs");
    const std::string path = dir.file("known_hubs");
    std::ofstream(path) << "# my hubs\n\nother:7070 " << fingerprint('C') << "\nhub:7070 "
                        << fingerprint('A') << "\n";
    const KnownHubs hubs(path);
    const auto verdict = hubs.check("hub:7070", fingerprint('B'));
    BOOST_TEST((verdict.kind == Kind::Changed));
    BOOST_TEST(verdict.line == 4);
    BOOST_TEST(verdict.pinned == fingerprint('A'));
    const std::string text =
        hermes::client::describeUntrustedHub(hubs, "hub:7070", fingerprint('B'), verdict);
    BOOST_TEST(text.find("CHANGED") != std::string::npos);
    BOOST_TEST(text.find("pinned:    " + fingerprint('A')) != std::string::npos);
    BOOST_TEST(text.find("presented: " + fingerprint('B')) != std::string::npos);
    BOOST_TEST(text.find(path + ", line 4") != std::string::npos);
    BOOST_TEST(text.find("sed -i '4d' " + path) != std::string::npos);
    // A line for the new one added after the old: trusted.
    hubs.add("hub:7070", fingerprint('B'));
    BOOST_TEST((hubs.check("hub:7070", fingerprint('B')).kind == Kind::Trusted));
}

BOOST_AUTO_TEST_CASE(the_default_path_follows_xdg_data_home) {
    // Set and read on this thread only (no other thread runs here).
    ::setenv("XDG_DATA_HOME", "/somewhere/data", 1);
    BOOST_TEST(KnownHubs::defaultPath() == "/somewhere/data/hermes/known_hubs");
    ::setenv("XDG_DATA_HOME", "relative", 1);  // not absolute: ignored, as the spec says
    ::setenv("HOME", "/home/ana", 1);
    BOOST_TEST(KnownHubs::defaultPath() == "/home/ana/.local/share/hermes/known_hubs");
    ::unsetenv("XDG_DATA_HOME");
    BOOST_TEST(KnownHubs::defaultPath() == "/home/ana/.local/share/hermes/known_hubs");
}
