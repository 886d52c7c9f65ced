#pragma once
// Files through a RawClient, as a client does them (docs/PROTOCOL.md
// "Files"): FileUpload and FileDownload (libhermes's client side) driven over
// one connection until they end or a deadline passes. Frames that are not
// about the transfer stay in the client's inbox.
//
// Threading: the test's thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "Deadline.hpp"
#include "RawClient.hpp"
#include "hermes/client/FileDownload.hpp"
#include "hermes/client/FileUpload.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::it {

// `size` bytes that do not compress, the same for the same seed.
std::string randomBytes(std::size_t size, std::uint32_t seed);
// Writes `bytes` to `path` (replacing it); returns `path`.
std::string writeFile(const std::string& path, const std::string& bytes);
// The bytes of `path` ("" if it cannot be read).
std::string readFile(const std::string& path);
// The regular files directly in `directory` (0 if it does not exist).
std::size_t filesIn(const std::string& directory);
// Waits until `directory` holds `count` regular files; false at the deadline.
bool waitFiles(const std::string& directory, std::size_t count, Deadline deadline);
// Waits until `path` no longer exists; false at the deadline.
bool waitGone(const std::string& path, Deadline deadline);

// Runs `upload` to its end (sending its offer first unless `sendOffer` is
// false). Returns the FILE message's frame if it was announced.
std::optional<hermes::v1::ChatMessage> runUpload(RawClient& client,
                                                 hermes::client::FileUpload& upload,
                                                 Deadline deadline, bool sendOffer = true);

// Runs `download`; stops early once `cutAfter` bytes are in (0: never).
// Returns false if the deadline passed (or the hub closed) first.
bool runDownload(RawClient& client, hermes::client::FileDownload& download, Deadline deadline,
                 std::uint64_t cutAfter = 0);

}  // namespace hermes::it
