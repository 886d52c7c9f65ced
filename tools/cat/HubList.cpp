#include "HubList.hpp"

#include <ostream>

#include <Poco/JSON/Object.h>

#include "CatOptions.hpp"

namespace hermes::cat {

void printHubs(const std::vector<hermes::discovery::DiscoveredHub>& hubs, bool json,
               std::ostream& out) {
    for (const auto& hub : hubs) {
        const auto& record = hub.record;
        if (!json) {
            out << (record.name.empty() ? hub.instance : record.name) << '\t' << hub.address << '\t'
                << hub.port << '\t' << (record.tls ? "tls" : "plain") << '\t'
                << (record.fingerprint.empty() ? "-" : record.fingerprint) << '\n';
            continue;
        }
        Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
        object.set("type", "hub");
        object.set("name", record.name);
        object.set("instance", hub.instance);
        object.set("host", hub.host);
        object.set("address", hub.address);
        object.set("port", static_cast<int>(hub.port));
        object.set("tls", record.tls);
        object.set("fingerprint", record.fingerprint);
        object.set("protocol", record.protocol);
        object.set("interface", hub.interface);
        if (record.ircPort != 0) {
            object.set("irc_port", static_cast<int>(record.ircPort));
        }
        if (record.ircTlsPort != 0) {
            object.set("irc_tls_port", static_cast<int>(record.ircTlsPort));
        }
        if (record.webPort != 0) {
            object.set("web_port", static_cast<int>(record.webPort));
            object.set("web_tls", record.webTls);
        }
        object.stringify(out);
        out << '\n';
    }
    out.flush();
}

int discoverHubs(std::chrono::milliseconds browseTime, bool json, std::ostream& out,
                 std::ostream& err) {
    std::vector<hermes::discovery::DiscoveredHub> hubs;
    try {
        hubs = hermes::discovery::browseHubs(browseTime);
    } catch (const hermes::discovery::DiscoveryError& error) {
        err << "hermes-cat: " << error.what() << '\n';
        return kExitNoSession;
    }
    printHubs(hubs, json, out);
    if (hubs.empty()) {
        err << "hermes-cat: no hub answered within " << browseTime.count() / 1000.0 << " s\n";
    }
    return kExitOk;
}

}  // namespace hermes::cat
