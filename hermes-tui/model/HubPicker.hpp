#pragma once
// hermes-tui --discover with several hubs answering: the list to choose
// from, and which one is highlighted. Up/Down (and Ctrl-P/Ctrl-N) move,
// Enter chooses, q or Ctrl-C gives up. No curses here: ui/HubPickerView
// draws it, App feeds it keys.
//
// Threading: UI thread only (a plain value).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/Key.hpp"

namespace hermes::tui {

// One hub found on the LAN, as hermes-tui connects to it.
struct HubChoice {
    std::string name;  // the hub's name (its TXT name=, else the DNS-SD instance)
    std::string host;  // the address to connect to
    std::uint16_t port = 0;
    bool tls = false;
    std::string fingerprint;  // announced with tls (a hint: TOFU still asks)
};

class HubPicker {
public:
    enum class Outcome { Choosing, Chosen, Cancelled };

    explicit HubPicker(std::vector<HubChoice> choices);

    Outcome handleKey(const Key& key);
    Outcome outcome() const { return outcome_; }
    std::size_t selected() const { return selected_; }
    const std::vector<HubChoice>& choices() const { return choices_; }
    const HubChoice& chosen() const { return choices_.at(selected_); }

    // "office  10.0.0.5:7070  tls SHA256:AB:CD:...": one row of the list.
    static std::string describe(const HubChoice& choice);

private:
    std::vector<HubChoice> choices_;
    std::size_t selected_ = 0;
    Outcome outcome_ = Outcome::Choosing;
};

}  // namespace hermes::tui
