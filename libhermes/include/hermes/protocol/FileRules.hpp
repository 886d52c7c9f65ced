#pragma once
// The rules of a shared file both sides keep (docs/PROTOCOL.md "Files"):
// what a FileInfo may hold, the size of a chunk under the frame limit, and
// the text a FILE message carries for clients that know only TEXT.
//
// Threading: free functions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hermes/protocol/ProtocolError.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::protocol {

inline constexpr std::size_t kMaxFileNameBytes = 255;
inline constexpr std::size_t kMaxMediaTypeBytes = 127;
inline constexpr std::size_t kMaxPreviewBytes = 1024;
inline constexpr std::size_t kMaxPreviewLines = 10;
// Room for a chunk's envelope around its data: tags, lengths, ids, and the
// FileInfo the first FileData carries (name, media type, hash: under 512).
inline constexpr std::size_t kChunkOverheadBytes = 1024;

// 64 lowercase hex digits.
bool isSha256Hex(std::string_view text);
// Why a FileOffer's file cannot be taken (name, media type, hash text,
// preview), if it cannot. Size limits are the hub's (FILE_TOO_LARGE).
std::optional<ProtocolError> checkFileInfo(const hermes::v1::FileInfo& file);
// The largest chunk whose FileChunk / FileData frame fits `maxFrameBytes`.
std::size_t chunkBytesFor(std::size_t maxFrameBytes);
// "1.2 MB", "512 B": decimal units, as file managers show them.
std::string describeSize(std::uint64_t bytes);
// The text of a FILE message: "shared report.pdf (1.2 MB)", and for a
// snippet ": " and its first line.
std::string fileMessageText(const hermes::v1::FileInfo& file);
// A snippet's preview: the first kMaxPreviewLines lines of `text`, at most
// kMaxPreviewBytes, cut on a character, control characters other than LF
// and TAB replaced by U+FFFD.
std::string snippetPreview(std::string_view text);

}  // namespace hermes::protocol
