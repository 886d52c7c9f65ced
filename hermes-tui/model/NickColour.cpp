#include "model/NickColour.hpp"

#include <array>
#include <cstdint>

namespace hermes::tui {

Colour nickColour(std::string_view nick) {
    // White is left out: it would look like the plain text.
    static constexpr std::array kPalette = {Colour::Red,  Colour::Green,   Colour::Yellow,
                                            Colour::Blue, Colour::Magenta, Colour::Cyan};
    std::uint32_t hash = 2166136261u;
    for (const char ch : nick) {
        const auto c = static_cast<unsigned char>(ch);
        hash ^= (c >= 'A' && c <= 'Z') ? c + 32u : c;
        hash *= 16777619u;
    }
    return kPalette[hash % kPalette.size()];
}

}  // namespace hermes::tui
