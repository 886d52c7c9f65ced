// What the client session knows about its rooms from what the hub said: its
// own nick, the rooms it is in, the hub's epoch and, per room, which seqs it
// has already handed on. A port of libhermes's client/RoomTracker.
//
// Seqs (per room): the first message seen in a room sets the baseline (seqs
// before it are not ours to fetch); after that a seq is delivered at most
// once. lastSeq(room) is the highest seq up to which everything was
// delivered or is known gone (a history Gap): the after_seq of the catch-up
// HistoryRequest after a reconnect. Live messages may run ahead of it while
// history fills the hole; they are remembered one by one (at most kMaxAhead).
//
// Epoch: without durable history (Welcome.durable_history false) a restarted
// hub starts its seqs again from 1, so a new epoch forgets every room's seqs
// (membership is kept: the rooms are rejoined). With durable history seqs
// continue: tracking is kept and the catch-up fetches what was missed.
import { v1 } from "../proto/codec";
import { sameNick } from "./names";

interface Seqs {
    started: boolean; // the baseline is set
    contiguous: number; // all seqs <= this are delivered or gone
    ahead: Set<number>; // delivered seqs above contiguous + 1
}

export class RoomTracker {
    static readonly kMaxAhead = 4096;

    private own = "";
    private epochSeen = 0;
    private welcomedBefore = false;
    private readonly joined = new Set<string>();
    private readonly seqs = new Map<string, Seqs>();

    get ownNick(): string {
        return this.own;
    }
    get epoch(): number {
        return this.epochSeen;
    }
    isOwnNick(nick: string): boolean {
        return sameNick(this.own, nick);
    }

    // True when the hub restarted without durable history (a new epoch, not on
    // the first Welcome): seq tracking has then been reset.
    onWelcome(welcome: v1.IWelcome): boolean {
        this.own = welcome.nick ?? "";
        const epoch = Number(welcome.epoch ?? 0);
        const changed = this.welcomedBefore && epoch !== this.epochSeen;
        this.welcomedBefore = true;
        this.epochSeen = epoch;
        const restart = changed && !welcome.durableHistory;
        if (restart) this.seqs.clear();
        return restart;
    }

    // True when it changed our own nick (NICK_CHANGED with an empty room).
    onPresence(p: v1.IPresence): boolean {
        const K = v1.PresenceKind;
        const nicks = p.nicks ?? [];
        if (p.kind === K.PRESENCE_KIND_NICK_CHANGED) {
            if (!p.room) {
                this.own = p.newNick ?? this.own;
                return true;
            }
            return false;
        }
        if (!p.room || !nicks.some((n) => this.isOwnNick(n))) return false;
        if (p.kind === K.PRESENCE_KIND_JOINED) this.joined.add(p.room);
        // Kicked or banned (moderation) ends membership like leaving: not rejoined on reconnect.
        else if (
            p.kind === K.PRESENCE_KIND_LEFT ||
            p.kind === K.PRESENCE_KIND_QUIT ||
            p.kind === K.PRESENCE_KIND_KICKED ||
            p.kind === K.PRESENCE_KIND_BANNED
        )
            this.joined.delete(p.room);
        return false;
    }

    onMemberList(m: v1.IMemberList): void {
        if (m.room && (m.nicks ?? []).some((n) => this.isOwnNick(n))) this.joined.add(m.room);
    }

    isJoined(room: string): boolean {
        return this.joined.has(room);
    }
    joinedRooms(): string[] {
        return [...this.joined].sort();
    }

    // True if (room, seq) was not delivered yet: records it. seq 0 (private
    // messages) is always new.
    accept(room: string, seq: number): boolean {
        if (seq === 0) return true;
        const s = this.seqsOf(room);
        if (!s.started) {
            s.started = true;
            s.contiguous = seq;
            return true;
        }
        if (seq <= s.contiguous || s.ahead.has(seq)) return false;
        s.ahead.add(seq);
        this.advance(s);
        return true;
    }

    // The hub no longer has seqs first..last: nothing to wait for below last.
    markGone(room: string, first: number, last: number): void {
        if (last < first) return;
        const s = this.seqsOf(room);
        if (!s.started) {
            s.started = true;
            s.contiguous = last;
            return;
        }
        if (first <= s.contiguous + 1) {
            s.contiguous = Math.max(s.contiguous, last);
            this.advance(s);
        }
    }

    lastSeq(room: string): number {
        return this.seqs.get(room)?.contiguous ?? 0;
    }

    // Sets a room's baseline to `seq` if nothing was seen in it yet.
    startAt(room: string, seq: number): void {
        const s = this.seqsOf(room);
        if (!s.started) {
            s.started = true;
            s.contiguous = seq;
        }
    }

    // Forgets what was seen in `room` and starts again after `seq`: the hub's
    // seqs went back (it lost its history).
    restartAt(room: string, seq: number): void {
        this.seqs.set(room, { started: true, contiguous: seq, ahead: new Set() });
    }

    private seqsOf(room: string): Seqs {
        let s = this.seqs.get(room);
        if (!s) {
            s = { started: false, contiguous: 0, ahead: new Set() };
            this.seqs.set(room, s);
        }
        return s;
    }

    private advance(s: Seqs): void {
        while (s.ahead.size > 0) {
            const lowest = Math.min(...s.ahead);
            if (lowest > s.contiguous + 1) break;
            s.contiguous = Math.max(s.contiguous, lowest);
            s.ahead.delete(lowest);
        }
        if (s.ahead.size > RoomTracker.kMaxAhead) {
            // The hole below is not being filled: give it up rather than grow.
            s.contiguous = Math.max(...s.ahead);
            s.ahead.clear();
        }
    }
}

