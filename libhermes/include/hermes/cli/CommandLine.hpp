#pragma once
// A program's command line, read with POCO's option classes as hermesd's
// ServerApplication reads its own: the options are a Poco::Util::OptionSet,
// Poco::Util::OptionProcessor splits the arguments (Unix style: --name VALUE,
// --name=VALUE, -x VALUE, -xVALUE) and Poco::Util::HelpFormatter writes
// --help. hermes-tui, hermes-cat and hermes-bench each fill their options
// struct from parse() in one place.
//
// Stricter than a POCO Application, as the tools always were:
// - a long option is matched by its whole name, exactly (POCO would take
//   --ro for --room, or --NICK for --nick), so a typo is an unknown option;
// - a value that starts with "--" is a missing value ("--nick --room dev");
// - an argument that is not an option is an error: the tools take none.
// Every option may be repeated; the last one given wins.
//
// Threading: a plain value.

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

namespace hermes::cli {

// A mistake on the command line. what() is one line for "PROGRAM: what()";
// kind() and argument() let a program word it its own way.
class OptionError : public std::invalid_argument {
public:
    enum class Kind {
        Unknown,          // "unknown option '--bogus' (see --help)"
        MissingValue,     // "missing value for --nick"
        UnexpectedValue,  // "--json takes no value (see --help)"
    };
    OptionError(Kind kind, std::string argument);

    Kind kind() const { return kind_; }
    // The option as typed, without any "=value": "--bogus", "--nick", "-n".
    const std::string& argument() const { return argument_; }

private:
    Kind kind_;
    std::string argument_;
};

class CommandLine {
public:
    // `command` is the program's name, for the usage line.
    explicit CommandLine(std::string command);

    // Adds an option (made repeatable, see above).
    CommandLine& add(Poco::Util::Option option);

    // Called with each option in the order given: its full name and its
    // value ("" for a switch). Returns false to stop reading (--help,
    // --version): the rest of the line is not looked at.
    using Take = std::function<bool(const std::string& name, const std::string& value)>;

    // Reads `args` (argv without the program's name). Throws OptionError;
    // what `take` throws passes through.
    void parse(const std::vector<std::string>& args, const Take& take) const;

    // --help in HelpFormatter's layout, as hermesd prints it: "usage: COMMAND
    // USAGE", the header, one entry per option with its description, the
    // footer.
    std::string help(const std::string& usage, const std::string& header,
                     const std::string& footer) const;

    const Poco::Util::OptionSet& options() const { return options_; }

private:
    std::string command_;
    Poco::Util::OptionSet options_;
};

}  // namespace hermes::cli
