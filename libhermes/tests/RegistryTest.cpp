#define BOOST_TEST_MODULE registry
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "hermes/hub/Registry.hpp"

using hermes::hub::Registry;

BOOST_AUTO_TEST_CASE(nicks_are_unique_ignoring_case) {
    Registry registry;
    BOOST_TEST(registry.reserve("Ana", 1));
    BOOST_TEST(!registry.reserve("ana", 2));
    BOOST_TEST(!registry.reserve("ANA", 3));
    BOOST_TEST(registry.reserve("bob", 2));
    BOOST_TEST(registry.size() == 2u);
    BOOST_TEST(registry.find("aNa").value() == 1u);
    BOOST_TEST(!registry.find("carol").has_value());
}

BOOST_AUTO_TEST_CASE(rename_moves_and_allows_case_change) {
    Registry registry;
    registry.reserve("ana", 1);
    registry.reserve("bob", 2);
    BOOST_TEST(!registry.rename(1, "ana", "BOB"));
    BOOST_TEST(registry.rename(1, "ana", "Ana"));  // case only
    BOOST_TEST(registry.rename(1, "Ana", "anna"));
    BOOST_TEST(!registry.find("ana").has_value());
    BOOST_TEST(registry.find("ANNA").value() == 1u);
    BOOST_TEST(registry.size() == 2u);
}

BOOST_AUTO_TEST_CASE(release_only_by_holder) {
    Registry registry;
    registry.reserve("ana", 1);
    registry.release("ana", 2);  // not the holder: ignored
    BOOST_TEST(registry.find("ana").has_value());
    registry.release("ANA", 1);
    BOOST_TEST(!registry.find("ana").has_value());
    BOOST_TEST(registry.size() == 0u);
}

BOOST_AUTO_TEST_CASE(readers_on_other_threads) {
    Registry registry;
    std::thread reader([&registry] {
        for (int i = 0; i < 2000; ++i) {
            (void)registry.size();
            (void)registry.find("n1");
        }
    });
    for (hermes::hub::SessionId id = 1; id <= 2000; ++id) {
        registry.reserve("n" + std::to_string(id), id);
    }
    reader.join();
    BOOST_TEST(registry.size() == 2000u);
}

BOOST_AUTO_TEST_CASE(addresses_are_the_peer_without_its_port) {
    BOOST_TEST(Registry::addressOf("10.0.0.7:51234") == "10.0.0.7");
    BOOST_TEST(Registry::addressOf("[::1]:51234") == "::1");
    BOOST_TEST(Registry::addressOf("::1") == "::1");
    BOOST_TEST(Registry::addressOf("unknown peer") == "unknown peer");
}

BOOST_AUTO_TEST_CASE(admission_counts_connections_in_all_and_per_address) {
    Registry registry;
    const Registry::Limits limits{3, 2};
    using A = Registry::Admission;
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST((registry.admission("10.0.0.1", limits) == A::AddressFull));
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::AddressFull));  // not counted
    BOOST_TEST((registry.admit("10.0.0.2", limits) == A::Admitted));
    BOOST_TEST((registry.admission("10.0.0.3", limits) == A::HubFull));
    BOOST_TEST(registry.connections() == 3u);
    BOOST_TEST(registry.connectionsFrom("10.0.0.1") == 2u);
    registry.leave("10.0.0.1", true);
    BOOST_TEST((registry.admission("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST((registry.admission("10.0.0.3", limits) == A::Admitted));
    BOOST_TEST(registry.connectionsFrom("10.0.0.1") == 1u);
    const Registry::Limits unlimited{100, 0};
    BOOST_TEST((registry.admit("10.0.0.2", unlimited) == A::Admitted));
}

// Silent sockets: an address has at most maxHandshakesPerAddress connections
// not welcomed yet, whatever its share of connections; welcomed ones free
// their handshake place, and a handshake that ends unwelcomed frees it too.
BOOST_AUTO_TEST_CASE(handshakes_in_progress_are_limited_per_address) {
    Registry registry;
    const Registry::Limits limits{100, 4, 2};
    using A = Registry::Admission;
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST((registry.admission("10.0.0.1", limits) == A::HandshakesFull));
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::HandshakesFull));  // not counted
    BOOST_TEST((registry.admit("10.0.0.2", limits) == A::Admitted));        // another machine
    BOOST_TEST(registry.handshakesFrom("10.0.0.1") == 2u);

    registry.handshakeDone("10.0.0.1");  // one welcomed
    BOOST_TEST(registry.handshakesFrom("10.0.0.1") == 1u);
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    registry.leave("10.0.0.1", true);  // a handshake given up
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST(registry.connectionsFrom("10.0.0.1") == 3u);
    BOOST_TEST(registry.handshakesFrom("10.0.0.1") == 2u);

    // The welcomed one leaving gives back a connection, no handshake place.
    registry.leave("10.0.0.1", false);
    BOOST_TEST(registry.handshakesFrom("10.0.0.1") == 2u);
    BOOST_TEST((registry.admission("10.0.0.1", limits) == A::HandshakesFull));
    registry.handshakeDone("10.0.0.1");
    registry.handshakeDone("10.0.0.1");
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST((registry.admit("10.0.0.1", limits) == A::Admitted));
    BOOST_TEST((registry.admission("10.0.0.1", limits) == A::AddressFull));  // 4 of 4
}

// The hub's thread admits and lets go while acceptor threads ask: every
// answer an acceptor gets is one the counts could have given.
BOOST_AUTO_TEST_CASE(acceptors_ask_while_the_hub_counts) {
    Registry registry;
    const Registry::Limits limits{1000, 0};
    std::atomic<bool> wrong{false};
    std::vector<std::thread> acceptors;
    for (int t = 0; t < 3; ++t) {
        acceptors.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                const auto verdict = registry.admission("10.0.0.9", limits);
                const auto count = registry.connections();
                if (verdict != Registry::Admission::Admitted || count > 500) {
                    wrong = true;
                }
            }
        });
    }
    for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < 500; ++i) {
            registry.admit("10.0.0." + std::to_string(i % 7), limits);
        }
        for (int i = 0; i < 500; ++i) {
            registry.leave("10.0.0." + std::to_string(i % 7), true);
        }
    }
    for (std::thread& acceptor : acceptors) {
        acceptor.join();
    }
    BOOST_TEST(!wrong.load());
    BOOST_TEST(registry.connections() == 0u);
}
