// The public Hub: each call sets the hub's time and hands over to Hub::Impl
// (HubImpl.hpp, which lists the file for each concern).

#include "hermes/hub/Hub.hpp"

#include "HubImpl.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "hermes/hub/MemoryHistory.hpp"

namespace hermes::hub {

std::int64_t systemWallClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Hub::Impl::Impl(Hub& owner, std::unique_ptr<HistoryStore> store, WallClock clock)
    : hub(owner),
      config(owner.config_),
      stats(owner.stats_),
      registry(owner.registry_),
      memory(owner.outputMemory_),
      history(store ? std::move(store)
                    : std::make_unique<MemoryHistory>(owner.config_.historySize)),
      wallClock(clock ? std::move(clock) : WallClock(systemWallClockMs)),
      log(Poco::Logger::get("hermes.hub")),
      durable(!history->synchronous()) {
    restoreRooms();
}

Hub::Hub(HubConfig config, std::uint64_t epoch, std::unique_ptr<HistoryStore> history,
         WallClock wallClock)
    : config_(std::move(config)),
      epoch_(epoch),
      impl_(std::make_unique<Impl>(*this, std::move(history), std::move(wallClock))) {}

Hub::~Hub() = default;

SessionId Hub::open(std::string peer, TimePoint now) {
    impl_->setNow(now);
    return impl_->open(std::move(peer));
}

void Hub::receive(SessionId id, std::string_view bytes, TimePoint now) {
    impl_->setNow(now);
    if (Session* s = impl_->findSession(id)) {
        impl_->receive(*s, bytes);
    }
    impl_->processDoomed();
}

void Hub::flush() {
    impl_->flushAll();
    impl_->history->submit();
}

void Hub::consumed(SessionId id, std::size_t n, TimePoint now) {
    impl_->setNow(now);
    if (Session* s = impl_->findSession(id)) {
        const std::size_t capacity = s->out.capacity();
        stats_.bytesQueued -= s->out.consume(n, now);
        stats_.bytesReleased += capacity - std::min(capacity, s->out.capacity());
        s->active = true;
    }
    impl_->resumeIfDrained();
}

void Hub::closed(SessionId id, std::string_view why, TimePoint now) {
    impl_->setNow(now);
    impl_->processDoomed();
    if (Session* s = impl_->findSession(id)) {
        impl_->finish(*s, "connection_closed", why.empty() ? "connection closed" : std::string(why),
                      false);
    }
    impl_->processDoomed();
}

TimePoint Hub::tick(TimePoint now) {
    impl_->setNow(now);
    const TimePoint next = impl_->tick();
    impl_->history->submit();  // what timers released (rate-limited frames)
    return next;
}

void Hub::storeCommitted(TimePoint now) {
    impl_->setNow(now);
    impl_->storeCommitted();
}

int Hub::storeCommitFd() const {
    return impl_->history->commitFd();
}

std::size_t Hub::heldMessages() const {
    return impl_->heldMessages;
}

bool Hub::inputPaused() const {
    return impl_->inputPaused;
}

void Hub::shutdown(std::string_view reason) {
    impl_->shutdown(reason);
}

std::size_t Hub::output(SessionId id, std::span<std::string_view> views) const {
    const Session* s = impl_->findSession(id);
    return s == nullptr ? 0 : s->out.views(views);
}

void Hub::takeReady(std::vector<SessionId>& writable, std::vector<Closing>& closing) {
    impl_->takeReady(writable, closing);
}

}  // namespace hermes::hub
