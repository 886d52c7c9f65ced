// client_msg_ids unique to this page (docs/PROTOCOL.md section 8, "Matching
// echoes", rule 1): a random base taken once per page load, counted up from.
// Never restarted at 1: an earlier load of the page, another tab or device
// with the same nick, or hermes-tui must never produce our ids.
//
// The base is a random multiple of 2^32 in [2^32, 2^52], so that 2^32 ids
// later it is still below 2^53: every id is an exact JavaScript number, and
// it encodes to the same uint64 the hub echoes back.
export const kIdSpan = 2 ** 32;
export const kMaxBaseMultiple = 2 ** 20;

export function randomIdBase(randomUint32: () => number): number {
    // 1 .. 2^20: never 0, so ids never collide with "no id" (0).
    const multiple = 1 + (randomUint32() % kMaxBaseMultiple);
    return multiple * kIdSpan;
}

// A uint32 from the platform's CSPRNG where there is one.
export function cryptoUint32(): number {
    const buf = new Uint32Array(1);
    globalThis.crypto.getRandomValues(buf);
    return buf[0]!;
}

export class ClientIds {
    private last: number;

    constructor(base: number) {
        if (!Number.isSafeInteger(base) || base <= 0 || base + kIdSpan > Number.MAX_SAFE_INTEGER) {
            throw new RangeError(`client id base ${base} is not a safe positive integer below 2^53 - 2^32`);
        }
        this.last = base;
    }

    next(): number {
        this.last += 1;
        return this.last;
    }
}
