#include "hermes/files/FileStore.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "hermes/protocol/FileRules.hpp"

namespace hermes::files {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// A rename is durable once its directory is synced.
void syncDirectory(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fail("cannot open the directory " + directory);
    }
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0) {
        throw std::system_error(error, std::generic_category(), "cannot sync " + directory);
    }
}

}  // namespace

FileStore::FileStore(std::string directory, std::string temp)
    : directory_(std::move(directory)), temp_(directory_ + "/" + temp) {
    std::error_code error;
    fs::create_directories(temp_, error);
    if (error) {
        throw std::system_error(error, "cannot create the file store " + directory_);
    }
    for (const auto& entry : fs::directory_iterator(directory_)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_regular_file() && protocol::isSha256Hex(name)) {
            const std::uint64_t bytes = entry.file_size();
            index_.emplace(name, bytes);
            used_ += bytes;
        }
    }
}

FileStore::Partial::~Partial() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
}

std::string FileStore::pathOf(std::string_view sha256) const {
    return directory_ + "/" + std::string(sha256);
}

std::unique_ptr<FileStore::Partial> FileStore::begin(const std::string& tempName,
                                                     std::string sha256, std::uint64_t size) const {
    std::unique_ptr<Partial> partial(new Partial());
    partial->path_ = temp_ + "/" + tempName + ".part";
    ::unlink(partial->path_.c_str());  // a leftover of an earlier run
    partial->fd_ = ::open(partial->path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (partial->fd_ < 0) {
        fail("cannot create " + partial->path_);
    }
    partial->sha256_ = std::move(sha256);
    partial->size_ = size;
    return partial;
}

void FileStore::append(Partial& partial, std::string_view bytes) const {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(partial.fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("cannot write " + partial.path_);
        }
        done += static_cast<std::size_t>(n);
    }
    partial.hash_.update(bytes);
    partial.written_ += bytes.size();
}

FileStore::Finished FileStore::commit(std::unique_ptr<Partial> partial, std::string* actual) const {
    const std::string hash = partial->hash_.finishHex();
    if (actual != nullptr) {
        *actual = hash;
    }
    if (hash != partial->sha256_ || partial->written_ != partial->size_) {
        return Finished::Mismatch;  // the Partial's destructor removes the temp file
    }
    const std::string target = pathOf(hash);
    if (::access(target.c_str(), F_OK) == 0) {
        return Finished::AlreadyStored;  // same bytes, same name: the temp file goes
    }
    // The bytes on disk before the name: a crash after the rename must not
    // leave a named file shorter than its hash.
    if (::fsync(partial->fd_) != 0) {
        fail("cannot sync " + partial->path_);
    }
    ::close(partial->fd_);
    partial->fd_ = -1;
    if (::rename(partial->path_.c_str(), target.c_str()) != 0) {
        const int error = errno;
        ::unlink(partial->path_.c_str());
        throw std::system_error(error, std::generic_category(),
                                "cannot rename " + partial->path_ + " to " + target);
    }
    syncDirectory(directory_);
    return Finished::Stored;
}

FileStore::Finished FileStore::finish(std::unique_ptr<Partial> partial, std::string* actual) {
    const std::uint64_t size = partial->size_;
    std::string hash;
    const Finished result = commit(std::move(partial), &hash);
    if (result != Finished::Mismatch) {
        adopt(hash, size);
    }
    if (actual != nullptr) {
        *actual = hash;
    }
    return result;
}

void FileStore::adopt(const std::string& sha256, std::uint64_t size) {
    if (index_.emplace(sha256, size).second) {
        used_ += size;
    }
}

void FileStore::forget(std::string_view sha256) {
    auto it = index_.find(sha256);
    if (it == index_.end()) {
        return;
    }
    used_ -= it->second;
    index_.erase(it);
}

void FileStore::unlink(std::string_view sha256) const {
    if (::unlink(pathOf(sha256).c_str()) == 0) {
        syncDirectory(directory_);
    }
}

std::size_t FileStore::sweepTemp() {
    std::size_t removed = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(temp_, error)) {
        // Files only: tmp/ holds the temp directories of the hubs that
        // share the store (tmp/<hub name>), each hub's to sweep.
        if (!entry.is_directory(error) && fs::remove(entry.path(), error)) {
            ++removed;
        }
    }
    return removed;
}

std::size_t FileStore::sweep(const std::set<std::string, std::less<>>& referenced) {
    std::size_t removed = sweepTemp();
    for (auto it = index_.begin(); it != index_.end();) {
        if (referenced.contains(it->first)) {
            ++it;
            continue;
        }
        ::unlink(pathOf(it->first).c_str());
        used_ -= it->second;
        it = index_.erase(it);
        ++removed;
    }
    return removed;
}

void FileStore::remove(std::string_view sha256) {
    auto it = index_.find(sha256);
    if (it == index_.end()) {
        return;
    }
    ::unlink(pathOf(sha256).c_str());
    used_ -= it->second;
    index_.erase(it);
}

std::optional<std::uint64_t> FileStore::sizeOnDisk(std::string_view sha256) const {
    struct stat status {};
    if (::stat(pathOf(sha256).c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(status.st_size);
}

std::optional<std::uint64_t> FileStore::size(std::string_view sha256) const {
    auto it = index_.find(sha256);
    if (it == index_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void FileStore::read(std::string_view sha256, std::uint64_t offset, std::size_t length,
                     std::string& out) const {
    const std::string path = pathOf(sha256);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail("cannot open " + path);
    }
    out.resize(length);
    std::size_t done = 0;
    while (done < length) {
        const ssize_t n =
            ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(fd);
            throw std::system_error(error, std::generic_category(), "cannot read " + path);
        }
        if (n == 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(done);
}

}  // namespace hermes::files
