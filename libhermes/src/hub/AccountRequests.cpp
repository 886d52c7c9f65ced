// Accounts: Register, Identify, ChangePassword, and the answers of the
// hashing thread (which also finishes a Hello that carried a password).
// Nothing here hashes: it decides, throttles, and hands the work to
// Accounts' worker; the session waits for the answer (Intake::awaitRead).

#include <optional>
#include <string>
#include <utility>

#include "Accounts.hpp"
#include "Intake.hpp"
#include "Outbox.hpp"
#include "Requests.hpp"
#include "SessionTable.hpp"
#include "hermes/protocol/Limits.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

void reply(Session& s, v1::AccountEvent event, const std::string& account, std::string text,
           Outbox& outbox) {
    outbox.reply(s, [&](v1::Envelope& out) {
        auto* body = out.mutable_account_reply();
        body->set_event(event);
        body->set_account(account);
        body->set_text(std::move(text));
    });
}

// Throttled, or handed to the worker (and `s` waits); false if answered.
bool startVerify(Session& s, AccountJob& job, Accounts& accounts, Intake& intake, Outbox& outbox,
                 TimePoint now) {
    if (auto until = accounts.attempt(job.account, s.peer, now)) {
        outbox.error(s, v1::ERROR_CODE_SIGN_IN_THROTTLED,
                     throttledText("for " + job.account + " or from this address", *until));
        return false;
    }
    const std::string account = job.account;
    if (!accounts.submit(job)) {
        accounts.succeeded(account, s.peer, now);
        outbox.error(s, v1::ERROR_CODE_ACCOUNTS_BUSY,
                     "the hub is checking too many passwords at once; try again shortly");
        return false;
    }
    intake.awaitRead(s);
    return true;
}

// The account `name` names, as a verify job for `s` of `kind`; nullopt (and
// NOT_REGISTERED answered) when there is none.
std::optional<AccountJob> verifyJob(Session& s, const std::string& name, AccountJobKind kind,
                                    const Accounts& accounts, Outbox& outbox) {
    const StoredAccount* account = accounts.find(name);
    if (account == nullptr) {
        outbox.error(s, v1::ERROR_CODE_NOT_REGISTERED,
                     "nick " + name + " is not registered (Register registers your nick)");
        return std::nullopt;
    }
    AccountJob job;
    job.ticket = s.id;
    job.kind = kind;
    job.account = account->name;
    job.hash = account->hash;
    return job;
}

}  // namespace

std::string passwordProblem(std::string_view password, std::string_view what) {
    if (password.empty()) {
        return std::string(what) + " is empty";
    }
    if (password.size() > protocol::kMaxPasswordBytes) {
        return std::string(what) + " is " + std::to_string(password.size()) +
               " bytes; the most is " + std::to_string(protocol::kMaxPasswordBytes);
    }
    return {};
}

void onRegister(Session& s, const v1::Register& request, Accounts& accounts, Intake& intake,
                Outbox& outbox, TimePoint now) {
    if (std::string problem = passwordProblem(request.password(), "password"); !problem.empty()) {
        outbox.error(s, v1::ERROR_CODE_INVALID_PASSWORD, problem);
        return;
    }
    const std::string& nick = s.who.nick();
    if (accounts.find(nick) != nullptr || accounts.registering(nick)) {
        outbox.error(
            s, v1::ERROR_CODE_ALREADY_REGISTERED,
            "nick " + nick + " is already registered (ChangePassword changes its password)");
        return;
    }
    if (accounts.operatorName(nick)) {
        outbox.error(s, v1::ERROR_CODE_NOT_OPERATOR,
                     "nick " + nick +
                         " is named in hub.operators: its account is registered before it is "
                         "named there, by the hub's admin");
        return;
    }
    if (accounts.full()) {
        outbox.error(s, v1::ERROR_CODE_ACCOUNTS_BUSY,
                     "the hub holds its most accounts (accounts.max_accounts)");
        return;
    }
    // Registering costs a hash and lasts: one machine registers at the
    // sign-in rate, and cannot keep the hashing queue full or fill the book.
    if (auto until = accounts.registration(s.peer, now)) {
        outbox.error(s, v1::ERROR_CODE_SIGN_IN_THROTTLED,
                     throttledText("for registrations from this address", *until));
        return;
    }
    AccountJob job;
    job.ticket = s.id;
    job.kind = AccountJobKind::Register;
    job.account = nick;
    job.password = request.password();
    if (!accounts.submit(job)) {
        accounts.registrationNotTried(s.peer, now);
        outbox.error(s, v1::ERROR_CODE_ACCOUNTS_BUSY,
                     "the hub is checking too many passwords at once; try again shortly");
        return;
    }
    intake.awaitRead(s);
}

void onIdentify(Session& s, const v1::Identify& request, Accounts& accounts, Intake& intake,
                Outbox& outbox, TimePoint now) {
    const std::string& name = request.nick().empty() ? s.who.nick() : request.nick();
    if (auto error = protocol::checkNick(name)) {
        outbox.error(s, v1::ERROR_CODE_INVALID_NICK, error->text);
        return;
    }
    if (std::string problem = passwordProblem(request.password(), "password"); !problem.empty()) {
        outbox.error(s, v1::ERROR_CODE_INVALID_PASSWORD, problem);
        return;
    }
    auto job = verifyJob(s, name, AccountJobKind::Identify, accounts, outbox);
    if (!job) {
        return;
    }
    job->password = request.password();
    startVerify(s, *job, accounts, intake, outbox, now);
}

void onChangePassword(Session& s, const v1::ChangePassword& request, Accounts& accounts,
                      Intake& intake, Outbox& outbox, TimePoint now) {
    for (const auto& [password, what] : {std::pair{&request.old_password(), "old password"},
                                         std::pair{&request.new_password(), "new password"}}) {
        if (std::string problem = passwordProblem(*password, what); !problem.empty()) {
            outbox.error(s, v1::ERROR_CODE_INVALID_PASSWORD, problem);
            return;
        }
    }
    const std::string& name = s.profile.account.empty() ? s.who.nick() : s.profile.account;
    auto job = verifyJob(s, name, AccountJobKind::ChangePassword, accounts, outbox);
    if (!job) {
        return;
    }
    job->password = request.old_password();
    job->newPassword = request.new_password();
    startVerify(s, *job, accounts, intake, outbox, now);
}

bool onAccountResult(Session& s, AccountResult& result, SessionTable& sessions, Accounts& accounts,
                     Intake& intake, Outbox& outbox, const HubFacts& facts, TimePoint now) {
    const AccountJob& job = result.job;
    if (!result.storeError.empty()) {
        outbox.error(s, v1::ERROR_CODE_ACCOUNTS_BUSY,
                     "the hub could not store the account (its log says why); try again later");
        return false;
    }
    if (job.kind == AccountJobKind::HubPassword) {
        if (!result.verified) {
            closeFatally(s, v1::ERROR_CODE_HUB_PASSWORD, "wrong hub password",
                         CloseReason::HubPassword, sessions, outbox);
            return false;
        }
        accounts.hubPasswordRight(s.peer, now);
        return onHello(s, job.hello, sessions, accounts, intake, outbox, facts, now, true);
    }
    if (!result.verified) {
        // The attempt's tokens stay taken: that is the throttle.
        accounts.log().information(SessionTable::describe(s) + ": wrong password for account " +
                                   job.account);
        outbox.error(s, v1::ERROR_CODE_WRONG_PASSWORD, "wrong password for " + job.account);
        return false;
    }
    // A sign-in queued before a password change finished was checked
    // against the old hash: the old password no longer opens the account.
    // (A ChangePassword's own result finds the book holding its new hash.)
    if (job.kind == AccountJobKind::Hello || job.kind == AccountJobKind::Identify) {
        const StoredAccount* current = accounts.find(job.account);
        if (current == nullptr || current->hash != job.hash) {
            outbox.error(s, v1::ERROR_CODE_WRONG_PASSWORD,
                         "the password of " + job.account + " changed meanwhile");
            return false;
        }
    }
    if (job.kind != AccountJobKind::Register) {
        accounts.succeeded(job.account, s.peer, now);
    }
    switch (job.kind) {
        case AccountJobKind::Hello:
            if (welcomeSession(s, job.nick, job.clientName, job.account, sessions, intake, outbox,
                               facts, now)) {
                accounts.log().information(SessionTable::describe(s) + " signed in to account " +
                                           job.account);
                return true;
            }
            return false;
        case AccountJobKind::Identify:
            sessions.signIn(s, job.account);
            accounts.log().information(SessionTable::describe(s) + " signed in to account " +
                                       job.account);
            reply(s, v1::ACCOUNT_EVENT_IDENTIFIED, job.account,
                  "you are signed in to " + job.account, outbox);
            return false;
        case AccountJobKind::Register:
        case AccountJobKind::ChangePassword:
            accountStored(s, job, sessions, accounts, outbox);
            return false;
        case AccountJobKind::HubPassword:
        case AccountJobKind::Store:
            return false;  // handled above; never a session's
    }
    return false;
}

void accountStored(Session& s, const AccountJob& job, SessionTable& sessions,
                   const Accounts& accounts, Outbox& outbox) {
    sessions.signIn(s, job.account);
    if (job.kind == AccountJobKind::Register) {
        reply(s, v1::ACCOUNT_EVENT_REGISTERED, job.account,
              "nick " + job.account + " is registered to you" +
                  (accounts.persistent() ? "" : " until the hub restarts (it keeps no database)") +
                  "; from now on it needs its password",
              outbox);
    } else {
        reply(s, v1::ACCOUNT_EVENT_PASSWORD_CHANGED, job.account,
              "the password of " + job.account + " is changed", outbox);
    }
}

}  // namespace hermes::hub
