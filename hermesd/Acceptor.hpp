#pragma once
// The accept stage: POCO's TCPServer accepts on its own thread and hands each
// connection to one of its pool threads, which runs HandoffConnection: set
// the socket up (TCP_NODELAY, non-blocking, the send buffer's size) and give
// it to the EventLoop.
// Nothing blocks here, so a small pool serves any number of clients and a
// client that never says hello costs no thread (the hub times it out).
//
// Threading: HandoffConnection::run() runs on TCPServer pool threads; it only
// calls EventLoop::adopt(), which is thread safe.

#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

namespace hermesd {

class EventLoop;

class HandoffConnection : public Poco::Net::TCPServerConnection {
public:
    // sendBufferBytes > 0: SO_SNDBUF (the kernel's autotuning otherwise).
    HandoffConnection(const Poco::Net::StreamSocket& socket, EventLoop& loop, int sendBufferBytes);
    void run() override;

private:
    EventLoop& loop_;
    int sendBufferBytes_;
};

class HandoffFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    HandoffFactory(EventLoop& loop, int sendBufferBytes)
        : loop_(loop), sendBufferBytes_(sendBufferBytes) {}
    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override;

private:
    EventLoop& loop_;
    int sendBufferBytes_;
};

}  // namespace hermesd
