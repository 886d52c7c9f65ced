// Accounts across the hubs of a cluster (docs/CLUSTER.md "Accounts across
// hubs"): Hub::Impl's side, between the account handlers
// (AccountRequests.cpp), the book (Accounts) and the backplane.
//
// Redis holds the cluster's accounts, one field of hermes:state each
// ("account NICKKEY", ClusterState.hpp), and every hub books and stores
// each one Redis publishes (applyAccount). A registration is hashed here as
// on a hub alone, then created in Redis only if no hub registered the name
// first (StateMode::Create); a password change replaces the record. The
// session waits (Intake::awaitRead) until Redis answered
// (accountWriteAnswered): then it is told, as on a hub alone, or told
// ALREADY_REGISTERED, or CLUSTER_UNAVAILABLE. Sign-ins check the book here,
// with no round trip to Redis.
//
// A hub offers Redis the accounts of its book that Redis lacks at each
// read of hermes:state (offerAccounts): those made before the hub joined a
// cluster, and all of them after a Redis that lost its data.
//
// Threading: none; the hub's thread.

#include <set>
#include <string>

#include "HubImpl.hpp"
#include "hermes/protocol/Validation.hpp"

namespace hermes::hub {

namespace {

constexpr SessionId kNoSession = 0;

std::string accountRecord(const StoredAccount& account) {
    return account.name + "\n" + account.hash;
}

}  // namespace

// An account change goes to Redis once its hash is made: while Redis is
// away it is refused before any hashing.
bool Hub::Impl::refuseAccountChange(Session& s, std::string_view what) {
    if (!backplane.enabled() || backplane.up()) {
        return false;
    }
    outbox.error(s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                 "this hub cannot reach the cluster's backplane (Redis) to " + std::string(what) +
                     " in every hub's book; try again in a moment");
    return true;
}

void Hub::Impl::accountToCluster(Session* s, AccountResult& result) {
    const AccountJob& job = result.job;
    const bool registers = job.kind == AccountJobKind::Register;
    if (!registers && s != nullptr) {
        accounts.succeeded(job.account, s->peer, now);  // the old password was right
    }
    if (!backplane.up()) {
        // Lost hashed work, but never an account one hub has and the others not.
        if (registers) {
            accounts.settled(job.account);
        }
        if (s != nullptr) {
            intake.readDone(*s);
            outbox.error(*s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                         "this hub lost the cluster's backplane (Redis) before it could " +
                             std::string(registers ? "register " : "change the password of ") +
                             job.account + "; try again in a moment");
            resumeWaiting(*s);
            receive(*s, {});
        }
        return;
    }
    AccountWrite write;
    write.field = ClusterState::accountField(protocol::nickKey(job.account));
    write.record = accountRecord(StoredAccount{job.account, result.newHash});
    backplane.writeState(write.field, write.record, registers ? StateMode::Create : StateMode::Set,
                         s != nullptr ? s->id : kNoSession);
    if (s == nullptr) {
        // Gone: the account is made all the same, as on a hub alone; only a
        // second Register here, before Redis answered, meets Redis's refusal
        // rather than this hub's.
        if (registers) {
            accounts.settled(job.account);
        }
        return;
    }
    write.job = std::move(result.job);
    accountWrites[s->id] = std::move(write);
    // Still waiting (Intake::awaitRead since the Register), now for Redis.
}

bool Hub::Impl::accountWriteAnswered(SessionId session, std::string_view field,
                                     std::optional<std::uint64_t> version,
                                     std::string_view refused) {
    const auto it = accountWrites.find(session);
    if (it == accountWrites.end() || it->second.field != field) {
        return false;
    }
    if (version && *version > 0 && refused.empty()) {
        // Booked now, not when the notice comes: the answer below may be
        // followed by a sign-in that needs it. The notice is then not newer.
        // (Applied while the write is still awaited: its session, holding
        // the nick and not yet signed in, is the registrant, not a guest.)
        const BackplaneState state{it->second.field, *version, it->second.record, false};
        if (clusterState.newer(state)) {
            applyStateSafely(state);
        }
    }
    AccountWrite write = std::move(it->second);
    accountWrites.erase(it);
    const AccountJob& job = write.job;
    const bool registers = job.kind == AccountJobKind::Register;
    if (registers) {
        accounts.settled(job.account);
    }
    Session* s = sessions.find(session);
    if (s == nullptr || s->who.closing()) {
        return true;
    }
    intake.readDone(*s);
    const std::string what =
        (registers ? "registering " : "changing the password of ") + job.account;
    try {
        if (!refused.empty()) {
            outbox.error(*s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                         "the cluster's backplane (Redis) refused " + what + ": " +
                             std::string(refused) + "; try again in a moment");
        } else if (!version) {
            outbox.error(*s, v1::ERROR_CODE_CLUSTER_UNAVAILABLE,
                         "this hub lost the cluster's backplane (Redis) while " + what +
                             ": it may or may not have happened (Identify with the password "
                             "tells); try again in a moment");
        } else if (*version == 0) {
            outbox.error(
                *s, v1::ERROR_CODE_ALREADY_REGISTERED,
                "nick " + job.account + " was registered meanwhile on another hub of the cluster");
        } else {
            accountStored(*s, job, sessions, accounts, outbox);
            ++memberFacts;  // a sign-in may make an operator (by account)
            if (!refuseHubBanned(*s, s->who.nick(), moderation, sessions, outbox, facts, log)) {
                afterSignIn(*s);
            }
        }
    } catch (const std::exception& error) {
        internalError(*s, "answering an account request", error.what());
    }
    resumeWaiting(*s);
    receive(*s, {});
    return true;
}

void Hub::Impl::accountWritesLost() {
    std::vector<std::pair<SessionId, std::string>> lost;
    for (const auto& [session, write] : accountWrites) {
        lost.emplace_back(session, write.field);
    }
    for (const auto& [session, field] : lost) {
        accountWriteAnswered(session, field, std::nullopt, {});
    }
}

void Hub::Impl::applyAccount(const ClusterState::Field& field, const BackplaneState& state) {
    if (state.deleted) {
        return;  // Redis lost it: offered again after this read (offerAccounts)
    }
    const std::size_t newline = state.record.find('\n');
    StoredAccount account;
    if (newline != std::string::npos) {
        account.name = state.record.substr(0, newline);
        account.hash = state.record.substr(newline + 1);
    }
    if (newline == std::string::npos || protocol::checkNick(account.name) ||
        protocol::nickKey(account.name) != field.target || account.hash.empty() ||
        account.hash.find('\n') != std::string::npos) {
        log.warning("backplane: the account record '%s' (version %?u) is not one; ignored",
                    state.field, state.version);
        return;
    }
    const StoredAccount* mine = accounts.find(account.name);
    if (accounts.operatorName(account.name) && (mine == nullptr || mine->hash != account.hash)) {
        // hub.operators names it here: whoever registered it on another hub
        // would be a hub operator here. This hub keeps its own (or none).
        log.error(
            "cluster: account %s (version %?u) is named in this hub's hub.operators; the "
            "cluster's record of it is not taken here (register it on this hub first, or "
            "take it out of hub.operators)",
            account.name, state.version);
        return;
    }
    const bool known = mine != nullptr;
    const std::string name = account.name;
    if (!accounts.adopt(std::move(account))) {
        return;
    }
    log.information(
        "cluster: account %s %s (version %?u)", name,
        std::string(known ? "has a new password in the cluster" : "is registered in the cluster"),
        state.version);
    // A guest here holding the nick (its registrant left before Redis took
    // it, or a hub offered an account it had from before the cluster) would
    // get the account's private messages: it gives the nick up, as no guest
    // holds a registered nick on a hub alone.
    Session* holder = sessions.findNick(name);
    const auto awaited = holder != nullptr ? accountWrites.find(holder->id) : accountWrites.end();
    const bool registrant = awaited != accountWrites.end() && awaited->second.field == state.field;
    if (holder != nullptr && !registrant &&
        protocol::nickKey(holder->profile.account) != field.target) {
        closeFatally(*holder, v1::ERROR_CODE_PASSWORD_REQUIRED,
                     "nick " + name +
                         " was just registered on another hub of the cluster: connect again "
                         "with its password, or with another nick",
                     CloseReason::NickRegistered, sessions, outbox);
    }
}

void Hub::Impl::offerAccounts(const std::vector<BackplaneState>& stored) {
    std::set<std::string> held;
    for (const BackplaneState& state : stored) {
        if (const auto field = ClusterState::parse(state.field);
            field && field->kind == ClusterState::Kind::Account) {
            held.insert(field->target);
        }
    }
    std::size_t offered = 0;
    for (const StoredAccount& account : accounts.all()) {
        const std::string key = protocol::nickKey(account.name);
        if (!held.contains(key)) {
            backplane.writeState(ClusterState::accountField(key), accountRecord(account),
                                 StateMode::Create, kNoSession);
            ++offered;
        }
    }
    if (offered > 0) {
        log.information(
            "cluster: offered Redis %z accounts of this hub that it lacks (a name another hub "
            "registered first stays that hub's)",
            offered);
    }
}

}  // namespace hermes::hub
