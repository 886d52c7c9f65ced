#pragma once
// The test vectors docs/PROTOCOL.md prints (section 3): each message built
// with the generated classes and framed by the codec must be exactly the
// bytes the document prints, and the document must print them. Each
// *VectorsTest lists its vectors and calls the two checks; it is built with
// HERMES_PROTOCOL_MD, the document's path. Include after Boost.Test.
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::test {

struct ProtocolVector {
    const char* name;   // as the document's table names it
    const char* bytes;  // the frame, lowercase hex bytes separated by spaces
    std::function<void(hermes::v1::Envelope&)> build;
};

inline std::string hexBytes(const std::string& bytes) {
    std::string out;
    char buffer[4];
    for (const unsigned char c : bytes) {
        std::snprintf(buffer, sizeof buffer, "%02x ", c);
        out += buffer;
    }
    if (!out.empty()) {
        out.pop_back();
    }
    return out;
}

inline void expectDocumentedFrames(const std::vector<ProtocolVector>& vectors) {
    for (const ProtocolVector& vector : vectors) {
        hermes::v1::Envelope e;
        vector.build(e);
        BOOST_TEST(hexBytes(hermes::codec::encodeFrame(e)) == vector.bytes, vector.name);
    }
}

inline void expectDocumentPrints(const std::vector<ProtocolVector>& vectors) {
    std::ifstream in(HERMES_PROTOCOL_MD);
    std::stringstream text;
    text << in.rdbuf();
    const std::string document = text.str();
    BOOST_TEST_REQUIRE(!document.empty(), "cannot read " HERMES_PROTOCOL_MD);
    for (const ProtocolVector& vector : vectors) {
        BOOST_TEST(document.find(std::string("`") + vector.bytes + "`") != std::string::npos,
                   vector.name << " is not in docs/PROTOCOL.md");
    }
}

}  // namespace hermes::test
