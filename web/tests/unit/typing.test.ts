// Typing notices without a browser: when the page sends Typing, and who the
// page says is typing, until when.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TypingBoard, TypingSender, kTypingEveryMs, kTypingExpiresMs } from "../../src/model/Typing";

describe("TypingSender", () => {
    test("the first keystroke sends; more within 3 s send nothing; then one again", () => {
        const t = new TypingSender();
        const room = { room: "lobby" };
        assert.deepEqual(t.edited(room, "h", 0), { room: "lobby" });
        assert.equal(t.edited(room, "he", 1000), null);
        assert.equal(t.edited(room, "hel", kTypingEveryMs - 1), null);
        assert.deepEqual(t.edited(room, "hell", kTypingEveryMs), { room: "lobby" });
    });

    test("never for a command or a blank line; clearing the line soon after a notice sends stopped", () => {
        const t = new TypingSender();
        const to = { to: "Bob" };
        assert.equal(t.edited(to, "/join x", 0), null);
        assert.equal(t.edited(to, "   ", 0), null);
        assert.deepEqual(t.edited(to, "hi", 10), { to: "Bob" });
        assert.deepEqual(t.edited(to, "", 20), { to: "Bob", stopped: true });
        assert.equal(t.edited(to, "", 30), null, "stopped once");
        assert.deepEqual(t.edited(to, "/me", 40) ?? t.edited(to, "again", 50), { to: "Bob" });
    });

    test("a notice long lapsed needs no stopped; a sent line lets the next keystroke send at once", () => {
        const t = new TypingSender();
        const room = { room: "lobby" };
        t.edited(room, "a", 0);
        assert.equal(t.edited(room, "", kTypingExpiresMs + 1), null);
        t.edited(room, "b", 10_000);
        t.sent(room);
        assert.deepEqual(t.edited(room, "c", 10_001), { room: "lobby" });
    });
});

describe("TypingBoard", () => {
    test("one, two, three and more people; renewals keep a notice; it lapses after expires_ms", () => {
        const b = new TypingBoard();
        const w = "room:lobby";
        b.notice(w, "ana", false, 6000, 0);
        assert.equal(b.line(w, 0), "ana is typing…");
        b.notice(w, "bob", false, 6000, 1000);
        assert.equal(b.line(w, 1000), "ana and bob are typing…");
        b.notice(w, "carol", false, 6000, 1000);
        assert.equal(b.line(w, 1000), "ana, bob and carol are typing…");
        b.notice(w, "dave", false, 6000, 1000);
        assert.equal(b.line(w, 1000), "several people are typing…");
        assert.equal(b.line("room:other", 1000), "");
        b.notice(w, "ANA", false, 6000, 5000); // renewed (any case), now said last
        assert.equal(b.nextExpiry(), 7000);
        assert.ok(b.expire(7000));
        assert.equal(b.line(w, 7000), "ANA is typing…", "as the newest notice spells it");
        assert.ok(!b.expire(10_999));
        assert.ok(b.expire(11_000));
        assert.equal(b.line(w, 11_000), "");
        assert.equal(b.nextExpiry(), null);
    });

    test("stopped and a message from that nick end it at once; no expires_ms means 6 s", () => {
        const b = new TypingBoard();
        b.notice("query:bob", "bob", false, 0, 0);
        assert.equal(b.nextExpiry(), kTypingExpiresMs);
        assert.ok(b.messageFrom("query:bob", "Bob"));
        assert.equal(b.line("query:bob", 1), "");
        b.notice("room:x", "bob", false, 6000, 0);
        b.notice("room:x", "bob", true, 0, 1);
        assert.equal(b.line("room:x", 2), "");
        b.notice("room:x", "bob", false, 6000, 3);
        b.renamed("bob", "robert");
        assert.equal(b.line("room:x", 4), "robert is typing…");
    });
});
