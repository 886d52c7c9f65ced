// hermes-bench: a load generator for hermesd. See LoadGenerator.hpp for how a
// run goes and BenchOptions.cpp (--help) for the options.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "BenchOptions.hpp"
#include "BenchResult.hpp"
#include "LoadGenerator.hpp"

int main(int argc, char** argv) {
    using namespace hermes::bench;
    constexpr int kExitIncomplete = 1;
    constexpr int kExitUsage = 2;
    std::vector<std::string> args(argv + 1, argv + argc);
    std::optional<BenchOptions> options;
    try {
        options = parseBenchOptions(args);
    } catch (const std::exception& e) {
        std::cerr << "hermes-bench: " << e.what() << '\n';
        return kExitUsage;
    }
    if (!options) {
        std::cout << benchUsage();
        return 0;
    }
    try {
        LoadGenerator generator(*options);
        const BenchResult result = generator.run();
        if (options->json) {
            writeJson(result, std::cout);
        } else {
            writeMarkdown(result, std::cout);
        }
        std::cout.flush();
        return result.ok() ? 0 : kExitIncomplete;
    } catch (const std::exception& e) {
        std::cerr << "hermes-bench: " << e.what() << '\n';
        return kExitUsage;
    }
}
