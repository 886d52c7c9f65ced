#pragma once
// A scripted integration scenario: a plain-text file, one step a line, run
// against a real hermesd with raw clients. Every wait has a deadline
// ("within 2s", default 5 s); nothing sleeps. The language is described in
// scenarios/README.md.
//
// Threading: one thread runs a scenario from start to end.

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "HubProcess.hpp"
#include "RawClient.hpp"

namespace hermes::it {

// One word of a step. `key` is set for key=value words (the '=' came before
// any quote), `text` is the whole word, or the value for key=value words.
struct Word {
    std::string text;
    std::string key;
    bool hasKey() const { return !key.empty(); }
};

struct Step {
    std::size_t line = 0;
    std::string source;
    std::vector<Word> words;
};

// Splits a line into words: whitespace separates, "double quotes" group (with
// \n \t \r \\ \" \xHH escapes inside), # starts a comment outside quotes.
// Throws std::invalid_argument on an unterminated quote or a bad escape.
std::vector<Word> splitWords(const std::string& line);

class Scenario {
public:
    // Throws std::runtime_error naming file:line on a syntax error.
    static Scenario load(const std::string& path);

    // Runs every step; returns true if all passed. Progress and, on failure,
    // what each client had received and the hub's log go to `out`.
    bool run(std::ostream& out);

private:
    void execute(const Step& step);
    RawClient& client(const std::string& name);
    void expect(const Step& step, bool negate);

    std::string path_;
    std::vector<Step> steps_;
    std::unique_ptr<HubProcess> hub_;
    std::map<std::string, std::unique_ptr<RawClient>> clients_;
    std::map<std::string, std::uint64_t> nextMsgId_;
};

}  // namespace hermes::it
