#include "MemberPages.hpp"

#include <algorithm>

#include "Moderation.hpp"
#include "Room.hpp"
#include "Session.hpp"
#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/v1/hermes.pb.h"

namespace hermes::hub {

void MemberPages::sort(const Room& room) {
    sorted_.clear();
    sorted_.reserve(room.members.size());
    for (const Member& member : room.members) {
        sorted_.push_back(member.session);
    }
    std::sort(sorted_.begin(), sorted_.end(),
              [](const Session* a, const Session* b) { return a->who.nick() < b->who.nick(); });
    stale_ = false;
    dropFrames();
}

void MemberPages::dropFrames() {
    std::unordered_map<std::size_t, std::string>().swap(frames_);
    cachedBytes_ = 0;
}

std::string_view MemberPages::page(const Room& room, std::string_view after, std::size_t limit,
                                   std::uint64_t facts, const Moderation& moderation) {
    if (stale_) {
        sort(room);
    }
    if (facts != facts_) {
        dropFrames();
        facts_ = facts;
    }
    if (limit == 0 || limit > kMaxPage) {
        limit = kMaxPage;
    }
    const auto first =
        static_cast<std::size_t>(std::upper_bound(sorted_.begin(), sorted_.end(), after,
                                                  [](std::string_view nick, const Session* s) {
                                                      return nick < s->who.nick();
                                                  }) -
                                 sorted_.begin());
    const std::size_t key = first * (kMaxPage + 1) + limit;
    if (const auto found = frames_.find(key); found != frames_.end()) {
        return found->second;
    }
    if (frames_.size() >= kMaxCachedPages || cachedBytes_ >= kMaxCachedBytes) {
        dropFrames();
    }
    std::string& frame = frames_[key];
    const std::size_t end = std::min(sorted_.size(), first + limit);
    v1::Envelope envelope;
    auto* out = envelope.mutable_members_page();
    out->set_room(room.name);
    out->set_total(static_cast<std::uint32_t>(sorted_.size()));
    for (std::size_t i = first; i < end; ++i) {
        const Session& s = *sorted_[i];
        out->add_nicks(s.who.nick());
        if (!s.profile.away.empty()) {
            out->add_away(s.who.nick());
        }
        if (moderation.roomOperator(s, room)) {
            out->add_operators(s.who.nick());
        }
    }
    if (end < sorted_.size()) {
        out->set_next_after(sorted_[end - 1]->who.nick());
    }
    codec::appendFrame(envelope, frame);
    cachedBytes_ += frame.size();
    return frame;
}

void MemberPages::release() {
    stale_ = true;
    std::vector<const Session*>().swap(sorted_);
    dropFrames();
}

}  // namespace hermes::hub
