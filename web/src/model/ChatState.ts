// Everything the page shows, without a DOM: the windows (status, rooms,
// private conversations, search results), their lines, unread counts and
// mentions, members and topics, the connection state, and our own lines
// from Enter to their echo. The web counterpart of hermes-tui's ChatModel:
// it consumes what the ClientSession reports, runs the slash commands, and
// bumps `version` whenever anything visible changed; ui/View.ts renders it.
//
// Time is passed in (clock.mono for deadlines, clock.wall for line times),
// so tests drive it.
import { v1 } from "../proto/codec";
import type { Envelope, EnvelopeInit } from "../proto/codec";
import type { ClientSession, SessionEvent } from "./ClientSession";
import { commandNames, helpFor, helpLines, parseCommand } from "./CommandParser";
import type { Command } from "./CommandParser";
import { FileTransfers } from "./FileTransfers";
import { Metrics } from "./Metrics";
import type { Download } from "./FileTransfers";
import { canonicalRoom, kDefaultMaxTextBytes, mentions, nickError, nickKey, roomError, sameNick, utf8Bytes } from "./names";
import { TypingBoard, TypingSender } from "./Typing";

export type WindowKind = "status" | "room" | "query" | "search";
export type LineKind = "text" | "action" | "notice" | "presence" | "error" | "info" | "gap";
export type SendState = "queued" | "sending" | "failed";

export interface Line {
    key: number; // unique and stable: the renderer's key
    kind: LineKind;
    timeMs: number;
    nick: string;
    text: string;
    seq: number;
    epoch: number;
    own: boolean;
    mention: boolean;
    room: string; // search hits: the room the hit is in
    hit: number; // search hits: its number for /context (from 1)
    pending: { id: number; state: SendState; why: string; frame: EnvelopeInit } | null;
    version: number; // bumped when the line changes
    // Replies, edits, deletes and reactions (docs/PROTOCOL.md section 8).
    replyTo: number; // the room seq this line answers (0: none)
    quote: string; // "nick: text" of that message, as edited
    edited: boolean;
    deleted: boolean;
    reactions: Reaction[]; // in the order first used
    // A FILE message's FileInfo (docs/PROTOCOL.md "Files"): a Download
    // button, and a snippet's preview under the line.
    file: v1.IFileInfo | null;
    // Private messages (docs/PROTOCOL.md "Private history"): delivered at
    // sign-in after waiting (`waited`), or our own echo of one that waits
    // for its offline recipient (`offline`).
    waited: boolean;
    offline: boolean;
}

// Who made a reaction: each member by its reactor (ChatMessage.reactor: an
// account, or one connection; the folded nick from an older hub), shown by
// the nick of its newest event.
export interface Reaction {
    text: string;
    nicks: string[];
    reactors: string[]; // parallel to nicks
}

const EDIT = v1.MessageKind.MESSAGE_KIND_EDIT;
const DELETE = v1.MessageKind.MESSAGE_KIND_DELETE;
const REACT = v1.MessageKind.MESSAGE_KIND_REACT;
const UNREACT = v1.MessageKind.MESSAGE_KIND_UNREACT;

// EDIT, DELETE, REACT, UNREACT: an event about a message, not a line.
export function isMessageEvent(kind: number | null | undefined): boolean {
    return kind === EDIT || kind === DELETE || kind === REACT || kind === UNREACT;
}

// "👍 2  🎉 1": the reactions with their counts; "" when none.
export function reactionSummary(line: Line): string {
    return line.reactions.map((r) => `${r.text} ${r.nicks.length}`).join("  ");
}

export function quoteOf(line: Line): string {
    return `${line.nick}: ${line.deleted ? "(deleted)" : line.text}`;
}

export interface Topic {
    text: string;
    setBy: string;
    timeMs: number;
}

export class ChatWindow {
    lines: Line[] = [];
    unread = 0;
    mentioned = false;
    readonly members = new Map<string, string>(); // nick key -> nick
    readonly away = new Set<string>(); // nick keys
    topic: Topic | null = null;
    joined = false;
    // Older history: "idle" (may load more on scroll), "loading", "done" (seq 1 reached).
    older: "idle" | "loading" | "done" = "idle";
    // Search windows: whether older hits exist (/search-more).
    searchMore = false;
    // A line to scroll to (/context), by seq.
    focusSeq = 0;
    readonly seqs = new Set<number>(); // seqs shown, for dedup (a query's: private_seqs)
    // Read markers (docs/PROTOCOL.md "Read markers"): the reader's marker as
    // the hub said it, and the newest seq this page asked to mark.
    readSeq = 0;
    markSent = 0;
    markSentAt = -Infinity;
    // A query: the highest private_seq seen (a live one at or below is a
    // redelivery), and whether its history was asked for yet.
    privateSeqMax = 0;
    privateOpened = false;
    constructor(
        readonly kind: WindowKind,
        public name: string, // room: canonical name; query: the other nick; status/search: fixed
    ) {}
    get key(): string {
        return windowKey(this.kind, this.name);
    }
    get title(): string {
        switch (this.kind) {
            case "status":
                return "Status";
            case "room":
                return `#${this.name}`;
            case "query":
                return this.name;
            case "search":
                return "Search";
        }
    }
    oldestSeq(): number {
        for (const l of this.lines) if (l.seq > 0) return l.seq;
        return 0;
    }
    newestSeq(): number {
        for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i]!.seq > 0) return this.lines[i]!.seq;
        return 0;
    }
    memberNicks(): string[] {
        return [...this.members.values()].sort((a, b) => (nickKey(a) < nickKey(b) ? -1 : nickKey(a) > nickKey(b) ? 1 : 0));
    }
}

export function windowKey(kind: WindowKind, name: string): string {
    return kind === "query" ? `query:${nickKey(name)}` : `${kind}:${name}`;
}

export type ConnState = "connecting" | "handshaking" | "nickPrompt" | "online" | "offline" | "failed" | "quit";

export interface Connection {
    state: ConnState;
    detail: string; // why offline / failed, the nick error, ...
    retryAt: number; // offline: when the next attempt starts (mono ms)
    attempt: number;
    catchingUp: boolean;
}

export interface Notification {
    title: string;
    body: string;
    window: string; // its key
}

export interface Clock {
    mono(): number;
    wall(): number;
}

export interface Storage {
    load(key: string): string | null;
    save(key: string, value: string): void;
}

// Lines kept per window; the oldest go first (scrolling up loads them again).
export const kScrollback = 5000;
// Messages asked for per "load older" step.
export const kOlderPage = 50;
// Around a /context hit: from seq - kContextBefore, kContextLimit of them.
export const kContextBefore = 10;
export const kContextLimit = 20;
// A window's read marker is moved at most this often (PROTOCOL.md: when the
// person has looked, not per message).
export const kMarkEveryMs = 2000;

const PK = v1.PresenceKind;
const EK = v1.ErrorCode;

export class ChatState {
    readonly windows: ChatWindow[] = [];
    activeKey = "status:";
    conn: Connection = { state: "connecting", detail: "", retryAt: 0, attempt: 1, catchingUp: false };
    nick: string;
    hubName = "";
    awayText = "";
    showMembers = true;
    showSeqs = false; // /seqs: each room line's number shown
    // Edits, deletes and reactions sent, by client_msg_id -> window key: a
    // refusal is said there (they have no pending line).
    private readonly eventSends = new Map<number, string>();
    maxTextBytes = kDefaultMaxTextBytes;
    historyPageMax = 200;
    version = 0; // bumped on every visible change
    notifications: Notification[] = [];

    private nextKey = 1;
    private readonly pending = new Map<number, string>(); // client_msg_id -> window key
    private readonly ignored: Set<string>;
    private readonly whoRequested = new Set<string>();
    private joinRequested = "";
    private welcomedOnce = false;
    private hubGoodbye = "";
    private readonly topicShown = new Map<string, string>();
    private readonly awayReplied = new Map<string, string>();
    private search = { room: "", query: "", before: 0, hits: [] as { room: string; seq: number }[] };
    private readonly contextWanted = new Map<string, number>(); // room -> seq
    // What the hub offers (Welcome) and who we are signed in as.
    account = "";
    hubTyping = false;
    hubReadMarkers = false;
    hubPrivateHistory = false;
    maxFileBytes = 0;
    private maxFrameBytes = 65536;
    // Typing notices: the person's setting (localStorage "hermes.typing").
    typingOn: boolean;
    readonly typing = new TypingBoard();
    private readonly typingSender = new TypingSender();
    readonly transfers = new FileTransfers();
    private downloadsToSave: Download[] = [];
    // A file being read and hashed before its FileOffer (the driver's,
    // main.ts): the transfer bar shows it, so a large one is not silent.
    reading: { name: string; read: number; size: number } | null = null;
    private pickFileWanted = false;
    readonly metrics = new Metrics(); // /metrics: the operators' panel
    // Markers of windows not open yet (a conversation's, from ReadMarkersRequest).
    private readonly markersAhead = new Map<string, number>();
    // Private history asked for, per peer (nick key), in the order asked:
    // the hub answers a connection's requests in order.
    private readonly privateAsks = new Map<string, ("probe" | "newest" | "older" | "catchUp")[]>();

    constructor(
        private readonly session: ClientSession,
        private readonly clock: Clock,
        private readonly storage: Storage | null = null,
    ) {
        this.nick = session.nick;
        this.windows.push(new ChatWindow("status", ""));
        this.ignored = new Set(JSON.parse(storage?.load("hermes.ignore") ?? "[]") as string[]);
        this.typingOn = storage?.load("hermes.typing") !== "off";
    }

    // ---- for the view ---------------------------------------------------------------

    get active(): ChatWindow {
        return this.find(this.activeKey) ?? this.windows[0]!;
    }
    find(key: string): ChatWindow | undefined {
        return this.windows.find((w) => w.key === key);
    }
    // Status, rooms, private conversations, search: the order of the sidebar and of /window n.
    ordered(): ChatWindow[] {
        const rank: Record<WindowKind, number> = { status: 0, room: 1, query: 2, search: 3 };
        return this.windows.map((w, i) => ({ w, i })).sort((a, b) => rank[a.w.kind] - rank[b.w.kind] || a.i - b.i).map((x) => x.w);
    }
    switchTo(key: string): void {
        const w = this.find(key);
        if (!w) return;
        this.activeKey = key;
        w.unread = 0;
        w.mentioned = false;
        if (w.kind === "query") this.openPrivate(w);
        this.changed();
    }
    takeNotifications(): Notification[] {
        const out = this.notifications;
        this.notifications = [];
        return out;
    }
    isIgnored(nick: string): boolean {
        return this.ignored.has(nickKey(nick));
    }
    // Nicks for Tab in the active window.
    completionNicks(): string[] {
        const w = this.active;
        const nicks = w.memberNicks();
        if (w.kind === "query") nicks.push(w.name);
        return nicks.filter((n) => !sameNick(n, this.nick));
    }
    commandNames(): string[] {
        return commandNames;
    }
    pendingCount(): number {
        let n = 0;
        for (const w of this.windows) for (const l of w.lines) if (l.pending && l.pending.state !== "failed") n++;
        return n;
    }
    failedCount(): number {
        let n = 0;
        for (const w of this.windows) for (const l of w.lines) if (l.pending?.state === "failed") n++;
        return n;
    }

    // ---- the session's events -------------------------------------------------------------

    onEvents(events: SessionEvent[]): void {
        for (const e of events) this.onEvent(e);
        this.conn.catchingUp = this.session.catchingUpNow;
        if (events.length > 0) this.changed();
    }

    private onEvent(e: SessionEvent): void {
        switch (e.kind) {
            case "connecting":
                this.conn = { ...this.conn, state: "connecting", attempt: e.attempt, retryAt: 0 };
                break;
            case "connected":
                this.conn = { ...this.conn, state: "handshaking" };
                this.hubGoodbye = "";
                break;
            case "welcomed":
                this.onWelcome(e.welcome, e.note, e.reconnect);
                // The panel's request, if one was in flight, went with the old connection.
                this.metrics.reset();
                if (this.metrics.open && !this.metrics.refused && this.metrics.ask(this.clock.mono())) this.send({ metricsRequest: {} });
                break;
            case "nickRejected":
                this.conn = { ...this.conn, state: "nickPrompt", detail: e.error.text ?? "that nick was refused" };
                break;
            case "envelope":
                this.onEnvelope(e.envelope, e.page);
                break;
            case "sendWritten":
                this.setPending(e.id, "sending", "");
                break;
            case "sendAcked":
                this.eventSends.delete(e.id);
                this.removePending(e.id);
                break;
            case "sendFailed": {
                const key = this.eventSends.get(e.id);
                if (key !== undefined) {
                    this.eventSends.delete(e.id);
                    const w = this.find(key) ?? this.windows[0]!;
                    this.note(w, "error", `Not done: ${e.text}`);
                    break;
                }
                this.setPending(e.id, "failed", e.text);
                break;
            }
            case "disconnected": {
                const why = this.hubGoodbye || e.text;
                this.transfers.connectionLost();
                this.typing.clear();
                this.typingSender.reset();
                this.privateAsks.clear();
                for (const w of this.windows) {
                    if (w.older === "loading") w.older = "idle";
                    w.markSent = 0;
                }
                this.conn = { ...this.conn, state: e.willRetry ? "offline" : "failed", detail: why };
                this.noteEverywhere("info", `Disconnected: ${why}${e.willRetry ? "; reconnecting" : ""}`);
                break;
            }
            case "reconnectScheduled":
                this.conn = { ...this.conn, state: this.conn.state === "quit" ? "quit" : "offline", retryAt: e.at, attempt: e.attempt + 1, detail: this.conn.detail || e.text };
                break;
            case "failed":
                if (this.conn.state !== "quit") this.conn = { ...this.conn, state: "failed", detail: e.text };
                break;
        }
    }

    private onWelcome(welcome: v1.Welcome, note: string, reconnect: boolean): void {
        this.nick = welcome.nick ?? this.nick;
        this.hubName = welcome.serverName ?? "";
        this.maxTextBytes = welcome.limits?.maxTextBytes || kDefaultMaxTextBytes;
        this.historyPageMax = welcome.limits?.historyPageMax || 200;
        this.account = welcome.account ?? "";
        this.hubTyping = !!welcome.typing;
        this.hubReadMarkers = !!welcome.readMarkers;
        this.hubPrivateHistory = !!welcome.privateHistory;
        this.maxFileBytes = Number(welcome.limits?.maxFileBytes ?? 0);
        this.maxFrameBytes = welcome.limits?.maxFrameBytes || 65536;
        this.conn = { state: "online", detail: "", retryAt: 0, attempt: 1, catchingUp: false };
        this.storage?.save("hermes.nick", this.nick);
        const status = this.windows[0]!;
        if (!this.welcomedOnce) {
            this.note(status, "info", `Connected to ${this.hubName || "the hub"} as ${this.nick}`);
            for (const line of (welcome.motd ?? "").split("\n")) if (line.trim()) this.note(status, "notice", line);
        } else {
            this.noteEverywhere("info", reconnect ? "Reconnected; catching up on what was said meanwhile" : "Connected");
        }
        if (note) {
            // Seqs start again from 1: old seqs are not duplicates of new ones.
            for (const w of this.windows) w.seqs.clear();
            this.noteEverywhere("info", note);
        }
        if (reconnect && this.awayText) this.send({ setAway: { text: this.awayText } });
        // Every marker of the account: private conversations' too (a room's
        // also comes after its Join).
        if (this.markersKept()) this.send({ readMarkersRequest: {} });
        // Open conversations catch up from the newest private_seq held, as rooms do.
        for (const w of this.windows) {
            if (w.kind !== "query" || !w.privateOpened) continue;
            if (!this.privateKept()) w.privateOpened = false;
            else if (w.privateSeqMax > 0) this.askPrivate(w, "catchUp", w.privateSeqMax, 0);
            else {
                w.privateOpened = false;
                this.openPrivate(w);
            }
        }
        for (const cut of this.transfers.resume()) {
            this.note(this.find(windowKey("room", cut.room)) ?? this.windows[0]!, "error", `Download of ${cut.name} failed: ${cut.why}`);
        }
        for (const cut of this.transfers.downloads) {
            if ((cut.state === "queued" || (cut.state === "receiving" && !cut.answered)) && cut.received > 0) this.note(this.find(windowKey("room", cut.room)) ?? this.windows[0]!, "info", `Resuming the download of ${cut.name} from byte ${cut.received} of ${cut.size}`);
        }
        this.sendTransferFrames();
        this.welcomedOnce = true;
    }

    private onEnvelope(env: Envelope, page: "backlog" | "catchUp" | "requested" | undefined): void {
        switch (env.body) {
            case "message":
                this.onMessage(env.message!, "live");
                break;
            case "historyPage":
                this.onHistoryPage(env.historyPage!, page ?? "requested");
                break;
            case "presence":
                this.onPresence(env.presence!);
                break;
            case "members":
                this.onMembers(env.members!);
                break;
            case "topic":
                this.onTopic(env.topic!);
                break;
            case "roomList": {
                const w = this.active;
                const rooms = env.roomList!.rooms ?? [];
                this.note(w, "info", `${rooms.length} room${rooms.length === 1 ? "" : "s"}:`);
                for (const r of rooms) this.note(w, "info", `#${r.name} (${r.members ?? 0})${r.topic ? ` ${r.topic}` : ""}`);
                break;
            }
            case "error":
                this.onError(env.error!);
                break;
            case "metricsReport":
                this.metrics.received(env.metricsReport!, this.clock.mono());
                this.changed();
                break;
            case "whoisReply":
                this.onWhois(env.whoisReply!);
                break;
            case "searchResults":
                this.onSearchResults(env.searchResults!);
                break;
            case "bye":
                this.hubGoodbye = env.bye!.text ? `the hub said goodbye: ${env.bye!.text}` : "";
                break;
            case "typingNotice":
                this.onTypingNotice(env.typingNotice!);
                break;
            case "readMarkers":
                this.onReadMarkers(env.readMarkers!);
                break;
            case "fileAccept":
                for (const f of this.transfers.accepted(env.fileAccept!, this.maxFrameBytes)) this.session.sendNow(f);
                break;
            case "fileProgress":
                for (const f of this.transfers.progress(env.fileProgress!)) this.session.sendNow(f);
                break;
            case "fileData": {
                const { result, d } = this.transfers.data(env.fileData!);
                if (d && result === "complete") this.downloadComplete(d);
                else if (d && d.state === "failed") {
                    this.note(this.find(windowKey("room", d.room)) ?? this.active, "error", `Download of ${d.name} failed: ${d.why}`);
                    this.changed();
                }
                this.sendTransferFrames();
                break;
            }
            default:
                break;
        }
    }

    // ---- messages -------------------------------------------------------------------------

    private onMessage(m: v1.IChatMessage, how: "live" | "backlog" | "catchUp" | "requested", into?: ChatWindow): void {
        const from = m.from ?? "";
        if (this.isIgnored(from) && !sameNick(from, this.nick)) return;
        // A private message from our account is ours whatever nick this
        // session goes by: the copy of what another session of the account
        // wrote (PROTOCOL.md "To the account, on every session": `from` the
        // account, client_msg_id 0) belongs with its `to`.
        const fromMe = sameNick(from, this.nick) || this.session.rooms.isOwnNick(from) || (!m.room && this.account !== "" && sameNick(from, this.account));
        if (!m.room && this.onAwayReply(m)) return;
        const w = into ?? (m.room ? this.roomWindow(m.room) : this.queryWindow(fromMe ? m.to ?? "" : from));
        const privateSeq = m.room ? 0 : Number(m.privateSeq ?? 0);
        const seq = m.room ? Number(m.seq ?? 0) : privateSeq;
        if (seq > 0) {
            if (w.seqs.has(seq)) return;
            // A live private message at or below the highest seen is the
            // hub's redelivery after a crash (PROTOCOL.md "Exactly once").
            if (privateSeq > 0 && how === "live" && privateSeq <= w.privateSeqMax) return;
            w.seqs.add(seq);
            if (privateSeq > w.privateSeqMax) w.privateSeqMax = privateSeq;
        }
        if (how === "live" && !fromMe && this.typing.messageFrom(w.key, from)) this.changed();
        if (m.kind === v1.MessageKind.MESSAGE_KIND_FILE && fromMe && Number(m.clientMsgId ?? 0) !== 0) this.transfers.announced(Number(m.clientMsgId));
        if (isMessageEvent(m.kind)) {
            if (m.room) this.foldEvent(w, m);
            return;
        }
        this.awayReplied.delete(nickKey(w.name));
        const kind: LineKind = m.kind === v1.MessageKind.MESSAGE_KIND_ACTION ? "action" : m.kind === v1.MessageKind.MESSAGE_KIND_NOTICE ? "notice" : "text";
        const mention = !fromMe && (!m.room || mentions(m.text ?? "", this.nick));
        // A shared file (docs/PROTOCOL.md "Files"): the hub's text with the
        // seq that names it (hermes-tui and hermes-cat fetch it by that seq);
        // this page does not download files yet.
        const text = m.kind === v1.MessageKind.MESSAGE_KIND_FILE && seq > 0 ? `#${seq} ${m.text ?? ""}` : m.text ?? "";
        const line = this.makeLine(kind, text, {
            nick: from,
            timeMs: Number(m.timeMs ?? 0),
            seq,
            epoch: Number(m.epoch ?? 0),
            own: fromMe,
            mention,
            file: m.kind === v1.MessageKind.MESSAGE_KIND_FILE && m.file ? m.file : null,
            waited: !!m.waited,
            offline: !!m.offline,
        });
        const replyTo = Number(m.replyTo ?? 0);
        if (replyTo > 0) {
            line.replyTo = replyTo;
            line.quote = this.quoteFor(w, replyTo);
        }
        this.insert(w, line);
        if (seq > 0 && this.contextWanted.get(w.name) === seq) {
            w.focusSeq = seq;
            this.contextWanted.delete(w.name);
        }
        const fresh = how === "live" || how === "catchUp";
        if (fresh && !fromMe && w.key !== this.activeKey && (seq === 0 || seq > w.readSeq)) {
            w.unread += 1;
            if (mention) w.mentioned = true;
        }
        if (how === "live" && mention) {
            this.notifications.push({
                title: m.room ? `${from} in #${m.room}` : `${from} (private message)`,
                body: kind === "action" ? `* ${from} ${m.text ?? ""}` : m.text ?? "",
                window: w.key,
            });
        }
    }

    private onAwayReply(m: v1.IChatMessage): boolean {
        if (m.kind !== v1.MessageKind.MESSAGE_KIND_NOTICE || !m.away || Number(m.clientMsgId ?? 0) !== 0) return false;
        const from = m.from ?? "";
        const w = this.queryWindow(from);
        this.setAwayNick(from, true);
        // A run of equal replies is shown once.
        if (this.awayReplied.get(nickKey(from)) !== m.away) {
            this.awayReplied.set(nickKey(from), m.away);
            this.note(w, "notice", `${from} is away: ${m.away}`);
        }
        return true;
    }

    private onHistoryPage(p: v1.IHistoryPage, how: "backlog" | "catchUp" | "requested"): void {
        if (p.peer) {
            this.onPrivatePage(p);
            return;
        }
        const room = p.room ?? "";
        const w = this.roomWindow(room);
        const messages = p.messages ?? [];
        if (p.gap) {
            const line = this.makeLine("gap", `messages ${p.gap.firstSeq}–${p.gap.lastSeq} are no longer kept by the hub`, {
                seq: Number(p.gap.lastSeq ?? 0),
            });
            // Not a message: its seq only places it. Not in seqs, not deduplicated.
            this.insert(w, line);
        }
        for (const m of messages) this.onMessage(m, how);
        if (how === "requested" && w.older === "loading") {
            const oldest = w.oldestSeq();
            w.older = oldest <= 1 || (messages.length === 0 && !p.gap) ? "done" : "idle";
        }
        if (how === "backlog" && messages.length > 0 && Number(messages[0]!.seq ?? 0) <= 1) w.older = "done";
    }

    // Older history for the window's room: the kOlderPage messages before the
    // oldest one shown (HistoryRequest takes seqs after after_seq).
    loadOlder(key: string): boolean {
        const w = this.find(key);
        if (!w || w.older !== "idle" || !this.session.welcomed) return false;
        if (w.kind === "query") return this.loadOlderPrivate(w);
        if (w.kind !== "room") return false;
        const oldest = w.oldestSeq();
        if (oldest === 1) {
            w.older = "done";
            this.changed();
            return false;
        }
        if (oldest === 0) return false; // nothing shown: the backlog or live lines come first
        const limit = Math.min(kOlderPage, this.historyPageMax, oldest - 1);
        w.older = "loading";
        this.send({ historyRequest: { room: w.name, afterSeq: oldest - 1 - limit, limit } });
        this.changed();
        return true;
    }

    // ---- typing ------------------------------------------------------------------------------

    // The person's setting: off stops sending and showing notices.
    setTyping(on: boolean): void {
        this.typingOn = on;
        this.storage?.save("hermes.typing", on ? "on" : "off");
        if (!on) {
            this.typing.clear();
            this.typingSender.reset();
        }
        this.changed();
    }

    // The input line of the active window changed (the person edited it).
    inputEdited(text: string): void {
        if (!this.typingOn || !this.hubTyping || !this.session.welcomed) return;
        const w = this.active;
        if (w.kind !== "room" && w.kind !== "query") return;
        if (w.kind === "room" && !w.joined) return;
        const frame = this.typingSender.edited(w.kind === "room" ? { room: w.name } : { to: w.name }, text, this.clock.mono());
        if (frame) this.session.sendNow({ typing: frame });
    }

    // "ana is typing…" for the active window ("" when nobody is, or typing is off).
    typingLine(): string {
        if (!this.typingOn) return "";
        return this.typing.line(this.active.key, this.clock.mono());
    }

    private onTypingNotice(n: v1.ITypingNotice): void {
        const from = n.from ?? "";
        if (!this.typingOn || !from || sameNick(from, this.nick) || this.isIgnored(from)) return;
        const key = n.room ? windowKey("room", n.room) : windowKey("query", from);
        if (n.room && !this.find(key)) return;
        this.typing.notice(key, from, !!n.stopped, Number(n.expiresMs ?? 0), this.clock.mono());
        this.changed();
    }

    // Time passed: lapsed typing notices go; a read marker held back by
    // the debounce may go now (the driver calls this about once a second).
    tick(focusedAndAtBottom: boolean): void {
        if (this.typing.expire(this.clock.mono())) this.changed();
        if (this.session.welcomed && this.metrics.due(this.clock.mono()) && this.metrics.ask(this.clock.mono())) this.send({ metricsRequest: {} });
        this.seen(focusedAndAtBottom);
    }

    // The operators' panel: shown at once, filled when the hub answers (or
    // refuses: only hub operators are answered).
    openMetrics(): void {
        if (this.metrics.show(this.clock.mono())) {
            if (this.session.welcomed) this.send({ metricsRequest: {} });
            else this.metrics.reset();
        }
        this.changed();
    }
    closeMetrics(): void {
        this.metrics.close();
        this.changed();
    }

    // ---- read markers ------------------------------------------------------------------------

    // Markers the hub keeps for the account, shared by its devices: only
    // then is a MarkRead worth a token (a session's own tell no one anything).
    markersKept(): boolean {
        return this.hubReadMarkers && this.account !== "" && this.session.welcomed;
    }

    // The page is focused and the active window's newest line is on screen:
    // mark it read (at most once per window every kMarkEveryMs, never backwards).
    seen(focusedAndAtBottom: boolean): void {
        const w = this.active;
        if (!focusedAndAtBottom) return;
        if (w.unread > 0 || w.mentioned) {
            w.unread = 0;
            w.mentioned = false;
            this.changed();
        }
        if (!this.markersKept() || (w.kind !== "room" && w.kind !== "query") || (w.kind === "room" && !w.joined)) return;
        const newest = w.kind === "room" ? this.newestMessageSeq(w) : w.privateSeqMax;
        if (newest <= w.readSeq || newest <= w.markSent) return;
        const now = this.clock.mono();
        if (now - w.markSentAt < kMarkEveryMs) return; // the next tick sends it
        w.markSent = newest;
        w.markSentAt = now;
        this.send({ markRead: w.kind === "room" ? { room: w.name, seq: newest } : { peer: nickKey(w.name), seq: newest } });
    }

    private newestMessageSeq(w: ChatWindow): number {
        for (let i = w.lines.length - 1; i >= 0; i--) {
            const l = w.lines[i]!;
            if (l.seq > 0 && !l.pending && l.kind !== "gap") return l.seq;
        }
        return 0;
    }

    private onReadMarkers(r: v1.IReadMarkers): void {
        for (const m of r.markers ?? []) {
            const key = m.room ? windowKey("room", m.room) : m.peer ? windowKey("query", m.peer) : "";
            const seq = Number(m.seq ?? 0);
            const w = key ? this.find(key) : undefined;
            if (!w) {
                // A conversation not open here yet: its window starts from it.
                if (key && seq > (this.markersAhead.get(key) ?? 0)) this.markersAhead.set(key, seq);
                continue;
            }
            if (seq <= w.readSeq) continue;
            w.readSeq = seq;
            this.countUnread(w);
        }
        this.changed();
    }

    // Unread from the marker: the others' messages above it that this page holds.
    private countUnread(w: ChatWindow): void {
        if (w.key === this.activeKey) return;
        let unread = 0;
        let mentioned = false;
        for (const l of w.lines) {
            if (l.seq <= w.readSeq || l.own || l.pending || (l.kind !== "text" && l.kind !== "action" && l.kind !== "notice")) continue;
            unread += 1;
            if (l.mention) mentioned = true;
        }
        w.unread = unread;
        w.mentioned = mentioned;
    }

    // ---- private conversations ----------------------------------------------------------------

    // The hub keeps this session's private conversations (signed in, and the hub keeps them).
    privateKept(): boolean {
        return this.hubPrivateHistory && this.account !== "" && this.session.welcomed;
    }

    // A conversation shown for the first time: its newest page. The hub
    // pages forwards (after_seq), so a first request of one message learns
    // the conversation's head_seq, and the newest kOlderPage follow.
    private openPrivate(w: ChatWindow): void {
        if (w.privateOpened || !this.privateKept()) return;
        w.privateOpened = true;
        this.askPrivate(w, "probe", 0, 1);
    }

    private askPrivate(w: ChatWindow, why: "probe" | "newest" | "older" | "catchUp", afterSeq: number, limit: number): void {
        const peer = nickKey(w.name);
        const asks = this.privateAsks.get(peer) ?? [];
        asks.push(why);
        this.privateAsks.set(peer, asks);
        this.send({ historyRequest: { peer: w.name, afterSeq, ...(limit > 0 ? { limit } : {}) } });
    }

    private loadOlderPrivate(w: ChatWindow): boolean {
        if (!this.privateKept() || !w.privateOpened) return false;
        const oldest = w.oldestSeq();
        if (oldest <= 1) {
            if (oldest === 1) w.older = "done";
            return false;
        }
        const limit = Math.min(kOlderPage, this.historyPageMax, oldest - 1);
        w.older = "loading";
        this.askPrivate(w, "older", oldest - 1 - limit, limit);
        this.changed();
        return true;
    }

    private onPrivatePage(p: v1.IHistoryPage): void {
        const peer = p.peer ?? "";
        const w = this.queryWindow(peer);
        const why = this.privateAsks.get(nickKey(peer))?.shift() ?? "older";
        const messages = p.messages ?? [];
        const head = Number(p.headSeq ?? 0);
        switch (why) {
            case "probe":
                if (head > 0) this.askPrivate(w, "newest", Math.max(0, head - kOlderPage), Math.min(kOlderPage, this.historyPageMax));
                else w.older = "done";
                return;
            case "newest":
            case "older":
                for (const m of messages) this.onMessage(m, "requested", w);
                w.older = w.oldestSeq() <= 1 || (why === "older" && messages.length === 0) ? "done" : "idle";
                return;
            case "catchUp": {
                for (const m of messages) this.onMessage(m, "catchUp", w);
                const last = messages.length > 0 ? Number(messages[messages.length - 1]!.privateSeq ?? 0) : 0;
                if (p.hasMore && last > 0) this.askPrivate(w, "catchUp", last, 0);
                return;
            }
        }
    }

    // ---- files ----------------------------------------------------------------------------------

    // Whether the active window takes a file (a joined room of a hub that keeps files).
    canShareFiles(): boolean {
        const w = this.active;
        return this.maxFileBytes > 0 && w.kind === "room" && w.joined;
    }

    // A file read and hashed by the driver, shared in the active room: its
    // FileOffer goes out; the FILE message the hub announces is its line.
    shareFile(name: string, mediaType: string, bytes: Uint8Array, sha256: string, preview = ""): string | null {
        const w = this.active;
        if (!this.canShareFiles()) return this.maxFileBytes > 0 ? "Files are shared in a room: switch to one" : "This hub keeps no files";
        if (bytes.length > this.maxFileBytes) return `${name} is ${bytes.length} bytes; the hub takes files up to ${this.maxFileBytes}`;
        const file: v1.IFileInfo = { name, size: bytes.length, mediaType, sha256, ...(preview ? { preview } : {}) };
        const id = this.session.nextId();
        this.send(this.transfers.offer(w.name, file, bytes, id));
        this.changed();
        return null;
    }

    // The Download button of a FILE line in window `key`.
    downloadFile(key: string, seq: number): void {
        const w = this.find(key);
        const line = w ? this.lineOf(w, seq) : undefined;
        if (!w || w.kind !== "room" || !line?.file) return;
        this.transfers.startDownload(w.name, seq, line.file);
        this.sendTransferFrames();
        this.changed();
    }

    cancelTransfer(key: number): void {
        const frame = this.transfers.cancel(key);
        if (frame) this.session.sendNow(frame);
        this.transfers.forget(key);
        this.sendTransferFrames();
        this.changed();
    }

    // Download FileRequests (paced, like any request) and FileCancels (at
    // once) that FileTransfers queued.
    private sendTransferFrames(): void {
        for (const f of this.transfers.takeFrames()) {
            if (f.fileRequest) this.send(f);
            else this.session.sendNow(f);
        }
    }

    dismissTransfer(key: number): void {
        this.transfers.forget(key);
        this.changed();
    }

    setReading(r: { name: string; read: number; size: number } | null): void {
        this.reading = r;
        this.changed();
    }

    // /upload asked for the file picker: the view opens it (once), still
    // inside the keystroke that sent the line, as browsers require.
    takePickFile(): boolean {
        const wanted = this.pickFileWanted;
        this.pickFileWanted = false;
        return wanted;
    }

    // The checked downloads for the driver to offer to save (each once).
    takeDownloadsToSave(): Download[] {
        return this.downloadsToSave.splice(0);
    }

    // The last FileData: the hash (kept as the chunks came) decides; a
    // mismatch is said and nothing is saved.
    private downloadComplete(d: Download): void {
        const ok = this.transfers.verify(d);
        const w = this.find(windowKey("room", d.room)) ?? this.active;
        this.note(w, ok ? "info" : "error", ok ? `Downloaded ${d.name} (${d.size} bytes, SHA-256 checked)` : `Download of ${d.name} failed: ${d.why}`);
        if (ok) this.downloadsToSave.push(d);
        this.changed();
    }

    // Which transfer a file Error is about (docs/PROTOCOL.md "Files"). The
    // hub's Error names no upload id and no hash, only client_msg_id and
    // room: every error about an offered upload (a refused offer, a bad
    // chunk, UPLOAD_TIMEOUT, FILE_HASH_MISMATCH, INTERNAL) carries the
    // offer's client_msg_id; an answer to a FileRequest never does (its
    // NO_SUCH_FILE, INVALID_FILE "offset beyond" / "downloads under way" /
    // bad sha256, FILES_DISABLED), nor does the end of a download whose file
    // was deleted. So without a client_msg_id only NO_SUCH_UPLOAD (a chunk
    // or cancel for an upload the hub no longer has) is an upload's; the
    // file codes are a download's: FileTransfers.downloadFor() says which
    // (the hash in the text, else the one FileRequest unanswered). A hub
    // that put the hash in Error would make that exact, text aside.
    private onTransferError(e: v1.IError): boolean {
        const id = Number(e.clientMsgId ?? 0);
        const text = e.text ?? "refused";
        const C = EK;
        const up =
            id !== 0
                ? this.transfers.refused(id, text)
                : e.code === C.ERROR_CODE_NO_SUCH_UPLOAD || e.code === C.ERROR_CODE_UPLOAD_TIMEOUT || e.code === C.ERROR_CODE_FILE_HASH_MISMATCH
                  ? this.transfers.refusedSending(text)
                  : null;
        if (up) {
            this.note(this.find(windowKey("room", up.room)) ?? this.active, "error", `Upload of ${up.file.name} failed: ${text}`);
            return true;
        }
        const d = this.transfers.downloadFor(text);
        // A FileRequest by seq in a room we are no longer in: the hub's
        // NOT_IN_ROOM / INVALID_ROOM names that room (no byte came yet).
        const roomRefused = (e.code === C.ERROR_CODE_NOT_IN_ROOM || e.code === C.ERROR_CODE_INVALID_ROOM) && !!d && d.received === 0 && e.room === d.room;
        const downloadCode = e.code === C.ERROR_CODE_NO_SUCH_FILE || e.code === C.ERROR_CODE_INVALID_FILE || e.code === C.ERROR_CODE_FILES_DISABLED || roomRefused;
        if (id === 0 && downloadCode && d && this.transfers.downloadRefused(d, text)) {
            this.note(this.find(windowKey("room", d.room)) ?? this.active, "error", `Download of ${d.name} failed: ${text}`);
            this.sendTransferFrames();
            this.changed();
            return true;
        }
        return false;
    }

    // ---- presence, members, topics ------------------------------------------------------------

    private onPresence(p: v1.IPresence): void {
        const nicks = p.nicks ?? [];
        const room = p.room ?? "";
        if (p.kind === PK.PRESENCE_KIND_AWAY || p.kind === PK.PRESENCE_KIND_BACK) {
            const away = p.kind === PK.PRESENCE_KIND_AWAY;
            if (!room) {
                this.awayText = away ? p.reason ?? "" : "";
                this.note(this.active, "info", away ? `You are marked away: ${this.awayText}` : "You are back");
                return;
            }
            const w = this.find(windowKey("room", room));
            if (!w) return;
            for (const n of nicks) (away ? w.away.add(nickKey(n)) : w.away.delete(nickKey(n)));
            this.note(w, "presence", `${nicks.join(", ")} ${away ? `is away${p.reason ? `: ${p.reason}` : ""}` : "is back"}`);
            return;
        }
        if (!room) {
            if (p.kind === PK.PRESENCE_KIND_NICK_CHANGED) {
                this.nick = p.newNick ?? this.nick;
                this.storage?.save("hermes.nick", this.nick);
                this.note(this.windows[0]!, "info", `You are now known as ${this.nick}`);
                if (this.activeKey !== "status:") this.note(this.active, "info", `You are now known as ${this.nick}`);
            }
            return;
        }
        const reason = p.reason ? ` (${p.reason})` : "";
        let w = this.find(windowKey("room", room));
        const mine = nicks.some((n) => sameNick(n, this.nick));
        switch (p.kind) {
            case PK.PRESENCE_KIND_JOINED: {
                if (!w && !mine) return;
                w = w ?? this.roomWindow(room);
                for (const n of nicks) w.members.set(nickKey(n), n);
                if (mine) w.joined = true;
                this.note(w, "presence", `${nicks.join(", ")} joined #${room}`);
                if (mine && (this.joinRequested === room || this.activeKey === "status:")) {
                    this.joinRequested = "";
                    this.switchTo(w.key);
                }
                break;
            }
            case PK.PRESENCE_KIND_LEFT:
            case PK.PRESENCE_KIND_QUIT:
                if (!w) return;
                if (p.kind === PK.PRESENCE_KIND_LEFT && mine) {
                    this.note(this.windows[0]!, "info", `You left #${room}`);
                    this.removeWindow(w);
                    return;
                }
                for (const n of nicks) {
                    w.members.delete(nickKey(n));
                    w.away.delete(nickKey(n));
                }
                this.note(w, "presence", `${nicks.join(", ")} ${p.kind === PK.PRESENCE_KIND_LEFT ? `left #${room}` : "quit"}${reason}`);
                break;
            case PK.PRESENCE_KIND_NICK_CHANGED: {
                if (!w || nicks.length === 0) return;
                const old = nicks[0]!;
                const now = p.newNick ?? "";
                w.members.delete(nickKey(old));
                w.members.set(nickKey(now), now);
                this.typing.renamed(old, now);
                if (w.away.delete(nickKey(old))) w.away.add(nickKey(now));
                const q = this.find(windowKey("query", old));
                if (q && !this.find(windowKey("query", now))) {
                    const key = q.key;
                    q.name = now;
                    if (this.activeKey === key) this.activeKey = q.key;
                }
                this.note(w, "presence", `${old} is now known as ${now}`);
                break;
            }
            case PK.PRESENCE_KIND_KICKED:
            case PK.PRESENCE_KIND_BANNED: {
                // What an operator did (docs/PROTOCOL.md "Moderation"): those named leave the room.
                const kicked = p.kind === PK.PRESENCE_KIND_KICKED;
                const by = p.by || "an operator";
                if (mine && w) {
                    this.note(this.windows[0]!, "info", `You were ${kicked ? "kicked" : "banned"} from #${room} by ${by}${reason}`);
                    this.removeWindow(w);
                    return;
                }
                if (!w) return;
                for (const n of nicks) {
                    w.members.delete(nickKey(n));
                    w.away.delete(nickKey(n));
                }
                this.note(w, "presence", `${nicks.join(", ")} was ${kicked ? "kicked" : "banned"} by ${by}${reason}`);
                break;
            }
            case PK.PRESENCE_KIND_UNBANNED:
            case PK.PRESENCE_KIND_MUTED:
            case PK.PRESENCE_KIND_UNMUTED:
            case PK.PRESENCE_KIND_OPPED:
            case PK.PRESENCE_KIND_DEOPPED:
            case PK.PRESENCE_KIND_MODE_CHANGED:
            case PK.PRESENCE_KIND_INVITED: {
                const by = p.by || "an operator";
                const who = nicks.join(", ");
                const text =
                    p.kind === PK.PRESENCE_KIND_UNBANNED ? `${who} was unbanned by ${by}${reason}`
                    : p.kind === PK.PRESENCE_KIND_MUTED ? `${who} was muted by ${by}${reason}`
                    : p.kind === PK.PRESENCE_KIND_UNMUTED ? `${who} was unmuted by ${by}${reason}`
                    : p.kind === PK.PRESENCE_KIND_OPPED ? `${by} made ${who} an operator${reason}`
                    : p.kind === PK.PRESENCE_KIND_DEOPPED ? `${by} took operator from ${who}${reason}`
                    : p.kind === PK.PRESENCE_KIND_MODE_CHANGED ? `${by} set #${room}: ${p.reason ?? ""}`
                    : mine ? `${by} invited you to #${room}`
                    : `${by} invited ${who}${reason}`;
                this.note(w ?? this.active, "presence", text);
                break;
            }
            default:
                break;
        }
    }

    // Shows or hides the member panel; shown in a room, it is filled with
    // the hub's list as it is now (in a large room the one got at join is a
    // sample, and silent members' comings and goings are not sent).
    toggleMembers(): void {
        this.showMembers = !this.showMembers;
        const w = this.active;
        if (this.showMembers && w.kind === "room" && w.joined) this.send({ who: { room: w.name } });
    }

    private onMembers(m: v1.IMemberList): void {
        const room = m.room ?? "";
        const nicks = m.nicks ?? [];
        const mine = nicks.some((n) => sameNick(n, this.nick));
        // On a join the MemberList comes first (then the topic, the backlog, our JOINED).
        const w = this.find(windowKey("room", room)) ?? (mine ? this.roomWindow(room) : undefined);
        if (w) {
            w.members.clear();
            for (const n of nicks) w.members.set(nickKey(n), n);
            w.away.clear();
            for (const n of m.away ?? []) w.away.add(nickKey(n));
            if (mine) w.joined = true;
            // A large room's join names a sample only, and its silent members'
            // presence is not sent (docs/HUB.md "Large rooms"): while the
            // member panel is shown, ask for the whole list (Who; not printed).
            if (m.partial && this.showMembers) this.send({ who: { room } });
        }
        if (this.whoRequested.delete(room)) {
            const awaySet = new Set((m.away ?? []).map(nickKey));
            const list = [...nicks].sort().map((n) => (awaySet.has(nickKey(n)) ? `${n} (away)` : n));
            this.note(w ?? this.active, "info", `#${room}: ${nicks.length} member${nicks.length === 1 ? "" : "s"}: ${list.join(", ")}`);
        }
    }

    private onTopic(t: v1.ITopic): void {
        const room = t.room ?? "";
        const w = this.find(windowKey("room", room));
        if (!w) return;
        w.topic = t.text ? { text: t.text, setBy: t.setBy ?? "", timeMs: Number(t.timeMs ?? 0) } : null;
        const shown = `${t.text ?? ""}\u0000${t.setBy ?? ""}\u0000${t.timeMs ?? 0}`;
        if (this.topicShown.get(room) !== shown) {
            this.topicShown.set(room, shown);
            this.note(w, "info", t.text ? `Topic${t.setBy ? ` (set by ${t.setBy})` : ""}: ${t.text}` : "No topic is set");
        }
    }

    private onError(e: v1.IError): void {
        if (e.fatal) {
            this.hubGoodbye = e.text ?? "";
            return;
        }
        if (this.onTransferError(e)) return;
        if (e.code === EK.ERROR_CODE_NOT_OPERATOR && this.metrics.takeRefusal(e.text ?? "")) {
            this.note(this.active, "error", e.text ?? "not an operator");
            return;
        }
        if (e.code === EK.ERROR_CODE_INVALID_ROOM && e.room && this.find(windowKey("room", e.room))?.older === "loading") {
            this.find(windowKey("room", e.room))!.older = "done";
        }
        const w = (e.room && this.find(windowKey("room", e.room))) || this.active;
        let text = e.text ?? "error";
        if (e.code === EK.ERROR_CODE_NICK_TAKEN || e.code === EK.ERROR_CODE_INVALID_NICK) text += " (choose another with /nick)";
        this.note(w, "error", text);
    }

    private onWhois(r: v1.IWhoisReply): void {
        const w = this.active;
        const idle = Math.round(Number(r.idleMs ?? 0) / 1000);
        const signedOn = new Date(Number(r.signedOnMs ?? 0)).toLocaleString();
        this.note(w, "info", `${r.nick}: in ${(r.rooms ?? []).map((x) => `#${x}`).join(", ") || "no rooms"}; signed on ${signedOn}; idle ${idle} s`);
        if (r.away) this.note(w, "info", `${r.nick} is away: ${r.away}`);
        if (r.clientName) this.note(w, "info", `${r.nick} uses ${r.clientName}`);
        this.setAwayNick(r.nick ?? "", !!r.away);
    }

    private setAwayNick(nick: string, away: boolean): void {
        for (const w of this.windows) {
            if (w.members.has(nickKey(nick))) (away ? w.away.add(nickKey(nick)) : w.away.delete(nickKey(nick)));
        }
    }

    // ---- search -----------------------------------------------------------------------------

    startSearch(room: string, words: string): void {
        const r = canonicalRoom(room);
        const err = roomError(r);
        if (err) {
            this.note(this.active, "error", `Not a room: ${err}`);
            return;
        }
        const w = this.searchWindow();
        w.lines = [];
        w.seqs.clear();
        this.search = { room: r, query: words, before: 0, hits: [] };
        w.searchMore = false;
        this.note(w, "info", `Searching #${r} for "${words}"…`);
        this.switchTo(w.key);
        this.send({ searchRequest: { room: r, query: words } });
    }

    searchMore(): void {
        const w = this.find("search:");
        if (!w || !w.searchMore) {
            this.note(this.active, "error", this.search.hits.length === 0 ? "No search to continue: /search <words>" : `No more results for "${this.search.query}"`);
            return;
        }
        w.searchMore = false;
        this.switchTo(w.key);
        this.send({ searchRequest: { room: this.search.room, query: this.search.query, beforeSeq: this.search.before } });
    }

    private onSearchResults(r: v1.ISearchResults): void {
        const w = this.searchWindow();
        const messages = r.messages ?? [];
        for (const m of messages) {
            this.search.hits.push({ room: m.room ?? "", seq: Number(m.seq ?? 0) });
            const line = this.makeLine(m.kind === v1.MessageKind.MESSAGE_KIND_ACTION ? "action" : "text", m.text ?? "", {
                nick: m.from ?? "",
                timeMs: Number(m.timeMs ?? 0),
                own: sameNick(m.from ?? "", this.nick),
                room: m.room ?? "",
                hit: this.search.hits.length,
            });
            this.append(w, line);
        }
        w.searchMore = !!r.hasMore && messages.length > 0;
        if (w.searchMore) this.search.before = Number(messages[messages.length - 1]!.seq ?? 0);
        this.note(w, "info", w.searchMore ? "More results: /search-more" : `End of results (${this.search.hits.length})`);
    }

    // A hit of the last search, in its room: scrolled to, loaded if not shown.
    showContext(n: number): void {
        const hit = this.search.hits[n - 1];
        if (!hit) {
            this.note(this.active, "error", this.search.hits.length === 0 ? "No search results: /search <words> first" : `No search hit ${n} (1-${this.search.hits.length})`);
            return;
        }
        const w = this.roomWindow(hit.room);
        this.switchTo(w.key);
        if (!w.joined) this.note(w, "info", `Not joined: history only; /join #${hit.room} to talk here`);
        if (w.seqs.has(hit.seq)) {
            w.focusSeq = hit.seq;
            this.changed();
            return;
        }
        this.contextWanted.set(hit.room, hit.seq);
        this.send({ historyRequest: { room: hit.room, afterSeq: Math.max(0, hit.seq - kContextBefore), limit: kContextLimit } });
    }

    // ---- the person's side -------------------------------------------------------------------

    // A nick typed in the nick form (first visit, or after NICK_TAKEN,
    // PASSWORD_REQUIRED, WRONG_PASSWORD), with the password of a registered
    // nick ("" for none; kept in memory only, for reconnects).
    chooseNick(nick: string, password?: string): string | null {
        const err = nickError(nick);
        if (err) return err;
        this.nick = nick;
        this.conn = { ...this.conn, state: "handshaking", detail: "" };
        this.session.retryNick(nick, this.clock.mono(), password);
        this.changed();
        return null;
    }

    // One line from the input. Returns false when the line must stay in the
    // input (too long for the hub): it is refused here, visibly.
    submitLine(line: string): boolean {
        const c = parseCommand(line);
        if ((c.kind === "say" || c.kind === "me" || c.kind === "msg" || (c.kind === "query" && c.hasText)) && utf8Bytes(c.text) > this.maxTextBytes) {
            this.note(this.active, "error", `line is ${utf8Bytes(c.text)} bytes; the hub takes at most ${this.maxTextBytes} — not sent`);
            return false;
        }
        this.run(c);
        this.changed();
        return true;
    }

    private run(c: Command): void {
        const w = this.active;
        const inRoom = w.kind === "room" && w.joined;
        switch (c.kind) {
            case "none":
                break;
            case "invalid":
                this.note(w, "error", c.error);
                break;
            case "say":
            case "me":
                this.sendText(c.text, c.kind === "me");
                break;
            case "join": {
                const room = canonicalRoom(c.arg);
                const err = roomError(c.arg);
                if (err) {
                    this.note(w, "error", `Not a room: ${err}`);
                    break;
                }
                const existing = this.find(windowKey("room", room));
                if (existing?.joined) this.switchTo(existing.key);
                else {
                    this.joinRequested = room;
                    this.send({ join: { room } });
                }
                break;
            }
            case "part":
                if (c.arg) this.send({ leave: { room: canonicalRoom(c.arg), reason: c.text } });
                else if (w.kind === "room") this.send({ leave: { room: w.name, reason: c.text } });
                else if (w.kind === "query" || w.kind === "search") this.removeWindow(w);
                else this.note(w, "error", "Not in a room: /part <room>");
                break;
            case "nick": {
                const err = nickError(c.arg);
                if (err) this.note(w, "error", `Not a nick: ${err}`);
                else this.send({ setNick: { nick: c.arg } });
                break;
            }
            case "msg":
            case "query": {
                const err = nickError(c.arg);
                if (err) {
                    this.note(w, "error", `Not a nick: ${err}`);
                    break;
                }
                const q = this.queryWindow(c.arg);
                this.switchTo(q.key);
                if (c.hasText) this.sendLine(q, c.text, false);
                break;
            }
            case "who": {
                const room = c.arg ? canonicalRoom(c.arg) : w.kind === "room" ? w.name : "";
                if (!room) this.note(w, "error", "Not in a room: /who <room>");
                else {
                    this.whoRequested.add(room);
                    this.send({ who: { room } });
                }
                break;
            }
            case "rooms":
                this.send({ roomListRequest: {} });
                break;
            case "topic":
                if (w.kind !== "room") this.note(w, "error", "Not in a room: /topic works in a room window");
                else if (c.hasText) this.send({ topic: { room: w.name, text: c.text } });
                else this.note(w, "info", w.topic ? `Topic: ${w.topic.text}` : "No topic is set");
                break;
            case "clear":
                w.lines = w.lines.filter((l) => l.pending !== null && l.pending.state !== "failed");
                for (const [id, key] of this.pending) if (key === w.key && !w.lines.some((l) => l.pending?.id === id)) this.pending.delete(id);
                w.older = "idle";
                break;
            case "close":
                this.closeWindow(w);
                break;
            case "help":
                for (const h of c.arg ? helpFor(c.arg) ?? [] : helpLines()) this.note(w, "notice", h);
                break;
            case "quit":
                this.session.stop(c.text || "leaving", this.clock.mono());
                this.conn = { ...this.conn, state: "quit", detail: "you quit; reload the page to come back" };
                this.noteEverywhere("info", "You left Hermes. Reload the page to come back.");
                break;
            case "window": {
                const list = this.ordered();
                if (c.number > list.length) this.note(w, "error", `No window ${c.number}`);
                else this.switchTo(list[c.number - 1]!.key);
                break;
            }
            case "members":
                this.toggleMembers();
                break;
            case "search": {
                const room = c.arg ? c.arg : w.kind === "room" ? w.name : "";
                if (!room) this.note(w, "error", "Not in a room: /search #room <words>");
                else this.startSearch(room, c.text);
                break;
            }
            case "searchMore":
                this.searchMore();
                break;
            case "context":
                this.showContext(c.number);
                break;
            case "ignore":
                if (!c.arg) this.note(w, "info", this.ignored.size ? `Ignoring: ${[...this.ignored].sort().join(", ")}` : "Ignoring nobody");
                else {
                    this.ignored.add(nickKey(c.arg));
                    this.saveIgnored();
                    this.note(w, "info", `Ignoring ${c.arg} (/unignore ${c.arg} to undo)`);
                }
                break;
            case "unignore":
                if (this.ignored.delete(nickKey(c.arg))) {
                    this.saveIgnored();
                    this.note(w, "info", `No longer ignoring ${c.arg}`);
                } else this.note(w, "error", `${c.arg} is not ignored`);
                break;
            case "whois":
                this.send({ whoisRequest: { nick: c.arg } });
                break;
            case "away":
                this.send({ setAway: { text: c.text } });
                break;
            case "retry":
                this.retryFailed(w);
                break;
            case "reply":
            case "edit":
            case "delete":
            case "react":
            case "unreact":
                this.messageCommand(w, c);
                break;
            case "metrics":
                this.openMetrics();
                break;
            case "upload":
                if (!this.canShareFiles()) this.note(w, "error", this.maxFileBytes > 0 ? "Files are shared in a room: /upload in one" : "This hub keeps no files");
                else this.pickFileWanted = true;
                break;
            case "download":
                if (w.kind !== "room") this.note(w, "error", "Files are in rooms: /download N in the room of message #N");
                else if (!this.lineOf(w, c.number)?.file) this.note(w, "error", `No file #${c.number} shown here`);
                else this.downloadFile(w.key, c.number);
                break;
            case "seqs":
                this.showSeqs = !this.showSeqs;
                for (const x of this.windows) for (const l of x.lines) if (l.seq > 0) l.version += 1;
                this.note(w, "info", this.showSeqs ? "Message numbers shown: /reply N, /edit N, /react N; /seqs hides them" : "Message numbers hidden");
                break;
        }
        void inRoom;
    }

    private sendText(text: string, action: boolean): void {
        const w = this.active;
        if (w.kind === "status") this.note(w, "error", "This is the status window: /join a room first, or /help.");
        else if (w.kind === "search") this.note(w, "error", "This window shows search results: switch to a room to talk.");
        else this.sendLine(w, text, action);
    }

    // Our own line, shown at once as pending (queued, then sending) until its
    // echo takes its place in the room's order, or marked failed.
    private sendLine(w: ChatWindow, text: string, action: boolean, replyTo = 0): void {
        const now = this.clock.mono();
        const frame: EnvelopeInit =
            w.kind === "room"
                ? { say: { room: w.name, text, kind: action ? 1 : 0, ...(replyTo > 0 ? { replyTo } : {}) } }
                : { privateMessage: { to: w.name, text, kind: action ? 1 : 0 } };
        const id =
            w.kind !== "room"
                ? this.session.privateMessage(w.name, text, action, now)
                : replyTo > 0
                  ? this.session.sayWith(frame.say!, now)
                  : this.session.say(w.name, text, action, now);
        const line = this.makeLine(action ? "action" : "text", text, { nick: this.nick, own: true, timeMs: this.clock.wall() });
        if (replyTo > 0) Object.assign(line, { replyTo, quote: this.quoteFor(w, replyTo) });
        line.pending = { id, state: "queued", why: "", frame };
        this.typingSender.sent(w.kind === "room" ? { room: w.name } : { to: w.name });
        this.pending.set(id, w.key);
        this.append(w, line);
        // The session may already have written it (or failed it): its events follow.
        this.onEvents(this.session.takeEvents());
    }

    // /retry, or the Retry button of one line (`id`): failed lines go again, oldest first.
    retryFailed(w: ChatWindow, id = 0): void {
        const failed = w.lines.filter((l) => l.pending?.state === "failed" && (id === 0 || l.pending.id === id));
        if (failed.length === 0) {
            this.note(w, "info", "Nothing to send again here");
            return;
        }
        w.lines = w.lines.filter((l) => !failed.includes(l));
        for (const l of failed) {
            this.pending.delete(l.pending!.id);
            const p = l.pending!.frame;
            const target = p.say ? this.roomWindow(p.say.room ?? "") : this.queryWindow(p.privateMessage?.to ?? "");
            const text = p.say?.text ?? p.privateMessage?.text ?? "";
            const action = (p.say?.kind ?? p.privateMessage?.kind) === 1;
            this.sendLine(target, text, action, Number(p.say?.replyTo ?? 0));
        }
        this.changed();
    }

    private setPending(id: number, state: SendState, why: string): void {
        const key = this.pending.get(id);
        const line = key ? this.find(key)?.lines.find((l) => l.pending?.id === id) : undefined;
        if (!line || !line.pending) return;
        if (line.pending.state === "failed" && state !== "failed") return;
        line.pending.state = state;
        line.pending.why = why;
        line.version += 1;
    }

    private removePending(id: number): void {
        const key = this.pending.get(id);
        this.pending.delete(id);
        const w = key ? this.find(key) : undefined;
        if (w) w.lines = w.lines.filter((l) => l.pending?.id !== id);
    }

    private closeWindow(w: ChatWindow): void {
        switch (w.kind) {
            case "status":
                this.note(w, "error", "The status window stays open; /quit leaves Hermes.");
                break;
            case "room":
                if (w.joined) {
                    this.note(w, "info", `Closing #${w.name}: parting the room.`);
                    this.send({ leave: { room: w.name } });
                } else this.removeWindow(w);
                break;
            default:
                this.removeWindow(w);
                break;
        }
    }

    private saveIgnored(): void {
        this.storage?.save("hermes.ignore", JSON.stringify([...this.ignored].sort()));
    }

    // ---- windows and lines ----------------------------------------------------------------------

    private send(frame: EnvelopeInit): void {
        this.session.send(frame, this.clock.mono());
    }

    roomWindow(room: string): ChatWindow {
        return this.find(windowKey("room", room)) ?? this.addWindow(new ChatWindow("room", room));
    }
    queryWindow(nick: string): ChatWindow {
        return this.find(windowKey("query", nick)) ?? this.addWindow(new ChatWindow("query", nick));
    }
    private searchWindow(): ChatWindow {
        return this.find("search:") ?? this.addWindow(new ChatWindow("search", ""));
    }
    private addWindow(w: ChatWindow): ChatWindow {
        w.readSeq = this.markersAhead.get(w.key) ?? 0;
        this.markersAhead.delete(w.key);
        this.windows.push(w);
        this.changed();
        return w;
    }
    private removeWindow(w: ChatWindow): void {
        if (w.kind === "status") return;
        const i = this.windows.indexOf(w);
        if (i < 0) return;
        for (const l of w.lines) if (l.pending) this.pending.delete(l.pending.id);
        this.windows.splice(i, 1);
        if (this.activeKey === w.key) this.activeKey = "status:";
        this.changed();
    }

    // ---- replies, edits, deletes and reactions ---------------------------------------------

    // The newest line of `w` with room seq `seq` (hub lines only).
    private lineOf(w: ChatWindow, seq: number): Line | undefined {
        for (let i = w.lines.length - 1; i >= 0; i--) {
            const l = w.lines[i]!;
            if (!l.pending && l.seq === seq) return l;
        }
        return undefined;
    }

    private quoteFor(w: ChatWindow, seq: number): string {
        const target = this.lineOf(w, seq);
        return target ? quoteOf(target) : `message ${seq}`;
    }

    // An EDIT, DELETE, REACT or UNREACT, folded into the line it names (if
    // shown); idempotent, so a repeated page does no harm.
    private foldEvent(w: ChatWindow, m: v1.IChatMessage): void {
        const line = this.lineOf(w, Number(m.targetSeq ?? 0));
        if (!line) return;
        const from = m.from ?? "";
        const reaction = m.reaction ?? "";
        const reactor = m.reactor ? m.reactor : nickKey(from);
        switch (m.kind) {
            case EDIT:
                line.text = m.text ?? "";
                line.edited = true;
                break;
            case DELETE:
                line.deleted = true;
                line.reactions = [];
                break;
            case REACT: {
                let r = line.reactions.find((x) => x.text === reaction);
                if (!r) line.reactions.push((r = { text: reaction, nicks: [], reactors: [] }));
                const at = r.reactors.indexOf(reactor);
                if (at < 0) {
                    r.reactors.push(reactor);
                    r.nicks.push(from);
                } else {
                    r.nicks[at] = from;
                }
                break;
            }
            default:
                for (const r of line.reactions) {
                    const at = r.text === reaction ? r.reactors.indexOf(reactor) : -1;
                    if (at >= 0) {
                        r.reactors.splice(at, 1);
                        r.nicks.splice(at, 1);
                    }
                }
                line.reactions = line.reactions.filter((r) => r.nicks.length > 0);
                break;
        }
        line.version += 1;
        if (m.kind === EDIT || m.kind === DELETE) {
            for (const l of w.lines) {
                if (l.replyTo === line.seq) {
                    l.quote = quoteOf(line);
                    l.version += 1;
                }
            }
        }
        this.changed();
    }

    // /reply, /edit, /delete, /react, /unreact in a room. Without a seq,
    // /reply and /react take the newest message from someone else, /unreact
    // the newest carrying our reaction. The hub checks the rest.
    private messageCommand(w: ChatWindow, c: Command): void {
        if (w.kind !== "room") {
            this.note(w, "error", "Replies, edits and reactions are for a room's messages.");
            return;
        }
        let seq = c.seq;
        if (seq === 0) {
            const message = (l: Line) => l.seq > 0 && !l.pending && !l.deleted && (l.kind === "text" || l.kind === "action");
            const mine = (n: string) => sameNick(n, this.nick);
            const found = [...w.lines]
                .reverse()
                .find((l) => (c.kind === "unreact" ? l.reactions.some((r) => r.text === c.text && r.nicks.some(mine)) : message(l) && !l.own && !mine(l.nick)));
            if (!found) {
                this.note(w, "error", c.kind === "unreact" ? `No message here carries your ${c.text}; give its number: /seqs` : "No message from someone else here; give its number: /seqs");
                return;
            }
            seq = found.seq;
        }
        if (c.kind === "reply") {
            this.sendLine(w, c.text, false, seq);
            return;
        }
        const kind = c.kind === "edit" ? EDIT : c.kind === "delete" ? DELETE : c.kind === "react" ? REACT : UNREACT;
        const id = this.session.sayWith({ room: w.name, kind, targetSeq: seq, text: c.text }, this.clock.mono());
        this.eventSends.set(id, w.key);
        this.onEvents(this.session.takeEvents());
    }

    private makeLine(kind: LineKind, text: string, fields: Partial<Line> = {}): Line {
        return {
            key: this.nextKey++,
            kind,
            timeMs: this.clock.wall(),
            nick: "",
            text,
            seq: 0,
            epoch: 0,
            own: false,
            mention: false,
            room: "",
            hit: 0,
            pending: null,
            version: 0,
            replyTo: 0,
            quote: "",
            edited: false,
            deleted: false,
            reactions: [],
            file: null,
            waited: false,
            offline: false,
            ...fields,
        };
    }

    // A line of the page's own in the active window (a file not shared, ...).
    noteActive(kind: LineKind, text: string): void {
        this.note(this.active, kind, text);
        this.changed();
    }

    private note(w: ChatWindow, kind: LineKind, text: string): void {
        this.append(w, this.makeLine(kind, text));
    }

    private noteEverywhere(kind: LineKind, text: string): void {
        this.note(this.windows[0]!, kind, text);
        if (this.activeKey !== "status:") this.note(this.active, kind, text);
    }

    // At the end, before our own lines still on their way.
    private append(w: ChatWindow, line: Line): void {
        let pos = w.lines.length;
        if (!line.pending) while (pos > 0 && w.lines[pos - 1]!.pending) pos--;
        w.lines.splice(pos, 0, line);
        this.trim(w);
        this.changed();
    }

    // A message in seq order: before the first line with a higher seq, else
    // at the end (before pending lines).
    private insert(w: ChatWindow, line: Line): void {
        if (line.seq > 0 && w.newestSeq() > line.seq) {
            const pos = w.lines.findIndex((l) => l.seq > line.seq);
            w.lines.splice(pos, 0, line);
            this.trim(w);
            this.changed();
            return;
        }
        this.append(w, line);
    }

    private trim(w: ChatWindow): void {
        if (w.lines.length <= kScrollback) return;
        const drop = w.lines.splice(0, w.lines.length - kScrollback);
        for (const l of drop) if (l.seq > 0) w.seqs.delete(l.seq);
        if (w.older === "done") w.older = "idle";
    }

    private changed(): void {
        this.version += 1;
    }
}
