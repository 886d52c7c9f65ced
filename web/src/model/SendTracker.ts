// Every say and private message of one client, from the moment it is queued
// until its outcome: acknowledged by its own echo, refused, or lost. A port
// of libhermes's client/SendTracker (read its header for the why).
//
// An ack is an ack: a send is acknowledged only by the live echo of that
// very send, a ChatMessage received live (never one in a backlog, a history
// page or search results) from one of this client's own nicks with that
// send's client_msg_id.
//
// One case needs history: a send written to a connection that dropped before
// its echo is in doubt. After the reconnect, the session's own catch-up
// pages show every message the room got meanwhile: a send in doubt found
// there by its id was taken; one not found was not, and goes out again.
// Private messages are not kept in history: one in doubt is reported failed.
//
//   add() -> Queued -> written() -> Written -> echo        -> acknowledged
//              ^                      |      -> refused()  -> failed
//              |               connectionLost()
//              |                      v
//              +--- not found --- InDoubt -> found in catch-up -> acknowledged
//                   (room say)        | (private message)      -> failed
import type { EnvelopeInit, v1 } from "../proto/codec";
import { nickKey } from "./names";

export type Stage = "queued" | "written" | "inDoubt";

interface Send {
    frame: EnvelopeInit;
    stage: Stage;
}

export interface Settlement {
    resend: number[]; // room says the hub never took, oldest first
    failed: { id: number; why: string }[]; // private messages whose fate is unknown
}

export const kUnknownFate =
    "the connection dropped before the hub confirmed it; it may or may not have been delivered";

export class SendTracker {
    // By id; ids grow in the order sends were made (Map keeps insertion order,
    // and settle() sorts to be sure).
    private readonly sends = new Map<number, Send>();
    private writtenCount = 0;
    private readonly ownNicks = new Set<string>();

    add(id: number, frame: EnvelopeInit): void {
        this.sends.set(id, { frame, stage: "queued" });
    }

    written(id: number): void {
        const s = this.sends.get(id);
        if (s && s.stage !== "written") {
            s.stage = "written";
            this.writtenCount += 1;
        }
    }

    addOwnNick(nick: string): void {
        if (nick) this.ownNicks.add(nickKey(nick));
    }
    isOwnNick(nick: string | null | undefined): boolean {
        return !!nick && this.ownNicks.has(nickKey(nick));
    }

    // A ChatMessage received live: true if it is the echo of one of our sends,
    // which is then acknowledged (and forgotten).
    echoed(m: v1.IChatMessage): boolean {
        const id = Number(m.clientMsgId ?? 0);
        if (id === 0 || !this.sends.has(id) || !this.isOwnNick(m.from)) return false;
        // Queued: not written on this connection yet, so this is the echo of
        // the copy written before a drop. Taken all the same: it is this send.
        this.erase(id);
        return true;
    }

    // An Error naming `id`: the hub refused that send, which is forgotten.
    refused(id: number): boolean {
        if (id === 0 || !this.sends.has(id)) return false;
        this.erase(id);
        return true;
    }

    // Not taken, to be sent again later (STORE_BEHIND): Queued again.
    requeue(id: number): void {
        const s = this.sends.get(id);
        if (!s) return;
        if (s.stage === "written") this.writtenCount -= 1;
        s.stage = "queued";
    }

    connectionLost(): void {
        for (const s of this.sends.values()) {
            if (s.stage === "written") s.stage = "inDoubt";
        }
        this.writtenCount = 0;
    }

    // A message in one of the session's own catch-up pages: true if it is a
    // send in doubt, which the hub therefore took.
    foundInCatchUp(m: v1.IChatMessage): boolean {
        const id = Number(m.clientMsgId ?? 0);
        const s = this.sends.get(id);
        if (id === 0 || !s || s.stage !== "inDoubt" || !this.isOwnNick(m.from)) return false;
        this.erase(id);
        return true;
    }

    // Every catch-up page has arrived: decides the rest of the sends in doubt.
    settle(): Settlement {
        const out: Settlement = { resend: [], failed: [] };
        for (const id of [...this.sends.keys()].sort((a, b) => a - b)) {
            const s = this.sends.get(id)!;
            if (s.stage !== "inDoubt") continue;
            if (s.frame.say) {
                s.stage = "queued";
                out.resend.push(id);
            } else {
                out.failed.push({ id, why: kUnknownFate });
                this.sends.delete(id);
            }
        }
        return out;
    }

    // Forgets every send; returns their ids, oldest first.
    clear(): number[] {
        const ids = [...this.sends.keys()].sort((a, b) => a - b);
        this.sends.clear();
        this.writtenCount = 0;
        return ids;
    }

    contains(id: number): boolean {
        return this.sends.has(id);
    }
    stage(id: number): Stage | undefined {
        return this.sends.get(id)?.stage;
    }
    frame(id: number): EnvelopeInit {
        const s = this.sends.get(id);
        if (!s) throw new Error(`no send ${id}`);
        return s.frame;
    }
    get size(): number {
        return this.sends.size;
    }
    get inDoubt(): number {
        let n = 0;
        for (const s of this.sends.values()) n += s.stage === "inDoubt" ? 1 : 0;
        return n;
    }
    // Sends written to the current connection and not yet answered.
    get writtenUnanswered(): number {
        return this.writtenCount;
    }

    private erase(id: number): void {
        if (this.sends.get(id)?.stage === "written") this.writtenCount -= 1;
        this.sends.delete(id);
    }
}
