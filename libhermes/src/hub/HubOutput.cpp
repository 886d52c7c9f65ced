// Error replies, the fatal Error frame, and handing output to the edge.
// The queueing itself (enqueue, broadcast) is inline in HubImpl.hpp.

#include "HubImpl.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hermes::hub {

void Hub::Impl::sendError(Session& s, v1::ErrorCode code, std::string_view text,
                          std::string_view room, std::uint64_t clientMsgId) {
    if (log.debug()) {
        log.debug(describe(s) + ": " + std::string(protocol::errorCodeName(code)) + ": " +
                  std::string(text));
    }
    out.Clear();
    auto* error = out.mutable_error();
    error->set_code(code);
    error->set_text(std::string(text));
    error->set_room(std::string(room));
    error->set_client_msg_id(clientMsgId);
    send(s, out);
}

std::string Hub::Impl::errorFrame(v1::ErrorCode code, std::string_view text) {
    v1::Envelope envelope;
    auto* error = envelope.mutable_error();
    error->set_code(code);
    error->set_text(std::string(text));
    error->set_fatal(true);
    return codec::encodeFrame(envelope);
}

void Hub::Impl::takeReady(std::vector<SessionId>& writableOut, std::vector<Closing>& closingOut) {
    processDoomed();
    for (const SessionId id : writable) {
        Session* s = findSession(id);
        if (s == nullptr || s->doomed) {
            continue;
        }
        s->writable = false;
        if (!s->out.empty()) {
            writableOut.push_back(id);
        }
    }
    writable.clear();
    for (Closing& entry : closing) {
        closingOut.push_back(std::move(entry));
    }
    closing.clear();
}

}  // namespace hermes::hub
