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

std::vector<std::string> splitComma(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        if (comma != 0) {
            out.emplace_back(list.substr(0, comma));
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace hermes::irc
