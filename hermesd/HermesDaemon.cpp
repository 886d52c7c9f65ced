#include "HermesDaemon.hpp"

#include <pthread.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <google/protobuf/stubs/logging.h>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Environment.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/PatternFormatter.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/IntValidator.h>
#include <Poco/Util/LoggingConfigurator.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include "Acceptor.hpp"
#include "Announcer.hpp"
#include "ConfigCheck.hpp"
#include "ConfigReader.hpp"
#include "ConfigReloader.hpp"
#include "DaemonConfig.hpp"
#include "EventLoop.hpp"
#include "FileLimit.hpp"
#include "HistoryBackup.hpp"
#include "HttpListener.hpp"
#include "HubCertificate.hpp"
#include "LogLevelGate.hpp"
#include "MetricsEndpoint.hpp"
#include "SignalWatcher.hpp"
#include "hermes/discovery/HubRecord.hpp"
#include "hermes/hub/Hub.hpp"
#include "hermes/hub/MemoryHistory.hpp"
#include "hermes/hub/PasswordHasher.hpp"
#include "hermes/hub/SqliteAccounts.hpp"
#include "hermes/hub/SqliteHistory.hpp"
#include "hermes/hub/SqliteModerationStore.hpp"
#include "hermes/hub/SqliteReadMarkers.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/threads/ThisThread.hpp"

namespace hermesd {

using Poco::Util::Option;
using Poco::Util::OptionCallback;

void HermesDaemon::defineOptions(Poco::Util::OptionSet& options) {
    ServerApplication::defineOptions(options);  // --daemon, --pidfile, --umask
    options.addOption(Option("help", "h", "print this help and exit")
                          .required(false)
                          .repeatable(false)
                          .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handleHelp)));
    options.addOption(
        Option("config", "c", "load configuration from FILE (a .properties file)")
            .required(false)
            .repeatable(false)
            .argument("FILE")
            .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handleConfig)));
    options.addOption(
        Option("port", "p", "listen on PORT (overrides hermesd.port; 0 = any free port)")
            .required(false)
            .repeatable(false)
            .argument("PORT")
            .validator(new Poco::Util::IntValidator(0, 65535))
            .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handlePort)));
    options.addOption(
        Option("port-file", "", "write the port listened on to FILE once listening")
            .required(false)
            .repeatable(false)
            .argument("FILE")
            .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handlePortFile)));
    options.addOption(
        Option("no-persist", "", "keep history in memory only (overrides history.persist)")
            .required(false)
            .repeatable(false)
            .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handleNoPersist)));
    options.addOption(
        Option("hash-password", "",
               "read a password from standard input, print its Argon2id hash (for hub.password) "
               "and exit")
            .required(false)
            .repeatable(false)
            .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handleHashPassword)));
    options.addOption(
        Option("check-config", "",
               "check every key of FILE (types, ranges, keys that must agree, files it names, "
               "unknown keys), print each problem with its line, and exit: 0 when no error")
            .required(false)
            .repeatable(false)
            .argument("FILE")
            .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handleCheckConfig)));
    options.addOption(
        Option("backup", "",
               "copy the history database (history.path of --config) to FILE, consistently, "
               "while a hub may be serving it, and exit")
            .required(false)
            .repeatable(false)
            .argument("FILE")
            .callback(OptionCallback<HermesDaemon>(this, &HermesDaemon::handleBackup)));
}

void HermesDaemon::handleHashPassword(const std::string&, const std::string&) {
    hashPassword_ = true;
}

void HermesDaemon::handleCheckConfig(const std::string&, const std::string& value) {
    checkConfigPath_ = value;
}

void HermesDaemon::handleBackup(const std::string&, const std::string& value) {
    backupPath_ = value;
}

int HermesDaemon::checkConfig(const std::string& path) {
    const std::vector<ConfigProblem> problems = checkConfigFile(path);
    std::size_t errors = 0;
    for (const ConfigProblem& problem : problems) {
        errors += problem.severity == ConfigProblem::Severity::Error ? 1 : 0;
        std::cout << formatProblem(path, problem) << '\n';
    }
    if (errors > 0) {
        std::cout << path << ": " << errors << " error(s), " << problems.size() - errors
                  << " warning(s)\n";
        return EXIT_CONFIG;
    }
    std::cout << path << ": ok";
    if (!problems.empty()) {
        std::cout << " (" << problems.size() << " warning(s))";
    }
    std::cout << '\n';
    return EXIT_OK;
}

int HermesDaemon::backup(const DaemonConfig& settings, const std::string& destination) {
    if (!settings.history.persist) {
        std::cerr << "hermesd --backup: history.persist is false: there is no database to copy\n";
        return EXIT_CONFIG;
    }
    const std::string database = std::filesystem::absolute(settings.history.path).string();
    try {
        const BackupResult result = backupHistory(database, destination);
        std::cout << "backed up " << database << " to " << destination << ": " << result.pages
                  << " pages, " << result.bytes << " bytes, " << result.steps << " steps, "
                  << result.took.count() << " ms\n";
        return EXIT_OK;
    } catch (const BackupError& error) {
        std::cerr << "hermesd --backup: " << error.what() << '\n';
        return EXIT_CANTCREAT;
    } catch (const std::exception& error) {
        std::cerr << "hermesd --backup: " << error.what() << '\n';
        return EXIT_IOERR;
    }
}

namespace {

// One line of standard input; at a terminal it asks, and what is typed is
// not echoed (nor left in the shell's history, as `echo pw |` would).
std::string readPasswordLine() {
    std::string password;
    termios saved{};
    const bool terminal = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
        std::cerr << "password (not shown): " << std::flush;
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(std::cin, password);
    if (terminal) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::cerr << '\n';
    }
    return password;
}

}  // namespace

void HermesDaemon::applyOverrides(DaemonConfig& settings) const {
    // Command-line options win over the file, whatever their order.
    if (portOverride_) {
        settings.edge.port = static_cast<std::uint16_t>(std::stoul(*portOverride_));
    }
    if (portFileOverride_) {
        settings.edge.portFile = *portFileOverride_;
    }
    if (noPersist_) {
        settings.history.persist = false;
    }
}

int HermesDaemon::printPasswordHash(const DaemonConfig& settings) {
    std::string password = readPasswordLine();
    if (!password.empty() && password.back() == '\r') {
        password.pop_back();
    }
    if (password.empty() || password.size() > hermes::protocol::kMaxPasswordBytes) {
        std::cerr << "hermesd --hash-password: give a password of 1 to "
                  << hermes::protocol::kMaxPasswordBytes << " bytes on standard input\n";
        return EXIT_DATAERR;
    }
    try {
        const hermes::hub::PasswordHasher hasher(settings.hub.hashMemoryKib, settings.hub.hashOps);
        const auto hash = hasher.hash(password);
        hermes::hub::PasswordHasher::wipe(password);
        if (!hash) {
            std::cerr << "hermesd --hash-password: out of memory\n";
            return EXIT_SOFTWARE;
        }
        std::cout << *hash << '\n';
        return EXIT_OK;
    } catch (const std::exception& error) {
        std::cerr << "hermesd --hash-password: " << error.what() << '\n';
        return EXIT_CONFIG;
    }
}

void HermesDaemon::handleHelp(const std::string&, const std::string&) {
    helpRequested_ = true;
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage("[--config FILE] [--port PORT] [--no-persist] [--daemon --pidfile=FILE]");
    help.setHeader(
        "hermesd: the Hermes chat hub. Clients (hermes-tui, hermes-cat) connect over TCP, "
        "browsers to http://HOST:7080/ (http.port); see etc/hermesd.properties for every "
        "setting.");
    help.format(std::cout);
    stopOptionsProcessing();
}

void HermesDaemon::handleConfig(const std::string&, const std::string& value) {
    configPath_ = std::filesystem::absolute(value).string();
    loadConfiguration(value, PRIO_APPLICATION);
}

void HermesDaemon::handlePort(const std::string&, const std::string& value) {
    portOverride_ = value;
}

void HermesDaemon::handlePortFile(const std::string&, const std::string& value) {
    portFileOverride_ = value;
}

void HermesDaemon::handleNoPersist(const std::string&, const std::string&) {
    noPersist_ = true;
}

void HermesDaemon::initialize(Poco::Util::Application& self) {
    // Before anything else (and any thread): a `systemctl reload` that comes
    // while the hub starts must wait for the signal thread, not kill the hub
    // (SIGHUP's default action). A pending one is taken when that thread starts.
    SignalWatcher::blockSignals();
    ServerApplication::initialize(self);
    setUpLogging();
}

namespace {

// protobuf logs every undecodable string a client sends; such a frame is
// already answered and logged by the hub, so protobuf's words go to debug.
void logFromProtobuf(google::protobuf::LogLevel level, const char* file, int line,
                     const std::string& message) {
    Poco::Logger& log = Poco::Logger::get("hermesd.protobuf");
    if (level >= google::protobuf::LOGLEVEL_FATAL) {
        log.critical("%s:%d: %s", std::string(file), line, message);
    } else {
        log.debug("%s:%d: %s", std::string(file), line, message);
    }
}

std::unique_ptr<hermes::hub::HistoryStore> openHistory(const DaemonConfig& settings,
                                                       Poco::Logger& log) {
    if (!settings.history.persist) {
        log.information("history in memory only (%z messages per room); lost at exit",
                        settings.hub.historySize);
        return std::make_unique<hermes::hub::MemoryHistory>(settings.hub.historySize);
    }
    hermes::hub::SqliteHistoryOptions options;
    options.path = std::filesystem::absolute(settings.history.path).string();
    options.maxMessagesPerRoom = settings.history.maxMessagesPerRoom;
    options.maxAge = std::chrono::hours(24 * settings.history.maxAgeDays);
    auto store = std::make_unique<hermes::hub::SqliteHistory>(options);
    log.information(
        "history database %s (WAL, %s search): restored %z rooms, %?u messages; retention "
        "%z messages per room, %?u days (0 = unlimited)",
        store->path(), std::string(store->ftsAvailable() ? "FTS5" : "LIKE"), store->rooms().size(),
        store->restoredMessages(), options.maxMessagesPerRoom, settings.history.maxAgeDays);
    return store;
}

// Accounts live beside the history; without a database, in memory only.
std::unique_ptr<hermes::hub::AccountStore> openAccounts(const DaemonConfig& settings,
                                                        Poco::Logger& log) {
    if (!settings.history.persist) {
        log.warning(
            "accounts in memory only (history.persist is false): registered nicks are lost at "
            "exit");
        return std::make_unique<hermes::hub::MemoryAccounts>();
    }
    auto store = std::make_unique<hermes::hub::SqliteAccounts>(
        std::filesystem::absolute(settings.history.path).string());
    log.information("accounts in %s: %z registered nicks", store->path(), store->load().size());
    return store;
}

// The browser client's files: http.static_dir, or found next to the binary
// (build/<preset>/hermesd/hermesd -> build/<preset>/web/dist; an installed
// bin/hermesd -> share/hermes/web). Empty when there are none.
std::filesystem::path findStaticDir(const HttpConfig& http, const std::string& binaryDir,
                                    Poco::Logger& log) {
    if (!http.staticDir.empty()) {
        return http.staticDir;  // checked when the listener opens it
    }
    const std::filesystem::path here(binaryDir);
    for (const auto& candidate :
         {here / ".." / "web" / "dist", here / ".." / "share" / "hermes" / "web"}) {
        std::error_code error;
        if (std::filesystem::is_regular_file(candidate / "index.html", error)) {
            return std::filesystem::weakly_canonical(candidate, error);
        }
    }
    log.warning(
        "http: no browser client found next to hermesd (../web/dist, ../share/hermes/web) and "
        "no http.static_dir: the page is not served, GET /ws still is");
    return {};
}

}  // namespace

void HermesDaemon::setUpLogging() {
    google::protobuf::SetLogHandler(&logFromProtobuf);
    if (config().has("logging.loggers.root.channel")) {
        // configure() takes an AutoPtr: share the application's reference,
        // or the configuration would be released when it returns.
        Poco::Util::LoggingConfigurator configurator;
        configurator.configure(Poco::Util::AbstractConfiguration::Ptr(&config(), true));
        return;
    }
    Poco::AutoPtr<Poco::PatternFormatter> formatter(
        new Poco::PatternFormatter("%Y-%m-%d %H:%M:%S.%i %p %s: %t"));
    Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel);
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_INFORMATION);
}

namespace {

// discovery.announce: the hub's record (HubRecord.hpp) from what it listens on.
std::unique_ptr<Announcer> startAnnouncer(const DaemonConfig& settings, std::uint16_t port,
                                          std::uint16_t ircPort, std::uint16_t ircTlsPort,
                                          const HttpListener* http, const std::string& fingerprint,
                                          Poco::Logger& log) {
    const auto loopback = [](const std::string& host) {
        return host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost";
    };
    if (loopback(settings.edge.host)) {
        log.warning(
            "discovery.announce is on but hermesd.host is %s: clients that find the hub on the "
            "LAN cannot connect to it",
            settings.edge.host);
    }
    // Listeners on loopback only are not announced: nobody on the LAN can reach them.
    if (loopback(settings.irc.host.empty() ? settings.edge.host : settings.irc.host)) {
        ircPort = 0;
        ircTlsPort = 0;
    }
    if (loopback(settings.http.host)) {
        http = nullptr;
    }
    hermes::discovery::HubRecord record;
    record.name = settings.hub.serverName;
    record.protocol = hermes::protocol::kProtocolVersion;
    record.tls = settings.tls.enabled;
    record.fingerprint = settings.tls.enabled ? fingerprint : std::string();
    record.ircPort = ircPort;
    record.ircTlsPort = ircTlsPort;
    if (http != nullptr) {
        record.webPort = http->port();
        record.webTls = http->secure();
    }
    Announcement announcement;
    announcement.instance =
        hermes::discovery::clipUtf8(settings.hub.serverName, hermes::discovery::kMaxInstanceBytes);
    if (announcement.instance.empty()) {
        announcement.instance = "hermes";
    }
    announcement.port = port;
    announcement.txt = hermes::discovery::toTxt(record);
    announcement.ircPort = ircPort;
    try {
        return std::make_unique<Announcer>(std::move(announcement), log);
    } catch (const std::runtime_error& error) {
        log.error("%s: the hub runs without announcing", std::string(error.what()));
        return nullptr;
    }
}

void blockTerminationSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    // As POCO's waitForTerminationRequest(): SIGINT stays with a debugger.
    if (std::getenv("POCO_ENABLE_DEBUGGER") == nullptr) {
        sigaddset(&signals, SIGINT);
    }
    sigaddset(&signals, SIGQUIT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    SignalWatcher::blockSignals();  // SIGHUP, SIGUSR1: the signal thread's
}

}  // namespace

int HermesDaemon::main(const std::vector<std::string>&) {
    if (helpRequested_) {
        return EXIT_OK;
    }
    if (checkConfigPath_) {
        return checkConfig(*checkConfigPath_);
    }
    Poco::Logger& log = Poco::Logger::get("hermesd");
    DaemonConfig settings;
    // GET /metrics: what the loop publishes, and who may read it.
    MetricsBoard metricsBoard;
    MetricsSource metricsSource;
    metricsSource.board = &metricsBoard;
    metricsSource.build.version = HERMES_VERSION;
    metricsSource.build.commit = HERMES_COMMIT;
    metricsSource.build.startTimeSeconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::map<std::string, std::string> runningValues;
    try {
        ConfigReader reader(config(), ConfigReader::Mode::Strict);
        settings = readDaemonConfig(reader);
        runningValues = reader.values();
        applyOverrides(settings);
        metricsSource.allow = AddressAllowList(settings.metrics.allow);
    } catch (const Poco::Exception& error) {
        // Every problem, as --check-config words them, when there is a file.
        std::size_t listed = 0;
        if (!configPath_.empty()) {
            for (const ConfigProblem& problem : checkConfigFile(configPath_)) {
                if (problem.severity == ConfigProblem::Severity::Error) {
                    log.fatal("bad configuration: %s", formatProblem(configPath_, problem));
                    ++listed;
                }
            }
        }
        if (listed == 0) {
            log.fatal("bad configuration: %s", error.displayText());
        }
        return EXIT_CONFIG;
    }
    // Before any other thread logs: a SIGHUP's level goes through the gates.
    LogLevelGate logLevels;
    logLevels.install();
    if (backupPath_) {
        return backup(settings, *backupPath_);
    }
    if (!configPath_.empty() && !hashPassword_) {
        // A typo should not silently do nothing.
        for (const ConfigProblem& problem : unknownKeys(scanPropertiesFile(configPath_))) {
            log.warning("%s", formatProblem(configPath_, problem));
        }
    }

    if (hashPassword_) {
        return printPasswordHash(settings);
    }
    for (const std::string& warning : settings.hub.warnings()) {
        log.warning("configuration: %s", warning);
    }
    raiseFileLimit(fileNeeds(settings), settings.hub.maxClients, log);

    // SIGTERM, SIGINT and SIGQUIT blocked before any thread starts, so every
    // thread inherits the mask and only waitForTerminationRequest()'s
    // sigwait takes them. Otherwise a SIGTERM that comes while the main
    // thread is between its port file and that sigwait (a loaded machine)
    // goes to a thread that does not block it and kills the hub at once,
    // with nothing flushed (seen in ReadMarkersTest's restart).
    blockTerminationSignals();

    // History first: a database that cannot be used stops the hub before it
    // accepts anyone, so nothing said is ever silently lost.
    std::unique_ptr<hermes::hub::HistoryStore> history;
    std::unique_ptr<hermes::hub::AccountStore> accounts;
    try {
        history = openHistory(settings, log);
        accounts = openAccounts(settings, log);
    } catch (const hermes::hub::HistoryOpenError& error) {
        log.fatal("cannot use the history database: %s", std::string(error.what()));
        return EXIT_CANTCREAT;
    }
    if (!settings.hub.hubPassword.empty()) {
        log.information("hub.password is set: only clients that send it are admitted");
    }

    // The TLS identity before listening: a bad certificate stops the hub
    // before anyone connects.
    std::optional<HubCertificate> certificate;
    if (settings.tls.enabled || (settings.http.tls && settings.http.port != 0) ||
        settings.irc.tlsPort != 0) {
        try {
            certificate.emplace(loadHubCertificate(settings.tls, settings.history, log));
        } catch (const std::exception& error) {
            log.fatal("tls: %s", std::string(error.what()));
            return EXIT_CONFIG;
        }
        log.information("tls: certificate %s, fingerprint %s", certificate->certificatePath,
                        certificate->fingerprint);
    }

    // Bans, room modes and operators by account: beside the history, in
    // its database, or in memory with it.
    std::unique_ptr<hermes::hub::ModerationStore> moderation;
    std::unique_ptr<hermes::hub::ReadMarkerStore> readMarkers;
    if (settings.history.persist) {
        try {
            moderation = std::make_unique<hermes::hub::SqliteModerationStore>(
                std::filesystem::absolute(settings.history.path).string());
            readMarkers = std::make_unique<hermes::hub::SqliteReadMarkers>(
                std::filesystem::absolute(settings.history.path).string());
        } catch (const hermes::hub::HistoryOpenError& error) {
            log.fatal("cannot keep moderation in the database: %s", std::string(error.what()));
            return EXIT_CANTCREAT;
        }
    } else {
        log.information("moderation (bans, room modes, operators) in memory only; lost at exit");
    }
    if (!settings.hub.operators.empty()) {
        std::string names;
        for (const std::string& name : settings.hub.operators) {
            names += (names.empty() ? "" : ", ") + name;
        }
        log.information("hub operators (accounts): %s", names);
    }

    Poco::Net::ServerSocket listener;
    try {
        const Poco::Net::SocketAddress address(settings.edge.host, settings.edge.port);
        listener.bind(address, true, false);
        listener.listen(settings.edge.listenBacklog);
    } catch (const Poco::Exception& error) {
        log.fatal("cannot listen on %s:%hu: %s", settings.edge.host, settings.edge.port,
                  error.displayText());
        return EXIT_CANTCREAT;
    }
    const auto port = listener.address().port();

    auto epoch = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
    // A cluster (docs/CLUSTER.md): the epoch is the cluster's, kept in Redis,
    // so a client that moves to another hub keeps its cursors.
    std::unique_ptr<RedisBackplane> backplane;
    if (settings.cluster.enabled()) {
        if (settings.hub.clusterHubName.empty()) {
            settings.hub.clusterHubName =
                Poco::Environment::nodeName() + ":" + std::to_string(port);
        }
        try {
            epoch = RedisBackplane::sharedEpoch(settings.cluster, epoch);
            backplane =
                std::make_unique<RedisBackplane>(settings.cluster, settings.hub.clusterHubName);
        } catch (const std::exception& error) {
            log.fatal("cluster: %s", std::string(error.what()));
            return EXIT_UNAVAILABLE;
        }
        log.information(
            "cluster: hub %s, backplane Redis %s, cluster epoch %?u", settings.hub.clusterHubName,
            settings.cluster.sentinels.empty() ? settings.cluster.redis
                                               : "master '" + settings.cluster.masterName +
                                                     "' of sentinels " + settings.cluster.sentinels,
            epoch);
    }
    std::unique_ptr<hermes::hub::Hub> hub;
    try {
        hub = std::make_unique<hermes::hub::Hub>(
            settings.hub, epoch, std::move(history), hermes::hub::systemWallClockMs,
            std::move(moderation), std::move(accounts), std::move(readMarkers));
    } catch (const std::invalid_argument& error) {
        log.fatal("bad configuration: %s", std::string(error.what()));
        return EXIT_CONFIG;
    } catch (const std::system_error& error) {
        // The file store's directory (files.path) could not be made or read.
        log.fatal("cannot open the file store %s: %s", settings.hub.filesPath,
                  std::string(error.what()));
        return EXIT_CANTCREAT;
    }
    // The acceptor threads read the hub's Registry (thread safe); the hub,
    // moved into the loop, outlives the TCPServer below.
    const hermes::hub::Registry& registry = hub->registry();
    // IRC members' rendered room messages, shared on the loop thread by every
    // IrcConnection (docs/IRC.md "Cost"); made before the loop, which owns
    // the connections, so it outlives them.
    std::unique_ptr<hermes::irc::IrcRenderCache> ircRenderCache;
    if (settings.irc.port != 0 || settings.irc.tlsPort != 0) {
        ircRenderCache = std::make_unique<hermes::irc::IrcRenderCache>();
    }
    // Published whether or not anything serves /metrics: a second's snapshot
    // and a clock read per turn cost nothing measurable, and the figures are
    // the same in every configuration (tools/compare-builds.sh measures it).
    EventLoop loop(std::move(hub), settings.edge, &metricsBoard);
    if (backplane != nullptr) {
        loop.attachBackplane(std::move(backplane));
    }
    const bool metricsServed =
        (settings.metrics.enabled && settings.http.port != 0) || settings.metrics.port != 0;
    std::thread loopThread([&loop, &log] {
        hermes::threads::nameThisThread("event-loop");
        try {
            loop.run();
        } catch (const std::exception& error) {
            log.fatal("event loop failed: %s", std::string(error.what()));
            std::terminate();
        }
    });

    // Our own pool: POCO's default pool is shared and small. The handoff is
    // instant, so a few threads serve any number of clients.
    Poco::ThreadPool pool("hermesd-accept", 1, settings.edge.acceptorThreads);
    auto* params = new Poco::Net::TCPServerParams;
    params->setMaxThreads(settings.edge.acceptorThreads);
    params->setMaxQueued(settings.edge.acceptQueue);
    // A dispatcher thread that misses TCPServer::stop()'s wake-up notices it
    // only when its idle wait ends (10 s by default): keep that wait short so
    // the hub exits within its 2 s promise.
    params->setThreadIdleTime(Poco::Timespan(0, 250'000));
    HandoffSettings handoff;
    handoff.sendBufferBytes = settings.edge.sendBufferBytes;
    handoff.limits = hermes::hub::Registry::limitsOf(settings.hub);
    handoff.tls = settings.tls.enabled ? &certificate->context : nullptr;
    Poco::Net::TCPServer server(new HandoffFactory(loop, registry, handoff), pool, listener,
                                params);

    // The browser's side: the page and GET /ws, handing WebSockets to the loop.
    std::unique_ptr<HttpListener> http;
    if (settings.http.port != 0) {
        WebSocketHandoff webSockets;
        webSockets.loop = &loop;
        webSockets.registry = &registry;
        webSockets.limits = handoff.limits;
        webSockets.sendBufferBytes = settings.edge.sendBufferBytes;
        webSockets.settings.maxMessageBytes = settings.hub.maxFrameBytes;
        webSockets.settings.controlRatePerSecond = settings.hub.ratePerSecond;
        webSockets.settings.controlBurst =
            settings.hub.rateBurst + static_cast<double>(settings.hub.floodBacklog);
        webSockets.allowedOrigins = settings.http.allowedOrigins;
        const std::filesystem::path staticDir =
            findStaticDir(settings.http, config().getString("application.dir", "."), log);
        try {
            http =
                std::make_unique<HttpListener>(settings.http, staticDir, std::move(webSockets),
                                               settings.http.tls ? &certificate->context : nullptr,
                                               settings.metrics.enabled ? &metricsSource : nullptr);
        } catch (const Poco::Exception& error) {
            log.fatal("cannot listen for HTTP on %s:%hu: %s", settings.http.host,
                      settings.http.port, error.displayText());
            loop.stop("hub failed to start");
            loopThread.join();
            return EXIT_CANTCREAT;
        } catch (const std::filesystem::filesystem_error& error) {
            log.fatal("http.static_dir: %s", std::string(error.what()));
            loop.stop("hub failed to start");
            loopThread.join();
            return EXIT_CONFIG;
        }
        http->start();
        log.information(
            "%s on %s:%hu: the page from %s, WebSockets at /ws (Hosts: %s; Origins: %s)",
            std::string(http->secure() ? "https" : "http"), settings.http.host, http->port(),
            staticDir.empty() ? std::string("(none)") : staticDir.string(),
            http->hosts().describe(),
            settings.http.allowedOrigins.empty()
                ? std::string("the page's own host")
                : Poco::cat(std::string(" "), settings.http.allowedOrigins.begin(),
                            settings.http.allowedOrigins.end()));
    }
    // metrics.port: /metrics alone, on a port of its own (plain HTTP).
    const HostCheck metricsHosts(settings.http.allowedHosts, {}, Poco::Environment::nodeName());
    std::unique_ptr<MetricsListener> metricsListener;
    if (settings.metrics.port != 0) {
        try {
            metricsListener = std::make_unique<MetricsListener>(
                settings.metrics.host, settings.metrics.port, metricsSource, metricsHosts);
        } catch (const Poco::Exception& error) {
            log.fatal("cannot listen for metrics on %s:%hu: %s", settings.metrics.host,
                      settings.metrics.port, error.displayText());
            if (http) {
                http->stop();
            }
            loop.stop("hub failed to start");
            loopThread.join();
            return EXIT_CANTCREAT;
        }
        metricsListener->start();
        log.information("metrics on http://%s:%hu/metrics", settings.metrics.host,
                        metricsListener->port());
    }
    if (metricsServed) {
        log.information("metrics readable from: %s",
                        Poco::cat(std::string(" "), settings.metrics.allow.begin(),
                                  settings.metrics.allow.end()));
    }
    // IRC clients (docs/IRC.md): their own ports (plain, TLS), the same hub
    // and loop. A port that cannot be bound stops the hub, as hermesd.port.
    HandoffSettings ircHandoff = handoff;
    ircHandoff.tls = nullptr;
    ircHandoff.irc = true;
    // One cache for both listeners: their sessions' host is the same.
    ircHandoff.ircCache = ircRenderCache.get();
    ircHandoff.ircSendInterval = settings.irc.sendInterval;
    ircHandoff.ircSession.serverName = settings.hub.serverName;
    ircHandoff.ircSession.version = "hermes-" + std::string(HERMES_VERSION);
    ircHandoff.ircSession.localRatePerSecond = settings.hub.ratePerSecond;
    ircHandoff.ircSession.joinPlayback = settings.irc.joinPlayback;
    ircHandoff.ircSession.maxTextBytes = settings.hub.maxTextBytes;
    ircHandoff.ircSession.localBurst =
        settings.hub.rateBurst + static_cast<double>(settings.hub.floodBacklog);
    std::uint16_t ircPort = 0;     // the plaintext IRC port as bound; 0: off
    std::uint16_t ircTlsPort = 0;  // irc.tls_port as bound; 0: off
    const auto listenIrc = [&](std::uint16_t wanted, const hermes::tls::TlsContext* tls,
                               std::unique_ptr<Poco::Net::TCPServer>& ircServer) {
        Poco::Net::ServerSocket ircListener;
        const char* what = tls != nullptr ? "IRC over TLS" : "IRC";
        try {
            ircListener.bind(Poco::Net::SocketAddress(settings.irc.host, wanted), true, false);
            ircListener.listen(settings.edge.listenBacklog);
        } catch (const Poco::Exception& error) {
            log.fatal("cannot listen for %s on %s:%hu: %s", std::string(what), settings.irc.host,
                      wanted, error.displayText());
            return false;
        }
        HandoffSettings listenerHandoff = ircHandoff;
        listenerHandoff.ircTls = tls;
        auto* ircParams = new Poco::Net::TCPServerParams;
        ircParams->setMaxThreads(settings.edge.acceptorThreads);
        ircParams->setMaxQueued(settings.edge.acceptQueue);
        ircParams->setThreadIdleTime(Poco::Timespan(0, 250'000));
        ircServer = std::make_unique<Poco::Net::TCPServer>(
            new HandoffFactory(loop, registry, listenerHandoff), pool, ircListener, ircParams);
        ircServer->start();
        log.information("%s on %s:%hu", std::string(tls != nullptr ? "ircs" : "irc"),
                        settings.irc.host, ircListener.address().port());
        // Announced (discovery.announce).
        (tls == nullptr ? ircPort : ircTlsPort) = ircListener.address().port();
        return true;
    };
    std::unique_ptr<Poco::Net::TCPServer> ircServer;
    std::unique_ptr<Poco::Net::TCPServer> ircTlsServer;
    if ((settings.irc.port != 0 && !listenIrc(settings.irc.port, nullptr, ircServer)) ||
        (settings.irc.tlsPort != 0 &&
         !listenIrc(settings.irc.tlsPort, &certificate->context, ircTlsServer))) {
        if (ircServer) {
            ircServer->stop();
        }
        if (http) {
            http->stop();
        }
        if (metricsListener) {
            metricsListener->stop();
        }
        loop.stop("hub failed to start");
        loopThread.join();
        return EXIT_CANTCREAT;
    }
    if (settings.irc.port != 0 && settings.tls.enabled) {
        log.warning(
            "irc.port %hu is plaintext: what IRC clients say, their PASS and SASL passwords "
            "cross the LAN in clear; IRC clients should use irc.tls_port (%hu); irc.port = 0 "
            "turns the plaintext port off",
            settings.irc.port, settings.irc.tlsPort);
    }
    server.start();
    log.information("hermesd %s listening on %s:%hu%s (epoch %?u, max %z clients)",
                    std::string(HERMES_VERSION), settings.edge.host, port,
                    std::string(settings.tls.enabled ? " with TLS" : ""), epoch,
                    settings.hub.maxClients);
    if (!settings.edge.portFile.empty()) {
        std::ofstream(settings.edge.portFile) << port << '\n';
    }
    // On the LAN only once everything listens: a client that finds it can connect.
    std::unique_ptr<Announcer> announcer;
    if (settings.discovery.announce) {
        announcer = startAnnouncer(settings, port, ircPort, ircTlsPort, http.get(),
                                   certificate ? certificate->fingerprint : std::string(), log);
    }

    // SIGHUP and SIGUSR1, on a thread of their own (SignalWatcher.hpp).
    ConfigReloader reloader(
        configPath_, [this](DaemonConfig& next) { applyOverrides(next); }, settings,
        std::move(runningValues), logLevels);
    SignalWatcher signals(
        [&reloader, &loop] { reloader.reload(loop); },
        [&reloader, &log] {
            const DaemonConfig& now = reloader.settings();
            if (!now.history.persist || now.history.backupDir.empty()) {
                log.warning(
                    "SIGUSR1: no backup: history.backup_dir is not set (or "
                    "history.persist is false)");
                return;
            }
            const std::string to = timestampedBackupPath(now.history.backupDir);
            try {
                const BackupResult result =
                    backupHistory(std::filesystem::absolute(now.history.path).string(), to);
                log.information(
                    "SIGUSR1: backed up the history to %s (%?u bytes, %?u "
                    "steps, %?u ms)",
                    to, result.bytes, result.steps,
                    static_cast<std::uint64_t>(result.took.count()));
            } catch (const std::exception& error) {
                // On the signal thread: nothing may escape it (the hub goes on).
                log.error("SIGUSR1: backup failed: %s", std::string(error.what()));
            }
        });
    signals.start();

    waitForTerminationRequest();

    signals.stop();
    log.information("termination requested: stopping");
    announcer.reset();  // the goodbyes first: nobody should find a hub that is leaving
    if (http) {
        http->stop();
    }
    if (metricsListener) {
        metricsListener->stop();
    }
    if (ircServer) {
        ircServer->stop();
    }
    if (ircTlsServer) {
        ircTlsServer->stop();
    }
    server.stop();
    loop.stop("hub shutting down");
    loopThread.join();
    pool.joinAll();
    log.information("stopped");
    return EXIT_OK;
}

}  // namespace hermesd
