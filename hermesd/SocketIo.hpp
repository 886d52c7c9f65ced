#pragma once
// The socket calls every connection makes, written once: one nonblocking
// recv() and one gathered send of the hub's pieces, retried on EINTR and
// turned into ClientConnection's Read and Written, and errno in words.
// TcpConnection uses them as they are; WebSocketConnection around its codec.
//
// Threading: free functions. sendPieces() uses one thread_local iovec array:
// call it on the loop thread, the only writer.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "ClientConnection.hpp"

namespace hermesd {

// The most pieces one sendPieces() sends; the rest wait for the next call.
inline constexpr std::size_t kMaxSendPieces = 64;

// errno's message, for logs and close reasons.
std::string errnoText(int error);

// One recv() into `scratch`: Bytes, Nothing (would block) or Closed (the
// peer's end of stream, or an error, in `why`).
ClientConnection::Read receiveInto(int fd, std::span<char> scratch);

// Up to kMaxSendPieces of `pieces` in one send() or sendmsg(): the bytes the
// kernel took, or blocked, or failed with the error in `why`.
ClientConnection::Written sendPieces(int fd, std::span<const std::string_view> pieces);

}  // namespace hermesd
