// hermes-cat: a scriptable Hermes client. See CatSession.hpp for how a run
// goes and CatOptions.cpp (--help) for the options and exit codes.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "CatOptions.hpp"
#include "CatSession.hpp"
#include "HubList.hpp"

int main(int argc, char** argv) {
    using namespace hermes::cat;
    const std::vector<std::string> args(argv + 1, argv + argc);
    std::optional<CatOptions> options;
    try {
        options = parseCatOptions(args);
    } catch (const std::exception& e) {
        std::cerr << "hermes-cat: " << e.what() << '\n';
        return kExitUsage;
    }
    if (!options) {
        std::cout << catUsage();
        return kExitOk;
    }
    if (options->version) {
        std::cout << catVersion() << '\n';
        return kExitOk;
    }
    if (options->discover) {
        return discoverHubs(options->discoverTime, options->json, std::cout, std::cerr);
    }
    try {
        CatSession session(*options, std::cout, std::cerr);
        return session.run();
    } catch (const std::exception& e) {
        std::cerr << "hermes-cat: " << e.what() << '\n';
        return kExitNoSession;
    }
}
