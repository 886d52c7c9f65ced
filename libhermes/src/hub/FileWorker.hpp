#pragma once
// The file thread: every disk access of files moving through the hub, off
// the hub's loop, so a slow disk delays transfers and never chat. An
// upload's chunks are appended to its temp file and hashed here; its end is
// committed here (synced, renamed, the directory synced) before the hub
// announces it; a download's file is opened once and read ahead here;
// content no message names any more is unlinked here.
//
// Transfers submits jobs and takes the results with finished(); the worker
// signals fd() when jobs finish, the edge calls Hub::filesDone(). Jobs run
// one at a time in the order submitted, so a Remove submitted after a
// Commit of the same content finds it committed, and a Read after a Close
// of its handle finds nothing open. Each job names a handle (an upload or a
// download, numbered by Transfers): the worker keeps each upload's temp file
// and each download's open file by it until its Discard, Commit or Close.
//
// The queue is bounded by what the hub submits: an upload's window, a
// download's read-ahead and Transfers' own cap on the bytes queued
// (queuedBytes()), past which an uploader's next frames wait.
//
// Synchronous mode (HubConfig::fileWorkerThread false: the unit tests and
// the fuzzer) starts no thread: jobs wait until runQueued() runs them on the
// caller's thread, results and fd() as with the thread.
//
// Threading: submit(), finished(), runQueued() and the counts on the hub's
// thread; fd() from any thread; the thread itself is private and starts at
// the first job.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "hermes/files/FileStore.hpp"
#include "hermes/threads/LockGuarded.hpp"

namespace hermes::hub {

enum class FileJobKind : std::uint8_t {
    Append,   // an upload's next bytes: written to its temp file (opened at the first) and hashed
    Commit,   // an upload's last bytes are in: hash checked, synced, renamed
    Discard,  // an upload ended without its commit: its temp file removed
    Read,     // `length` bytes of a download's file from `offset` (opened at the first read)
    Close,    // a download ended: its file closed
    Remove,   // content no message names: unlinked
};

struct FileJob {
    FileJobKind kind = FileJobKind::Append;
    std::uint64_t handle = 0;  // the upload's or download's (Transfers), 0 for Remove
    std::string sha256;        // Append: the announced hash (temp file); Read, Remove: the file
    std::uint64_t size = 0;    // Append: the announced size; Read: the length to read
    std::uint64_t offset = 0;  // Read
    std::string data;          // Append
};

struct FileResult {
    FileJobKind kind = FileJobKind::Append;
    std::uint64_t handle = 0;
    bool ok = true;
    std::string error;         // what failed, naming the file
    std::uint64_t offset = 0;  // Append: bytes written so far; Read: where `data` starts
    std::uint64_t bytes = 0;   // Append: bytes this job wrote; Read: asked for; Commit: the size
    std::string data;          // Read: the bytes (shorter than asked: the file is)
    std::string sha256;        // Commit: the hash the bytes have; Remove: the file
    files::FileStore::Finished finished = files::FileStore::Finished::Stored;  // Commit
};

class FileWorker {
public:
    // `store` outlives the worker; only its disk methods are called here.
    FileWorker(const files::FileStore& store, bool threaded);
    ~FileWorker();
    FileWorker(const FileWorker&) = delete;
    FileWorker& operator=(const FileWorker&) = delete;

    void submit(FileJob job);
    std::vector<FileResult> finished();
    // Synchronous mode: runs up to `count` queued jobs here; returns how many ran.
    std::size_t runQueued(std::size_t count);
    // Jobs submitted whose results were not taken yet.
    std::size_t pending() const { return pending_; }
    // Bytes of Append data and Read lengths submitted and not taken back.
    std::uint64_t queuedBytes() const { return queuedBytes_; }
    // An eventfd readable after jobs finished; finished() resets it.
    int fd() const { return fd_; }

private:
    struct Shared {
        std::deque<FileJob> queue;
        std::vector<FileResult> done;
        bool stopping = false;
    };
    void run();
    FileResult work(FileJob& job);
    void finishOne(FileResult result);

    const files::FileStore& store_;
    const bool threaded_;
    std::size_t pending_ = 0;        // hub's thread
    std::uint64_t queuedBytes_ = 0;  // hub's thread
    int fd_ = -1;
    threads::LockGuarded<Shared> shared_;
    std::condition_variable wake_;
    // The worker's own (its thread, or the caller of runQueued()).
    std::unordered_map<std::uint64_t, std::unique_ptr<files::FileStore::Partial>> writing_;
    std::unordered_map<std::uint64_t, int> reading_;
    std::thread thread_;
};

}  // namespace hermes::hub
