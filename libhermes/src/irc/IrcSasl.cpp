#include "hermes/irc/IrcSasl.hpp"

#include <sodium.h>

#include "hermes/codec/FrameEncoder.hpp"
#include "hermes/irc/IrcSession.hpp"
#include "hermes/irc/IrcText.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::irc {

// ---------------------------------------------------------------- the exchange

std::optional<std::string> decodeBase64(std::string_view text) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &length, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size()) {
        return std::nullopt;
    }
    out.resize(length);
    return out;
}

std::optional<PlainCredentials> parseSaslPlain(std::string_view message, std::string& why) {
    const std::size_t first = message.find('\0');
    const std::size_t second =
        first == std::string_view::npos ? first : message.find('\0', first + 1);
    if (second == std::string_view::npos ||
        message.find('\0', second + 1) != std::string_view::npos) {
        why = "a PLAIN message is authzid NUL authcid NUL password";
        return std::nullopt;
    }
    const std::string_view authzid = message.substr(0, first);
    PlainCredentials credentials{std::string(message.substr(first + 1, second - first - 1)),
                                 std::string(message.substr(second + 1))};
    if (credentials.account.empty()) {
        why = "no account name (authcid) was given";
        return std::nullopt;
    }
    if (!authzid.empty() &&
        hermes::protocol::nickKey(authzid) != hermes::protocol::nickKey(credentials.account)) {
        why = "Hermes has no authorization identities: authzid must be empty or the account";
        return std::nullopt;
    }
    if (hermes::protocol::checkNick(credentials.account)) {
        why = "no account can be named that (an account is a Hermes nick)";
        return std::nullopt;
    }
    if (credentials.password.empty()) {
        why = "the password is empty";
        return std::nullopt;
    }
    return credentials;
}

void IrcSasl::reset() {
    started_ = false;
    payload_.clear();
}

IrcSasl::Result IrcSasl::authenticate(std::string_view param) {
    Result result;
    if (param == "*") {
        const bool was = started_;
        reset();
        result.step = was ? Step::Aborted : Step::Failed;
        result.why = "no authentication to abort";
        return result;
    }
    if (!started_) {
        if (asciiUpper(std::string(param)) != kMechanisms) {
            result.step = Step::UnknownMechanism;
            return result;
        }
        started_ = true;
        result.step = Step::Continue;
        return result;
    }
    if (param.size() > kChunkBytes) {
        reset();
        result.step = Step::TooLong;
        return result;
    }
    if (param != "+") {
        payload_ += param;
    }
    if (payload_.size() > kMaxPayloadBytes) {
        reset();
        result.step = Step::TooLong;
        return result;
    }
    if (param.size() == kChunkBytes) {
        result.step = Step::More;
        return result;
    }
    const std::optional<std::string> message = decodeBase64(payload_);
    reset();
    if (!message) {
        result.why = "the payload is not valid base64";
        return result;
    }
    std::optional<PlainCredentials> credentials = parseSaslPlain(*message, result.why);
    if (!credentials) {
        return result;
    }
    result.step = Step::Done;
    result.account = std::move(credentials->account);
    result.password = std::move(credentials->password);
    return result;
}

// ---------------------------------------------------------------- the session's side

namespace {

using hermes::v1::Envelope;

// sasl-3.2: "sasl=PLAIN" to CAP LS 302, "sasl" to an older LS.
std::string capabilityList(bool values) {
    std::string list(IrcSession::kCapabilities);
    if (values) {
        const std::size_t at = list.find("sasl");
        if (at != std::string::npos) {
            list.insert(at + 4, "=" + std::string(IrcSasl::kMechanisms));
        }
    }
    return list;
}

}  // namespace

void appendAccountTag(std::string& out, std::string_view account) {
    out += "account=";
    for (const char c : account) {
        if (c == '\\') {
            out += "\\\\";  // IRCv3 message-tags escaping; the only nick character needing it
        } else {
            out += c;
        }
    }
}

std::string IrcSession::capabilities(const std::vector<std::string>& params) {
    return capabilityList(params.size() > 1 && params[1] >= "302");
}

void IrcSession::authenticate(const IrcLine& line, std::string& toHub, std::string& toClient) {
    const auto& p = line.params;
    const auto fail = [&](std::string_view why) {
        numeric(toClient, "904", {}, "SASL authentication failed: " + std::string(why));
    };
    if (p.empty()) {
        numeric(toClient, "461", {"AUTHENTICATE"}, "Not enough parameters");
        return;
    }
    if (!hasCap("sasl")) {
        sasl_.reset();
        fail("request the sasl capability first (CAP REQ :sasl)");
        return;
    }
    if (!account_.empty()) {
        sasl_.reset();
        numeric(toClient, "907", {}, "You have already authenticated using SASL");
        return;
    }
    if (saslChecking_ || (helloSent_ && !registered_)) {
        fail("a sign-in is already being checked; wait for its answer");
        return;
    }
    IrcSasl::Result result = sasl_.authenticate(p.front());
    switch (result.step) {
        case IrcSasl::Step::Continue:
            toClient += "AUTHENTICATE +\r\n";
            return;
        case IrcSasl::Step::More:
            return;
        case IrcSasl::Step::UnknownMechanism:
            numeric(toClient, "908", {std::string(IrcSasl::kMechanisms)},
                    "are available SASL mechanisms");
            fail("unknown mechanism (PLAIN only)");
            return;
        case IrcSasl::Step::TooLong:
            numeric(toClient, "905", {}, "SASL message too long");
            return;
        case IrcSasl::Step::Aborted:
            numeric(toClient, "906", {}, "SASL authentication aborted");
            return;
        case IrcSasl::Step::Failed:
            fail(result.why);
            return;
        case IrcSasl::Step::Done:
            break;
    }
    if (const auto bad = hermes::protocol::checkNick(result.account)) {
        // Answered here: the hub's answer would be a nick error, which after
        // registration reads as the answer to a NICK, and the check would
        // never end.
        fail("'" + sanitize(result.account) + "' is not a nick: " + bad->text);
        return;
    }
    // The hub checks the password, with its own hashing and throttling.
    saslChecking_ = true;
    Envelope envelope;
    if (!registered_) {
        // An account is a nick: the Hello asks for the account's nick with
        // its password; the hub signs the session in, or refuses.
        hermes::v1::Hello& hello = *envelope.mutable_hello();
        hello.set_protocol_version(hermes::v1::PROTOCOL_VERSION_1);
        hello.set_nick(result.account);
        hello.set_client_name("irc");
        hello.set_password(result.password);
        if (!hubPassword_.empty()) {
            hello.set_hub_password(hubPassword_);
        }
        helloSent_ = true;
        helloNick_ = result.account;
    } else {
        // sasl-3.2 after registration: the hub's Identify (the nick stays).
        nicksBeforeIdentify_ = nicksPending_;
        envelope.mutable_identify()->set_nick(result.account);
        envelope.mutable_identify()->set_password(result.password);
    }
    hermes::codec::appendFrame(envelope, toHub);
}

void IrcSession::loggedIn(std::string_view account, std::string& out) {
    account_ = std::string(account);
    numeric(out, "900", {mask(nick_), account_}, "You are now logged in as " + account_);
    numeric(out, "903", {}, "SASL authentication successful");
}

void IrcSession::saslWelcome(const hermes::v1::Welcome& welcome, std::string& out) {
    account_ = welcome.account();  // PASS may have signed the session in
    if (!saslChecking_) {
        return;
    }
    saslChecking_ = false;
    registered_ = true;
    nick_ = welcome.nick();
    if (!welcome.account().empty()) {
        loggedIn(welcome.account(), out);
    } else {
        numeric(out, "904", {},
                "SASL authentication failed: " + nick_ +
                    " is not a registered account; you are connected as " + nick_ + " without one");
    }
    // Registration ends at CAP END (and USER): until then what the hub says
    // (001, the default room) waits.
    holding_ = capNegotiating_ || !userGiven_;
}

bool IrcSession::saslAccountReply(const hermes::v1::AccountReply& reply, std::string& out) {
    if (!saslChecking_ || reply.event() != hermes::v1::ACCOUNT_EVENT_IDENTIFIED) {
        if (!reply.account().empty()) {
            account_ = reply.account();  // a Register or Identify some other way
        }
        return false;
    }
    saslChecking_ = false;
    loggedIn(reply.account(), out);
    return true;
}

bool IrcSession::saslError(const hermes::v1::Error& error, std::string& out) {
    using namespace hermes::v1;
    if (!saslChecking_) {
        return false;
    }
    switch (error.code()) {
        case ERROR_CODE_INVALID_NICK:
        case ERROR_CODE_NICK_TAKEN:
        case ERROR_CODE_PASSWORD_REQUIRED:
            if (registered_ && nicksBeforeIdentify_ > 0) {
                return false;  // a NICK's answer, sent before the Identify
            }
            break;
        case ERROR_CODE_WRONG_PASSWORD:
        case ERROR_CODE_SIGN_IN_THROTTLED:
        case ERROR_CODE_NOT_REGISTERED:
        case ERROR_CODE_INVALID_PASSWORD:
        case ERROR_CODE_ACCOUNTS_BUSY:
            break;
        default:
            return false;
    }
    saslChecking_ = false;
    if (!registered_) {
        helloSent_ = false;  // CAP END (or NICK) sends the ordinary Hello
    }
    numeric(out, "904", {}, "SASL authentication failed: " + sanitize(error.text()));
    return true;
}

void IrcSession::nickAnswered() {
    nicksPending_ -= std::min<std::size_t>(nicksPending_, 1);
    nicksBeforeIdentify_ -= std::min<std::size_t>(nicksBeforeIdentify_, 1);
}

void IrcSession::capEnd(std::string& toClient) {
    if (sasl_.inProgress()) {
        // sasl-3.1: registration ends the exchange.
        sasl_.reset();
        numeric(toClient, "906", {}, "SASL authentication aborted");
    }
    capNegotiating_ = false;
    release(toClient);
}

void IrcSession::release(std::string& toClient) {
    if (holding_ && !capNegotiating_ && userGiven_) {
        holding_ = false;
        toClient += held_;
        held_.clear();
        held_.shrink_to_fit();
    }
}

}  // namespace hermes::irc
