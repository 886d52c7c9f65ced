#pragma once
// Who is connected: how many connections the hub holds, how many from each
// address and how many of those are still in their handshake, and the nick
// of every welcomed session (unique ignoring ASCII case). The hub's thread is the only writer
// (SessionTable: admit and leave at open and close, reserve/rename/release at Hello, SetNick and
// close, handshakeDone at Welcome). Other threads read it: hermesd's acceptor threads ask
// admission() before they hand a connection to the loop, so a full hub, or an address at one of its
// limits, is refused without a session.
//
// Two limits per address, so that one machine cannot lock everyone else
// out: its connections (hub.max_clients_per_address), and its connections
// that have not been welcomed yet (hub.max_handshakes_per_address). The
// second is the tighter: silent sockets are what an attack opens, and each
// holds a slot for the whole handshake timeout, while a real client is
// welcomed within milliseconds.
//
// Threading: thread safe. All the state is behind one mutex (LockGuarded),
// taken once per call and never held while doing I/O.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hermes/hub/SessionId.hpp"
#include "hermes/threads/LockGuarded.hpp"

namespace hermes::hub {

struct HubConfig;

class Registry {
public:
    enum class Admission { Admitted, HubFull, AddressFull, HandshakesFull };
    struct Limits {
        std::size_t maxClients = 0;               // hub.max_clients
        std::size_t maxClientsPerAddress = 0;     // hub.max_clients_per_address (0 = none)
        std::size_t maxHandshakesPerAddress = 0;  // hub.max_handshakes_per_address (0 = none)
    };
    static Limits limitsOf(const HubConfig& config);

    // What admit() would answer now, without counting anything (acceptor
    // threads). Another thread may admit meanwhile: admit() decides.
    Admission admission(std::string_view address, const Limits& limits) const;
    // Counts one more connection from `address`, in its handshake, if the
    // limits allow it.
    Admission admit(std::string_view address, const Limits& limits);
    // A connection from `address` was welcomed: its handshake is over.
    void handshakeDone(std::string_view address);
    // A connection admitted from `address` is gone; `handshaking`: it was
    // never welcomed.
    void leave(std::string_view address, bool handshaking);
    std::size_t connections() const;
    std::size_t connectionsFrom(std::string_view address) const;
    std::size_t handshakesFrom(std::string_view address) const;

    // Claims `nick` for `id`. False if another session holds it (any case).
    bool reserve(std::string_view nick, SessionId id);
    // Moves `id` from its nick to `newNick`. False if taken by another session.
    bool rename(SessionId id, std::string_view oldNick, std::string_view newNick);
    void release(std::string_view nick, SessionId id);
    std::optional<SessionId> find(std::string_view nick) const;
    // Nicks held (welcomed sessions).
    std::size_t size() const;

    // The address part of a peer as the edge names it ("10.0.0.7:51234" ->
    // "10.0.0.7", "[::1]:51234" -> "::1").
    static std::string_view addressOf(std::string_view peer);

private:
    struct AddressCount {
        std::size_t connections = 0;
        std::size_t handshaking = 0;  // of those, not welcomed yet
    };
    struct State {
        std::unordered_map<std::string, SessionId> byNickKey;
        std::unordered_map<std::string, AddressCount> byAddress;
        std::size_t connections = 0;
    };
    static Admission judge(const State& state, std::string_view address, const Limits& limits);

    threads::LockGuarded<State> state_;
};

}  // namespace hermes::hub
