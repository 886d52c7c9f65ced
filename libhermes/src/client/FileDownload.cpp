#include "hermes/client/FileDownload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

#include "hermes/files/Sha256.hpp"

namespace hermes::client {

namespace v1 = hermes::v1;

FileDownload FileDownload::byHash(std::string sha256, std::string path) {
    FileDownload download;
    download.sha256_ = std::move(sha256);
    download.path_ = std::move(path);
    return download;
}

FileDownload FileDownload::bySeq(std::string room, std::uint64_t seq, std::string path) {
    FileDownload download;
    download.room_ = std::move(room);
    download.seq_ = seq;
    download.path_ = std::move(path);
    return download;
}

FileDownload::~FileDownload() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

FileDownload::FileDownload(FileDownload&& other) noexcept
    : sha256_(std::move(other.sha256_)),
      room_(std::move(other.room_)),
      seq_(other.seq_),
      path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      state_(other.state_),
      file_(std::move(other.file_)),
      resumedFrom_(other.resumedFrom_),
      next_(other.next_),
      error_(std::move(other.error_)) {}

v1::Envelope FileDownload::request() {
    const std::string part = path_ + ".part";
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = ::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot open " + part);
    }
    struct stat info {};
    ::fstat(fd_, &info);
    resumedFrom_ = next_ = static_cast<std::uint64_t>(info.st_size);
    state_ = State::Requested;
    v1::Envelope envelope;
    auto* request = envelope.mutable_file_request();
    request->set_sha256(sha256_);
    request->set_room(room_);
    request->set_seq(seq_);
    request->set_offset(next_);
    return envelope;
}

void FileDownload::fail(std::string why) {
    state_ = State::Failed;
    error_ = std::move(why);
}

bool FileDownload::handle(const v1::Envelope& envelope) {
    if (state_ != State::Requested && state_ != State::Receiving) {
        return false;
    }
    if (envelope.has_error()) {
        const auto& error = envelope.error();
        const auto code = error.code();
        const bool ours =
            error.client_msg_id() == 0 &&
            (code == v1::ERROR_CODE_NO_SUCH_FILE || code == v1::ERROR_CODE_INVALID_FILE ||
             code == v1::ERROR_CODE_FILES_DISABLED ||
             ((code == v1::ERROR_CODE_NOT_IN_ROOM || code == v1::ERROR_CODE_INVALID_ROOM) &&
              !room_.empty() && error.room() == room_));
        if (ours) {
            fail(error.text());
        }
        return ours;
    }
    if (!envelope.has_file_data()) {
        return false;
    }
    const auto& data = envelope.file_data();
    if (state_ == State::Requested) {
        if (!data.has_file() || (!sha256_.empty() && data.sha256() != sha256_)) {
            return false;
        }
        file_ = data.file();
        sha256_ = file_.sha256();
        state_ = State::Receiving;
    } else if (data.sha256() != sha256_) {
        return false;
    }
    if (data.offset() != next_) {
        fail("chunk at offset " + std::to_string(data.offset()) + ", expected " +
             std::to_string(next_));
        return true;
    }
    if (next_ + data.data().size() > file_.size()) {
        fail("more bytes than the announced size " + std::to_string(file_.size()));
        return true;
    }
    std::size_t done = 0;
    while (done < data.data().size()) {
        const ssize_t n = ::pwrite(fd_, data.data().data() + done, data.data().size() - done,
                                   static_cast<off_t>(next_ + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fail("cannot write " + path_ + ".part");
            return true;
        }
        done += static_cast<std::size_t>(n);
    }
    next_ += data.data().size();
    if (next_ == file_.size()) {
        complete();
    }
    return true;
}

void FileDownload::complete() {
    const std::string part = path_ + ".part";
    ::ftruncate(fd_, static_cast<off_t>(next_));
    ::close(fd_);
    fd_ = -1;
    const std::string actual = files::Sha256::ofFile(part);
    if (actual != file_.sha256()) {
        std::rename(part.c_str(), (path_ + ".bad").c_str());
        fail("the file hashes to " + actual + ", not " + file_.sha256() +
             " as announced; kept as " + path_ + ".bad");
        return;
    }
    if (std::rename(part.c_str(), path_.c_str()) != 0) {
        fail("cannot rename " + part + " to " + path_);
        return;
    }
    state_ = State::Done;
}

}  // namespace hermes::client
