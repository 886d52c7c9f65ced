#pragma once
// One room's messages read from the history database's `blocks` table
// (MessageBlock.hpp) on a connection: those with afterSeq < seq < beforeSeq
// (beforeSeq 0: no bound), oldest or newest first, block by block. A block
// is copied out of SQLite as it is reached; its records stay valid until
// next() leaves it.
//
// Threading: the connection's thread; not copyable.

#include <cstdint>
#include <string>
#include <vector>

#include "MessageBlock.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hermes::hub {

class BlockScan {
public:
    // `roomId` is the room's id in `rooms`. Throws Poco::Data::DataException
    // with SQLite's words if the query cannot be prepared.
    BlockScan(sqlite3* db, std::int64_t roomId, std::uint64_t afterSeq, std::uint64_t beforeSeq,
              bool newestFirst);
    ~BlockScan();
    BlockScan(const BlockScan&) = delete;
    BlockScan& operator=(const BlockScan&) = delete;

    // The next message's record; false at the end. A damaged block's records
    // after the damage are skipped (the scan goes on with the next block),
    // and damaged() says so.
    bool next(MessageBlock::Record& record);
    // The key (`blocks.id`) of the block the last record came from.
    std::int64_t blockId() const { return blockId_; }
    bool damaged() const { return damaged_; }

private:
    bool nextBlock();

    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
    std::uint64_t afterSeq_;
    std::uint64_t beforeSeq_;
    bool newestFirst_;
    std::string data_;
    std::vector<MessageBlock::Record> records_;
    std::size_t at_ = 0;
    std::int64_t blockId_ = 0;
    bool done_ = false;
    bool damaged_ = false;
};

}  // namespace hermes::hub
