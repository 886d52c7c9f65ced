// Typing notices (docs/PROTOCOL.md "Typing"), both ways, without a DOM or a
// socket: TypingSender decides when the page sends Typing for what the
// person types; TypingBoard keeps who is typing where, as the hub relayed it,
// and says it in one line ("ana is typing…"). Both are owned by ChatState and
// run on the page's one thread; times are monotonic milliseconds.

import { nickKey } from "./names";

// At most one Typing per room or nick this often (the protocol's rule).
export const kTypingEveryMs = 3000;
// A notice lapses this long after it arrives when the hub gives no expires_ms.
export const kTypingExpiresMs = 6000;

export type TypingFrame = { room?: string; to?: string; stopped?: boolean };

// What to send for the input line: a Typing on the first edit and then at
// most every kTypingEveryMs while the line has text and is edited; a
// `stopped` when the line is cleared after a notice went out. Never for a
// command (a line starting with "/").
export class TypingSender {
    private readonly lastSent = new Map<string, number>(); // target key -> when

    // The input line of `target` changed to `text`: the frame to send, or null.
    edited(target: { room?: string; to?: string }, text: string, now: number): TypingFrame | null {
        const key = target.room !== undefined ? `room:${target.room}` : `to:${nickKey(target.to ?? "")}`;
        const last = this.lastSent.get(key);
        if (text.trim() === "" || text.startsWith("/")) {
            if (last === undefined) return null;
            this.lastSent.delete(key);
            // A notice still standing at the others' end: end it now.
            return now - last < kTypingExpiresMs ? { ...target, stopped: true } : null;
        }
        if (last !== undefined && now - last < kTypingEveryMs) return null;
        this.lastSent.set(key, now);
        return { ...target };
    }

    // The line was sent: the message itself ends the notice at the others'
    // end, and the next keystroke may send a new one at once.
    sent(target: { room?: string; to?: string }): void {
        this.lastSent.delete(target.room !== undefined ? `room:${target.room}` : `to:${nickKey(target.to ?? "")}`);
    }

    reset(): void {
        this.lastSent.clear();
    }
}

interface Typist {
    nick: string;
    until: number;
}

// Who is typing, per window key ("room:x", "query:nick"), each until their
// notice lapses, a `stopped` notice, or a message from them there.
export class TypingBoard {
    private readonly windows = new Map<string, Map<string, Typist>>();

    notice(windowKey: string, nick: string, stopped: boolean, expiresMs: number, now: number): void {
        const who = nickKey(nick);
        if (stopped) {
            this.drop(windowKey, who);
            return;
        }
        let w = this.windows.get(windowKey);
        if (!w) this.windows.set(windowKey, (w = new Map()));
        w.delete(who); // the newest notice last: the order names are said in
        w.set(who, { nick, until: now + (expiresMs > 0 ? expiresMs : kTypingExpiresMs) });
    }

    // A message from `nick` arrived in the window: not typing any more.
    messageFrom(windowKey: string, nick: string): boolean {
        return this.drop(windowKey, nickKey(nick));
    }

    // Drops the lapsed notices; true if any was.
    expire(now: number): boolean {
        let changed = false;
        for (const [key, w] of this.windows) {
            for (const [who, t] of w) {
                if (t.until <= now) {
                    w.delete(who);
                    changed = true;
                }
            }
            if (w.size === 0) this.windows.delete(key);
        }
        return changed;
    }

    // When the next notice lapses (null: none standing).
    nextExpiry(): number | null {
        let at: number | null = null;
        for (const w of this.windows.values()) for (const t of w.values()) if (at === null || t.until < at) at = t.until;
        return at;
    }

    typists(windowKey: string, now: number): string[] {
        const w = this.windows.get(windowKey);
        if (!w) return [];
        return [...w.values()].filter((t) => t.until > now).map((t) => t.nick);
    }

    // "ana is typing…", "ana and bob are typing…", "ana, bob and carol are
    // typing…", "several people are typing…"; "" when nobody is.
    line(windowKey: string, now: number): string {
        const nicks = this.typists(windowKey, now);
        switch (nicks.length) {
            case 0:
                return "";
            case 1:
                return `${nicks[0]} is typing…`;
            case 2:
                return `${nicks[0]} and ${nicks[1]} are typing…`;
            case 3:
                return `${nicks[0]}, ${nicks[1]} and ${nicks[2]} are typing…`;
            default:
                return "several people are typing…";
        }
    }

    // A nick changed: its notices follow it.
    renamed(oldNick: string, newNick: string): void {
        for (const w of this.windows.values()) {
            const t = w.get(nickKey(oldNick));
            if (!t) continue;
            w.delete(nickKey(oldNick));
            w.set(nickKey(newNick), { nick: newNick, until: t.until });
        }
    }

    clear(): void {
        this.windows.clear();
    }

    private drop(windowKey: string, who: string): boolean {
        const w = this.windows.get(windowKey);
        if (!w || !w.delete(who)) return false;
        if (w.size === 0) this.windows.delete(windowKey);
        return true;
    }
}
