// A token bucket: `burst` tokens at most, refilled at `ratePerSecond`; the
// protocol's rate limit (docs/PROTOCOL.md section 11), as
// libhermes/include/hermes/protocol/TokenBucket.hpp keeps it. The client
// paces itself with the figures of Welcome.limits so that the hub never has
// to hold its frames back. A rate of 0 means unlimited. Times are
// milliseconds of a monotonic clock (performance.now()).

// Refill arithmetic may land a hair below a whole token at the exact time
// nextTokenAt() promised one.
const kWholeToken = 1 - 1e-9;

export class TokenBucket {
    private readonly rate: number;
    private readonly burst: number;
    private tokensLeft: number;
    private last: number;

    // The bucket starts full.
    constructor(ratePerSecond: number, burst: number, now: number) {
        this.rate = ratePerSecond;
        // Below one token nothing could ever be sent: a burst of at least 1 is implied.
        this.burst = Math.max(burst, 1);
        this.tokensLeft = this.burst;
        this.last = now;
    }

    static unlimited(): TokenBucket {
        return new TokenBucket(0, 1, 0);
    }

    get isUnlimited(): boolean {
        return this.rate <= 0;
    }

    tryTake(now: number): boolean {
        if (this.isUnlimited) return true;
        this.refill(now);
        if (this.tokensLeft >= kWholeToken) {
            this.tokensLeft = Math.max(0, this.tokensLeft - 1);
            return true;
        }
        return false;
    }

    // When the next whole token will be there (`now` if one already is).
    nextTokenAt(now: number): number {
        if (this.isUnlimited) return now;
        this.refill(now);
        if (this.tokensLeft >= kWholeToken) return now;
        return now + Math.ceil(((1 - this.tokensLeft) / this.rate) * 1000);
    }

    tokens(now: number): number {
        this.refill(now);
        return this.tokensLeft;
    }

    private refill(now: number): void {
        if (now <= this.last) return; // time never runs backwards for the bucket
        this.tokensLeft = Math.min(this.burst, this.tokensLeft + ((now - this.last) / 1000) * this.rate);
        this.last = now;
    }
}
