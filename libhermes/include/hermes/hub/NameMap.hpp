#pragma once
// A map keyed by a name (a room's canonical name) that can be searched with
// a std::string_view, without building a std::string: the hub looks rooms up
// on every Say, and the history stores on every read.
//
// Threading: none of its own; as the map that uses it.

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hermes::hub {

struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
        return std::hash<std::string_view>{}(name);
    }
};

template <typename T>
using NameMap = std::unordered_map<std::string, T, NameHash, std::equal_to<>>;

}  // namespace hermes::hub
