#include "model/FileTransfers.hpp"

#include <exception>

#include "hermes/protocol/FileRules.hpp"

namespace hermes::tui {

namespace v1 = hermes::v1;
using hermes::client::FileDownload;
using hermes::client::FileUpload;
using hermes::protocol::describeSize;

namespace {

std::string percent(std::uint64_t done, std::uint64_t size) {
    return std::to_string(size == 0 ? 100 : done * 100 / size) + "%";
}

}  // namespace

FileTransfers::Note FileTransfers::upload(const std::string& room, const std::string& path) {
    try {
        Upload up{room, FileUpload::fromPath(room, path)};
        if (!hub_.sendFrame(up.file.offer())) {
            return {room, true, "Upload not started: the send queue is full; try again"};
        }
        const std::string what =
            up.file.file().name() + " (" + describeSize(up.file.file().size()) + ")";
        uploads_.push_back(std::move(up));
        return {room, false, "Uploading " + what + " to " + room + "..."};
    } catch (const std::exception& error) {
        return {room, true, std::string("Upload not started: ") + error.what()};
    }
}

FileTransfers::Note FileTransfers::uploadSnippet(const std::string& room, std::string text,
                                                 std::string name) {
    Upload up{room, FileUpload::fromText(room, std::move(text), std::move(name))};
    if (!hub_.sendFrame(up.file.offer())) {
        return {room, true, "Snippet not sent: the send queue is full; try again"};
    }
    const std::string what =
        up.file.file().name() + " (" + describeSize(up.file.file().size()) + ")";
    uploads_.push_back(std::move(up));
    return {room, false, "Sending the paste as " + what + "..."};
}

FileTransfers::Note FileTransfers::download(const std::string& room, std::uint64_t seq,
                                            const std::string& path) {
    if (download_) {
        return {room, true,
                "A download is under way (" + download_->path() + "); wait for it to end"};
    }
    try {
        FileDownload d = FileDownload::bySeq(room, seq, path);
        if (!hub_.sendFrame(d.request())) {
            return {room, true, "Download not started: the send queue is full; try again"};
        }
        const std::string resumed = d.resumedFrom() > 0
                                        ? ", resuming after " + describeSize(d.resumedFrom())
                                        : std::string();
        download_.emplace(std::move(d));
        downloadRoom_ = room;
        return {room, false,
                "Downloading #" + std::to_string(seq) + " of " + room + " to " + path + resumed +
                    "..."};
    } catch (const std::exception& error) {
        return {room, true, std::string("Download not started: ") + error.what()};
    }
}

bool FileTransfers::handle(const v1::Envelope& envelope, std::vector<Note>& notes) {
    for (auto it = uploads_.begin(); it != uploads_.end(); ++it) {
        if (!it->file.handle(envelope)) {
            continue;
        }
        if (it->file.state() == FileUpload::State::Done) {
            notes.push_back(
                {it->room, false,
                 "Uploaded " + it->file.file().name() + " as #" + std::to_string(it->file.seq())});
            uploads_.erase(it);
        } else if (it->file.state() == FileUpload::State::Failed) {
            notes.push_back(
                {it->room, true,
                 "Upload of " + it->file.file().name() + " failed: " + it->file.error()});
            uploads_.erase(it);
        }
        return true;
    }
    if (download_ && download_->handle(envelope)) {
        if (download_->state() == FileDownload::State::Done) {
            notes.push_back({downloadRoom_, false,
                             "Downloaded " + download_->file().name() + " to " + download_->path() +
                                 " (" + describeSize(download_->size()) + ", sha256 checked)"});
            download_.reset();
        } else if (download_->state() == FileDownload::State::Failed) {
            notes.push_back({downloadRoom_, true, "Download failed: " + download_->error()});
            download_.reset();
        }
        return true;
    }
    return false;
}

bool FileTransfers::pump() {
    for (Upload& up : uploads_) {
        while (auto chunk = up.file.nextChunk()) {
            if (!hub_.sendFrame(*chunk)) {
                up.file.unsend(*chunk);
                return true;
            }
        }
    }
    return false;
}

void FileTransfers::connectionLost(std::vector<Note>& notes) {
    for (const Upload& up : uploads_) {
        notes.push_back({up.room, true,
                         "Upload of " + up.file.file().name() +
                             " stopped: the connection was lost; /upload it again"});
    }
    uploads_.clear();
    if (download_) {
        notes.push_back({downloadRoom_, true,
                         "Download to " + download_->path() +
                             " stopped: the connection was lost; /download again resumes it"});
        download_.reset();
    }
}

std::string FileTransfers::status() const {
    std::string text;
    for (const Upload& up : uploads_) {
        text += (text.empty() ? "" : " ") + std::string("up ") + up.file.file().name() + " " +
                percent(up.file.sent(), up.file.file().size());
    }
    if (download_) {
        text += (text.empty() ? "" : " ") + std::string("down ") +
                (download_->file().name().empty() ? download_->path() : download_->file().name()) +
                " " +
                (download_->state() == FileDownload::State::Receiving
                     ? percent(download_->received(), download_->size())
                     : std::string("..."));
    }
    return text;
}

}  // namespace hermes::tui
