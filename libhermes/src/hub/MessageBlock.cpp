#include "MessageBlock.hpp"

namespace hermes::hub {

namespace {

void putVarint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out += static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);
}

bool getVarint(std::string_view& in, std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
        const auto byte = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            return true;
        }
    }
    return false;
}

bool getBytes(std::string_view& in, std::string_view& out) {
    std::uint64_t length = 0;
    if (!getVarint(in, length) || length > in.size()) {
        return false;
    }
    out = in.substr(0, length);
    in.remove_prefix(length);
    return true;
}

// ChatMessage.text's field number (hermes.proto).
constexpr std::uint64_t kTextField = 8;

}  // namespace

std::string_view MessageBlock::textOf(const Record& record) {
    std::string_view in = record.message;
    std::string_view text;
    while (!in.empty()) {
        std::uint64_t tag = 0;
        if (!getVarint(in, tag)) {
            return {};
        }
        std::uint64_t skip = 0;
        switch (tag & 7) {
            case 0:  // varint
                if (!getVarint(in, skip)) {
                    return {};
                }
                continue;
            case 1:  // 64-bit
                skip = 8;
                break;
            case 2: {  // length-delimited
                std::string_view bytes;
                if (!getBytes(in, bytes)) {
                    return {};
                }
                if ((tag >> 3) == kTextField) {
                    text = bytes;
                }
                continue;
            }
            case 5:  // 32-bit
                skip = 4;
                break;
            default:
                return {};
        }
        if (skip > in.size()) {
            return {};
        }
        in.remove_prefix(skip);
    }
    return text;
}

void MessageBlock::append(std::string& block, const hermes::v1::ChatMessage& message,
                          std::string_view author, std::string& scratch) {
    message.SerializeToString(&scratch);
    append(block, Record{message.seq(), author, scratch});
}

void MessageBlock::append(std::string& block, const Record& record) {
    putVarint(block, record.seq);
    putVarint(block, record.author.size());
    block += record.author;
    putVarint(block, record.message.size());
    block += record.message;
}

bool MessageBlock::split(std::string_view block, std::vector<Record>& out) {
    out.clear();
    while (!block.empty()) {
        Record record;
        if (!getVarint(block, record.seq) || !getBytes(block, record.author) ||
            !getBytes(block, record.message)) {
            return false;
        }
        out.push_back(record);
    }
    return true;
}

bool MessageBlock::read(const Record& record, std::string_view room, hermes::v1::ChatMessage& out) {
    if (!out.ParseFromArray(record.message.data(), static_cast<int>(record.message.size()))) {
        out.Clear();
        return false;
    }
    out.set_room(std::string(room));
    out.set_seq(record.seq);
    out.clear_away();
    out.clear_private_seq();
    out.clear_waited();
    out.clear_offline();
    out.clear_from_account();
    out.clear_reactor();
    if (out.kind() == hermes::v1::MESSAGE_KIND_REACT ||
        out.kind() == hermes::v1::MESSAGE_KIND_UNREACT) {
        // Clients see who a reaction is counted under; a message's author
        // stays the hub's.
        out.set_reactor(std::string(record.author));
    }
    return true;
}

}  // namespace hermes::hub
