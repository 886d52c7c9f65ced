// The client side of Hermes without sockets or timers, for the page: fed
// what happens to the WebSocket and the time, it keeps the protocol's state
// and says what to write, when to connect and what to tell the page. A port
// of libhermes's client/ClientSession (the rules of docs/PROTOCOL.md sections
// 4 and 8-11), tested without a browser in tests/unit/.
//
//   the driver (net/HubConnection.ts)        ClientSession
//   ---------------------------------        -------------
//   want() === "connect": opens a socket ->  connecting(now)
//   the socket opened / never did       ->  connected(now) / connectFailed(why, now)
//   a binary message (one Envelope)     ->  received(bytes, now)
//   the socket closed                   ->  disconnected(why, now)
//   time passed (nextDeadline())        ->  tick(now)
//   the page's frames                   ->  say(), privateMessage(), send()
//   the page quits                      ->  stop(quitMessage, now)
//                                       <-  want(), nextDeadline()
//                                       <-  takeOutput(): messages to send now, in order
//                                       <-  takeEvents(): what to tell the page
//
// Its parts, as in libhermes:
// - the handshake: Hello, Welcome, a nick the hub refused and retryNick();
// - RoomTracker: rooms joined, the hub's epoch, per-room seq cursors, dedup;
// - the catch-up after a reconnect: each room is rejoined with skip_backlog
//   and paged through HistoryRequest from its cursor, following has_more.
//   Until every room has caught up the page's frames wait, so lines go out in
//   the order they were typed; then the sends in doubt are settled;
// - SendTracker: every say and private message from say() to its own live
//   echo (sendAcked) or its end (sendFailed); STORE_BEHIND is sent again;
// - pacing to Welcome.limits with a TokenBucket (the Hello took one token; at
//   most rate_burst says written ahead of their echoes); Hello, Ping, Pong and
//   Bye are never held back;
// - liveness: the handshake timeout, idle pings, the reconnect backoff.
//
// Times are milliseconds of a monotonic clock (performance.now()).
import { bodyOf, decodeEnvelope, encodeEnvelope, v1 } from "../proto/codec";
import type { Envelope, EnvelopeInit } from "../proto/codec";
import { ClientIds } from "./ClientIds";
import { ReconnectBackoff } from "./ReconnectBackoff";
import { RoomTracker } from "./RoomTracker";
import { SendTracker } from "./SendTracker";
import { TokenBucket } from "./TokenBucket";

export type Want =
    | "connect" // open a connection now: connecting(), then connected() or connectFailed()
    | "wait" // nothing to do until nextDeadline() (a reconnect delay, a connect under way)
    | "talk" // connected: read, send takeOutput(), tick at nextDeadline()
    | "drop" // close the connection now (a timeout, a bad frame), then disconnected()
    | "close" // stop(): send takeOutput(), then close, then disconnected()
    | "finished"; // nothing more will happen

export type SessionEvent =
    | { kind: "connecting"; attempt: number }
    | { kind: "connected" }
    | { kind: "welcomed"; welcome: v1.Welcome; note: string; reconnect: boolean }
    | { kind: "nickRejected"; error: v1.Error }
    // page: for a HistoryPage, who asked for it (the join's backlog, the
    // session's own catch-up after a reconnect, or the page's send()).
    | { kind: "envelope"; envelope: Envelope; page?: "backlog" | "catchUp" | "requested" }
    | { kind: "sendWritten"; id: number }
    | { kind: "sendAcked"; id: number }
    | { kind: "sendFailed"; id: number; text: string; error?: v1.Error }
    | { kind: "disconnected"; text: string; willRetry: boolean }
    | { kind: "reconnectScheduled"; delayMs: number; at: number; attempt: number; text: string }
    | { kind: "failed"; text: string };

export interface SessionOptions {
    nick: string;
    clientName?: string;
    idBase: number; // client_msg_ids are idBase + 1, + 2, ... (ClientIds.ts)
    handshakeTimeoutMs?: number;
    idlePingMs?: number; // 0: no idle pings
    autoReconnect?: boolean;
    backoffInitialMs?: number;
    backoffMaxMs?: number;
    random?: () => number; // for the reconnect jitter
    password?: string; // a registered nick's (docs/PROTOCOL.md "Accounts"); "": none
}

type State = "idle" | "waiting" | "connecting" | "handshaking" | "welcomed" | "closing" | "finished";

interface Queued {
    frame: EnvelopeInit;
    trackedId: number; // 0: not a say or private message
}

const K = v1.ErrorCode;

export class ClientSession {
    // Bytes the transport may hold unsent before no more paced frames go out.
    static readonly kMaxWriteBufferBytes = 256 * 1024;
    // A say refused with STORE_BEHIND goes again after this long, doubling, this often.
    static readonly kStoreBehindRetryMs = 500;
    static readonly kStoreBehindRetries = 6;
    // Says written and not yet echoed when the hub sets no rate (else its rate_burst).
    static readonly kUnlimitedUnechoedWindow = 256;
    // How long stop() lets the Bye go out before the socket is closed anyway.
    static readonly kStopLingerMs = 500;

    private readonly opts: Required<SessionOptions>;
    private state: State = "idle";
    private nickNow: string;
    private readonly ids: ClientIds;
    private readonly backoff: ReconnectBackoff;
    private retryAt = 0;
    private connections = 0;

    // The current connection.
    private out: Uint8Array[] = [];
    private transportBuffered = 0;
    private ended = false;
    private endReason = "";
    private hubSaid = "";
    private mayRetry = true;
    private nickRejected = false;
    private helloAt = 0;
    private lastHeard = 0;
    private pingAt = 0;
    private pingOutstanding = false;
    private pingNonce = 0;
    private closeBy = 0;
    private idlePingMs: number;

    private readonly roomsTracked = new RoomTracker();
    private readonly sends = new SendTracker();
    private pacer = TokenBucket.unlimited();
    private paceAt: number | null = null;
    private unechoedWindow = ClientSession.kUnlimitedUnechoedWindow;
    private internal: Queued[] = []; // rejoins and catch-up requests: before queue
    private queue: Queued[] = []; // the page's frames, in order
    // Per room, who asked for each outstanding non-backlog HistoryPage, in
    // order (true: the catch-up). The hub answers a connection's requests in order.
    private historyOrigins = new Map<string, boolean[]>();
    private catchingUp = new Set<string>();
    private settleDue = false;
    private storeRetries: { at: number; id: number }[] = [];
    private storeRefusals = new Map<number, number>();
    private events: SessionEvent[] = [];

    constructor(options: SessionOptions) {
        this.opts = {
            clientName: "hermes-web 0.1",
            handshakeTimeoutMs: 10_000,
            idlePingMs: 30_000,
            autoReconnect: true,
            backoffInitialMs: ReconnectBackoff.kInitialMs,
            backoffMaxMs: ReconnectBackoff.kMaxMs,
            random: Math.random,
            password: "",
            ...options,
        };
        this.nickNow = options.nick;
        this.ids = new ClientIds(options.idBase);
        this.backoff = new ReconnectBackoff(this.opts.backoffInitialMs, this.opts.backoffMaxMs, this.opts.random);
        this.idlePingMs = this.opts.idlePingMs;
    }

    // ---- what the driver does next ----------------------------------------

    want(): Want {
        switch (this.state) {
            case "idle":
                return "connect";
            case "waiting":
            case "connecting":
                return "wait";
            case "handshaking":
            case "welcomed":
                return this.ended ? "drop" : "talk";
            case "closing":
                return "close";
            case "finished":
                return "finished";
        }
    }

    // When tick() must be called next (null: only on I/O).
    nextDeadline(): number | null {
        let at: number | null = null;
        const earliest = (t: number) => {
            if (at === null || t < at) at = t;
        };
        switch (this.state) {
            case "waiting":
                earliest(this.retryAt);
                break;
            case "handshaking":
                if (!this.nickRejected) earliest(this.helloAt + this.opts.handshakeTimeoutMs);
                break;
            case "welcomed":
                if (this.idlePingMs > 0) {
                    earliest(this.pingOutstanding ? this.pingAt + this.idlePingMs : this.lastHeard + this.idlePingMs);
                }
                if (this.paceAt !== null) earliest(this.paceAt);
                for (const r of this.storeRetries) earliest(r.at);
                break;
            case "closing":
                earliest(this.closeBy);
                break;
            default:
                break;
        }
        return at;
    }

    // ---- the connection's life ----------------------------------------------

    connecting(_now: number): void {
        this.state = "connecting";
        this.events.push({ kind: "connecting", attempt: this.backoff.attempts + 1 });
    }

    connected(now: number): void {
        if (this.state === "closing") {
            this.closeBy = now; // stop() came during the connect: close at once
            return;
        }
        this.state = "handshaking";
        this.connections += 1;
        this.out = [];
        this.ended = false;
        this.endReason = "";
        this.hubSaid = "";
        this.mayRetry = true;
        this.nickRejected = false;
        this.pingOutstanding = false;
        this.lastHeard = now;
        this.historyOrigins.clear();
        this.catchingUp.clear();
        this.internal = []; // a previous connection's rejoins: this one makes its own
        this.sendHello(now);
        this.events.push({ kind: "connected" });
    }

    connectFailed(why: string, now: number): void {
        if (this.state === "closing") {
            this.state = "finished";
            return;
        }
        if (this.opts.autoReconnect) this.scheduleRetry(why, now);
        else this.fail(why);
    }

    // The connection ended (`why`: the transport's reason); the session's own
    // reason (a fatal Error, a Bye, a timeout) wins if it ended it.
    disconnected(why: string, now: number): void {
        if (this.state === "closing" || this.state === "finished") {
            this.state = "finished";
            return;
        }
        if (this.state === "idle" || this.state === "waiting") return;
        const wasWelcomed = this.state === "welcomed";
        const reason = this.hubSaid || (this.ended ? this.endReason : why);
        this.sends.connectionLost();
        this.internal = [];
        this.settleDue = false;
        this.catchingUp.clear();
        this.out = [];
        const retry = this.opts.autoReconnect && this.mayRetry;
        this.events.push({ kind: "disconnected", text: reason, willRetry: retry });
        if (wasWelcomed) this.backoff.reset();
        if (retry) this.scheduleRetry(reason, now);
        else this.fail(reason);
    }

    // While waiting for a reconnect: try now (a person pressed "Reconnect now").
    retryNow(_now: number): void {
        if (this.state === "waiting") this.state = "idle";
    }

    tick(now: number): void {
        switch (this.state) {
            case "waiting":
                if (now >= this.retryAt) this.state = "idle";
                return;
            case "handshaking":
                if (!this.nickRejected && now >= this.helloAt + this.opts.handshakeTimeoutMs) {
                    this.endConnection(`no Welcome from the hub within ${this.opts.handshakeTimeoutMs} ms`);
                }
                return;
            case "welcomed": {
                const interval = this.idlePingMs;
                if (interval > 0) {
                    if (this.pingOutstanding && now >= this.pingAt + interval) {
                        this.endConnection(`the hub did not answer for ${2 * interval} ms`);
                        return;
                    }
                    if (!this.pingOutstanding && now >= this.lastHeard + interval) {
                        this.pingNonce += 1;
                        this.writeNow({ ping: { nonce: this.pingNonce } });
                        this.pingOutstanding = true;
                        this.pingAt = now;
                    }
                }
                this.retryStoreBehind(now);
                this.pump(now);
                return;
            }
            default:
                return;
        }
    }

    // ---- bytes ------------------------------------------------------------------

    // The messages to send now, in order (each one WebSocket binary message).
    takeOutput(): Uint8Array[] {
        const out = this.out;
        this.out = [];
        return out;
    }

    // What the transport holds unsent (WebSocket.bufferedAmount): pacing stops
    // adding frames while it is over kMaxWriteBufferBytes.
    setTransportBuffered(bytes: number, now: number): void {
        const was = this.transportBuffered;
        this.transportBuffered = bytes;
        if (bytes < was) this.pump(now);
    }

    // One binary WebSocket message from the hub: one Envelope.
    received(bytes: Uint8Array, now: number): void {
        if (this.state !== "handshaking" && this.state !== "welcomed") return;
        if (this.ended) return;
        this.lastHeard = now;
        this.pingOutstanding = false;
        let envelope: Envelope;
        try {
            envelope = decodeEnvelope(bytes);
        } catch (e) {
            this.endConnection(`bad frame from the hub: ${(e as Error).message}`);
            return;
        }
        this.handle(envelope, now);
        this.pump(now);
    }

    // ---- what the page asks ---------------------------------------------------

    // A say to a room; returns its client_msg_id (0 if the session has stopped).
    say(room: string, text: string, action: boolean, now: number): number {
        const id = this.ids.next();
        const kind = action ? v1.MessageKind.MESSAGE_KIND_ACTION : v1.MessageKind.MESSAGE_KIND_TEXT;
        this.submit({ say: { room, clientMsgId: id, kind, text } }, id, now);
        return id;
    }

    // A say with its other fields (a reply, an edit, a delete, a reaction:
    // docs/PROTOCOL.md section 8); tracked and returned as say().
    sayWith(say: v1.ISay, now: number): number {
        const id = this.ids.next();
        this.submit({ say: { ...say, clientMsgId: id } }, id, now);
        return id;
    }

    privateMessage(to: string, text: string, action: boolean, now: number): number {
        const id = this.ids.next();
        const kind = action ? v1.MessageKind.MESSAGE_KIND_ACTION : v1.MessageKind.MESSAGE_KIND_TEXT;
        this.submit({ privateMessage: { to, clientMsgId: id, kind, text } }, id, now);
        return id;
    }

    // Sends a say or private message again under a new id (the page's /retry
    // of a line that failed); returns the new id.
    resend(frame: EnvelopeInit, now: number): number {
        if (frame.say) return this.sayWith({ ...frame.say, clientMsgId: undefined }, now);
        if (frame.privateMessage) {
            const pm = frame.privateMessage;
            return this.privateMessage(pm.to ?? "", pm.text ?? "", pm.kind === 1, now);
        }
        throw new Error("resend: neither a say nor a private message");
    }

    // Any other frame for the hub (Join, Who, HistoryRequest, ...), in order
    // with the says.
    send(frame: EnvelopeInit, now: number): void {
        this.submit(frame, 0, now);
    }

    // A frame outside the message rate, written now (Typing, FileChunk,
    // FileCancel: PROTOCOL.md gives them buckets of their own); false when
    // not welcomed (then it is not sent at all: none of them is worth
    // keeping for a later connection).
    sendNow(frame: EnvelopeInit): boolean {
        if (this.state !== "welcomed" || this.ended) return false;
        this.writeNow(frame);
        return true;
    }

    // A client_msg_id for a frame the page tracks itself (a FileOffer).
    nextId(): number {
        return this.ids.next();
    }

    // After nickRejected: Hello with `nick` (now, or on the next connection);
    // `password`, when given, replaces the one the session signs in with.
    retryNick(nick: string, now: number, password?: string): void {
        if (password !== undefined) this.opts.password = password;
        this.nickNow = nick;
        if (this.state === "handshaking") {
            this.nickRejected = false;
            this.sendHello(now);
        }
    }

    // Sends what pacing allows now, then Bye (if welcomed), and closes.
    stop(quitMessage: string, now: number): void {
        this.events = [];
        switch (this.state) {
            case "welcomed":
                this.state = "closing";
                this.pump(now);
                this.writeNow({ bye: { reason: v1.ByeReason.BYE_REASON_CLIENT_QUIT, text: quitMessage } });
                this.closeBy = now + ClientSession.kStopLingerMs;
                break;
            case "handshaking":
            case "connecting":
                this.out = [];
                this.state = "closing";
                this.closeBy = now;
                break;
            default:
                this.state = "finished";
                break;
        }
    }

    takeEvents(): SessionEvent[] {
        const out = this.events;
        this.events = [];
        return out;
    }

    // ---- state ------------------------------------------------------------------

    get welcomed(): boolean {
        return this.state === "welcomed";
    }
    get nick(): string {
        return this.nickNow;
    }
    get pendingSends(): number {
        return this.sends.size;
    }
    get queuedFrames(): number {
        return this.queue.length;
    }
    get rooms(): RoomTracker {
        return this.roomsTracked;
    }
    // True while a reconnect's catch-up holds the page's frames back.
    get catchingUpNow(): boolean {
        return this.holdingQueue();
    }

    // ---- frames in ------------------------------------------------------------------

    private handle(envelope: Envelope, now: number): void {
        switch (bodyOf(envelope)) {
            case "ping":
                this.writeNow({ pong: { nonce: envelope.ping?.nonce ?? 0 } });
                return;
            case "pong":
                return;
            case "welcome":
                this.onWelcome(envelope, now);
                return;
            case "error":
                this.onError(envelope, now);
                return;
            case "message":
                this.onMessage(envelope);
                return;
            case "historyPage":
                this.onHistoryPage(envelope);
                return;
            case "bye": {
                const bye = envelope.bye!;
                const kicked = bye.reason === v1.ByeReason.BYE_REASON_KICKED;
                this.hubSaid = (kicked ? "kicked by the hub" : "the hub is shutting down") + (bye.text ? `: ${bye.text}` : "");
                if (kicked) this.mayRetry = false;
                break;
            }
            case "presence":
                if (this.roomsTracked.onPresence(envelope.presence!)) this.setNick(this.roomsTracked.ownNick);
                break;
            case "members":
                this.roomsTracked.onMemberList(envelope.members!);
                break;
            case undefined:
                return; // a body this client does not know: ignored (PROTOCOL.md section 15)
            default:
                break;
        }
        this.events.push({ kind: "envelope", envelope });
    }

    private onWelcome(envelope: Envelope, now: number): void {
        const welcome = envelope.welcome as v1.Welcome;
        this.state = "welcomed";
        this.nickRejected = false;
        const seqsRestart = this.roomsTracked.onWelcome(welcome);
        this.setNick(this.roomsTracked.ownNick);
        const limits = welcome.limits ?? {};
        const rate = limits.ratePerSecond ?? 0;
        // Pace to the hub's bucket, which our Hello already took a token from.
        this.pacer = new TokenBucket(rate, limits.rateBurst ?? 0, now);
        if (!this.pacer.isUnlimited) this.pacer.tryTake(now);
        // Says written and not echoed: a burst's worth at most.
        this.unechoedWindow = rate > 0 ? Math.max(1, limits.rateBurst ?? 0) : ClientSession.kUnlimitedUnechoedWindow;
        const hubPing = limits.pingIntervalMs ?? 0;
        this.idlePingMs = this.opts.idlePingMs > 0 && hubPing > 0 ? Math.min(this.opts.idlePingMs, hubPing) : this.opts.idlePingMs;
        const reconnect = this.connections > 1;
        this.events.push({
            kind: "welcomed",
            welcome,
            note: seqsRestart ? "the hub restarted (new epoch): history before it is gone" : "",
            reconnect,
        });
        // Rejoin and catch up before anything the page queued meanwhile.
        for (const room of this.roomsTracked.joinedRooms()) {
            this.internal.push({ frame: { join: { room, skipBacklog: true } }, trackedId: 0 });
            this.roomsTracked.startAt(room, this.roomsTracked.lastSeq(room));
            this.requestCatchUp(room, this.roomsTracked.lastSeq(room));
        }
        this.settleDue = reconnect;
        if (this.settleDue && this.catchingUp.size === 0) this.settleSends();
        this.pump(now);
    }

    private onError(envelope: Envelope, now: number): void {
        const error = envelope.error as v1.Error;
        if (
            this.state === "handshaking" &&
            !error.fatal &&
            (error.code === K.ERROR_CODE_NICK_TAKEN ||
                error.code === K.ERROR_CODE_INVALID_NICK ||
                // A registered nick without its password (or a wrong one): the
                // nick screen asks again, for a password or another nick.
                error.code === K.ERROR_CODE_PASSWORD_REQUIRED ||
                error.code === K.ERROR_CODE_WRONG_PASSWORD ||
                error.code === K.ERROR_CODE_SIGN_IN_THROTTLED)
        ) {
            this.nickRejected = true;
            this.events.push({ kind: "nickRejected", error });
            return;
        }
        const id = Number(error.clientMsgId ?? 0);
        if (id !== 0 && this.sends.contains(id)) {
            const refusals = this.storeRefusals.get(id) ?? 0;
            if (error.code === K.ERROR_CODE_STORE_BEHIND && !error.fatal && refusals < ClientSession.kStoreBehindRetries) {
                // Not taken, not lost: the hub's disk is behind. Again shortly.
                this.storeRefusals.set(id, refusals + 1);
                this.sends.requeue(id);
                this.storeRetries.push({ at: now + ClientSession.kStoreBehindRetryMs * 2 ** refusals, id });
                return;
            }
            this.storeRefusals.delete(id);
            this.sends.refused(id);
            this.events.push({ kind: "sendFailed", id, text: error.text ?? "refused by the hub", error });
            return;
        }
        if (error.code === K.ERROR_CODE_INVALID_ROOM && error.room) {
            this.finishCatchUp(error.room); // its HistoryRequest has no page coming
        }
        if (error.fatal) {
            this.hubSaid = `hub error ${K[error.code ?? 0] ?? error.code}: ${error.text ?? ""}`;
            if (error.code === K.ERROR_CODE_PROTOCOL_VERSION) this.mayRetry = false;
        }
        this.events.push({ kind: "envelope", envelope });
    }

    private onMessage(envelope: Envelope): void {
        const m = envelope.message!;
        const id = Number(m.clientMsgId ?? 0);
        // Live: the only place a send is acknowledged.
        const acked = this.sends.echoed(m);
        if (acked) this.dropQueued(id); // a copy waiting to be sent again is not needed
        const fresh = !m.room || this.roomsTracked.accept(m.room, Number(m.seq ?? 0));
        if (fresh) this.events.push({ kind: "envelope", envelope });
        if (acked) this.events.push({ kind: "sendAcked", id });
    }

    private onHistoryPage(envelope: Envelope): void {
        const page = envelope.historyPage!;
        const room = page.room ?? "";
        let ours = false;
        if (!page.backlog) {
            const origins = this.historyOrigins.get(room);
            if (origins && origins.length > 0) ours = origins.shift()!;
        }
        // Only the catch-up's own pages may settle a send in doubt; backlog and
        // the page's own history requests never acknowledge anything.
        const found: number[] = [];
        const messages = page.messages ?? [];
        if (ours) {
            for (const m of messages) {
                if (this.sends.foundInCatchUp(m)) found.push(Number(m.clientMsgId));
            }
        }
        if (!page.backlog && !ours) {
            this.events.push({ kind: "envelope", envelope, page: "requested" }); // what the page asked for
            return;
        }
        const head = Number(page.headSeq ?? 0);
        if (ours && head < this.roomsTracked.lastSeq(room)) {
            // The room's newest seq is below what we saw: the hub lost its
            // history. Its seqs are new messages again.
            this.roomsTracked.restartAt(room, head);
        }
        const lastInPage = messages.length > 0 ? Number(messages[messages.length - 1]!.seq ?? 0) : 0;
        if (page.gap) this.roomsTracked.markGone(room, Number(page.gap.firstSeq ?? 0), Number(page.gap.lastSeq ?? 0));
        const kept = messages.filter((m) => this.roomsTracked.accept(room, Number(m.seq ?? 0)));
        page.messages = kept as v1.ChatMessage[];
        const more = ours && !!page.hasMore && lastInPage > 0;
        if (!ours || kept.length > 0 || page.gap) {
            this.events.push({ kind: "envelope", envelope, page: ours ? "catchUp" : "backlog" });
        }
        for (const id of found) this.events.push({ kind: "sendAcked", id });
        if (!ours) return;
        this.catchingUp.delete(room);
        if (more) this.requestCatchUp(room, lastInPage);
        else if (this.catchingUp.size === 0 && this.settleDue) this.settleSends();
    }

    // ---- catch-up after a reconnect ---------------------------------------------------

    private requestCatchUp(room: string, afterSeq: number): void {
        this.internal.push({ frame: { historyRequest: { room, afterSeq } }, trackedId: 0 });
        this.catchingUp.add(room);
    }

    private finishCatchUp(room: string): void {
        if (!this.catchingUp.delete(room)) return;
        this.historyOrigins.get(room)?.shift();
        if (this.catchingUp.size === 0 && this.settleDue) this.settleSends();
    }

    // Every room has caught up: a say still in doubt was never taken and goes
    // out again, before anything queued after it; a private message in doubt
    // cannot be looked up.
    private settleSends(): void {
        this.settleDue = false;
        const settlement = this.sends.settle();
        for (const f of settlement.failed) this.events.push({ kind: "sendFailed", id: f.id, text: f.why });
        const resend = settlement.resend.map((id) => ({ frame: this.sends.frame(id), trackedId: id }));
        this.queue = [...resend, ...this.queue];
    }

    // ---- frames out ---------------------------------------------------------------------

    private writeNow(frame: EnvelopeInit): void {
        this.out.push(encodeEnvelope(frame));
    }

    private sendHello(now: number): void {
        const password = this.opts.password ? { password: this.opts.password } : {};
        this.writeNow({ hello: { protocolVersion: 1, nick: this.nickNow, clientName: this.opts.clientName, ...password } });
        this.helloAt = now;
    }

    private holdingQueue(): boolean {
        return this.settleDue || this.catchingUp.size > 0;
    }

    private outBytes(): number {
        let n = this.transportBuffered;
        for (const b of this.out) n += b.length;
        return n;
    }

    // Moves frames from the queues to the output as pacing allows.
    private pump(now: number): void {
        this.paceAt = null;
        if (this.state !== "welcomed" && this.state !== "closing") return;
        while (this.outBytes() < ClientSession.kMaxWriteBufferBytes) {
            let from: Queued[];
            if (this.internal.length > 0) from = this.internal;
            else if (!this.holdingQueue() && this.queue.length > 0) from = this.queue;
            else return;
            const head = from[0]!;
            if (from === this.queue && head.trackedId !== 0 && this.sends.writtenUnanswered >= this.unechoedWindow) {
                return; // the hub is not echoing (its input paused?): wait for it
            }
            if (!this.pacer.isUnlimited && !this.pacer.tryTake(now)) {
                this.paceAt = this.pacer.nextTokenAt(now);
                return;
            }
            from.shift();
            if (head.frame.historyRequest) {
                const room = head.frame.historyRequest.room ?? "";
                const list = this.historyOrigins.get(room) ?? [];
                list.push(from === this.internal);
                this.historyOrigins.set(room, list);
            }
            this.writeNow(head.frame);
            if (head.trackedId !== 0) {
                this.sends.written(head.trackedId);
                this.events.push({ kind: "sendWritten", id: head.trackedId });
            }
        }
    }

    private retryStoreBehind(now: number): void {
        const due = this.storeRetries.filter((r) => r.at <= now).map((r) => r.id);
        if (due.length === 0) return;
        this.storeRetries = this.storeRetries.filter((r) => r.at > now);
        due.sort((a, b) => a - b);
        const again = due.filter((id) => this.sends.contains(id)).map((id) => ({ frame: this.sends.frame(id), trackedId: id }));
        this.queue = [...again, ...this.queue];
    }

    private dropQueued(id: number): void {
        this.queue = this.queue.filter((q) => q.trackedId !== id);
        this.storeRetries = this.storeRetries.filter((r) => r.id !== id);
        this.storeRefusals.delete(id);
    }

    private submit(frame: EnvelopeInit, trackedId: number, now: number): void {
        if (this.state === "finished") {
            if (trackedId !== 0) this.events.push({ kind: "sendFailed", id: trackedId, text: "not sent: the client has stopped" });
            return;
        }
        if (this.state === "closing") return;
        if (trackedId !== 0) this.sends.add(trackedId, frame);
        this.queue.push({ frame, trackedId });
        this.pump(now);
    }

    // ---- the connection's end -------------------------------------------------------------

    private endConnection(reason: string): void {
        if (!this.ended) {
            this.ended = true;
            this.endReason = reason;
        }
    }

    private scheduleRetry(why: string, now: number): void {
        const delayMs = this.backoff.next();
        this.retryAt = now + delayMs;
        this.state = "waiting";
        this.events.push({ kind: "reconnectScheduled", delayMs, at: this.retryAt, attempt: this.backoff.attempts, text: why });
    }

    private fail(why: string): void {
        this.state = "finished";
        this.queue = [];
        this.internal = [];
        this.storeRetries = [];
        for (const id of this.sends.clear()) this.events.push({ kind: "sendFailed", id, text: `not sent: ${why}` });
        this.events.push({ kind: "failed", text: why });
    }

    private setNick(nick: string): void {
        this.nickNow = nick;
        this.sends.addOwnNick(nick);
    }
}
