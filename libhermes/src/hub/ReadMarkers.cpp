#include "ReadMarkers.hpp"

#include <optional>

#include <Poco/Logger.h>

#include "Outbox.hpp"
#include "Room.hpp"
#include "RoomTable.hpp"
#include "SessionTable.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

ReadMarkers::ReadMarkers(const HubConfig& config, std::unique_ptr<ReadMarkerStore> store,
                         Poco::Logger& log)
    : config_(config), store_(std::move(store)), log_(log) {
    if (!store_) {
        return;
    }
    std::size_t count = 0;
    for (StoredReadMarker& marker : store_->load()) {
        std::uint64_t& seq =
            byAccount_[marker.account][Key{std::move(marker.room), std::move(marker.peer)}];
        seq = std::max(seq, marker.seq);
        ++count;
    }
    log_.information("read markers: %z for %z accounts", count, byAccount_.size());
}

ReadMarkers::Markers& ReadMarkers::readerOf(const Session& s) {
    if (s.profile.account.empty()) {
        return bySession_[s.id];
    }
    return byAccount_[protocol::nickKey(s.profile.account)];
}

const ReadMarkers::Markers* ReadMarkers::findReader(const Session& s) const {
    if (s.profile.account.empty()) {
        const auto it = bySession_.find(s.id);
        return it == bySession_.end() ? nullptr : &it->second;
    }
    const auto it = byAccount_.find(protocol::nickKey(s.profile.account));
    return it == byAccount_.end() ? nullptr : &it->second;
}

void ReadMarkers::onMarkRead(Session& s, const v1::MarkRead& request, const RoomTable& rooms,
                             SessionTable& sessions, Outbox& outbox) {
    const bool forRoom = !request.room().empty();
    if (forRoom == !request.peer().empty()) {
        outbox.error(s, v1::ERROR_CODE_INVALID_MARKER,
                     "mark read: name exactly one of room and peer", request.room());
        return;
    }
    Key key;
    if (forRoom) {
        std::optional<protocol::ProtocolError> invalid;
        const Room* room = rooms.lookup(request.room(), invalid);
        if (invalid) {
            outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, "mark read: " + invalid->text,
                         request.room());
            return;
        }
        if (room == nullptr || s.rooms.find(room) == SessionRooms::npos) {
            outbox.error(s, v1::ERROR_CODE_NOT_IN_ROOM,
                         "mark read: you are not in room " + request.room(), request.room());
            return;
        }
        if (request.seq() > room->log.sentSeq()) {
            outbox.error(s, v1::ERROR_CODE_INVALID_MARKER,
                         "mark read: seq " + std::to_string(request.seq()) + " is past " +
                             room->name + "'s newest, " + std::to_string(room->log.sentSeq()),
                         room->name);
            return;
        }
        key.first = room->name;
    } else {
        if (auto invalid = protocol::checkNick(request.peer())) {
            outbox.error(s, v1::ERROR_CODE_INVALID_MARKER, "mark read: peer: " + invalid->text);
            return;
        }
        key.second = protocol::nickKey(request.peer());
    }
    Markers& markers = readerOf(s);
    auto it = markers.find(key);
    if (it == markers.end()) {
        if (markers.size() >= config_.readMarkersMax) {
            outbox.error(s, v1::ERROR_CODE_INVALID_MARKER,
                         "mark read: already " + std::to_string(markers.size()) +
                             " markers, the most the hub keeps for one reader",
                         request.room());
            return;
        }
        it = markers.emplace(key, 0).first;
    }
    const bool moved = request.seq() > it->second;
    if (moved) {
        it->second = request.seq();
    }
    send(s, &markers, &key, false, outbox);
    if (!moved || s.profile.account.empty()) {
        return;
    }
    if (store_) {
        store_->put(StoredReadMarker{protocol::nickKey(s.profile.account), key.first, key.second,
                                     it->second});
    }
    // The account's other sessions follow (another device's unread counts),
    // found by the SessionTable's account index: one step per session of
    // this account, not a pass over the hub.
    sessions.forEachOfAccount(protocol::nickKey(s.profile.account), [&](Session& other) {
        if (&other != &s && other.who.welcomed()) {
            send(other, &markers, &key, false, outbox);
        }
    });
}

void ReadMarkers::onRequest(Session& s, const v1::ReadMarkersRequest& request, Outbox& outbox) {
    const Markers* markers = findReader(s);
    if (request.room().empty()) {
        send(s, markers, nullptr, true, outbox);
        return;
    }
    if (auto invalid = protocol::checkRoom(request.room())) {
        outbox.error(s, v1::ERROR_CODE_INVALID_ROOM, "read markers: " + invalid->text,
                     request.room());
        return;
    }
    const Key key{protocol::canonicalRoom(request.room()), {}};
    send(s, markers, &key, false, outbox);
}

void ReadMarkers::afterJoin(Session& s, const Room& room, Outbox& outbox) {
    const Markers* markers = findReader(s);
    const Key key{room.name, {}};
    if (markers != nullptr && markers->contains(key)) {
        send(s, markers, &key, false, outbox);
    }
}

// ReadMarkers with `only`'s marker (none if it has none), or all of them.
void ReadMarkers::send(Session& s, const Markers* markers, const Key* only, bool all,
                       Outbox& outbox) {
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* body = out.mutable_read_markers();
        body->set_all(all);
        body->set_durable(durable(s));
        if (markers == nullptr) {
            return;
        }
        const auto add = [body](const Key& key, std::uint64_t seq) {
            auto* marker = body->add_markers();
            marker->set_room(key.first);
            marker->set_peer(key.second);
            marker->set_seq(seq);
        };
        if (only != nullptr) {
            if (const auto it = markers->find(*only); it != markers->end()) {
                add(it->first, it->second);
            }
            return;
        }
        for (const auto& [key, seq] : *markers) {
            add(key, seq);
        }
    });
}

}  // namespace hermes::hub
