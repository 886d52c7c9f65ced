#pragma once
// The AUTHENTICATE exchange of IRCv3 SASL (sasl-3.1/3.2), mechanism PLAIN
// only, with no socket and no hub (docs/IRC.md "Accounts: SASL and PASS"):
// the mechanism line, the base64 payload in chunks of 400 bytes ("+" for an
// empty one), the abort ("*"), and the PLAIN message itself
// (authzid NUL authcid NUL password). What comes out is an account name and
// a password; checking them is the hub's own sign-in (Hello.password or
// Identify), never done here, so the hub's Argon2id hashing and its sign-in
// throttling apply to IRC clients as to Hermes clients.
//
// What it owns: the state of one exchange (started, the payload so far). The
// payload is bounded (kMaxPayloadBytes of base64): past it the exchange ends
// with 905.
//
// Threading: none; one per IrcSession, on the hub's loop thread.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hermes::irc {

class IrcSasl {
public:
    // sasl-3.1: a payload is sent in chunks of 400 bytes; a shorter chunk
    // (or "+") ends it.
    static constexpr std::size_t kChunkBytes = 400;
    // The most base64 an exchange takes (PLAIN of a 32-byte nick and a long
    // password fits in one or two chunks).
    static constexpr std::size_t kMaxPayloadBytes = 1200;
    static constexpr std::string_view kMechanisms = "PLAIN";

    enum class Step {
        Continue,          // the mechanism is accepted: answer "AUTHENTICATE +"
        More,              // a full chunk: more follows, nothing to answer
        Done,              // `account` and `password` are the credentials
        UnknownMechanism,  // 908 and 904
        TooLong,           // 905
        Aborted,           // 906
        Failed,            // 904, `why` says what was wrong
    };
    struct Result {
        Step step = Step::Failed;
        std::string account;
        std::string password;
        std::string why;
    };

    // One AUTHENTICATE parameter.
    Result authenticate(std::string_view param);
    // An exchange started and not yet ended (CAP END now aborts it: 906).
    bool inProgress() const { return started_; }
    void reset();

private:
    bool started_ = false;
    std::string payload_;  // base64, the chunks so far
};

// The PLAIN message (RFC 4616): "authzid\0authcid\0password". nullopt, with
// `why`, when it is not one, or when authzid names another account than
// authcid (Hermes has no authorization identities).
struct PlainCredentials {
    std::string account;
    std::string password;
};
std::optional<PlainCredentials> parseSaslPlain(std::string_view message, std::string& why);

// Strict base64 (RFC 4648 with padding); nullopt when `text` is not.
std::optional<std::string> decodeBase64(std::string_view text);

// IRCv3 account-tag: "account=NAME" (escaped as a tag value) onto `out`.
void appendAccountTag(std::string& out, std::string_view account);

}  // namespace hermes::irc
