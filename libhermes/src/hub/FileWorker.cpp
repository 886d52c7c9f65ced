#include "FileWorker.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <system_error>
#include <utility>

#include "hermes/threads/ThisThread.hpp"

namespace hermes::hub {

FileWorker::FileWorker(const files::FileStore& store, bool threaded)
    : store_(store), threaded_(threaded) {
    fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "eventfd (files)");
    }
}

FileWorker::~FileWorker() {
    shared_.lock()->stopping = true;
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    for (const auto& [handle, fd] : reading_) {
        ::close(fd);
    }
    writing_.clear();  // each Partial removes its temp file
    ::close(fd_);
}

void FileWorker::submit(FileJob job) {
    if (threaded_ && !thread_.joinable()) {
        thread_ = std::thread([this] {
            threads::nameThisThread("files");
            run();
        });
    }
    ++pending_;
    queuedBytes_ += job.kind == FileJobKind::Append ? job.data.size()
                    : job.kind == FileJobKind::Read ? job.size
                                                    : 0;
    shared_.lock()->queue.push_back(std::move(job));
    if (threaded_) {
        wake_.notify_one();
    }
}

std::vector<FileResult> FileWorker::finished() {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(fd_, &count, sizeof count);
    std::vector<FileResult> done;
    done.swap(shared_.lock()->done);
    pending_ -= std::min(pending_, done.size());
    for (const FileResult& result : done) {
        if (result.kind == FileJobKind::Append || result.kind == FileJobKind::Read) {
            queuedBytes_ -= std::min(queuedBytes_, result.bytes);
        }
    }
    return done;
}

std::size_t FileWorker::runQueued(std::size_t count) {
    std::size_t ran = 0;
    while (!threaded_ && ran < count) {
        FileJob job;
        {
            auto shared = shared_.lock();
            if (shared->queue.empty()) {
                break;
            }
            job = std::move(shared->queue.front());
            shared->queue.pop_front();
        }
        finishOne(work(job));
        ++ran;
    }
    return ran;
}

void FileWorker::run() {
    while (true) {
        FileJob job;
        {
            auto shared = shared_.lock();
            wake_.wait(shared.unique(), [&] { return shared->stopping || !shared->queue.empty(); });
            if (shared->stopping) {
                return;
            }
            job = std::move(shared->queue.front());
            shared->queue.pop_front();
        }
        finishOne(work(job));
    }
}

void FileWorker::finishOne(FileResult result) {
    shared_.lock()->done.push_back(std::move(result));
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
}

FileResult FileWorker::work(FileJob& job) {
    FileResult result;
    result.kind = job.kind;
    result.handle = job.handle;
    try {
        switch (job.kind) {
            case FileJobKind::Append: {
                auto& partial = writing_[job.handle];
                if (!partial) {
                    partial = store_.begin(std::to_string(job.handle), job.sha256, job.size);
                }
                result.bytes = job.data.size();
                store_.append(*partial, job.data);
                result.offset = partial->written();
                break;
            }
            case FileJobKind::Commit: {
                result.bytes = job.size;
                auto it = writing_.find(job.handle);
                if (it == writing_.end()) {
                    // An empty file: nothing was appended, its temp file is made now.
                    result.finished = store_.commit(
                        store_.begin(std::to_string(job.handle), job.sha256, 0), &result.sha256);
                    break;
                }
                std::unique_ptr<files::FileStore::Partial> partial = std::move(it->second);
                writing_.erase(it);
                result.finished = store_.commit(std::move(partial), &result.sha256);
                break;
            }
            case FileJobKind::Discard:
                writing_.erase(job.handle);  // the Partial removes its temp file
                break;
            case FileJobKind::Read: {
                result.offset = job.offset;
                result.bytes = job.size;
                auto it = reading_.find(job.handle);
                if (it == reading_.end()) {
                    const std::string path = store_.pathOf(job.sha256);
                    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
                    if (fd < 0) {
                        throw std::system_error(errno, std::generic_category(),
                                                "cannot open " + path);
                    }
                    it = reading_.emplace(job.handle, fd).first;
                }
                result.data.resize(static_cast<std::size_t>(job.size));
                std::size_t done = 0;
                while (done < result.data.size()) {
                    const ssize_t n =
                        ::pread(it->second, result.data.data() + done, result.data.size() - done,
                                static_cast<off_t>(job.offset + done));
                    if (n < 0 && errno == EINTR) {
                        continue;
                    }
                    if (n < 0) {
                        throw std::system_error(errno, std::generic_category(),
                                                "cannot read " + store_.pathOf(job.sha256));
                    }
                    if (n == 0) {
                        break;
                    }
                    done += static_cast<std::size_t>(n);
                }
                result.data.resize(done);
                break;
            }
            case FileJobKind::Close:
                if (auto it = reading_.find(job.handle); it != reading_.end()) {
                    ::close(it->second);
                    reading_.erase(it);
                }
                break;
            case FileJobKind::Remove:
                result.sha256 = job.sha256;
                store_.unlink(job.sha256);
                break;
        }
    } catch (const std::exception& error) {
        result.ok = false;
        result.error = error.what();
        if (job.kind == FileJobKind::Append) {
            writing_.erase(job.handle);  // a failed upload keeps no temp file
        }
    }
    return result;
}

}  // namespace hermes::hub
