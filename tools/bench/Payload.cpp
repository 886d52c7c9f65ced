#include "Payload.hpp"

#include <charconv>

namespace hermes::bench {

namespace {

// Appends "<letter><decimal> ".
void appendField(std::string& out, char letter, std::uint64_t value) {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out += letter;
    out.append(digits, result.ptr);
    out += ' ';
}

// Reads "<letter><digits>" followed by a space (or the end); advances `text`.
bool takeField(std::string_view& text, char letter, std::uint64_t& value) {
    if (text.size() < 2 || text[0] != letter) {
        return false;
    }
    const char* first = text.data() + 1;
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr == first) {
        return false;
    }
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    if (!text.empty()) {
        if (text[0] != ' ') {
            return false;
        }
        text.remove_prefix(1);
    }
    return true;
}

}  // namespace

void formatPayload(const PayloadFields& fields, std::size_t size, std::string& out) {
    out.clear();
    appendField(out, 's', fields.sender);
    appendField(out, 'n', fields.counter);
    appendField(out, 't', fields.sentNs);
    if (size > out.size()) {
        out.append(size - out.size(), '.');
    }
}

bool parsePayload(std::string_view text, PayloadFields& out) {
    std::uint64_t sender = 0;
    std::uint64_t counter = 0;
    std::uint64_t sentNs = 0;
    if (!takeField(text, 's', sender) || !takeField(text, 'n', counter) ||
        !takeField(text, 't', sentNs)) {
        return false;
    }
    if (sender > UINT32_MAX || counter > UINT32_MAX) {
        return false;
    }
    out.sender = static_cast<std::uint32_t>(sender);
    out.counter = static_cast<std::uint32_t>(counter);
    out.sentNs = sentNs;
    return true;
}

}  // namespace hermes::bench
