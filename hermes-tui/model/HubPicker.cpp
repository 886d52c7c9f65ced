#include "model/HubPicker.hpp"

namespace hermes::tui {

HubPicker::HubPicker(std::vector<HubChoice> choices) : choices_(std::move(choices)) {
    if (choices_.empty()) {
        outcome_ = Outcome::Cancelled;
    }
}

HubPicker::Outcome HubPicker::handleKey(const Key& key) {
    if (outcome_ != Outcome::Choosing) {
        return outcome_;
    }
    switch (key.code) {
        case KeyCode::Up:
        case KeyCode::CtrlP:
            selected_ = selected_ == 0 ? choices_.size() - 1 : selected_ - 1;
            break;
        case KeyCode::Down:
        case KeyCode::CtrlN:
            selected_ = (selected_ + 1) % choices_.size();
            break;
        case KeyCode::Home:
            selected_ = 0;
            break;
        case KeyCode::End:
            selected_ = choices_.size() - 1;
            break;
        case KeyCode::Enter:
            outcome_ = Outcome::Chosen;
            break;
        case KeyCode::CtrlC:
            outcome_ = Outcome::Cancelled;
            break;
        case KeyCode::Char:
            if (key.ch == U'q') {
                outcome_ = Outcome::Cancelled;
            } else if (key.ch == U'k') {
                selected_ = selected_ == 0 ? choices_.size() - 1 : selected_ - 1;
            } else if (key.ch == U'j') {
                selected_ = (selected_ + 1) % choices_.size();
            }
            break;
        default:
            break;
    }
    return outcome_;
}

std::string HubPicker::describe(const HubChoice& choice) {
    std::string row = choice.name + "  " + choice.host + ":" + std::to_string(choice.port);
    if (choice.tls) {
        row += "  tls";
        if (!choice.fingerprint.empty()) {
            row += " " + choice.fingerprint;
        }
    } else {
        row += "  plain";
    }
    return row;
}

}  // namespace hermes::tui
