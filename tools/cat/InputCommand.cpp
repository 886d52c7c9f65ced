#include "InputCommand.hpp"

#include <algorithm>
#include <charconv>

namespace hermes::cat {

namespace {

struct Command {
    std::string_view word;  // with its trailing space
    hermes::v1::MessageKind kind;
    bool seq;   // takes N
    bool text;  // takes text (or, for reactions, the reaction) after N
};

constexpr Command kCommands[] = {
    {"/me ", hermes::v1::MESSAGE_KIND_ACTION, false, true},
    {"/reply ", hermes::v1::MESSAGE_KIND_TEXT, true, true},
    {"/edit ", hermes::v1::MESSAGE_KIND_EDIT, true, true},
    {"/delete ", hermes::v1::MESSAGE_KIND_DELETE, true, false},
    {"/react ", hermes::v1::MESSAGE_KIND_REACT, true, true},
    {"/unreact ", hermes::v1::MESSAGE_KIND_UNREACT, true, true},
};

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

InputCommand parseInputLine(std::string_view line, const std::string& room) {
    InputCommand out;
    hermes::v1::Say say;
    say.set_room(room);
    const Command* command = nullptr;
    for (const Command& c : kCommands) {
        // "/delete 12" ends without the space after its argument.
        if (line.rfind(c.word, 0) == 0 || line == trimmed(c.word)) {
            command = &c;
            break;
        }
    }
    if (command == nullptr) {
        say.set_text(std::string(line));
        out.say = std::move(say);
        return out;
    }
    const std::string name(trimmed(command->word));
    std::string_view rest = line.substr(std::min(line.size(), command->word.size()));
    say.set_kind(command->kind);
    if (command->seq) {
        rest = trimmed(rest);
        const std::size_t end = rest.find(' ');
        const std::string_view number = rest.substr(0, end);
        std::uint64_t seq = 0;
        const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), seq);
        if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() ||
            seq == 0) {
            out.error = name + " needs a message's seq (a number from 1), then " +
                        (command->text ? "its text" : "nothing");
            return out;
        }
        if (command->kind == hermes::v1::MESSAGE_KIND_TEXT) {
            say.set_reply_to(seq);
        } else {
            say.set_target_seq(seq);
        }
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    if (command->text) {
        // Reactions are one word; a message's text is kept as typed.
        const std::string_view text = command->kind == hermes::v1::MESSAGE_KIND_REACT ||
                                              command->kind == hermes::v1::MESSAGE_KIND_UNREACT
                                          ? trimmed(rest)
                                          : rest;
        if (text.empty()) {
            out.error =
                name + " needs " + (command->seq ? "a seq and " : std::string()) + "some text";
            return out;
        }
        say.set_text(std::string(text));
    } else if (!trimmed(rest).empty()) {
        out.error = name + " takes only a seq";
        return out;
    }
    out.say = std::move(say);
    return out;
}

}  // namespace hermes::cat
