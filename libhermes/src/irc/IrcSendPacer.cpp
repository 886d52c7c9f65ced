#include "hermes/irc/IrcSendPacer.hpp"

namespace hermes::irc {

IrcSendPacer::Decision IrcSendPacer::ready(TimePoint now) {
    if (!enabled() || now >= due()) {
        // Due (or quiet for an interval): a held member goes now too; the
        // caller's sent() starts the next interval.
        holding_ = false;
        return Decision::Send;
    }
    if (holding_) {
        return Decision::Holding;
    }
    holding_ = true;
    return Decision::Hold;
}

}  // namespace hermes::irc
