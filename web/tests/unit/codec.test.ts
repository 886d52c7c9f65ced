// The generated codec against docs/PROTOCOL.md section 3's test vectors (the
// payloads, without the TCP varint prefix: on a WebSocket one binary message
// is one Envelope).
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeEnvelope, encodeEnvelope, v1 } from "../../src/proto/codec";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").replace(/(..)/g, "$1 ").trim();
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/ /g, ""), "hex"));

const vectors: { name: string; init: Parameters<typeof encodeEnvelope>[0]; payload: string }[] = [
    { name: "Hello", init: { hello: { protocolVersion: 1, nick: "ana" } }, payload: "0a 07 08 01 12 03 61 6e 61" },
    { name: "Ping 300", init: { ping: { nonce: 300 } }, payload: "82 01 03 08 ac 02" },
    { name: "Pong 300", init: { pong: { nonce: 300 } }, payload: "8a 01 03 08 ac 02" },
    { name: "Ping 0", init: { ping: {} }, payload: "82 01 00" },
    { name: "Join lobby", init: { join: { room: "lobby" } }, payload: "1a 07 0a 05 6c 6f 62 62 79" },
    { name: "Say", init: { say: { room: "lobby", clientMsgId: 1, text: "hi" } }, payload: "2a 0d 0a 05 6c 6f 62 62 79 10 01 22 02 68 69" },
    { name: "PrivateMessage", init: { privateMessage: { to: "bob", clientMsgId: 2, text: "psst" } }, payload: "32 0d 0a 03 62 6f 62 10 02 22 04 70 73 73 74" },
    { name: "HistoryRequest", init: { historyRequest: { room: "lobby", afterSeq: 41 } }, payload: "72 09 0a 05 6c 6f 62 62 79 10 29" },
    { name: "Bye quit", init: { bye: { reason: v1.ByeReason.BYE_REASON_CLIENT_QUIT } }, payload: "9a 01 02 08 01" },
    { name: "RoomListRequest", init: { roomListRequest: {} }, payload: "62 00" },
    { name: "WhoisRequest", init: { whoisRequest: { nick: "bob" } }, payload: "c2 02 05 0a 03 62 6f 62" },
    { name: "SetAway back", init: { setAway: {} }, payload: "d2 02 00" },
    { name: "Register", init: { registerNick: { password: "s3cret" } }, payload: "92 03 08 0a 06 73 33 63 72 65 74" },
    { name: "Identify", init: { identify: { nick: "ana", password: "s3cret" } }, payload: "9a 03 0d 0a 03 61 6e 61 12 06 73 33 63 72 65 74" },
    { name: "ChangePassword", init: { changePassword: { oldPassword: "s3cret", newPassword: "n3w" } }, payload: "a2 03 0d 0a 06 73 33 63 72 65 74 12 03 6e 33 77" },
    { name: "Hello with password", init: { hello: { protocolVersion: 1, nick: "ana", password: "s3cret" } }, payload: "0a 0f 08 01 12 03 61 6e 61 22 06 73 33 63 72 65 74" },
];

for (const v of vectors) {
    test(`encodes ${v.name} as PROTOCOL.md says`, () => {
        assert.equal(hex(encodeEnvelope(v.init)), v.payload);
    });
}

test("decodes the ChatMessage vector with its 64-bit fields as exact numbers", () => {
    const e = decodeEnvelope(bytes("3a 22 0a 05 6c 6f 62 62 79 10 01 18 80 d0 95 ff bc 31 20 b9 b0 96 ff bc 31 2a 03 61 6e 61 30 01 42 02 68 69"));
    assert.equal(e.body, "message");
    const m = e.message!;
    assert.equal(m.room, "lobby");
    assert.equal(m.seq, 1);
    assert.equal(m.epoch, 1700000000000);
    assert.equal(m.timeMs, 1700000012345);
    assert.equal(m.from, "ana");
    assert.equal(m.clientMsgId, 1);
    assert.equal(m.text, "hi");
    assert.equal(typeof m.epoch, "number");
});

test("decodes the Welcome with the default limits", () => {
    const e = decodeEnvelope(bytes("12 30 08 01 12 03 61 6e 61 1a 06 68 65 72 6d 65 73 28 80 d0 95 ff bc 31 32 18 08 80 80 04 10 80 20 18 05 20 0a 28 20 30 40 38 c8 01 40 40 48 b0 ea 01"));
    assert.equal(e.body, "welcome");
    const w = e.welcome!;
    assert.equal(w.nick, "ana");
    assert.equal(w.epoch, 1700000000000);
    assert.deepEqual(
        [w.limits!.maxFrameBytes, w.limits!.maxTextBytes, w.limits!.ratePerSecond, w.limits!.rateBurst, w.limits!.historyPageMax, w.limits!.pingIntervalMs],
        [65536, 4096, 5, 10, 200, 30000],
    );
});

test("a client_msg_id near 2^53 round-trips exactly", () => {
    const id = 2 ** 52 + 2 ** 32 + 7;
    const back = decodeEnvelope(encodeEnvelope({ say: { room: "r", clientMsgId: id, text: "x" } }));
    assert.equal(back.say!.clientMsgId, id);
});

test("an Envelope with an unknown body decodes with no body (to be ignored)", () => {
    // Field 1000, a length-delimited empty message: a newer hub's body.
    const e = decodeEnvelope(bytes("c2 3e 00"));
    assert.equal(e.body, undefined);
});

test("bytes that are not protobuf throw (a bad frame)", () => {
    assert.throws(() => decodeEnvelope(bytes("0a ff ff ff ff 0f")));
});
