#pragma once
// A room's members in byte order of their nicks, paged for MembersRequest
// (docs/PROTOCOL.md "Large rooms"), and the pages already encoded.
//
// The order is built on the first request after the membership or a
// member's nick changed (invalidate(): RoomTable on join and leave, the
// rename on SetNick), so a join storm costs nothing here until someone asks.
// An encoded page also names who is away and who is an operator; those
// change without the order changing, so each page remembers the hub's
// `facts` count it was built at (Hub::Impl bumps it on away, moderation,
// sign-in and reload) and is rebuilt when that moved. Everyone fetching the
// same pages after a storm then costs one encoding each and a copy per
// request.
//
// A page is stable under changes between requests: `after` is a nick, not
// a position, so a member present for the whole walk is listed exactly once.
//
// Threading: none; part of a Room, on the hub's thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hermes::hub {

class Moderation;
struct Room;
struct Session;

class MemberPages {
public:
    // The most nicks in one MembersPage (a request's limit 0 or above: this).
    static constexpr std::size_t kMaxPage = 1000;

    // The membership or a member's nick changed: the order is rebuilt on the
    // next request.
    void invalidate() {
        stale_ = true;
        if (!frames_.empty()) {
            dropFrames();
        }
    }
    // The MembersPage frame of `room` after `after`, at most `limit` nicks.
    std::string_view page(const Room& room, std::string_view after, std::size_t limit,
                          std::uint64_t facts, const Moderation& moderation);
    // Drops what it holds (the room went idle or is going).
    void release();

private:
    // Pages kept at most, in count and bytes: the pages every member walks
    // (the same `after`s at the same limit) are few; any other mix a client
    // asks for must not grow the hub's memory.
    static constexpr std::size_t kMaxCachedPages = 64;
    static constexpr std::size_t kMaxCachedBytes = std::size_t{4} << 20;

    void sort(const Room& room);
    // Forgets every page, buckets included (a clear() would keep, and zero
    // on every later clear, the buckets of the largest map it ever was).
    void dropFrames();

    bool stale_ = true;
    std::uint64_t facts_ = 0;  // what frames_ were built at
    std::vector<const Session*> sorted_;
    // By first index * (kMaxPage + 1) + limit.
    std::unordered_map<std::size_t, std::string> frames_;
    std::size_t cachedBytes_ = 0;  // of frames_
};

}  // namespace hermes::hub
