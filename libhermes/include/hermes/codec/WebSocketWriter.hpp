#pragma once
// Turns the hub's output for one session, a Hermes byte stream (varint
// length + Envelope, frame after frame, as Hub::output() hands it out in
// pieces), into WebSocket binary messages, one per Hermes frame, and adds the
// transport's own control frames (pong, close) between messages.
//
//   Hermes stream     [len|payload][len|payload]...
//   on the socket     [hdr|payload][hdr|payload]...   hdr: 2, 4 or 10 bytes
//
// Nothing is decoded: the varint is read to learn where each frame ends, and
// a WebSocket header of the same length takes its place. Bytes are copied
// only where that is cheaper than pointing at them: a payload shorter than
// kCopyBelow goes into a staging buffer right after its header, so a run of
// small frames (the usual chat traffic) is one contiguous run; a longer one
// (a history page) is sent from where the hub keeps it. plan() fills the
// runs for one gathered write (sendmsg); written() says how much of the
// Hermes stream the bytes the socket took account for, for Hub::consumed().
//
// Cost: this is on every delivery to a browser, and a TCP delivery costs
// the hub about 20 ns, so plan() keeps no record per frame. When the socket
// takes the whole plan (the usual case) written() applies the state the
// plan ended in; only a partial write walks the same bytes again, counting.
//
// A write may stop anywhere, also inside a header: the rest of that header
// is the writer's own (pendingOutput()) and goes first next time, then the
// payload from where the hub's output resumes. Control frames wait for a
// message boundary; after the close frame nothing more is planned.
//
// Threading: none. One writer belongs to one connection; a Plan to the
// thread that writes, valid from plan() until written().

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hermes/codec/WebSocketFrame.hpp"

namespace hermes::codec {

class WebSocketWriter {
public:
    // Payloads shorter than this are copied beside their header.
    static constexpr std::size_t kCopyBelow = 1024;
    // The staging buffer of one write (headers and copied payloads): as
    // much as a socket's send buffer takes at once (hermesd.send_buffer_bytes,
    // 256 KiB, which the kernel doubles), so a long queue is not cut into
    // more writes than over TCP.
    static constexpr std::size_t kStagingBytes = 256 * 1024;

    // One write's staging buffer and what its runs stand for. Reusable; one
    // per thread is enough, since plan() and written() come in pairs.
    class Plan {
    public:
        Plan() : staging_(new char[kStagingBytes]) {}

    private:
        friend class WebSocketWriter;
        std::unique_ptr<char[]> staging_;
        std::size_t staged_ = 0;
        std::span<const std::string_view> hermes_;  // the pieces planned from
        std::size_t socketBytes_ = 0;               // in the runs
        std::size_t hermesBytes_ = 0;               // of the pieces they stand for
        std::uint64_t endPayloadLeft_ = 0;          // once all is written
        bool controlPlanned_ = false;
    };

    // Fills `runs` with the bytes of one gathered write: own bytes first (a
    // header's rest, then control frames at a boundary), then the frames of
    // `hermes` as far as the runs and the staging buffer allow. Returns how
    // many runs it filled (0: nothing to send). `hermes` must stay valid
    // until written().
    std::size_t plan(std::span<const std::string_view> hermes, Plan& plan,
                     std::span<std::string_view> runs);

    // `sent` bytes of the runs plan() last filled went out; returns how many
    // bytes of the Hermes stream that accounts for.
    std::size_t written(std::size_t sent, const Plan& plan);

    // A pong for a ping's payload. A pong not yet begun is replaced by the
    // newer one (RFC 6455 5.5.3); none is queued after the close.
    void queuePong(std::string_view payload);
    // The close frame (once): the last frame this writer sends.
    void queueClose(WsCloseCode code, std::string_view reason);

    // Own bytes that can go out now: the rest of a header, or control frames
    // at a message boundary.
    bool pendingOutput() const {
        return headerRestSize_ > 0 || (payloadLeft_ == 0 && controlSent_ < control_.size());
    }
    bool closeQueued() const { return closeQueued_; }
    bool closeSent() const { return closeSent_; }
    // Inside a message: the rest of its payload is due before anything else.
    bool midMessage() const { return payloadLeft_ > 0 || headerRestSize_ > 0; }

private:
    void controlWritten(std::size_t bytes);

    std::array<char, kWsMaxServerHeaderBytes> headerRest_{};
    std::uint8_t headerRestSize_ = 0;
    std::uint8_t headerRestAt_ = 0;
    std::uint64_t payloadLeft_ = 0;  // of the current frame, to come from the hub's output
    std::string control_;            // control frames queued (pong, close)
    std::size_t controlSent_ = 0;
    std::size_t lastPongAt_ = std::string::npos;  // in control_
    bool closeQueued_ = false;
    bool closeSent_ = false;
};

}  // namespace hermes::codec
