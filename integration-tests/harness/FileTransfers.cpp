#include "FileTransfers.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

namespace hermes::it {

using hermes::client::FileDownload;
using hermes::client::FileUpload;

std::string randomBytes(std::size_t size, std::uint32_t seed) {
    std::mt19937_64 random(seed);
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
        const std::uint64_t word = random();
        for (std::size_t k = 0; k < 8 && i + k < size; ++k) {
            bytes[i + k] = static_cast<char>(word >> (8 * k));
        }
    }
    return bytes;
}

std::optional<hermes::v1::ChatMessage> runUpload(RawClient& client, FileUpload& upload,
                                                 Deadline deadline, bool sendOffer) {
    if (sendOffer) {
        client.send(upload.offer());
    }
    std::optional<hermes::v1::ChatMessage> announced;
    while (upload.state() == FileUpload::State::Offered ||
           upload.state() == FileUpload::State::Sending) {
        while (auto chunk = upload.nextChunk()) {
            client.send(*chunk);
        }
        if (!client.readSome(deadline)) {
            if (Clock::now() >= deadline || client.closedByPeer()) {
                break;
            }
            continue;
        }
        auto& inbox = client.inbox();
        for (auto frame = inbox.begin(); frame != inbox.end();) {
            if (upload.handle(frame->envelope)) {
                if (frame->envelope.has_message()) {
                    announced = frame->envelope.message();
                }
                frame = inbox.erase(frame);
            } else {
                ++frame;
            }
        }
    }
    return announced;
}

std::string writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t filesIn(const std::string& directory) {
    std::size_t count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        count += entry.is_regular_file() ? 1 : 0;
    }
    return count;
}

// Waits until `directory` holds `count` regular files.
bool waitFiles(const std::string& directory, std::size_t count, Deadline deadline) {
    while (filesIn(directory) != count) {
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(10));  // a file system has no change event to wait on here
    }
    return true;
}

// Waits until `path` no longer exists.
bool waitGone(const std::string& path, Deadline deadline) {
    while (std::filesystem::exists(path)) {
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(10));  // no change event to wait on here either
    }
    return true;
}

bool runDownload(RawClient& client, FileDownload& download, Deadline deadline,
                 std::uint64_t cutAfter) {
    client.send(download.request());
    while (download.state() == FileDownload::State::Requested ||
           download.state() == FileDownload::State::Receiving) {
        if (cutAfter != 0 && download.received() >= cutAfter) {
            return true;
        }
        if (!client.readSome(deadline) && (Clock::now() >= deadline || client.closedByPeer())) {
            return false;
        }
        auto& inbox = client.inbox();
        for (auto frame = inbox.begin(); frame != inbox.end();) {
            frame = download.handle(frame->envelope) ? inbox.erase(frame) : std::next(frame);
        }
    }
    return true;
}

}  // namespace hermes::it
