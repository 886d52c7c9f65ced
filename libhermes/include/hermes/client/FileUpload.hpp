#pragma once
// One upload of a file to a room, without sockets (docs/PROTOCOL.md
// "Files"): the FileOffer, then the chunks the hub's window lets go, until
// the hub's FILE message (its echo: the upload is done) or an Error. Its
// owner feeds it the hub's frames (handle()) and sends what nextChunk()
// gives while it gives something. The content is a file on disk (read chunk
// by chunk) or a text in memory (a snippet).
//
// Its FileOffer's client_msg_id is taken from a range of its own
// (kIdBase...), apart from ClientCore's say ids, whose echoes SendTracker
// matches.
//
// Threading: none; the owner's thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hermes/v1/hermes.pb.h"

namespace hermes::client {

class FileUpload {
public:
    static constexpr std::uint64_t kIdBase = std::uint64_t{1} << 62;

    // The file at `path`, shared as `name` (default: its base name), with
    // `mediaType` (default: guessed from the name's extension). Reads the
    // whole file once for its SHA-256. Throws std::system_error naming it.
    static FileUpload fromPath(const std::string& room, const std::string& path,
                               std::string name = {}, std::string mediaType = {});
    // A snippet: `text` as a text/plain file with a preview of its first lines.
    static FileUpload fromText(const std::string& room, std::string text, std::string name);

    ~FileUpload();
    FileUpload(FileUpload&& other) noexcept;
    FileUpload& operator=(FileUpload&&) = delete;
    FileUpload(const FileUpload&) = delete;

    const hermes::v1::FileInfo& file() const { return file_; }
    std::uint64_t clientMsgId() const { return clientMsgId_; }
    hermes::v1::Envelope offer() const;

    enum class State { Offered, Sending, Done, Failed };
    State state() const { return state_; }
    // The hub's frame: true if it was about this upload.
    bool handle(const hermes::v1::Envelope& envelope);
    // The next chunk if the window allows one now (Sending only).
    std::optional<hermes::v1::Envelope> nextChunk();
    // A chunk nextChunk() gave could not be queued: give it again next time.
    void unsend(const hermes::v1::Envelope& chunk);

    std::uint64_t sent() const { return sent_; }
    std::uint64_t acknowledged() const { return acked_; }
    // Done: the FILE message's room seq. Failed: the hub's words.
    std::uint64_t seq() const { return seq_; }
    const std::string& error() const { return error_; }
    hermes::v1::ErrorCode errorCode() const { return errorCode_; }

    // "text/plain" for .txt, "image/png" for .png...; "application/octet-stream" otherwise.
    static std::string guessMediaType(std::string_view name);

private:
    FileUpload() = default;

    hermes::v1::FileInfo file_;
    std::string room_;
    std::uint64_t clientMsgId_ = 0;
    int fd_ = -1;       // the file, or
    std::string text_;  // the snippet
    State state_ = State::Offered;
    std::uint64_t uploadId_ = 0;
    std::uint32_t chunkBytes_ = 0;
    std::uint32_t windowBytes_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t acked_ = 0;
    std::uint64_t seq_ = 0;
    std::string error_;
    hermes::v1::ErrorCode errorCode_ = hermes::v1::ERROR_CODE_UNSPECIFIED;
};

}  // namespace hermes::client
