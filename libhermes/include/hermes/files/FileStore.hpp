#pragma once
// The hub's files on disk, named by their content's SHA-256: one directory
// (files.path) holding each stored file as <sha256>, and tmp/ holding
// uploads under way as <upload id>.part (tmp/<hub name>/ when the hubs of a
// cluster share the directory: docs/CLUSTER.md "Files across hubs"). An upload is written to its
// temp file chunk by chunk while its hash is computed; when the last byte is in, the hash is
// compared with the one announced and the temp file renamed to its hash (or removed: a mismatch
// keeps nothing). The same content uploaded twice is stored once.
//
// A stored file is whole before it is named: commit() syncs the temp file,
// renames it and syncs the directory, so a FILE message announced after it
// names a file a power loss keeps.
//
// Owns: the directory's index (hash -> size) and the bytes it holds.
// Threading: two parts. The index (size, usedBytes, count, adopt, forget,
// sweep, remove, finish) belongs to one thread (the hub's). The disk work
// that reads no index (begin, append, commit, a Partial, pathOf) may run on
// one other thread (the hub's file worker, FileWorker.hpp): it touches only
// the immutable directory name and the Partial it is given.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "hermes/files/Sha256.hpp"

namespace hermes::files {

class FileStore {
public:
    // Creates `directory` and its temp directory (`temp`, relative to it) if
    // needed; throws std::system_error naming the directory if it cannot.
    // Lists what it holds.
    explicit FileStore(std::string directory, std::string temp = "tmp");
    FileStore(const FileStore&) = delete;
    FileStore& operator=(const FileStore&) = delete;

    // An upload being written.
    class Partial {
    public:
        ~Partial();
        Partial(const Partial&) = delete;
        Partial& operator=(const Partial&) = delete;
        std::uint64_t written() const { return written_; }
        std::uint64_t size() const { return size_; }
        const std::string& sha256() const { return sha256_; }

    private:
        friend class FileStore;
        Partial() = default;
        int fd_ = -1;
        std::string path_;
        std::string sha256_;
        std::uint64_t size_ = 0;
        std::uint64_t written_ = 0;
        Sha256 hash_;
    };

    // Starts an upload of `size` bytes hashing to `sha256`, written to
    // tmp/<tempName>.part (unique among uploads under way). Throws
    // std::system_error naming the temp file.
    std::unique_ptr<Partial> begin(const std::string& tempName, std::string sha256,
                                   std::uint64_t size) const;
    // Appends `bytes` (never past the announced size: the caller checks).
    void append(Partial& partial, std::string_view bytes) const;
    enum class Finished { Stored, AlreadyStored, Mismatch };
    // All bytes are in: the hash compared; the file synced, renamed to it and
    // the directory synced (or removed: a mismatch, or the content is on disk
    // already). Reads no index: the disk says whether the content is stored.
    // `actual` gets the hash the bytes have. Throws std::system_error naming
    // the file.
    Finished commit(std::unique_ptr<Partial> partial, std::string* actual = nullptr) const;
    // commit(), then the index takes the file (one thread does both).
    Finished finish(std::unique_ptr<Partial> partial, std::string* actual = nullptr);
    // The index takes (adopt) or gives up (forget) a file another thread
    // committed or will remove; the quota follows.
    void adopt(const std::string& sha256, std::uint64_t size);
    void forget(std::string_view sha256);
    // Unlinks a stored file and syncs the directory (no index: the file worker).
    void unlink(std::string_view sha256) const;
    // Drops an upload: its temp file is removed (a destroyed Partial does the same).
    void discard(std::unique_ptr<Partial> partial) { partial.reset(); }

    // Removes every temp file (sweepTemp), and every stored file whose hash
    // is not in `referenced` (retention: no message names it any more).
    // Returns how many files it removed.
    std::size_t sweep(const std::set<std::string, std::less<>>& referenced);
    // Removes every file of the temp directory: uploads an earlier run left.
    std::size_t sweepTemp();
    // The size of a stored file as the disk has it, the index aside: a file
    // another hub stored in a shared directory. Reads no index.
    std::optional<std::uint64_t> sizeOnDisk(std::string_view sha256) const;
    // Removes one stored file.
    void remove(std::string_view sha256);

    std::optional<std::uint64_t> size(std::string_view sha256) const;
    std::uint64_t usedBytes() const { return used_; }
    std::size_t count() const { return index_.size(); }
    const std::string& directory() const { return directory_; }
    std::string pathOf(std::string_view sha256) const;

    // Reads up to `out.size()` bytes of a stored file from `offset` into
    // `out` (resized to what was read). Throws std::system_error naming the
    // file if it is gone or unreadable.
    void read(std::string_view sha256, std::uint64_t offset, std::size_t length,
              std::string& out) const;

private:
    std::string directory_;
    std::string temp_;  // directory_ + "/" + the temp directory
    std::map<std::string, std::uint64_t, std::less<>> index_;
    std::uint64_t used_ = 0;
};

}  // namespace hermes::files
