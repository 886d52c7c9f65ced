#pragma once
// Publishes the hub on the LAN over DNS-SD/mDNS (discovery.announce, off by
// default: docs/HUB.md "Discovery", docs/SECURITY.md) through the system's
// avahi-daemon: one entry group holding _hermes._tcp on the Hermes port,
// with the TXT record of HubRecord.hpp, and _irc._tcp on the IRC port when
// the gateway listens. Owns the Avahi client, its entry group and a retry
// timer; it never blocks the hub and never stops it:
// - avahi-daemon absent at start, or gone later (a restart): the client
//   waits for it (AVAHI_CLIENT_NO_FAIL) and publishes again when it is back;
// - no D-Bus system bus, or another failure: logged once, retried every
//   kRetryDelay;
// - the name taken by another host: Avahi's alternative name ("office #2"),
//   logged; the TXT name= stays hub.name.
//
// Threading: Avahi's threaded poll runs every callback on its own thread
// ("avahi" in the logs), with the poll's lock held; everything past the
// constructor's start is touched only there. The constructor and destructor
// run on the daemon's main thread: the constructor before the poll thread
// starts, the destructor after it stopped (avahi_threaded_poll_stop joins
// it), so no lock is needed for them. Poco::Logger is thread safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <Poco/Logger.h>
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/thread-watch.h>

namespace hermesd {

struct Announcement {
    std::string instance;          // the DNS-SD instance name (hub.name, cut to a label)
    std::uint16_t port = 0;        // the Hermes port
    std::vector<std::string> txt;  // HubRecord's items
    std::uint16_t ircPort = 0;     // also _irc._tcp on this port (0 = not)
};

class Announcer {
public:
    static constexpr std::chrono::seconds kRetryDelay{30};

    // Starts the poll thread. Throws std::runtime_error only if Avahi cannot
    // even allocate its poll (out of memory).
    Announcer(Announcement announcement, Poco::Logger& log);
    // Withdraws the records (avahi-daemon sends their goodbyes) and joins the
    // poll thread.
    ~Announcer();
    Announcer(const Announcer&) = delete;
    Announcer& operator=(const Announcer&) = delete;

private:
    static void onClient(AvahiClient* client, AvahiClientState state, void* self);
    static void onGroup(AvahiEntryGroup* group, AvahiEntryGroupState state, void* self);
    static void onRetry(AvahiTimeout* timeout, void* self);

    void connect();
    void publish(AvahiClient* client);
    void retryLater();
    void dropClient();

    const Announcement announcement_;
    Poco::Logger& log_;
    AvahiThreadedPoll* poll_ = nullptr;
    AvahiClient* client_ = nullptr;
    AvahiEntryGroup* group_ = nullptr;
    AvahiTimeout* retry_ = nullptr;
    std::string name_;                // as published: announcement_.instance or an alternative
    bool warnedUnreachable_ = false;  // "cannot reach avahi-daemon" said once until it works
};

}  // namespace hermesd
