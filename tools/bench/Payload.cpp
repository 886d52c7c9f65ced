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

}  // namespace hermes::bench
