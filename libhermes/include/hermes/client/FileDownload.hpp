#pragma once
// One download of a shared file to a path, without sockets (docs/PROTOCOL.md
// "Files"): resumable (the bytes already at the path are kept and the
// FileRequest asks from their end), and checked: when the last byte is in,
// the whole file's SHA-256 must be the one the hub announced, or the file is
// renamed aside (<path>.bad) and the download failed.
//
// The bytes go to <path>.part; the finished, checked file is renamed to
// <path>. A cut download leaves <path>.part, which the next one resumes.
//
// Threading: none; the owner's thread.

#include <cstdint>
#include <string>

#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

class FileDownload {
public:
    // By hash, or by the room seq of its FILE message.
    static FileDownload byHash(std::string sha256, std::string path);
    static FileDownload bySeq(std::string room, std::uint64_t seq, std::string path);
    ~FileDownload();
    FileDownload(FileDownload&& other) noexcept;
    FileDownload& operator=(FileDownload&&) = delete;
    FileDownload(const FileDownload&) = delete;

    // Opens <path>.part (creating it) and asks from its end. Throws
    // std::system_error naming the file.
    hermes::v1::Envelope request();

    enum class State { Requested, Receiving, Done, Failed };
    State state() const { return state_; }
    // The hub's frame: true if it was about this download.
    bool handle(const hermes::v1::Envelope& envelope);

    std::uint64_t resumedFrom() const { return resumedFrom_; }
    std::uint64_t received() const { return next_; }
    std::uint64_t size() const { return file_.size(); }
    const hermes::v1::FileInfo& file() const { return file_; }
    const std::string& path() const { return path_; }
    const std::string& error() const { return error_; }

private:
    FileDownload() = default;
    void fail(std::string why);
    void complete();

    std::string sha256_;
    std::string room_;
    std::uint64_t seq_ = 0;
    std::string path_;
    int fd_ = -1;
    State state_ = State::Requested;
    hermes::v1::FileInfo file_;
    std::uint64_t resumedFrom_ = 0;
    std::uint64_t next_ = 0;
    std::string error_;
};

}  // namespace hermes::client
