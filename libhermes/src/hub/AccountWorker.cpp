#include "AccountWorker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <utility>

#include <Poco/Exception.h>

#include "hermes/threads/ThisThread.hpp"

namespace hermes::hub {

AccountWorker::AccountWorker(PasswordHasher hasher, AccountStore& store, std::size_t maxPending)
    : hasher_(std::move(hasher)), store_(store), maxPending_(maxPending) {
    fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "eventfd (accounts)");
    }
}

AccountWorker::~AccountWorker() {
    shared_.lock()->stopping = true;
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    ::close(fd_);
}

void AccountWorker::startThread() {
    if (!thread_.joinable()) {
        thread_ = std::thread([this] {
            threads::nameThisThread("accounts");
            run();
        });
    }
}

bool AccountWorker::submit(AccountJob& job) {
    if (pending_ >= maxPending_) {
        return false;
    }
    startThread();
    ++pending_;
    shared_.lock()->queue.push_back(std::move(job));
    wake_.notify_one();
    return true;
}

void AccountWorker::store(StoredAccount account) {
    startThread();
    AccountJob job;
    job.kind = AccountJobKind::Store;
    job.account = std::move(account.name);
    job.hash = std::move(account.hash);
    shared_.lock()->stores.push_back(std::move(job));
    wake_.notify_one();
}

std::vector<AccountResult> AccountWorker::finished() {
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(fd_, &count, sizeof count);
    std::vector<AccountResult> done;
    done.swap(shared_.lock()->done);
    // Store jobs are not counted (store()): they never hold back a sign-in.
    const auto hashed = static_cast<std::size_t>(
        std::count_if(done.begin(), done.end(),
                      [](const AccountResult& r) { return r.job.kind != AccountJobKind::Store; }));
    pending_ -= std::min(pending_, hashed);
    return done;
}

void AccountWorker::run() {
    while (true) {
        AccountJob job;
        {
            auto shared = shared_.lock();
            wake_.wait(shared.unique(), [&] {
                return shared->stopping || !shared->queue.empty() || !shared->stores.empty();
            });
            if (shared->stopping) {
                return;
            }
            auto& from = shared->queue.empty() ? shared->stores : shared->queue;
            job = std::move(from.front());
            from.pop_front();
        }
        AccountResult result = work(std::move(job));
        shared_.lock()->done.push_back(std::move(result));
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(fd_, &one, sizeof one);
    }
}

AccountResult AccountWorker::work(AccountJob job) {
    AccountResult result;
    switch (job.kind) {
        case AccountJobKind::Hello:
        case AccountJobKind::Identify:
        case AccountJobKind::HubPassword:
            result.verified = hasher_.verify(job.hash, job.password);
            break;
        case AccountJobKind::Register:
            result.verified = true;
            break;
        case AccountJobKind::ChangePassword:
            result.verified = hasher_.verify(job.hash, job.password);
            break;
        case AccountJobKind::Store:
            try {
                store_.save(StoredAccount{job.account, job.hash});
            } catch (const Poco::Exception& error) {
                result.storeError = "cannot store the account: " + error.displayText();
            } catch (const std::exception& error) {
                result.storeError = std::string("cannot store the account: ") + error.what();
            }
            result.job = std::move(job);
            return result;
    }
    const bool storesHash = job.kind == AccountJobKind::Register ||
                            (job.kind == AccountJobKind::ChangePassword && result.verified);
    if (storesHash) {
        const std::string& secret =
            job.kind == AccountJobKind::Register ? job.password : job.newPassword;
        if (auto hash = hasher_.hash(secret)) {
            try {
                if (job.storeHash) {
                    store_.save(StoredAccount{job.account, *hash});
                }
                result.newHash = std::move(*hash);
            } catch (const Poco::Exception& error) {
                result.storeError = "cannot store the account: " + error.displayText();
            } catch (const std::exception& error) {
                result.storeError = std::string("cannot store the account: ") + error.what();
            }
        } else {
            result.storeError = "cannot hash the password (out of memory)";
        }
    }
    PasswordHasher::wipe(job.password);
    PasswordHasher::wipe(job.newPassword);
    PasswordHasher::wipe(*job.hello.mutable_hub_password());
    result.job = std::move(job);
    return result;
}

}  // namespace hermes::hub
