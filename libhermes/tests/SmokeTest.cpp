#define BOOST_TEST_MODULE smoke
#include <boost/test/unit_test.hpp>
#include "hermes/codec/FrameDecoder.hpp"
#include "hermes/codec/FrameEncoder.hpp"
BOOST_AUTO_TEST_CASE(round_trip) {
    hermes::v1::Envelope e;
    e.mutable_hello()->set_nick("ana");
    hermes::codec::FrameDecoder d(1024);
    d.feed(hermes::codec::encodeFrame(e));
    hermes::v1::Envelope out;
    BOOST_TEST(d.next(out));
    BOOST_TEST(out.hello().nick() == "ana");
}
