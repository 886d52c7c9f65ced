#include "hermes/cli/CommandLine.hpp"

#include <sstream>
#include <utility>

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

namespace hermes::cli {

namespace {

std::string describe(OptionError::Kind kind, const std::string& argument) {
    switch (kind) {
        case OptionError::Kind::Unknown:
            return "unknown option '" + argument + "' (see --help)";
        case OptionError::Kind::MissingValue:
            return "missing value for " + argument;
        case OptionError::Kind::UnexpectedValue:
            return argument + " takes no value (see --help)";
    }
    return argument;
}

bool isLong(const std::string& arg) {
    return arg.size() > 2 && arg.compare(0, 2, "--") == 0;
}

// The option as typed, without its value: "--nick" of "--nick=ana", "-n" of
// "-n5" (short names are one letter).
std::string typed(const std::string& arg) {
    if (isLong(arg)) {
        return arg.substr(0, arg.find_first_of(":=", 2));
    }
    return arg.substr(0, 2);
}

}  // namespace

OptionError::OptionError(Kind kind, std::string argument)
    : std::invalid_argument(describe(kind, argument)),
      kind_(kind),
      argument_(std::move(argument)) {}

CommandLine::CommandLine(std::string command) : command_(std::move(command)) {}

CommandLine& CommandLine::add(Poco::Util::Option option) {
    options_.addOption(option.repeatable(true));
    return *this;
}

void CommandLine::parse(const std::vector<std::string>& args, const Take& take) const {
    Poco::Util::OptionProcessor processor(options_);
    processor.setUnixStyle(true);
    std::string waiting;  // an option, as typed, whose value is the next argument
    for (const std::string& arg : args) {
        if (waiting.empty()) {
            // POCO would end the options at "--", take other words as
            // arguments and a long name's prefix as the option.
            if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
                throw OptionError(OptionError::Kind::Unknown, arg);
            }
            if (isLong(arg)) {
                const std::string name = typed(arg).substr(2);
                bool known = false;
                for (const Poco::Util::Option& option : options_) {
                    known = known || option.fullName() == name;
                }
                if (!known) {
                    throw OptionError(OptionError::Kind::Unknown, typed(arg));
                }
            }
        } else if (arg.rfind("--", 0) == 0) {
            throw OptionError(OptionError::Kind::MissingValue, waiting);
        }
        std::string name;
        std::string value;
        try {
            processor.process(arg, name, value);
        } catch (const Poco::Util::UnexpectedArgumentException&) {
            throw OptionError(OptionError::Kind::UnexpectedValue, typed(arg));
        } catch (const Poco::Util::MissingArgumentException&) {
            throw OptionError(OptionError::Kind::MissingValue, typed(arg));
        } catch (const Poco::Util::OptionException&) {
            // UnknownOptionException, AmbiguousOptionException: a short name.
            throw OptionError(OptionError::Kind::Unknown, arg);
        }
        if (name.empty()) {
            waiting = typed(arg);  // POCO takes the next argument as the value
            continue;
        }
        waiting.clear();
        if (!take(name, value)) {
            return;
        }
    }
    if (!waiting.empty()) {
        throw OptionError(OptionError::Kind::MissingValue, waiting);
    }
}

std::string CommandLine::help(const std::string& usage, const std::string& header,
                              const std::string& footer) const {
    Poco::Util::HelpFormatter formatter(options_);
    formatter.setUnixStyle(true);
    formatter.setAutoIndent();
    formatter.setCommand(command_);
    formatter.setUsage(usage);
    formatter.setHeader(header);
    formatter.setFooter(footer);
    std::ostringstream out;
    formatter.format(out);
    return out.str();
}

}  // namespace hermes::cli
