#pragma once
// Slows password guessing: a token bucket per key (an account, or an
// address), of `burst` tokens refilled at `perSecond`. Every attempt takes a
// token from each of its keys *before* its password is hashed, so parallel
// attempts cannot outrun it; a right password gives them back. With a key
// out of tokens the attempt is refused unhashed until the next token: after
// `burst` failures an attacker gets `perSecond` guesses per account and per
// address, and the owner's right password is refused too until then (the
// price of not letting the attacker learn which guess was right).
//
// Bounded: at most `maxEntries` keys. A key whose bucket is full again holds
// nothing worth keeping and is dropped when room is needed; when every key
// still counts failures, a new key is refused (throttled) rather than one
// forgotten, which would hand an attacker a fresh bucket.
//
// Threading: none; the hub's thread.

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hermes/hub/Clock.hpp"

namespace hermes::hub {

class SignInThrottle {
public:
    SignInThrottle(double perSecond, double burst, std::size_t maxEntries);

    // Takes a token from each key, or (if any has none) from none of them
    // and says how long until all have one.
    std::optional<Clock::duration> take(std::initializer_list<std::string_view> keys,
                                        TimePoint now);
    // A right password: the tokens its attempt took come back.
    void giveBack(std::initializer_list<std::string_view> keys, TimePoint now);

    std::size_t size() const { return buckets_.size(); }

private:
    struct Bucket {
        double tokens = 0;
        TimePoint last{};
    };
    double refilled(const Bucket& bucket, TimePoint now) const;
    Clock::duration untilToken(double tokens) const;
    // The key's bucket, made if missing; nullptr when the table is full of
    // keys that still count failures.
    Bucket* find(std::string_view key, TimePoint now, bool create);
    void sweep(TimePoint now);

    double perSecond_;
    double burst_;
    std::size_t maxEntries_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace hermes::hub
