// ScenarioRunner FILE.scn: runs one scripted scenario against a real hermesd
// (see scenarios/README.md for the language). Exit 0 if every step passed.
#include <iostream>

#include "Scenario.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: ScenarioRunner FILE.scn\n";
        return 2;
    }
    try {
        auto scenario = hermes::it::Scenario::load(argv[1]);
        return scenario.run(std::cout) ? 0 : 1;
    } catch (const std::exception& error) {
        std::cerr << "ScenarioRunner: " << error.what() << '\n';
        return 2;
    }
}
