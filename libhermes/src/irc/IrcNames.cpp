#include "hermes/irc/IrcNames.hpp"

#include "hermes/protocol/Validation.hpp"

namespace hermes::irc {

std::string channelOf(std::string_view room) {
    return "#" + std::string(room);
}

bool isChannel(std::string_view target) {
    return !target.empty() && target.front() == '#';
}

std::string roomOf(std::string_view target) {
    if (hermes::protocol::checkRoom(target)) {
        return {};
    }
    return hermes::protocol::canonicalRoom(target);
}

}  // namespace hermes::irc
