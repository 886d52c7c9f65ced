// ClientSession without a socket: the rules of docs/PROTOCOL.md sections 4
// and 8-11, as libhermes/tests/ClientSessionTest.cpp checks them for C++.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ClientSession } from "../../src/model/ClientSession";
import type { SessionEvent } from "../../src/model/ClientSession";
import { ClientIds, kIdSpan, randomIdBase } from "../../src/model/ClientIds";
import { v1 } from "../../src/proto/codec";
import { EPOCH, bodies, chat, error, frame, joined, kinds, limits, live, members, page, welcome, welcomed, written } from "../support/frames";

const BASE = 5 * kIdSpan;
const make = (nick = "ana", over: Partial<ConstructorParameters<typeof ClientSession>[0]> = {}) =>
    new ClientSession({ nick, idBase: BASE, random: () => 0.5, ...over });

const acks = (ev: SessionEvent[]) => ev.filter((e) => e.kind === "sendAcked").map((e) => (e as { id: number }).id);
const fails = (ev: SessionEvent[]) => ev.filter((e) => e.kind === "sendFailed").map((e) => (e as { id: number }).id);
const messagesIn = (ev: SessionEvent[]) =>
    ev.flatMap((e) => (e.kind !== "envelope" ? [] : e.envelope.message ? [e.envelope.message] : e.envelope.historyPage?.messages ?? []));

describe("handshake", () => {
    test("Hello first, and nothing else until Welcome", () => {
        const s = make();
        assert.equal(s.want(), "connect");
        s.connecting(0);
        s.connected(0);
        s.send({ join: { room: "dev" } }, 0);
        s.say("lobby", "early", false, 0);
        const out = written(s);
        assert.deepEqual(bodies(out), ["hello"]);
        assert.equal(out[0]!.hello!.nick, "ana");
        assert.equal(out[0]!.hello!.protocolVersion, 1);
        s.received(welcome("ana"), 10);
        assert.deepEqual(bodies(written(s)), ["join", "say"]);
    });

    test("NICK_TAKEN asks for another nick; retryNick sends Hello again; no timeout meanwhile", () => {
        const s = make();
        s.connecting(0);
        s.connected(0);
        s.takeOutput();
        s.received(error({ code: v1.ErrorCode.ERROR_CODE_NICK_TAKEN, text: "nick ana is taken" }), 5);
        const ev = s.takeEvents();
        assert.ok(kinds(ev).includes("nickRejected"));
        assert.equal(s.nextDeadline(), null, "the handshake timer waits for the person");
        s.tick(60_000);
        assert.equal(s.want(), "talk");
        s.retryNick("ana_", 60_000);
        const hello = written(s);
        assert.deepEqual(bodies(hello), ["hello"]);
        assert.equal(hello[0]!.hello!.nick, "ana_");
        s.received(welcome("ana_"), 60_001);
        assert.equal(s.nick, "ana_");
        assert.ok(s.welcomed);
    });

    test("a registered nick (PASSWORD_REQUIRED) asks for another nick, as NICK_TAKEN does", () => {
        const s = make();
        s.connecting(0);
        s.connected(0);
        s.takeOutput();
        s.received(error({ code: v1.ErrorCode.ERROR_CODE_PASSWORD_REQUIRED, text: "nick ana is registered" }), 5);
        assert.ok(kinds(s.takeEvents()).includes("nickRejected"));
        s.retryNick("ana_", 6);
        assert.equal(written(s)[0]!.hello!.nick, "ana_");
    });

    test("no Welcome within the handshake timeout drops the connection", () => {
        const s = make();
        s.connecting(0);
        s.connected(0);
        assert.equal(s.nextDeadline(), 10_000);
        s.tick(9_999);
        assert.equal(s.want(), "talk");
        s.tick(10_000);
        assert.equal(s.want(), "drop");
        s.disconnected("dropped", 10_000);
        const ev = s.takeEvents();
        const lost = ev.find((e) => e.kind === "disconnected") as { text: string };
        assert.match(lost.text, /no Welcome/);
    });
});

describe("client_msg_ids", () => {
    test("unique per page load: a random base below 2^53, counting up", () => {
        const bases = new Set<number>();
        let r = 12345;
        for (let i = 0; i < 50; i++) {
            r = (Math.imul(r, 1103515245) + 12345) >>> 0;
            const b = randomIdBase(() => r);
            assert.ok(b >= kIdSpan && b + kIdSpan <= Number.MAX_SAFE_INTEGER, `base ${b} in range`);
            assert.equal(b % kIdSpan, 0);
            bases.add(b);
        }
        assert.ok(bases.size > 45, "bases differ between loads");
        const ids = new ClientIds(BASE);
        assert.deepEqual([ids.next(), ids.next()], [BASE + 1, BASE + 2]);
        assert.throws(() => new ClientIds(2 ** 53));
        assert.throws(() => new ClientIds(0));
    });
});

describe("an ack is an ack", () => {
    test("backlog, history, search and others' live copies of our id never acknowledge; our live echo does, once", () => {
        const s = make();
        welcomed(s, "ana", "lobby");
        const id = s.say("lobby", "hello", false, 1);
        assert.equal(id, BASE + 1);
        written(s);
        s.takeEvents();
        // A backlog holding a line of ours with the same id (an earlier run, another tab).
        s.received(page("lobby", [chat("lobby", 3, "ana", "old line", id)], { backlog: true }), 2);
        // A history page the page itself asked for.
        s.send({ historyRequest: { room: "lobby", afterSeq: 0 } }, 2);
        s.received(page("lobby", [chat("lobby", 2, "ana", "older", id)]), 3);
        // Search results.
        s.received(frame({ searchResults: { room: "lobby", query: "hello", messages: [chat("lobby", 3, "ana", "old line", id)] } }), 4);
        // Someone else's live message that happens to carry our id.
        s.received(live(chat("lobby", 4, "bob", "hi", id)), 5);
        // A private message to us (seq 0) from someone else with our id.
        s.received(live(chat("", 0, "carol", "psst", id, { to: "ana" })), 5);
        let ev = s.takeEvents();
        assert.deepEqual(acks(ev), [], "nothing acknowledged yet");
        assert.equal(s.pendingSends, 1);
        // Our own live echo, in any case of our nick.
        s.received(live(chat("lobby", 5, "ANA", "hello", id)), 6);
        ev = s.takeEvents();
        assert.deepEqual(acks(ev), [id]);
        assert.equal(s.pendingSends, 0);
        // The echo came as a message, then the ack: the page replaces the pending line.
        assert.deepEqual(kinds(ev), ["envelope", "sendAcked"]);
        // The same echo again (a misbehaving path): dropped as a duplicate, no second ack.
        s.received(live(chat("lobby", 5, "ana", "hello", id)), 7);
        ev = s.takeEvents();
        assert.deepEqual(ev, []);
    });

    test("an Error with our id refuses that send only", () => {
        const s = make();
        welcomed(s, "ana", "lobby");
        const a = s.say("lobby", "one", false, 1);
        const b = s.say("lobby", "two", false, 1);
        s.takeEvents();
        s.received(error({ code: v1.ErrorCode.ERROR_CODE_INVALID_TEXT, text: "bad text", clientMsgId: a, room: "lobby" }), 2);
        const ev = s.takeEvents();
        assert.deepEqual(fails(ev), [a]);
        assert.equal((ev[0] as { text: string }).text, "bad text");
        assert.equal(s.pendingSends, 1);
        s.received(live(chat("lobby", 1, "ana", "two", b)), 3);
        assert.deepEqual(acks(s.takeEvents()), [b]);
    });

    test("STORE_BEHIND is not a failure: the say goes again after 500 ms", () => {
        const s = make();
        welcomed(s, "ana", "lobby");
        const a = s.say("lobby", "one", false, 0);
        written(s);
        s.takeEvents();
        s.received(error({ code: v1.ErrorCode.ERROR_CODE_STORE_BEHIND, text: "behind", clientMsgId: a }), 100);
        assert.deepEqual(fails(s.takeEvents()), []);
        assert.equal(s.nextDeadline(), 600);
        s.tick(599);
        assert.deepEqual(written(s), []);
        s.tick(600);
        const again = written(s);
        assert.deepEqual(bodies(again), ["say"]);
        assert.equal(again[0]!.say!.clientMsgId, a);
    });
});

describe("dedup", () => {
    test("a room's seq is delivered once, however it comes (live, backlog, catch-up)", () => {
        const s = make();
        welcomed(s, "ana", null);
        s.received(page("lobby", [chat("lobby", 1, "bob", "a"), chat("lobby", 2, "bob", "b")], { backlog: true }), 1);
        s.received(live(chat("lobby", 2, "bob", "b")), 2);
        s.received(live(chat("lobby", 3, "bob", "c")), 3);
        s.received(page("lobby", [chat("lobby", 2, "bob", "b"), chat("lobby", 3, "bob", "c"), chat("lobby", 4, "bob", "d")], { backlog: true }), 4);
        const seqs = messagesIn(s.takeEvents()).map((m) => m.seq);
        assert.deepEqual(seqs, [1, 2, 3, 4]);
        assert.equal(s.rooms.lastSeq("lobby"), 4);
    });

    test("private messages (seq 0) are never deduplicated", () => {
        const s = make();
        welcomed(s, "ana", null);
        s.received(live(chat("", 0, "bob", "x", 0, { to: "ana" })), 1);
        s.received(live(chat("", 0, "bob", "x", 0, { to: "ana" })), 2);
        assert.equal(messagesIn(s.takeEvents()).length, 2);
    });
});

describe("pacing to Welcome.limits", () => {
    test("a burst of rate_burst less the Hello's token, then rate_per_second", () => {
        const s = make();
        welcomed(s, "ana", "lobby", 0);
        const ids: number[] = [];
        for (let i = 0; i < 20; i++) ids.push(s.say("lobby", `line ${i}`, false, 0));
        let out = written(s);
        assert.equal(out.length, 9, "10 tokens, one taken by the Hello");
        assert.deepEqual(out.map((e) => e.say!.clientMsgId), ids.slice(0, 9));
        // Their echoes come back: the unechoed window is not what holds the rest.
        for (const [i, e] of out.entries()) s.received(live(chat("lobby", i + 1, "ana", "x", e.say!.clientMsgId!)), 1);
        assert.deepEqual(written(s), []);
        assert.equal(s.nextDeadline(), 200, "one token every 200 ms at 5/s");
        s.tick(199);
        assert.deepEqual(written(s), []);
        s.tick(200);
        out = written(s);
        assert.equal(out.length, 1);
        assert.equal(out[0]!.say!.clientMsgId, ids[9]);
        s.tick(1200);
        assert.equal(written(s).length, 5, "5 more in the next second");
    });

    test("at most rate_burst says written ahead of their echoes", () => {
        const s = make();
        welcomed(s, "ana", "lobby", 0, { limits: limits({ ratePerSecond: 1000, rateBurst: 3 }) });
        for (let i = 0; i < 6; i++) s.say("lobby", `l${i}`, false, 0);
        const first = written(s);
        assert.equal(first.length, 2, "the Hello took one of the 3 tokens");
        s.tick(1000);
        const more = written(s);
        assert.equal(more.length, 1, "a third, then the window of 3 unechoed says is full");
        s.tick(2000);
        assert.deepEqual(written(s), []);
        s.received(live(chat("lobby", 1, "ana", "l0", first[0]!.say!.clientMsgId!)), 2000);
        assert.equal(written(s).length, 1, "one echo lets one more go");
    });

    test("Ping is answered with Pong at once, even with no token left; Pong is not paced", () => {
        const s = make();
        welcomed(s, "ana", "lobby", 0, { limits: limits({ ratePerSecond: 1, rateBurst: 1 }) });
        s.say("lobby", "waits", false, 0);
        assert.deepEqual(written(s), [], "the Hello took the only token");
        s.received(frame({ ping: { nonce: 77 } }), 1);
        const out = written(s);
        assert.deepEqual(bodies(out), ["pong"]);
        assert.equal(out[0]!.pong!.nonce, 77);
    });

    test("rate 0 means no pacing", () => {
        const s = make();
        welcomed(s, "ana", "lobby", 0, { limits: limits({ ratePerSecond: 0, rateBurst: 0 }) });
        for (let i = 0; i < 50; i++) s.say("lobby", `l${i}`, false, 0);
        assert.equal(written(s).length, 50);
    });
});

describe("liveness", () => {
    test("an idle ping after the hub's silence, and a drop if it stays silent", () => {
        const s = make();
        welcomed(s, "ana", "lobby", 0);
        assert.equal(s.nextDeadline(), 30_000);
        s.tick(30_000);
        const out = written(s);
        assert.deepEqual(bodies(out), ["ping"]);
        s.tick(59_999);
        assert.equal(s.want(), "talk");
        s.tick(60_000);
        assert.equal(s.want(), "drop");
    });

    test("any frame from the hub counts as life", () => {
        const s = make();
        welcomed(s, "ana", "lobby", 0);
        s.tick(30_000);
        written(s);
        s.received(frame({ pong: { nonce: 1 } }), 31_000);
        s.tick(60_000);
        assert.equal(s.want(), "talk");
        assert.equal(s.nextDeadline(), 61_000);
    });
});

describe("reconnect", () => {
    test("exponential backoff with jitter, from 250 ms to 10 s, reset after a Welcome", () => {
        const s = make("ana", { random: () => 0 });
        const delays: number[] = [];
        for (let i = 0; i < 8; i++) {
            assert.equal(s.want(), "connect");
            s.connecting(0);
            s.connectFailed("refused", 0);
            const ev = s.takeEvents().find((e) => e.kind === "reconnectScheduled") as { delayMs: number };
            delays.push(ev.delayMs);
            assert.equal(s.want(), "wait");
            s.tick(1e9);
        }
        assert.deepEqual(delays, [125, 250, 500, 1000, 2000, 4000, 5000, 5000], "the lower half of each ceiling");
        welcomed(s, "ana", "lobby", 0);
        s.disconnected("closed", 0);
        const ev = s.takeEvents();
        assert.deepEqual(kinds(ev), ["disconnected", "reconnectScheduled"]);
        assert.equal((ev[1] as { delayMs: number }).delayMs, 125, "a welcomed session starts the backoff again");
        assert.equal((ev[0] as { willRetry: boolean }).willRetry, true);
    });

    test("jitter spreads the delay over [d/2, d]", () => {
        const s = make("ana", { random: () => 0.999999 });
        s.connecting(0);
        s.connectFailed("refused", 0);
        const ev = s.takeEvents().find((e) => e.kind === "reconnectScheduled") as { delayMs: number };
        assert.equal(ev.delayMs, 250);
    });

    test("no reconnect after Bye KICKED or a PROTOCOL_VERSION error", () => {
        for (const f of [
            frame({ bye: { reason: v1.ByeReason.BYE_REASON_KICKED, text: "go" } }),
            error({ code: v1.ErrorCode.ERROR_CODE_PROTOCOL_VERSION, fatal: true, text: "v2 only" }),
        ]) {
            const s = make();
            welcomed(s, "ana", "lobby");
            s.received(f, 1);
            s.disconnected("closed", 2);
            const ev = s.takeEvents();
            assert.ok(kinds(ev).includes("failed"));
            assert.equal(s.want(), "finished");
        }
    });

    test("a hub shutdown is said as such, and retried", () => {
        const s = make();
        welcomed(s, "ana", "lobby");
        s.received(frame({ bye: { reason: v1.ByeReason.BYE_REASON_SHUTDOWN, text: "restarting" } }), 1);
        s.disconnected("connection closed (1006)", 2);
        const lost = s.takeEvents().find((e) => e.kind === "disconnected") as { text: string; willRetry: boolean };
        assert.equal(lost.text, "the hub is shutting down: restarting");
        assert.equal(lost.willRetry, true);
    });
});

describe("backfill and settling sends in doubt", () => {
    // ana in lobby has seen up to seq 10; two says are written, the hub drops.
    function dropped() {
        const s = make();
        welcomed(s, "ana", "lobby", 0);
        s.received(page("lobby", [chat("lobby", 9, "bob", "a"), chat("lobby", 10, "bob", "b")], { backlog: true }), 0);
        const taken = s.say("lobby", "taken before the drop", false, 0);
        const lost = s.say("lobby", "lost with the connection", false, 0);
        const pm = s.privateMessage("bob", "psst", false, 0);
        assert.equal(written(s).length, 3);
        s.takeEvents();
        s.disconnected("connection closed (1006)", 100);
        s.takeEvents();
        // Typed while offline.
        const offline = s.say("lobby", "typed while offline", false, 150);
        return { s, taken, lost, pm, offline };
    }

    test("rejoin with skip_backlog and catch up from the last seq, following has_more; lines keep their order", () => {
        const { s, taken, lost, pm, offline } = dropped();
        s.tick(1_000);
        welcomed_again(s, 1_000);
        const out = written(s);
        assert.deepEqual(bodies(out), ["join", "historyRequest"], "nothing of the page's before the catch-up");
        assert.equal(out[0]!.join!.skipBacklog, true);
        assert.equal(out[1]!.historyRequest!.afterSeq, 10);
        // First page: seq 11 is ours (written before the drop), more to come.
        s.received(page("lobby", [chat("lobby", 11, "ana", "taken before the drop", taken)], { hasMore: true, headSeq: 12 }), 1_001);
        const more = written(s);
        assert.deepEqual(bodies(more), ["historyRequest"]);
        assert.equal(more[0]!.historyRequest!.afterSeq, 11);
        let ev = s.takeEvents();
        assert.deepEqual(acks(ev), [taken], "found in the catch-up: taken, not sent again");
        // Last page: someone else's line, and not our lost one.
        s.received(page("lobby", [chat("lobby", 12, "bob", "meanwhile")], { headSeq: 12 }), 1_002);
        ev = s.takeEvents();
        assert.deepEqual(fails(ev), [pm], "a private message in doubt cannot be looked up");
        assert.match((ev.find((e) => e.kind === "sendFailed") as { text: string }).text, /may or may not/);
        const resent = written(s);
        assert.deepEqual(
            resent.map((e) => e.say?.clientMsgId),
            [lost, offline],
            "the lost say goes again first, then what was typed offline",
        );
        assert.deepEqual(messagesIn(ev).map((m) => m.seq), [12]);
        // The live echo of the catch-up-acknowledged send does not come twice.
        s.received(live(chat("lobby", 13, "ana", "lost with the connection", lost)), 1_003);
        assert.deepEqual(acks(s.takeEvents()), [lost]);
    });

    test("the echo of a say written before the drop, arriving after the reconnect, is still its ack", () => {
        const { s, lost } = dropped();
        s.tick(1_000);
        welcomed_again(s, 1_000);
        written(s);
        s.received(live(chat("lobby", 11, "ana", "lost with the connection", lost)), 1_001);
        assert.deepEqual(acks(s.takeEvents()), [lost]);
    });

    test("durable history: a new epoch keeps the cursors; a head below them starts the room again", () => {
        const { s } = dropped();
        s.tick(1_000);
        welcomed_again(s, 1_000, { epoch: EPOCH + 5, durableHistory: true });
        const out = written(s);
        assert.equal(out[1]!.historyRequest!.afterSeq, 10);
        s.received(page("lobby", [], { headSeq: 3 }), 1_001);
        assert.equal(s.rooms.lastSeq("lobby"), 3, "the hub lost its history: its seqs are new again");
        s.received(live(chat("lobby", 4, "bob", "new")), 1_002);
        assert.deepEqual(messagesIn(s.takeEvents()).map((m) => m.seq), [4]);
    });

    test("without durable history a new epoch forgets the seqs", () => {
        const { s } = dropped();
        s.tick(1_000);
        welcomed_again(s, 1_000, { epoch: EPOCH + 5, durableHistory: false });
        const ev = s.takeEvents();
        const w = ev.find((e) => e.kind === "welcomed") as { note: string };
        assert.match(w.note, /new epoch/);
        const out = written(s);
        assert.equal(out[1]!.historyRequest!.afterSeq, 0);
    });

    function welcomed_again(s: ClientSession, now: number, over = {}) {
        assert.equal(s.want(), "connect");
        s.connecting(now);
        s.connected(now);
        assert.deepEqual(bodies(written(s)), ["hello"]);
        s.received(welcome("ana", over), now);
    }
});

describe("stop", () => {
    test("/quit writes a Bye after what pacing allows, then closes", () => {
        const s = make();
        welcomed(s, "ana", "lobby", 0);
        s.say("lobby", "last words", false, 0);
        written(s);
        s.stop("gone home", 10);
        assert.equal(s.want(), "close");
        const out = written(s);
        assert.deepEqual(bodies(out), ["bye"]);
        assert.equal(out[0]!.bye!.text, "gone home");
        s.disconnected("closed", 11);
        assert.equal(s.want(), "finished");
    });
});

void joined;
void members;
