// Delays between reconnect attempts: capped exponential backoff with "equal
// jitter", as libhermes's ReconnectBackoff. Attempt n (from 1) waits a
// uniformly random time in [d/2, d] where d = min(max, initial * 2^(n-1)),
// so that pages dropped together by a hub restart do not all come back in the
// same millisecond.
export class ReconnectBackoff {
    static readonly kInitialMs = 250;
    static readonly kMaxMs = 10_000;

    private attemptsMade = 0;

    constructor(
        private readonly initialMs: number = ReconnectBackoff.kInitialMs,
        private readonly maxMs: number = ReconnectBackoff.kMaxMs,
        // A uniform random number in [0, 1).
        private readonly random: () => number = Math.random,
    ) {
        this.initialMs = Math.max(1, initialMs);
        this.maxMs = Math.max(maxMs, this.initialMs);
    }

    get attempts(): number {
        return this.attemptsMade;
    }

    // The un-jittered ceiling for attempt `attempt` (from 1).
    ceiling(attempt: number): number {
        let delay = this.initialMs;
        for (let i = 1; i < attempt && delay < this.maxMs; ++i) delay *= 2;
        return Math.min(delay, this.maxMs);
    }

    // The delay before the next attempt; each call counts one attempt.
    next(): number {
        this.attemptsMade += 1;
        const top = this.ceiling(this.attemptsMade);
        const low = Math.floor(top / 2);
        return low + Math.floor(this.random() * (top - low + 1));
    }

    // After a session that was welcomed: the next delay starts from the initial one.
    reset(): void {
        this.attemptsMade = 0;
    }
}
