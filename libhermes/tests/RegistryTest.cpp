#define BOOST_TEST_MODULE registry
#include <boost/test/unit_test.hpp>

#include <thread>

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
