// File transfers and snippets without a browser: the upload's window of
// chunks, its end by the FILE echo or an error, the download's offsets,
// resume and hash verdict; snippet previews as hermes-tui builds them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FileTransfers, progressOf } from "../../src/model/FileTransfers";
import { Sha256, sha256Hex } from "../../src/model/Sha256";
import { parseCommand } from "../../src/model/CommandParser";
import { describeSize, isMultiLine, pasteLines, snippetName, snippetPreview } from "../../src/model/Snippet";

const info = (size: number) => ({ name: "a.bin", size, mediaType: "", sha256: "ab".repeat(32) });

describe("uploads", () => {
    test("chunks within the window, more as FileProgress moves it, done at the FILE echo", () => {
        const t = new FileTransfers();
        const bytes = new Uint8Array(10_000).map((_, i) => i & 0xff);
        const offer = t.offer("lobby", info(bytes.length), bytes, 77);
        assert.equal(offer.fileOffer?.clientMsgId, 77);
        const first = t.accepted({ uploadId: 3, clientMsgId: 77, chunkBytes: 1000, windowBytes: 2500 }, 65536);
        assert.deepEqual(first.map((f) => [f.fileChunk?.offset, f.fileChunk?.data?.length]), [[0, 1000], [1000, 1000]]);
        assert.equal(t.progress({ uploadId: 9, received: 2000 }).length, 0, "another upload id");
        const next = t.progress({ uploadId: 3, received: 1000 });
        assert.deepEqual(next.map((f) => f.fileChunk?.offset), [2000]);
        assert.equal(progressOf(t.uploads[0]!), 0.1);
        let all = [...first, ...next];
        for (let got = 2000; all.length < 10; got += 1000) all = all.concat(t.progress({ uploadId: 3, received: got }));
        assert.deepEqual(all.map((f) => f.fileChunk?.offset), [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
        assert.deepEqual(Array.from(all[9]!.fileChunk!.data!.slice(0, 2)), [9000 & 0xff, 9001 & 0xff]);
        assert.equal(t.uploads[0]!.state, "announcing");
        assert.ok(t.announced(77));
        assert.equal(t.active().length, 0, "a shared upload leaves the bar");
    });

    test("a chunk never passes the hub's frame limit; an error or a dropped connection fails it; cancel sends FileCancel", () => {
        const t = new FileTransfers();
        t.offer("lobby", info(5000), new Uint8Array(5000), 1);
        const chunks = t.accepted({ uploadId: 1, clientMsgId: 1, chunkBytes: 4096, windowBytes: 1 << 20 }, 1024);
        assert.ok(chunks.every((c) => (c.fileChunk?.data?.length ?? 0) <= 1024 - 64));
        t.offer("lobby", info(10), new Uint8Array(10), 2);
        assert.equal(t.refused(2, "FILE_QUOTA")?.state, "failed");
        t.offer("lobby", info(10), new Uint8Array(10), 3);
        t.connectionLost();
        assert.deepEqual(t.uploads.map((u) => u.state), ["failed", "failed", "failed"]);
        const u = new FileTransfers();
        u.offer("lobby", info(10_000), new Uint8Array(10_000), 4);
        assert.equal(u.cancel(u.uploads[0]!.key), null, "not accepted yet: nothing to cancel at the hub");
        u.offer("lobby", info(10_000), new Uint8Array(10_000), 5);
        u.accepted({ uploadId: 8, clientMsgId: 5, chunkBytes: 1000, windowBytes: 1000 }, 65536);
        assert.deepEqual(u.cancel(u.uploads[1]!.key), { fileCancel: { uploadId: 8 } });
    });
});

describe("downloads", () => {
    const req = (seq: number, offset: number) => ({ fileRequest: { room: "lobby", seq, offset } });

    test("in order to the size, hashed as the chunks come; a mismatch saves nothing", () => {
        const t = new FileTransfers();
        const good = { ...info(6), sha256: sha256Hex(new Uint8Array([1, 2, 3, 4, 5, 6])) };
        t.startDownload("lobby", 7, good);
        assert.deepEqual(t.takeFrames(), [req(7, 0)]);
        assert.equal(t.data({ sha256: good.sha256, offset: 0, data: new Uint8Array([1, 2, 3]), file: good }).result, "more");
        assert.equal(t.download!.hash.length, 3, "hashed on arrival");
        assert.equal(t.data({ sha256: good.sha256, offset: 3, data: new Uint8Array([4, 5, 6]) }).result, "complete");
        assert.ok(t.verify(t.download!));
        assert.equal(t.download!.state, "done");
        assert.deepEqual(t.download!.chunks.map((c) => Array.from(c)), [[1, 2, 3], [4, 5, 6]]);
        // The same bytes against another announced hash.
        t.startDownload("lobby", 8, info(6));
        t.data({ offset: 0, data: new Uint8Array([1, 2, 3, 4, 5, 6]) });
        assert.ok(!t.verify(t.download!));
        assert.equal(t.download!.state, "failed");
        assert.match(t.download!.why, /SHA-256 mismatch: got 7192385c3c06….*nothing saved/);
        assert.equal(t.download!.chunks.length, 0);
    });

    test("the SHA-256 of known inputs, whole or in pieces", () => {
        assert.equal(sha256Hex(new Uint8Array(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert.equal(sha256Hex(new TextEncoder().encode("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const big = new Uint8Array(1_000_003).map((_, i) => (i * 31) & 0xff);
        const h = new Sha256();
        for (let at = 0; at < big.length; at += 65_521) h.update(big.subarray(at, at + 65_521));
        assert.equal(h.hex(), createHash("sha256").update(big).digest("hex"));
    });

    test("a cut download resumes with its running hash; a cancelled one starts again", () => {
        const bytes = new Uint8Array([1, 2, 3, 4, 5, 6]);
        const good = { ...info(6), sha256: sha256Hex(bytes) };
        const t = new FileTransfers();
        t.startDownload("lobby", 7, good);
        t.data({ offset: 0, data: bytes.subarray(0, 4) });
        t.connectionLost();
        t.takeFrames();
        assert.deepEqual(t.resume(), []);
        assert.deepEqual(t.takeFrames(), [req(7, 4)]);
        assert.equal(t.data({ offset: 4, data: bytes.subarray(4) }).result, "complete");
        assert.ok(t.verify(t.download!), "the hash of the bytes before the cut and after");
        const u = new FileTransfers();
        u.startDownload("lobby", 7, good);
        u.data({ offset: 0, data: bytes.subarray(0, 4) });
        u.takeFrames();
        assert.equal(u.cancel(u.download!.key), null);
        assert.deepEqual(u.takeFrames(), [{ fileCancel: { uploadId: 0, sha256: good.sha256 } }]);
        u.startDownload("lobby", 7, good);
        assert.deepEqual(u.takeFrames(), [req(7, 0)], "not from bytes it dropped");
    });

    test("a cut download resumes from the bytes held; bytes at the wrong offset fail it", () => {
        const t = new FileTransfers();
        t.startDownload("lobby", 7, info(6));
        t.data({ offset: 0, data: new Uint8Array([1, 2]) });
        t.connectionLost();
        t.takeFrames();
        t.resume();
        assert.deepEqual(t.takeFrames(), [req(7, 2)]);
        t.startDownload("lobby", 7, info(6));
        assert.deepEqual(t.takeFrames(), [], "under way already");
        assert.equal(t.data({ offset: 3, data: new Uint8Array([9]) }).result, "ignored");
        assert.equal(t.download!.state, "failed");
        assert.deepEqual(t.takeFrames(), [{ fileCancel: { uploadId: 0, sha256: "ab".repeat(32) } }], "the hub stops streaming it");
        assert.deepEqual(t.takeFrames(), [], "once");
        // A connection that drops on the download every time: no endless resumes.
        t.startDownload("lobby", 9, { ...info(6), sha256: "99".repeat(32) });
        assert.deepEqual(t.resume(), []);
        assert.deepEqual(t.resume(), []);
        assert.equal(t.resume().length, 1);
        assert.equal(t.download!.state, "failed");
        assert.match(t.download!.why, /dropped 3 times/);
        t.startDownload("lobby", 8, { ...info(1), sha256: "88".repeat(32) });
        assert.ok(t.downloadRefused(t.downloadFor("NO_SUCH_FILE")!, "NO_SUCH_FILE"));
        assert.equal(t.download!.why, "NO_SUCH_FILE");
    });

    test("several side by side, one FileRequest unanswered at a time, up to the limit; chunks by their sha256", () => {
        const t = new FileTransfers();
        const f = (n: number) => ({ name: `f${n}`, size: 4, mediaType: "", sha256: String(n).repeat(64) });
        for (let n = 1; n <= 6; n++) t.startDownload("lobby", n, f(n));
        assert.deepEqual(t.takeFrames(), [req(1, 0)], "the next waits for an answer");
        assert.deepEqual(t.downloads.map((d) => d.state), ["receiving", "queued", "queued", "queued", "queued", "queued"]);
        // An error now can only be about #1.
        assert.equal(t.downloadFor("offset 9 is beyond the size")?.seq, 1);
        t.data({ sha256: f(1).sha256, offset: 0, data: new Uint8Array(2), file: f(1) });
        assert.deepEqual(t.takeFrames(), [req(2, 0)]);
        t.data({ sha256: f(2).sha256, offset: 0, data: new Uint8Array(2), file: f(2) });
        t.data({ sha256: f(3).sha256, offset: 0, data: new Uint8Array(2), file: f(3) });
        t.data({ sha256: f(4).sha256, offset: 0, data: new Uint8Array(2), file: f(4) });
        assert.deepEqual(t.takeFrames(), [req(3, 0), req(4, 0)], "four at once, the hub's default");
        assert.deepEqual(t.downloads.map((d) => d.state).slice(4), ["queued", "queued"]);
        // Interleaved chunks go to their own download; one done lets the next go.
        assert.equal(t.data({ sha256: f(2).sha256, offset: 2, data: new Uint8Array(2) }).result, "complete");
        assert.deepEqual(t.takeFrames(), [req(5, 0)]);
        assert.equal(t.downloads[0]!.received, 2);
        // The hub ending one under way names it in its text; the refusal of
        // #5's request (no hash) is #5's.
        const ended = t.downloadFor(`file ${f(3).sha256} was deleted; its download ended`)!;
        assert.equal(ended.seq, 3);
        assert.equal(t.downloadFor("already 4 downloads under way")?.seq, 5);
        assert.ok(t.downloadRefused(ended, "deleted"));
        assert.deepEqual(t.takeFrames(), [], "#5 still unanswered: #6 waits");
        // Cancelling a waiting one sends nothing.
        assert.equal(t.cancel(t.downloads[5]!.key), null);
        assert.deepEqual(t.takeFrames(), []);
        assert.equal(t.active().filter((d) => d.kind === "download").length, 5);
    });
});

describe("snippets", () => {
    test("a preview keeps 10 lines, LF, no CR, no control characters, at most 1 KiB", () => {
        const text = Array.from({ length: 14 }, (_, i) => `line ${i + 1}`).join("\r\n");
        assert.equal(snippetPreview(text), Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n"));
        assert.equal(snippetPreview("a\u0007b\tc\n\n"), "a\uFFFDb\tc");
        const long = "é".repeat(600);
        assert.equal(new TextEncoder().encode(snippetPreview(long)).length, 1024);
    });

    test("what counts as a multi-line paste, its lines, its name, sizes", () => {
        assert.ok(!isMultiLine("one line\n"));
        assert.ok(isMultiLine("one\ntwo"));
        assert.deepEqual(pasteLines("a\r\n\n  \nb\n"), ["a", "b"]);
        assert.equal(snippetName(new Date(2026, 11, 5, 9, 3, 7).getTime()), "paste-090307.txt");
        assert.equal(describeSize(999), "999 B");
        assert.equal(describeSize(1_234_567), "1.2 MB");
        assert.equal(describeSize(999_960), "1.0 MB");
    });
});

describe("/upload and /download", () => {
    test("/upload takes no path: it opens the picker", () => {
        assert.equal(parseCommand("/upload").kind, "upload");
        const withPath = parseCommand("/upload /home/ana/report.pdf");
        assert.equal(withPath.kind, "invalid");
        assert.match(withPath.error, /opens the file picker: a browser page cannot read a path/);
    });

    test("takes the number of a FILE message", () => {
        const c = parseCommand("/download 7");
        assert.equal(c.kind, "download");
        assert.equal(c.number, 7);
        assert.equal(parseCommand("/download").kind, "invalid");
        assert.equal(parseCommand("/download x").kind, "invalid");
    });
});
