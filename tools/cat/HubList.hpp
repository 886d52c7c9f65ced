#pragma once
// hermes-cat --discover: browses for hubs (HubBrowser.hpp) and prints what
// answered, one a line, for people:
//   office<TAB>10.0.0.5<TAB>7070<TAB>tls<TAB>SHA256:AB:...
//   (plain in place of tls; "-" when no fingerprint)
// or with --json one object a line:
//   {"type":"hub","name","instance","host","address","port","tls",
//    "fingerprint","protocol","interface"[,"irc_port"][,"web_port","web_tls"]}
// where name is the TXT record's hub.name and instance the DNS-SD name that
// may carry Avahi's " #2". No hub answering is not a failure: nothing on
// standard output, a line saying so on standard error, exit 0.
//
// Threading: main thread only; blocks for at most the browse time.

#include <chrono>
#include <iosfwd>
#include <vector>

#include "hermes/discovery/HubBrowser.hpp"

namespace hermes::cat {

void printHubs(const std::vector<hermes::discovery::DiscoveredHub>& hubs, bool json,
               std::ostream& out);

// Browses, prints, and returns the exit code: kExitOk with the list (even an
// empty one), kExitNoSession when avahi-daemon cannot be reached.
int discoverHubs(std::chrono::milliseconds browseTime, bool json, std::ostream& out,
                 std::ostream& err);

}  // namespace hermes::cat
