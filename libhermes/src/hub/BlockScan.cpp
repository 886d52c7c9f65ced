#include "BlockScan.hpp"

#include <sqlite3.h>

#include <algorithm>

#include <Poco/Data/DataException.h>

#include "HistoryKeys.hpp"

namespace hermes::hub {

BlockScan::BlockScan(sqlite3* db, std::int64_t roomId, std::uint64_t afterSeq,
                     std::uint64_t beforeSeq, bool newestFirst)
    : db_(db), afterSeq_(afterSeq), beforeSeq_(beforeSeq), newestFirst_(newestFirst) {
    // From the block holding afterSeq + 1 (the newest starting at or before
    // it), or the room's first; up to the key of beforeSeq.
    const char* sql = newestFirst
                          ? "SELECT id, data FROM blocks WHERE id >= coalesce((SELECT max(id) FROM"
                            " blocks WHERE id BETWEEN ?1 AND ?2), ?1) AND id < ?3 ORDER BY id DESC"
                          : "SELECT id, data FROM blocks WHERE id >= coalesce((SELECT max(id) FROM"
                            " blocks WHERE id BETWEEN ?1 AND ?2), ?1) AND id < ?3 ORDER BY id ASC";
    if (sqlite3_prepare_v2(db_, sql, -1, &statement_, nullptr) != SQLITE_OK) {
        throw Poco::Data::DataException(std::string("prepare a read of blocks: ") +
                                        sqlite3_errmsg(db_));
    }
    const std::uint64_t first = std::min<std::uint64_t>(afterSeq + 1, kMaxSeq);
    const std::uint64_t end = beforeSeq == 0 ? kMaxSeq + 1 : std::min(beforeSeq, kMaxSeq + 1);
    sqlite3_bind_int64(statement_, 1, messageKey(roomId, 0));
    sqlite3_bind_int64(statement_, 2, messageKey(roomId, first));
    sqlite3_bind_int64(statement_, 3, messageKey(roomId, 0) + static_cast<std::int64_t>(end));
}

BlockScan::~BlockScan() {
    sqlite3_finalize(statement_);
}

bool BlockScan::nextBlock() {
    const int rc = sqlite3_step(statement_);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) {
            throw Poco::Data::DataException(std::string("read blocks: ") + sqlite3_errmsg(db_));
        }
        done_ = true;
        return false;
    }
    blockId_ = sqlite3_column_int64(statement_, 0);
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement_, 1));
    data_.assign(bytes == nullptr ? "" : bytes,
                 static_cast<std::size_t>(sqlite3_column_bytes(statement_, 1)));
    if (!MessageBlock::split(data_, records_)) {
        damaged_ = true;
    }
    at_ = 0;
    return true;
}

bool BlockScan::next(MessageBlock::Record& record) {
    for (;;) {
        while (at_ < records_.size()) {
            const MessageBlock::Record& r =
                newestFirst_ ? records_[records_.size() - 1 - at_] : records_[at_];
            ++at_;
            if (r.seq <= afterSeq_) {
                if (newestFirst_) {
                    done_ = true;  // older still below: nothing more in range
                    return false;
                }
                continue;
            }
            if (beforeSeq_ != 0 && r.seq >= beforeSeq_) {
                if (!newestFirst_) {
                    done_ = true;
                    return false;
                }
                continue;
            }
            record = r;
            return true;
        }
        if (done_ || !nextBlock()) {
            return false;
        }
    }
}

}  // namespace hermes::hub
