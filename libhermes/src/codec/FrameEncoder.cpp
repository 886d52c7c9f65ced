#include "hermes/codec/FrameEncoder.hpp"

#include <google/protobuf/io/coded_stream.h>

namespace hermes::codec {

using google::protobuf::io::CodedOutputStream;

std::size_t frameSize(const google::protobuf::MessageLite& message) {
    const std::size_t body = message.ByteSizeLong();
    return CodedOutputStream::VarintSize32(static_cast<std::uint32_t>(body)) + body;
}

std::size_t appendFrame(const google::protobuf::MessageLite& message, std::string& out) {
    // ByteSizeLong() caches sizes, so the serialization below reuses them.
    const auto body = static_cast<std::uint32_t>(message.ByteSizeLong());
    const std::size_t prefix = CodedOutputStream::VarintSize32(body);
    const std::size_t start = out.size();
    out.resize(start + prefix + body);
    auto* cursor = reinterpret_cast<std::uint8_t*>(out.data() + start);
    cursor = CodedOutputStream::WriteVarint32ToArray(body, cursor);
    message.SerializeWithCachedSizesToArray(cursor);
    return prefix + body;
}

std::string encodeFrame(const google::protobuf::MessageLite& message) {
    std::string out;
    appendFrame(message, out);
    return out;
}

}  // namespace hermes::codec
