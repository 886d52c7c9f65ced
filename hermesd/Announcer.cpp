#include "Announcer.hpp"

#include <stdexcept>

#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>
#include <avahi-common/timeval.h>

#include "hermes/discovery/HubRecord.hpp"

namespace hermesd {

Announcer::Announcer(Announcement announcement, Poco::Logger& log)
    : announcement_(std::move(announcement)), log_(log), name_(announcement_.instance) {
    poll_ = avahi_threaded_poll_new();
    if (poll_ == nullptr) {
        throw std::runtime_error("discovery: avahi_threaded_poll_new failed (out of memory)");
    }
    const AvahiPoll* api = avahi_threaded_poll_get(poll_);
    // Disarmed (no time) until a retry is wanted.
    retry_ = api->timeout_new(api, nullptr, &Announcer::onRetry, this);
    connect();  // before the thread starts: no lock needed yet
    if (avahi_threaded_poll_start(poll_) < 0) {
        dropClient();
        avahi_threaded_poll_free(poll_);
        throw std::runtime_error("discovery: cannot start Avahi's poll thread");
    }
}

Announcer::~Announcer() {
    avahi_threaded_poll_stop(poll_);
    dropClient();                     // frees the entry group: avahi-daemon withdraws the records
    avahi_threaded_poll_free(poll_);  // and the retry timer
}

void Announcer::dropClient() {
    if (client_ != nullptr) {
        avahi_client_free(client_);
    }
    client_ = nullptr;
    group_ = nullptr;
}

void Announcer::connect() {
    int error = 0;
    // NO_FAIL: with D-Bus up but avahi-daemon not (yet) there, the client
    // waits in CONNECTING and goes on when the daemon appears. Its callback
    // may run inside avahi_client_new, before client_ is set.
    AvahiClient* client = avahi_client_new(avahi_threaded_poll_get(poll_), AVAHI_CLIENT_NO_FAIL,
                                           &Announcer::onClient, this, &error);
    if (client == nullptr) {
        if (!warnedUnreachable_) {
            log_.warning(
                "discovery: cannot reach avahi-daemon (%s); the hub runs without announcing "
                "and tries again every %?d s",
                std::string(avahi_strerror(error)), kRetryDelay.count());
            warnedUnreachable_ = true;
        }
        retryLater();
        return;
    }
    client_ = client;
}

void Announcer::retryLater() {
    timeval when{};
    avahi_elapse_time(&when, static_cast<unsigned>(kRetryDelay.count() * 1000), 0);
    const AvahiPoll* api = avahi_threaded_poll_get(poll_);
    api->timeout_update(retry_, &when);
}

void Announcer::onRetry(AvahiTimeout* timeout, void* context) {
    auto& self = *static_cast<Announcer*>(context);
    const AvahiPoll* api = avahi_threaded_poll_get(self.poll_);
    api->timeout_update(timeout, nullptr);
    if (self.client_ == nullptr) {
        self.connect();
    } else if (avahi_client_get_state(self.client_) == AVAHI_CLIENT_S_RUNNING) {
        self.publish(self.client_);  // after a failed group
    }
}

void Announcer::onClient(AvahiClient* client, AvahiClientState state, void* context) {
    auto& self = *static_cast<Announcer*>(context);
    self.client_ = client;
    switch (state) {
        case AVAHI_CLIENT_S_RUNNING:
            if (self.warnedUnreachable_) {
                self.log_.information("discovery: avahi-daemon is there now");
                self.warnedUnreachable_ = false;
            }
            self.publish(client);
            break;
        case AVAHI_CLIENT_S_COLLISION:
        case AVAHI_CLIENT_S_REGISTERING:
            // The host's own name is being (re)registered: our records go
            // again once it is RUNNING.
            if (self.group_ != nullptr) {
                avahi_entry_group_reset(self.group_);
            }
            break;
        case AVAHI_CLIENT_CONNECTING:
            if (!self.warnedUnreachable_) {
                self.log_.warning(
                    "discovery: avahi-daemon is not running; announcing once it starts");
                self.warnedUnreachable_ = true;
            }
            break;
        case AVAHI_CLIENT_FAILURE: {
            const int error = avahi_client_errno(client);
            // Freeing the client inside its own callback is what Avahi's
            // avahi-publish does on a disconnect.
            self.dropClient();
            if (error == AVAHI_ERR_DISCONNECTED) {
                self.log_.warning(
                    "discovery: lost avahi-daemon (restarted?); announcing again when it is "
                    "back");
                self.warnedUnreachable_ = true;
                self.connect();
            } else {
                self.log_.error("discovery: avahi client failed (%s); trying again in %?d s",
                                std::string(avahi_strerror(error)), kRetryDelay.count());
                self.retryLater();
            }
            break;
        }
    }
}

void Announcer::publish(AvahiClient* client) {
    if (group_ == nullptr) {
        group_ = avahi_entry_group_new(client, &Announcer::onGroup, this);
        if (group_ == nullptr) {
            log_.error("discovery: cannot make an entry group (%s); trying again in %?d s",
                       std::string(avahi_strerror(avahi_client_errno(client))),
                       kRetryDelay.count());
            retryLater();
            return;
        }
    }
    if (!avahi_entry_group_is_empty(group_)) {
        return;  // already published (or on its way)
    }
    AvahiStringList* txt = nullptr;
    for (const std::string& item : announcement_.txt) {
        txt = avahi_string_list_add_arbitrary(
            txt, reinterpret_cast<const std::uint8_t*>(item.data()), item.size());
    }
    for (;;) {
        int result = avahi_entry_group_add_service_strlst(
            group_, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, static_cast<AvahiPublishFlags>(0),
            name_.c_str(), hermes::discovery::kServiceType, nullptr, nullptr, announcement_.port,
            txt);
        if (result == AVAHI_OK && announcement_.ircPort != 0) {
            result = avahi_entry_group_add_service(group_, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                                   static_cast<AvahiPublishFlags>(0), name_.c_str(),
                                                   hermes::discovery::kIrcServiceType, nullptr,
                                                   nullptr, announcement_.ircPort, nullptr);
        }
        if (result == AVAHI_ERR_COLLISION) {
            // A local service has the name already (another hub on this host).
            char* alternative = avahi_alternative_service_name(name_.c_str());
            log_.notice("discovery: the name '%s' is taken here; trying '%s'", name_,
                        std::string(alternative));
            name_ = alternative;
            avahi_free(alternative);
            avahi_entry_group_reset(group_);
            continue;
        }
        if (result == AVAHI_OK) {
            result = avahi_entry_group_commit(group_);
        }
        if (result != AVAHI_OK) {
            log_.error("discovery: cannot publish '%s' (%s); trying again in %?d s", name_,
                       std::string(avahi_strerror(result)), kRetryDelay.count());
            avahi_entry_group_reset(group_);
            retryLater();
        }
        break;
    }
    avahi_string_list_free(txt);
}

void Announcer::onGroup(AvahiEntryGroup* group, AvahiEntryGroupState state, void* context) {
    auto& self = *static_cast<Announcer*>(context);
    switch (state) {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            self.log_.information("discovery: announced as '%s' (%s port %hu%s)", self.name_,
                                  std::string(hermes::discovery::kServiceType),
                                  self.announcement_.port,
                                  self.announcement_.ircPort == 0
                                      ? std::string()
                                      : ", " + std::string(hermes::discovery::kIrcServiceType) +
                                            " port " + std::to_string(self.announcement_.ircPort));
            break;
        case AVAHI_ENTRY_GROUP_COLLISION: {
            // Another host on the link has the name: take the next one.
            char* alternative = avahi_alternative_service_name(self.name_.c_str());
            self.log_.notice("discovery: another host announces '%s'; renamed to '%s'", self.name_,
                             std::string(alternative));
            self.name_ = alternative;
            avahi_free(alternative);
            avahi_entry_group_reset(group);
            self.publish(avahi_entry_group_get_client(group));
            break;
        }
        case AVAHI_ENTRY_GROUP_FAILURE:
            self.log_.error("discovery: announcing failed (%s); trying again in %?d s",
                            std::string(avahi_strerror(
                                avahi_client_errno(avahi_entry_group_get_client(group)))),
                            kRetryDelay.count());
            avahi_entry_group_reset(group);
            self.retryLater();
            break;
        case AVAHI_ENTRY_GROUP_UNCOMMITED:
        case AVAHI_ENTRY_GROUP_REGISTERING:
            break;
    }
}

}  // namespace hermesd
