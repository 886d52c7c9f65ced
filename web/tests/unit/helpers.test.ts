// Small helpers: names, completion, input history, the token bucket.
import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalRoom, mentions, nickColour, nickError, roomError } from "../../src/model/names";
import { Completion } from "../../src/model/Completion";
import { InputHistory } from "../../src/model/InputHistory";
import { TokenBucket } from "../../src/model/TokenBucket";

test("nick rules as PROTOCOL.md section 6", () => {
    for (const ok of ["ana", "Bob_2", "[away]x", "`q", "a".repeat(32)]) assert.equal(nickError(ok), null, ok);
    for (const bad of ["2ana", "-x", "ana bob", "ána", "", "a".repeat(33)]) assert.notEqual(nickError(bad), null, bad);
});

test("rooms are canonical: no '#', ASCII lower case", () => {
    assert.equal(canonicalRoom("#Dev.Ops"), "dev.ops");
    assert.equal(roomError("#ok-room_1.x"), null);
    assert.notEqual(roomError("bad room"), null);
    assert.notEqual(roomError("#"), null);
});

test("a mention is the nick as a whole word, any case", () => {
    assert.ok(mentions("hey ANA!", "ana"));
    assert.ok(mentions("ana: hi", "ana"));
    assert.ok(!mentions("banana", "ana"));
    assert.ok(!mentions("ana_b is here", "ana"));
    assert.ok(!mentions("anything", ""));
});

test("nick colours are stable and ignore case", () => {
    assert.equal(nickColour("Bob"), nickColour("bob"));
    const slots = new Set(["ana", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"].map(nickColour));
    assert.ok(slots.size >= 4);
});

test("Tab completes a nick (': ' as the first word), cycles, and leaves Tab alone when nothing matches", () => {
    const c = new Completion();
    const nicks = ["bob", "Bobby", "carol"];
    let e = c.complete({ text: "bo", cursor: 2 }, nicks, []);
    assert.deepEqual(e, { text: "bob: ", cursor: 5 });
    e = c.complete(e!, nicks, []);
    assert.deepEqual(e, { text: "Bobby: ", cursor: 7 });
    e = c.complete(e!, nicks, []);
    assert.deepEqual(e, { text: "bob: ", cursor: 5 });
    c.reset();
    assert.deepEqual(c.complete({ text: "hi car", cursor: 6 }, nicks, []), { text: "hi carol ", cursor: 9 });
    c.reset();
    assert.deepEqual(c.complete({ text: "/jo", cursor: 3 }, nicks, ["/join", "/help"]), { text: "/join ", cursor: 6 });
    c.reset();
    assert.equal(c.complete({ text: "zz", cursor: 2 }, nicks, []), null);
    assert.equal(c.complete({ text: "", cursor: 0 }, nicks, []), null);
});

test("Up brings back the last line to edit; Down returns to the draft", () => {
    const h = new InputHistory();
    assert.equal(h.up(""), null);
    h.add("first");
    h.add("second");
    assert.equal(h.up("draft"), "second");
    assert.equal(h.up("second"), "first");
    assert.equal(h.up("first"), null);
    assert.equal(h.down(), "second");
    assert.equal(h.down(), "draft");
    assert.equal(h.down(), null);
});

test("the token bucket starts full and refills at its rate", () => {
    const b = new TokenBucket(5, 2, 0);
    assert.ok(b.tryTake(0));
    assert.ok(b.tryTake(0));
    assert.ok(!b.tryTake(0));
    assert.equal(b.nextTokenAt(0), 200);
    assert.ok(!b.tryTake(199));
    assert.ok(b.tryTake(200));
    assert.ok(TokenBucket.unlimited().tryTake(0));
});
