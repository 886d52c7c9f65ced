#pragma once
// Writes Hermes frames: a varint32 length, then the serialized message
// (see FrameDecoder.hpp for the layout). The message is serialized straight
// into the caller's buffer: no intermediate string, no extra copy.
//
// Threading: free functions, no shared state.

#include <cstddef>
#include <string>

#include <google/protobuf/message_lite.h>

namespace hermes::codec {

// The size of the frame appendFrame() would write for `message`.
std::size_t frameSize(const google::protobuf::MessageLite& message);

// Appends one frame holding `message` to `out`; returns the frame's size.
std::size_t appendFrame(const google::protobuf::MessageLite& message, std::string& out);

// One frame as a new string.
std::string encodeFrame(const google::protobuf::MessageLite& message);

}  // namespace hermes::codec
