#include "hermes/client/ClientOptions.hpp"

#include <algorithm>

namespace hermes::client {

std::vector<HubAddress> ClientOptions::hubs() const {
    std::vector<HubAddress> list{HubAddress{host, port}};
    for (const auto& hub : moreHubs) {
        if (std::find(list.begin(), list.end(), hub) == list.end()) {
            list.push_back(hub);
        }
    }
    return list;
}

}  // namespace hermes::client
