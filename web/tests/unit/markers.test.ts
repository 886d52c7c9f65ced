// Read markers, private conversations and typing through ChatState over a
// real ClientSession fed hub frames: the unread count follows the account's
// marker from another device; MarkRead goes when the person looks, at most
// every 2 s, never backwards; private messages are ordered and deduplicated
// by private_seq, and a conversation backfills when opened.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChatState, kMarkEveryMs } from "../../src/model/ChatState";
import { ClientSession } from "../../src/model/ClientSession";
import { kIdSpan } from "../../src/model/ClientIds";
import { chat, frame, joined, live, members, page, welcome, written } from "../support/frames";

// A decoded message as plain JSON (default values left out, as on the wire).
const js = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

// Signed in to ana's account as `nick` (another nick: a second device that
// signed in to the account and changed its nick).
function setup(nick = "ana") {
    let mono = 0;
    const clock = { mono: () => mono, wall: () => 1_700_000_000_000 + mono };
    const session = new ClientSession({ nick, idBase: 9 * kIdSpan, random: () => 0.5, password: "pw" });
    const state = new ChatState(session, clock, null);
    const feed = (bytes: Uint8Array) => {
        session.received(bytes, mono);
        state.onEvents(session.takeEvents());
    };
    session.connecting(0);
    session.connected(0);
    const hello = written(session)[0]!;
    assert.equal(hello.hello?.password, "pw");
    state.onEvents(session.takeEvents());
    feed(welcome(nick, { account: "ana", readMarkers: true, privateHistory: true, typing: true }));
    feed(members("lobby", [nick, "bob"]));
    feed(joined("lobby", nick));
    written(session);
    return {
        session,
        state,
        feed,
        advance: (ms: number) => {
            mono += ms;
            session.tick(mono);
            state.onEvents(session.takeEvents());
        },
    };
}

describe("read markers", () => {
    test("a marker from another device sets the unread count of a window not shown", () => {
        const { state, feed } = setup();
        state.submitLine("/join side");
        feed(members("side", ["ana"]));
        feed(joined("side", "ana"));
        assert.equal(state.activeKey, "room:side");
        for (let seq = 1; seq <= 4; seq++) feed(live(chat("lobby", seq, "bob", seq === 4 ? "ana: look" : `line ${seq}`)));
        const lobby = state.find("room:lobby")!;
        assert.equal(lobby.unread, 4);
        assert.ok(lobby.mentioned);
        feed(frame({ readMarkers: { markers: [{ room: "lobby", seq: 2 }], durable: true } }));
        assert.equal(lobby.unread, 2);
        assert.ok(lobby.mentioned);
        feed(frame({ readMarkers: { markers: [{ room: "lobby", seq: 1 }] } }));
        assert.equal(lobby.unread, 2, "a marker never moves back");
        feed(frame({ readMarkers: { markers: [{ room: "lobby", seq: 4 }] } }));
        assert.equal(lobby.unread, 0);
        assert.ok(!lobby.mentioned);
        feed(live(chat("lobby", 5, "bob", "five")));
        assert.equal(lobby.unread, 1);
    });

    test("a conversation's marker that came before its window counts from there", () => {
        const { state, feed } = setup();
        feed(frame({ readMarkers: { markers: [{ peer: "bob", seq: 2 }], all: true, durable: true } }));
        for (let seq = 1; seq <= 3; seq++) feed(live(chat("", 0, "bob", `pm ${seq}`, 0, { to: "ana", privateSeq: seq })));
        assert.equal(state.find("query:bob")!.readSeq, 2);
        assert.equal(state.find("query:bob")!.unread, 1, "the first two were read on another device");
    });

    test("MarkRead when the person looks: the newest seq, at most every 2 s, never twice or backwards", () => {
        const { session, state, feed, advance } = setup();
        feed(live(chat("lobby", 1, "bob", "one")));
        state.seen(false);
        assert.equal(written(session).length, 0, "not looking: nothing");
        state.seen(true);
        assert.deepEqual(js(written(session).map((e) => e.markRead)), [{ room: "lobby", seq: 1 }]);
        state.seen(true);
        feed(live(chat("lobby", 2, "bob", "two")));
        state.seen(true);
        assert.equal(written(session).length, 0, "within 2 s of the last");
        advance(kMarkEveryMs);
        state.tick(true);
        assert.deepEqual(js(written(session).map((e) => e.markRead)), [{ room: "lobby", seq: 2 }]);
        feed(frame({ readMarkers: { markers: [{ room: "lobby", seq: 9 }] } }));
        advance(kMarkEveryMs);
        state.tick(true);
        assert.equal(written(session).length, 0, "the marker is already past what we hold");
    });
});

describe("private conversations", () => {
    test("ordered and deduplicated by private_seq; waited and offline marked; a redelivery dropped", () => {
        const { state, feed } = setup();
        const pm = (seq: number, from: string, text: string, over = {}) => chat("", 0, from, text, 0, { to: from === "ana" ? "bob" : "ana", privateSeq: seq, ...over });
        feed(live(pm(3, "bob", "call me", { waited: true })));
        feed(live(pm(3, "bob", "call me", { waited: true })));
        const q = state.find("query:bob")!;
        assert.deepEqual(q.lines.map((l) => [l.seq, l.text, l.waited]), [[3, "call me", true]]);
        feed(live(pm(2, "bob", "older, again")));
        assert.equal(q.lines.length, 1, "a live one at or below the highest seen is a redelivery");
        feed(live(chat("", 0, "ana", "to carol", 0, { to: "carol", privateSeq: 1, offline: true })));
        assert.ok(state.find("query:carol")!.lines[0]!.offline);
    });

    test("what another session of the account wrote is ours, in the conversation with its `to`, once", () => {
        const { session, state, feed } = setup("ana_web");
        // The hub's copy: from the account, client_msg_id 0.
        const copy = chat("", 0, "ana", "from my phone", 0, { to: "bob", privateSeq: 5 });
        feed(live(copy));
        assert.equal(state.find("query:ana"), undefined, "no conversation named after ourselves");
        const q = state.find("query:bob")!;
        assert.deepEqual(q.lines.map((l) => [l.seq, l.nick, l.text, l.own, l.pending]), [[5, "ana", "from my phone", true, null]]);
        assert.equal(q.unread, 0, "our own line is not unread");
        feed(live(copy));
        state.switchTo("query:bob");
        feed(page("", [], { peer: "bob", headSeq: 5 })); // the probe's answer
        assert.deepEqual(js(written(session).map((e) => e.historyRequest)), [{ peer: "bob", limit: 1 }, { peer: "bob", limit: 50 }]);
        feed(page("", [chat("", 0, "bob", "lunch?", 0, { to: "ana", privateSeq: 4 }), copy], { peer: "bob", headSeq: 5 }));
        assert.deepEqual(q.lines.filter((l) => l.seq > 0).map((l) => [l.seq, l.own]), [[4, false], [5, true]], "by private_seq, each once");
        // Not signed in: a private message from a nick is that nick's.
        const other = setup("ana_web");
        other.state.account = "";
        other.feed(live(chat("", 0, "ana", "hello", 0, { to: "ana_web" })));
        assert.ok(other.state.find("query:ana"));
    });

    test("opening a conversation asks for its head, then its newest page, merged in order", () => {
        const { session, state, feed } = setup();
        feed(live(chat("", 0, "bob", "newest", 0, { to: "ana", privateSeq: 60 })));
        state.switchTo("query:bob");
        const probe = written(session).map((e) => e.historyRequest);
        assert.deepEqual(js(probe), [{ peer: "bob", limit: 1 }]);
        feed(page("", [chat("", 0, "bob", "first", 0, { to: "ana", privateSeq: 1 })], { peer: "bob", headSeq: 60 }));
        const newest = written(session).map((e) => e.historyRequest);
        assert.deepEqual(js(newest), [{ peer: "bob", afterSeq: 10, limit: 50 }]);
        const msgs = Array.from({ length: 50 }, (_, i) => chat("", 0, i % 2 ? "ana" : "bob", `m${11 + i}`, 0, { to: i % 2 ? "bob" : "ana", privateSeq: 11 + i }));
        feed(page("", msgs, { peer: "bob", headSeq: 60 }));
        const q = state.find("query:bob")!;
        assert.equal(q.lines.filter((l) => l.seq > 0).length, 50, "seq 60 once");
        assert.deepEqual(q.lines.filter((l) => l.seq > 0).map((l) => l.seq), Array.from({ length: 50 }, (_, i) => 11 + i));
        assert.ok(state.loadOlder("query:bob"));
        assert.deepEqual(js(written(session).map((e) => e.historyRequest)), [{ peer: "bob", limit: 10 }]);
    });
});

describe("typing through the state", () => {
    test("a notice shows for its window, ends with a message; the setting off stops sending and showing", () => {
        const { session, state, feed } = setup();
        feed(frame({ typingNotice: { room: "lobby", from: "bob", expiresMs: 6000 } }));
        assert.equal(state.typingLine(), "bob is typing…");
        feed(live(chat("lobby", 1, "bob", "hi")));
        assert.equal(state.typingLine(), "");
        state.inputEdited("hel");
        assert.deepEqual(js(written(session).map((e) => e.typing)), [{ room: "lobby" }]);
        state.setTyping(false);
        state.inputEdited("hello there");
        assert.equal(written(session).length, 0);
        feed(frame({ typingNotice: { room: "lobby", from: "bob", expiresMs: 6000 } }));
        assert.equal(state.typingLine(), "");
    });
});
