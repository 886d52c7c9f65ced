#include "hermes/client/FileUpload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#include "hermes/files/Sha256.hpp"
#include "hermes/protocol/FileRules.hpp"

namespace hermes::client {

namespace v1 = hermes::v1;

namespace {

std::uint64_t nextId() {
    static std::atomic<std::uint64_t> counter{0};
    return FileUpload::kIdBase + ++counter;
}

std::string baseName(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string FileUpload::guessMediaType(std::string_view name) {
    const auto dot = name.rfind('.');
    std::string ext =
        dot == std::string_view::npos ? std::string() : std::string(name.substr(dot + 1));
    for (char& c : ext) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    static const std::pair<const char*, const char*> kTypes[] = {
        {"txt", "text/plain"},      {"log", "text/plain"},      {"md", "text/markdown"},
        {"csv", "text/csv"},        {"html", "text/html"},      {"json", "application/json"},
        {"pdf", "application/pdf"}, {"zip", "application/zip"}, {"gz", "application/gzip"},
        {"png", "image/png"},       {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},       {"svg", "image/svg+xml"},   {"webp", "image/webp"},
        {"mp4", "video/mp4"},       {"mp3", "audio/mpeg"},      {"c", "text/x-c"},
        {"cpp", "text/x-c++"},      {"hpp", "text/x-c++"},      {"py", "text/x-python"},
    };
    for (const auto& [extension, type] : kTypes) {
        if (ext == extension) {
            return type;
        }
    }
    return "application/octet-stream";
}

FileUpload FileUpload::fromPath(const std::string& room, const std::string& path, std::string name,
                                std::string mediaType) {
    FileUpload upload;
    upload.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (upload.fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot open " + path);
    }
    struct stat info {};
    if (::fstat(upload.fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
        throw std::system_error(errno == 0 ? EINVAL : errno, std::generic_category(),
                                path + " is not a regular file");
    }
    upload.room_ = room;
    upload.clientMsgId_ = nextId();
    v1::FileInfo& file = upload.file_;
    file.set_name(name.empty() ? baseName(path) : std::move(name));
    file.set_size(static_cast<std::uint64_t>(info.st_size));
    file.set_media_type(mediaType.empty() ? guessMediaType(file.name()) : std::move(mediaType));
    file.set_sha256(files::Sha256::ofFile(path));
    return upload;
}

FileUpload FileUpload::fromText(const std::string& room, std::string text, std::string name) {
    FileUpload upload;
    upload.room_ = room;
    upload.clientMsgId_ = nextId();
    v1::FileInfo& file = upload.file_;
    file.set_name(std::move(name));
    file.set_size(text.size());
    file.set_media_type("text/plain");
    file.set_sha256(files::Sha256::hex(text));
    file.set_preview(protocol::snippetPreview(text));
    upload.text_ = std::move(text);
    return upload;
}

FileUpload::~FileUpload() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

FileUpload::FileUpload(FileUpload&& other) noexcept
    : file_(std::move(other.file_)),
      room_(std::move(other.room_)),
      clientMsgId_(other.clientMsgId_),
      fd_(std::exchange(other.fd_, -1)),
      text_(std::move(other.text_)),
      state_(other.state_),
      uploadId_(other.uploadId_),
      chunkBytes_(other.chunkBytes_),
      windowBytes_(other.windowBytes_),
      sent_(other.sent_),
      acked_(other.acked_),
      seq_(other.seq_),
      error_(std::move(other.error_)),
      errorCode_(other.errorCode_) {}

v1::Envelope FileUpload::offer() const {
    v1::Envelope envelope;
    auto* offer = envelope.mutable_file_offer();
    offer->set_room(room_);
    offer->set_client_msg_id(clientMsgId_);
    *offer->mutable_file() = file_;
    return envelope;
}

bool FileUpload::handle(const v1::Envelope& envelope) {
    if (state_ == State::Done || state_ == State::Failed) {
        return false;
    }
    if (envelope.has_file_accept() && envelope.file_accept().client_msg_id() == clientMsgId_) {
        const auto& accept = envelope.file_accept();
        uploadId_ = accept.upload_id();
        chunkBytes_ = accept.chunk_bytes() == 0 ? 16 * 1024 : accept.chunk_bytes();
        windowBytes_ = std::max(accept.window_bytes(), chunkBytes_);
        state_ = State::Sending;
        return true;
    }
    if (envelope.has_file_progress() && uploadId_ != 0 &&
        envelope.file_progress().upload_id() == uploadId_) {
        acked_ = std::max(acked_, envelope.file_progress().received());
        return true;
    }
    if (envelope.has_message() && envelope.message().client_msg_id() == clientMsgId_ &&
        envelope.message().kind() == v1::MESSAGE_KIND_FILE) {
        state_ = State::Done;
        seq_ = envelope.message().seq();
        acked_ = sent_ = file_.size();
        return true;
    }
    if (envelope.has_error() && envelope.error().client_msg_id() == clientMsgId_) {
        state_ = State::Failed;
        error_ = envelope.error().text();
        errorCode_ = envelope.error().code();
        return true;
    }
    return false;
}

std::optional<v1::Envelope> FileUpload::nextChunk() {
    if (state_ != State::Sending || sent_ >= file_.size() || sent_ - acked_ >= windowBytes_) {
        return std::nullopt;
    }
    const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(
        {chunkBytes_, file_.size() - sent_, windowBytes_ - (sent_ - acked_)}));
    v1::Envelope envelope;
    auto* chunk = envelope.mutable_file_chunk();
    chunk->set_upload_id(uploadId_);
    chunk->set_offset(sent_);
    std::string* data = chunk->mutable_data();
    if (fd_ >= 0) {
        data->resize(length);
        std::size_t done = 0;
        while (done < length) {
            const ssize_t n =
                ::pread(fd_, data->data() + done, length - done, static_cast<off_t>(sent_ + done));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                state_ = State::Failed;
                error_ = "the file changed or could not be read while it was sent";
                return std::nullopt;
            }
            done += static_cast<std::size_t>(n);
        }
    } else {
        data->assign(text_, static_cast<std::size_t>(sent_), length);
    }
    sent_ += length;
    return envelope;
}

void FileUpload::unsend(const v1::Envelope& chunk) {
    sent_ -= chunk.file_chunk().data().size();
}

}  // namespace hermes::client
