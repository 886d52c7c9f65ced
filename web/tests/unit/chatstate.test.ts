// ChatState over a real ClientSession fed hub frames: what the page shows.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChatState, kOlderPage } from "../../src/model/ChatState";
import { ClientSession } from "../../src/model/ClientSession";
import { kIdSpan } from "../../src/model/ClientIds";
import { encodeEnvelope, v1 } from "../../src/proto/codec";
import { sha256Hex } from "../../src/model/Sha256";
import { chat, error, frame, joined, limits, live, members, page, welcome, written } from "../support/frames";

function setup(nick = "ana", rateBurst = 10) {
    let mono = 0;
    const clock = { mono: () => mono, wall: () => 1_700_000_000_000 + mono };
    const saved = new Map<string, string>();
    const storage = { load: (k: string) => saved.get(k) ?? null, save: (k: string, v: string) => void saved.set(k, v) };
    const session = new ClientSession({ nick, idBase: 9 * kIdSpan, random: () => 0.5 });
    const state = new ChatState(session, clock, storage);
    const feed = (bytes: Uint8Array) => {
        session.received(bytes, mono);
        state.onEvents(session.takeEvents());
    };
    session.connecting(0);
    session.connected(0);
    state.onEvents(session.takeEvents());
    feed(welcome(nick, { limits: limits({ rateBurst }) }));
    feed(members("lobby", [nick, "bob", "carol"], ["carol"]));
    feed(joined("lobby", nick));
    written(session);
    return {
        session,
        state,
        feed,
        saved,
        advance: (ms: number) => {
            mono += ms;
            session.tick(mono);
            state.onEvents(session.takeEvents());
        },
    };
}

const texts = (state: ChatState, key = state.activeKey) => state.find(key)!.lines.map((l) => l.text);

describe("the room window", () => {
    test("joining lobby opens its window, with members and who is away", () => {
        const { state } = setup();
        assert.equal(state.activeKey, "room:lobby");
        const w = state.active;
        assert.deepEqual(w.memberNicks(), ["ana", "bob", "carol"]);
        assert.ok(w.away.has("carol"));
        assert.equal(state.conn.state, "online");
    });

    test("a large room's partial list is fetched whole; showing the panel fetches it again", () => {
        const { state, session, feed } = setup();
        feed(encodeEnvelope({ members: { room: "big", nicks: ["m0", "m1", "ana"], total: 5000, partial: true } }));
        feed(joined("big", "ana"));
        const asked = written(session).filter((e) => e.body === "who").map((e) => e.who!.room);
        assert.deepEqual(asked, ["big"]);
        feed(encodeEnvelope({ members: { room: "big", nicks: ["ana", "m0", "m1", "m2"], total: 4 } }));
        assert.deepEqual(state.find("room:big")!.memberNicks(), ["ana", "m0", "m1", "m2"]);
        assert.equal(written(session).filter((e) => e.body === "who").length, 0, "a whole list asks nothing");
        state.switchTo("room:big");
        state.submitLine("/members"); // hidden
        state.submitLine("/members"); // shown: asked again
        assert.deepEqual(
            written(session).filter((e) => e.body === "who").map((e) => e.who!.room),
            ["big"],
        );
    });

    test("a shared file shows as its text with the seq that names it", () => {
        const { state, feed } = setup();
        const file = { name: "report.pdf", size: 1_234_567, mediaType: "application/pdf", sha256: "a".repeat(64) };
        feed(live(chat("lobby", 7, "bob", "shared report.pdf (1.2 MB)", 0, { kind: v1.MessageKind.MESSAGE_KIND_FILE, file })));
        assert.equal(texts(state).at(-1), "#7 shared report.pdf (1.2 MB)");
    });

    test("presence AWAY and BACK dim and undim a member", () => {
        const { state, feed } = setup();
        feed(frame({ presence: { room: "lobby", kind: v1.PresenceKind.PRESENCE_KIND_AWAY, nicks: ["bob"], reason: "lunch" } }));
        assert.ok(state.active.away.has("bob"));
        feed(frame({ presence: { room: "lobby", kind: v1.PresenceKind.PRESENCE_KIND_BACK, nicks: ["bob"] } }));
        assert.ok(!state.active.away.has("bob"));
    });

    test("moderation presence says who did what, and a kick or ban takes the member out", () => {
        const { state, feed } = setup();
        const K = v1.PresenceKind;
        feed(frame({ presence: { room: "lobby", kind: K.PRESENCE_KIND_KICKED, nicks: ["bob"], reason: "spam", by: "carol" } }));
        assert.deepEqual(state.active.memberNicks(), ["ana", "carol"]);
        assert.equal(texts(state).at(-1), "bob was kicked by carol (spam)");
        feed(frame({ presence: { room: "lobby", kind: K.PRESENCE_KIND_MODE_CHANGED, reason: "topic locked", by: "carol" } }));
        assert.equal(texts(state).at(-1), "carol set #lobby: topic locked");
        feed(frame({ presence: { room: "lobby", kind: K.PRESENCE_KIND_BANNED, nicks: ["ana"], reason: "bye", by: "carol" } }));
        assert.equal(state.find("room:lobby"), undefined);
        assert.equal(texts(state, "status:").at(-1), "You were banned from #lobby by carol (bye)");
    });
});

describe("our own lines", () => {
    test("shown at once as queued, then sending, then replaced by the echo in the room's order", () => {
        const { state, session, feed } = setup("ana", 1); // the Hello took the only token
        assert.ok(state.submitLine("hello world"));
        let line = state.active.lines.at(-1)!;
        assert.equal(line.pending?.state, "queued");
        assert.equal(state.pendingCount(), 1);
        feed(live(chat("lobby", 1, "bob", "before mine")));
        assert.equal(state.active.lines.at(-1)!.pending?.state, "queued", "pending lines stay at the bottom");
        // Time passes: the token comes, the say is written.
        session.tick(1000);
        state.onEvents(session.takeEvents());
        line = state.active.lines.at(-1)!;
        assert.equal(line.pending?.state, "sending");
        const id = line.pending!.id;
        feed(live(chat("lobby", 2, "ana", "hello world", id)));
        const lines = state.active.lines.filter((l) => l.kind === "text");
        assert.deepEqual(lines.map((l) => [l.text, l.seq, l.pending]), [
            ["before mine", 1, null],
            ["hello world", 2, null],
        ]);
        assert.equal(state.pendingCount(), 0);
    });

    test("a refused line is marked failed; /retry sends it again under a new id", () => {
        const { state, session, feed } = setup();
        state.submitLine("/me dances");
        const first = state.active.lines.at(-1)!.pending!;
        assert.equal(written(session)[0]!.say!.kind, v1.MessageKind.MESSAGE_KIND_ACTION);
        feed(error({ code: v1.ErrorCode.ERROR_CODE_NOT_IN_ROOM, text: "not in lobby", clientMsgId: first.id, room: "lobby" }));
        const failed = state.active.lines.at(-1)!;
        assert.equal(failed.pending?.state, "failed");
        assert.equal(failed.pending?.why, "not in lobby");
        assert.equal(state.failedCount(), 1);
        state.submitLine("/retry");
        const again = written(session);
        assert.equal(again.length, 1);
        assert.notEqual(again[0]!.say!.clientMsgId, first.id);
        assert.equal(again[0]!.say!.text, "dances");
        assert.equal(state.failedCount(), 0);
        assert.equal(state.pendingCount(), 1);
    });

    test("a line longer than the hub takes is refused here and stays in the input", () => {
        const { state, session } = setup();
        assert.equal(state.submitLine("x".repeat(4097)), false);
        assert.deepEqual(written(session), []);
        assert.match(state.active.lines.at(-1)!.text, /4097 bytes/);
        assert.equal(state.submitLine("é".repeat(2048)), true, "4096 bytes of UTF-8 fit");
    });

    test("typed while offline: shown as waiting, sent after the reconnect's catch-up", () => {
        const { state, session } = setup();
        session.disconnected("connection closed (1006)", 10);
        state.onEvents(session.takeEvents());
        assert.equal(state.conn.state, "offline");
        assert.ok(state.conn.retryAt > 10);
        state.submitLine("are you there?");
        assert.equal(state.active.lines.at(-1)!.pending?.state, "queued");
        assert.deepEqual(written(session), []);
    });
});

describe("unread counts, mentions and notifications", () => {
    test("counted in windows not shown; a mention highlights; private messages get their own tab", () => {
        const { state, feed } = setup();
        feed(frame({ join: {} })); // (an unknown-to-the-client frame is harmless)
        state.submitLine("/join dev");
        feed(members("dev", ["ana", "dave"]));
        feed(joined("dev", "ana"));
        assert.equal(state.activeKey, "room:dev", "a room we asked to join is shown");
        feed(live(chat("lobby", 1, "bob", "plain line")));
        feed(live(chat("lobby", 2, "bob", "hey ana, look")));
        feed(live(chat("lobby", 3, "bob", "banana is not a mention")));
        const lobby = state.find("room:lobby")!;
        assert.equal(lobby.unread, 3);
        assert.equal(lobby.mentioned, true);
        assert.deepEqual(lobby.lines.filter((l) => l.mention).map((l) => l.seq), [2]);
        feed(live(chat("", 0, "bob", "psst", 0, { to: "ana" })));
        const q = state.find("query:bob")!;
        assert.ok(q, "a private message opens its own window");
        assert.equal(q.unread, 1);
        const notes = state.takeNotifications();
        assert.deepEqual(notes.map((n) => n.title), ["bob in #lobby", "bob (private message)"]);
        state.switchTo("room:lobby");
        assert.equal(lobby.unread, 0);
        assert.equal(lobby.mentioned, false);
    });

    test("history is not news: a backlog mention neither counts nor notifies", () => {
        const { state, feed } = setup();
        state.switchTo("status:");
        feed(page("lobby", [chat("lobby", 1, "bob", "ana: old news")], { backlog: true }));
        assert.equal(state.find("room:lobby")!.unread, 0);
        assert.deepEqual(state.takeNotifications(), []);
    });
});

describe("history", () => {
    test("older messages on scroll: the page before the oldest, deduplicated, in order", () => {
        const { state, session, feed } = setup();
        feed(page("lobby", [120, 121, 122].map((n) => chat("lobby", n, "bob", `m${n}`)), { backlog: true }));
        assert.ok(state.loadOlder("room:lobby"));
        const req = written(session);
        assert.deepEqual(req.map((e) => [e.historyRequest!.afterSeq, e.historyRequest!.limit]), [[119 - kOlderPage, kOlderPage]]);
        assert.equal(state.loadOlder("room:lobby"), false, "one request at a time");
        // The answer overlaps what is shown (a page cut later holds newer seqs too).
        const older = [];
        for (let n = 70; n <= 121; n++) older.push(chat("lobby", n, "bob", `m${n}`));
        feed(page("lobby", older, { hasMore: true }));
        const seqs = state.active.lines.filter((l) => l.seq > 0).map((l) => l.seq);
        const expected = [];
        for (let n = 70; n <= 122; n++) expected.push(n);
        assert.deepEqual(seqs, expected);
        assert.equal(state.active.older, "idle");
    });

    test("the beginning of the room's history ends the loading", () => {
        const { state, session, feed } = setup();
        feed(page("lobby", [3, 4].map((n) => chat("lobby", n, "bob", `m${n}`)), { backlog: true }));
        state.loadOlder("room:lobby");
        assert.equal(written(session)[0]!.historyRequest!.afterSeq, 0);
        feed(page("lobby", [1, 2].map((n) => chat("lobby", n, "bob", `m${n}`))));
        assert.equal(state.active.older, "done");
        assert.equal(state.loadOlder("room:lobby"), false);
    });
});

describe("commands", () => {
    test("/help writes the command list into the window", () => {
        const { state } = setup();
        state.submitLine("/help");
        assert.ok(texts(state).some((t) => t.startsWith("/join <room>")));
        state.submitLine("/frob");
        assert.equal(texts(state).at(-1), "unknown command /frob; /help lists them");
    });

    test("/msg opens the private window and sends a PrivateMessage", () => {
        const { state, session } = setup();
        state.submitLine("/msg Bob hi there");
        assert.equal(state.activeKey, "query:bob");
        const out = written(session);
        assert.equal(out[0]!.privateMessage!.to, "Bob");
        assert.equal(out[0]!.privateMessage!.text, "hi there");
    });

    test("/search shows hits in the search window; /search-more asks for older ones", () => {
        const { state, session, feed } = setup();
        state.submitLine("/search deploy failed");
        assert.deepEqual(written(session).map((e) => [e.searchRequest!.room, e.searchRequest!.query]), [["lobby", "deploy failed"]]);
        feed(frame({ searchResults: { room: "lobby", query: "deploy failed", messages: [chat("lobby", 9, "bob", "deploy failed again"), chat("lobby", 4, "bob", "deploy failed")], hasMore: true } }));
        assert.equal(state.activeKey, "search:");
        assert.deepEqual(state.active.lines.filter((l) => l.hit > 0).map((l) => [l.hit, l.room, l.text]), [
            [1, "lobby", "deploy failed again"],
            [2, "lobby", "deploy failed"],
        ]);
        state.submitLine("/search-more");
        assert.equal(written(session)[0]!.searchRequest!.beforeSeq, 4);
    });

    test("/ignore hides a nick's lines and is remembered", () => {
        const { state, feed, saved } = setup();
        state.submitLine("/ignore Bob");
        feed(live(chat("lobby", 1, "bob", "you cannot see me")));
        assert.ok(!texts(state).includes("you cannot see me"));
        assert.equal(saved.get("hermes.ignore"), '["bob"]');
    });

    test("/away is sent again after a reconnect", () => {
        const { state, session, feed } = setup();
        state.submitLine("/away lunch");
        assert.equal(written(session)[0]!.setAway!.text, "lunch");
        feed(frame({ presence: { room: "", kind: v1.PresenceKind.PRESENCE_KIND_AWAY, nicks: ["ana"], reason: "lunch" } }));
        assert.equal(state.awayText, "lunch");
        session.disconnected("gone", 1);
        session.tick(100_000);
        session.connecting(100_000);
        session.connected(100_000);
        written(session);
        session.received(welcome("ana"), 100_001);
        state.onEvents(session.takeEvents());
        const rejoin = written(session);
        assert.deepEqual(rejoin.map((e) => e.body), ["join", "historyRequest"], "the catch-up first");
        feed(page("lobby", [], { headSeq: 0 }));
        assert.ok(written(session).some((e) => e.setAway?.text === "lunch"));
    });
});

describe("the nick", () => {
    test("NICK_TAKEN brings the nick prompt back; an invalid nick is refused before it is sent", () => {
        const session = new ClientSession({ nick: "ana", idBase: 3 * kIdSpan });
        const state = new ChatState(session, { mono: () => 0, wall: () => 0 });
        session.connecting(0);
        session.connected(0);
        written(session);
        session.received(error({ code: v1.ErrorCode.ERROR_CODE_NICK_TAKEN, text: "nick ana is taken" }), 1);
        state.onEvents(session.takeEvents());
        assert.equal(state.conn.state, "nickPrompt");
        assert.equal(state.conn.detail, "nick ana is taken");
        assert.match(state.chooseNick("2ana") ?? "", /digit/);
        assert.deepEqual(written(session), []);
        assert.equal(state.chooseNick("ana2"), null);
        assert.equal(written(session)[0]!.hello!.nick, "ana2");
    });
});

describe("replies, edits, deletes and reactions", () => {
    const EDIT = v1.MessageKind.MESSAGE_KIND_EDIT;
    const DELETE = v1.MessageKind.MESSAGE_KIND_DELETE;
    const REACT = v1.MessageKind.MESSAGE_KIND_REACT;
    const UNREACT = v1.MessageKind.MESSAGE_KIND_UNREACT;
    const thumbs = "\u{1F44D}";

    test("reactions fold by reactor and show each member by its newest nick", () => {
        const { state, feed } = setup();
        feed(live(chat("lobby", 1, "bob", "ship it")));
        feed(live(chat("lobby", 2, "carol", "r", 0, { kind: REACT, targetSeq: 1, reaction: thumbs, reactor: "carol" })));
        feed(live(chat("lobby", 3, "carla", "r", 0, { kind: REACT, targetSeq: 1, reaction: thumbs, reactor: "carol" })));
        feed(live(chat("lobby", 4, "carol", "r", 0, { kind: REACT, targetSeq: 1, reaction: thumbs, reactor: "~19a.7" })));
        const line = state.active.lines.find((l) => l.seq === 1)!;
        assert.deepEqual(line.reactions, [{ text: thumbs, nicks: ["carla", "carol"], reactors: ["carol", "~19a.7"] }]);
        feed(live(chat("lobby", 5, "carla", "r", 0, { kind: UNREACT, targetSeq: 1, reaction: thumbs, reactor: "carol" })));
        assert.deepEqual(line.reactions, [{ text: thumbs, nicks: ["carol"], reactors: ["~19a.7"] }]);
    });

    test("events fold into the line they name; a reply quotes it, as edited", () => {
        const { state, feed } = setup();
        feed(live(chat("lobby", 1, "bob", "helo wrold")));
        feed(live(chat("lobby", 2, "ana", "fix it?", 0, { replyTo: 1 })));
        feed(live(chat("lobby", 3, "bob", "hello world", 0, { kind: EDIT, targetSeq: 1 })));
        feed(live(chat("lobby", 4, "ana", "r", 0, { kind: REACT, targetSeq: 1, reaction: thumbs })));
        feed(live(chat("lobby", 5, "carol", "r", 0, { kind: REACT, targetSeq: 1, reaction: thumbs })));
        feed(live(chat("lobby", 6, "carol", "r", 0, { kind: UNREACT, targetSeq: 1, reaction: thumbs })));
        const lines = state.active.lines.filter((l) => l.seq > 0);
        assert.deepEqual(lines.map((l) => l.seq), [1, 2], "events are no lines of their own");
        assert.equal(lines[0]!.text, "hello world");
        assert.ok(lines[0]!.edited);
        assert.deepEqual(lines[0]!.reactions, [{ text: thumbs, nicks: ["ana"], reactors: ["ana"] }]);
        assert.equal(lines[1]!.replyTo, 1);
        assert.equal(lines[1]!.quote, "bob: hello world");
        feed(live(chat("lobby", 7, "bob", "deleted message 1", 0, { kind: DELETE, targetSeq: 1 })));
        assert.ok(lines[0]!.deleted);
        assert.equal(lines[1]!.quote, "bob: (deleted)");
    });

    test("the commands send them; without a number they take the newest from someone else", () => {
        const { state, session, feed } = setup();
        feed(live(chat("lobby", 1, "bob", "ship it?")));
        feed(live(chat("lobby", 2, "ana", "mine")));
        state.submitLine("/reply yes");
        state.submitLine(`/react ${thumbs}`);
        state.submitLine("/edit 2 mine, fixed");
        state.submitLine("/delete 2");
        const says = written(session).map((e) => e.say!);
        assert.deepEqual(
            says.map((s) => [s.kind ?? 0, Number(s.replyTo ?? 0), Number(s.targetSeq ?? 0), s.text ?? ""]),
            [
                [0, 1, 0, "yes"],
                [REACT, 0, 1, thumbs],
                [EDIT, 0, 2, "mine, fixed"],
                [DELETE, 0, 2, ""],
            ],
        );
        assert.equal(state.active.lines.at(-1)!.quote, "bob: ship it?", "the pending reply quotes too");
        // A refusal of an edit is said in the room.
        const editId = Number(says[2]!.clientMsgId);
        feed(error({ code: v1.ErrorCode.ERROR_CODE_NOT_AUTHOR, text: "message 2 of lobby is not yours", clientMsgId: editId, room: "lobby" }));
        assert.ok(texts(state).includes("Not done: message 2 of lobby is not yours"), texts(state).join("\n"));
    });

    test("/seqs shows the numbers; a command with no target says how to name one", () => {
        const { state } = setup();
        state.submitLine(`/react ${thumbs}`);
        assert.match(texts(state).at(-1)!, /No message from someone else/);
        assert.equal(state.showSeqs, false);
        state.submitLine("/seqs");
        assert.equal(state.showSeqs, true);
    });
});

describe("/upload", () => {
    test("opens the picker in a room of a hub that keeps files; says why not elsewhere", () => {
        const { state, feed } = setup();
        state.submitLine("/upload");
        assert.equal(state.takePickFile(), false, "this hub keeps no files (max_file_bytes 0)");
        assert.equal(texts(state).at(-1), "This hub keeps no files");
        feed(welcome("ana", { limits: limits({ maxFileBytes: 1 << 20 }) }));
        state.submitLine("/upload");
        assert.equal(state.takePickFile(), true);
        assert.equal(state.takePickFile(), false, "once");
        state.submitLine("/query bob");
        state.submitLine("/upload");
        assert.equal(state.takePickFile(), false);
        assert.equal(texts(state).at(-1), "Files are shared in a room: /upload in one");
    });
});

describe("file transfers", () => {
    const sha = "cd".repeat(32);
    const file = { name: "big.iso", size: 1000, mediaType: "", sha256: sha };

    // An upload sending its chunks and a download under way, side by side.
    function busy() {
        const t = setup();
        t.session.sendNow(t.state.transfers.offer("lobby", { name: "up.txt", size: 10, mediaType: "", sha256: "ab".repeat(32) }, new Uint8Array(10), 5));
        t.feed(frame({ fileAccept: { uploadId: 1, clientMsgId: 5, chunkBytes: 4, windowBytes: 4 } }));
        t.state.transfers.startDownload("lobby", 7, file);
        for (const f of t.state.transfers.takeFrames()) t.session.sendNow(f);
        written(t.session);
        return t;
    }

    test("a refused FileRequest fails the download, not the upload beside it", () => {
        const { state, feed } = busy();
        feed(error({ code: v1.ErrorCode.ERROR_CODE_INVALID_FILE, text: "already 4 downloads under way (files.max_downloads_per_session)", room: "lobby" }));
        assert.equal(state.transfers.uploads[0]!.state, "sending", "the upload goes on");
        assert.equal(state.transfers.download!.state, "failed");
        assert.match(texts(state).at(-1)!, /^Download of big\.iso failed: already 4 downloads under way/);
        feed(error({ code: v1.ErrorCode.ERROR_CODE_NO_SUCH_UPLOAD, text: "no upload 1 of yours is under way" }));
        assert.equal(state.transfers.uploads[0]!.state, "failed", "NO_SUCH_UPLOAD is the upload's");
        assert.match(texts(state).at(-1)!, /^Upload of up\.txt failed: no upload 1/);
    });

    test("a FileRequest in a room we left: its NOT_IN_ROOM fails the download", () => {
        const { state, feed } = busy();
        feed(error({ code: v1.ErrorCode.ERROR_CODE_NOT_IN_ROOM, text: "you are not in lobby", room: "lobby" }));
        assert.equal(state.transfers.download!.state, "failed");
        assert.equal(state.transfers.uploads[0]!.state, "sending");
    });

    test("a download the page gives up is cancelled at the hub, by its hash", () => {
        const { state, feed, session } = busy();
        feed(frame({ fileData: { sha256: sha, offset: 0, data: new Uint8Array(100), file } }));
        assert.deepEqual(written(session), []);
        feed(frame({ fileData: { sha256: sha, offset: 300, data: new Uint8Array(100) } }));
        assert.equal(state.transfers.download!.state, "failed");
        const out = written(session);
        assert.deepEqual(out.map((e) => [e.body, e.fileCancel?.sha256]), [["fileCancel", sha]]);
        assert.equal(Number(out[0]!.fileCancel!.uploadId), 0);
        assert.match(texts(state).at(-1)!, /^Download of big\.iso failed: the hub sent bytes from 300/);
        // The last bytes against another hash: failed and cancelled too.
        state.transfers.startDownload("lobby", 8, { ...file, size: 4 });
        state.transfers.takeFrames();
        feed(frame({ fileData: { sha256: sha, offset: 0, data: new Uint8Array(4) } }));
        assert.equal(state.transfers.download!.state, "failed");
        assert.deepEqual(written(session).map((e) => [e.body, e.fileCancel?.sha256]), [["fileCancel", sha]]);
    });

    test("Cancel stops that one download (its sha256), not all of the session's", () => {
        const { state, session } = busy();
        state.cancelTransfer(state.transfers.download!.key);
        const out = written(session);
        assert.deepEqual(out.map((e) => [e.body, e.fileCancel?.sha256]), [["fileCancel", sha]]);
    });
});

describe("several downloads", () => {
    test("Download on three FILE lines: one FileRequest at a time, each with its row; both checked ones offered to save", () => {
        const { state, feed, session } = setup();
        const f = (n: number) => ({ name: `f${n}.bin`, size: 3, mediaType: "", sha256: sha256Hex(new Uint8Array([n, n, n])) });
        for (let n = 1; n <= 3; n++) feed(live(chat("lobby", n, "bob", `shared f${n}.bin (3 B)`, 0, { kind: v1.MessageKind.MESSAGE_KIND_FILE, file: f(n) })));
        written(session);
        for (let n = 1; n <= 3; n++) state.downloadFile(state.activeKey, n);
        const asked = () => written(session).filter((e) => e.body === "fileRequest").map((e) => Number(e.fileRequest!.seq));
        assert.deepEqual(asked(), [1]);
        assert.ok(!texts(state).some((t) => t.startsWith("One download at a time")));
        assert.equal(state.transfers.active().length, 3, "a row each");
        feed(frame({ fileData: { sha256: f(1).sha256, offset: 0, data: new Uint8Array([1]), file: f(1) } }));
        assert.deepEqual(asked(), [2]);
        feed(frame({ fileData: { sha256: f(2).sha256, offset: 0, data: new Uint8Array([2, 2, 2]), file: f(2) } }));
        assert.deepEqual(asked(), [3]);
        feed(frame({ fileData: { sha256: f(1).sha256, offset: 1, data: new Uint8Array([1, 1]) } }));
        assert.deepEqual(state.takeDownloadsToSave().map((d) => d.name), ["f2.bin", "f1.bin"]);
        assert.equal(state.transfers.downloads[2]!.state, "receiving");
    });
});
