#pragma once
// How schema version 8 of the history database stores messages: a room's
// messages of one commit in one row of `blocks` (at most kMaxMessages a
// row), as records one after the other:
//
//   varint seq | varint author length | author | varint message length |
//   the ChatMessage's protobuf bytes (as the hub stamped it)
//
// The seq leads so that a reader finds a message without parsing the ones
// before it. A row costs SQLite about what one message's row did: writing a
// block of 600 T1 messages costs ~0.4 us a message, a row each ~1.6 us
// (hermes-write-cost-bench, docs/PERFORMANCE.md).
//
// What a block gives back is what schema 7's columns gave: read() sets the
// room from the caller and clears the fields the store never kept (away,
// private_seq, waited, offline, from_account), and a reaction's reactor is
// its author.
//
// Threading: plain functions and values.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

class MessageBlock {
public:
    static constexpr std::size_t kMaxMessages = 128;

    struct Record {
        std::uint64_t seq = 0;
        std::string_view author;
        std::string_view message;  // the ChatMessage's bytes
    };

    // Appends one record of `message` (its seq included) to `block`.
    static void append(std::string& block, const hermes::v1::ChatMessage& message,
                       std::string_view author, std::string& scratch);
    // Appends a record as it was read (a block rewritten).
    static void append(std::string& block, const Record& record);
    // The records of `block` in order; false if it is damaged (then `out`
    // holds those before the damage).
    static bool split(std::string_view block, std::vector<Record>& out);
    // The text of `record`'s message, read from its bytes without parsing
    // the rest (indexing for search reads only the text); empty if none.
    static std::string_view textOf(const Record& record);
    // The message of `record` as the store gives it back, in `room`.
    static bool read(const Record& record, std::string_view room, hermes::v1::ChatMessage& out);
};

}  // namespace hermes::hub
