#define BOOST_TEST_MODULE IgnoreListTest
#include "model/IgnoreList.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using hermes::tui::IgnoreList;

BOOST_AUTO_TEST_CASE(nicks_are_compared_ignoring_ascii_case_and_kept_as_typed) {
    IgnoreList list({"Bob", "", "carol", "BOB"});
    BOOST_TEST(list.nicks() == (std::vector<std::string>{"Bob", "carol"}));
    BOOST_TEST(list.contains("bob"));
    BOOST_TEST(list.contains("CAROL"));
    BOOST_TEST(!list.contains("bo"));
    BOOST_TEST(!list.add("bOb"));
    BOOST_TEST(list.add("[dan]"));
    BOOST_TEST(list.remove("CAROL"));
    BOOST_TEST(!list.remove("carol"));
    BOOST_TEST(list.nicks() == (std::vector<std::string>{"Bob", "[dan]"}));
}

BOOST_AUTO_TEST_CASE(hidden_messages_are_told_once_per_window_until_unignored) {
    IgnoreList list({"bob", "bobby"});
    BOOST_TEST(list.firstHidden("#lobby", "bob"));
    BOOST_TEST(!list.firstHidden("#lobby", "BOB"));
    BOOST_TEST(list.firstHidden("#dev", "bob"));
    BOOST_TEST(list.firstHidden("private", "bob"));
    BOOST_TEST(list.firstHidden("#lobby", "bobby"));
    // Unignored and ignored again: told again; another nick's notes stay.
    list.remove("bob");
    list.add("bob");
    BOOST_TEST(list.firstHidden("#lobby", "bob"));
    BOOST_TEST(!list.firstHidden("#lobby", "bobby"));
}
