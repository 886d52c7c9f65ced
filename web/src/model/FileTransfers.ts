// The page's file transfers (docs/PROTOCOL.md "Files") without a DOM or a
// socket: uploads from FileOffer to their FILE echo, and downloads from
// FileRequest to the last FileData, several side by side (up to the hub's
// files.max_downloads_per_session, 4 by default: Welcome does not carry it),
// their chunks told apart by FileData.sha256. Only one FileRequest is ever
// unanswered (no FileData for it yet): the others wait ("queued"), so an
// Error without a client_msg_id, which names no file, belongs to that one. It owns the bytes
// in flight and the transfers' progress; it says which frames to send, and
// ChatState sends them (FileOffer paced like any frame; FileChunk and
// FileCancel at once, outside the message rate, as the protocol allows).
// An upload comes in hashed (the driver hashes a file as it reads it); a
// download is hashed chunk by chunk as its FileData arrive (Sha256.ts), and
// a cut one keeps its running hash with its bytes to resume from, so the
// check at the end is no second pass over the file.
// Runs on the page's one thread.
import type { EnvelopeInit } from "../proto/codec";
import { v1 } from "../proto/codec";
import { Sha256 } from "./Sha256";

export type TransferState = "queued" | "offered" | "sending" | "announcing" | "receiving" | "checking" | "done" | "failed" | "cancelled";

export interface Upload {
    kind: "upload";
    key: number; // unique: the renderer's key and the Cancel button's
    clientMsgId: number;
    room: string;
    file: v1.IFileInfo;
    bytes: Uint8Array;
    uploadId: number; // 0 until FileAccept
    chunkBytes: number;
    windowBytes: number;
    sent: number;
    acked: number;
    state: TransferState;
    why: string;
}

export interface Download {
    kind: "download";
    key: number;
    room: string;
    seq: number;
    sha256: string;
    name: string;
    mediaType: string;
    size: number;
    chunks: Uint8Array[];
    received: number;
    hash: Sha256; // of the bytes received so far
    resumes: number; // reconnects since the last bytes arrived
    answered: boolean; // a FileData came since its last FileRequest
    state: TransferState;
    why: string;
}

// A download resumed this many times without a byte between fails: a
// connection that drops on it every time (a bad frame) must not loop.
export const kMaxResumesWithoutProgress = 2;

export type Transfer = Upload | Download;

// Stops this one download at the hub (FileCancel.sha256, docs/PROTOCOL.md
// "Several downloads"): without the hash it would stop all the session's.
function downloadCancel(d: Download): EnvelopeInit {
    return d.sha256 ? { fileCancel: { uploadId: 0, sha256: d.sha256 } } : { fileCancel: { uploadId: 0 } };
}

// A transfer's share done, 0..1.
export function progressOf(t: Transfer): number {
    if (t.kind === "upload") return t.file.size ? t.acked / Number(t.file.size) : t.state === "done" ? 1 : 0;
    return t.size ? t.received / t.size : t.state === "done" || t.state === "checking" ? 1 : 0;
}

// A chunk's envelope around its data (field tags, upload id, offset):
// kept under the hub's frame limit with room to spare.
const kChunkOverhead = 64;

export class FileTransfers {
    readonly uploads: Upload[] = [];
    readonly downloads: Download[] = [];
    // The hub's default files.max_downloads_per_session; a hub set lower
    // refuses the extra one (INVALID_FILE), which fails that one alone.
    maxDownloads = 4;
    private nextKey = 1;
    private readonly outgoing: EnvelopeInit[] = [];

    // A hashed file to share in `room`: its FileOffer (sent as a paced frame).
    offer(room: string, file: v1.IFileInfo, bytes: Uint8Array, clientMsgId: number): EnvelopeInit {
        const u: Upload = {
            kind: "upload",
            key: this.nextKey++,
            clientMsgId,
            room,
            file,
            bytes,
            uploadId: 0,
            chunkBytes: 0,
            windowBytes: 0,
            sent: 0,
            acked: 0,
            state: "offered",
            why: "",
        };
        this.uploads.push(u);
        return { fileOffer: { room, clientMsgId, file } };
    }

    // FileAccept: the chunks the window allows now.
    accepted(a: v1.IFileAccept, maxFrameBytes: number): EnvelopeInit[] {
        const u = this.uploads.find((x) => x.clientMsgId === Number(a.clientMsgId ?? 0) && x.state === "offered");
        if (!u) return Number(a.uploadId ?? 0) ? [{ fileCancel: { uploadId: Number(a.uploadId) } }] : [];
        u.uploadId = Number(a.uploadId ?? 0);
        const limit = maxFrameBytes > 2 * kChunkOverhead ? maxFrameBytes - kChunkOverhead : Math.max(1, maxFrameBytes >> 1);
        u.chunkBytes = Math.max(1, Math.min(Number(a.chunkBytes ?? 0) || limit, limit));
        u.windowBytes = Math.max(u.chunkBytes, Number(a.windowBytes ?? 0) || u.chunkBytes);
        u.state = "sending";
        return this.chunks(u);
    }

    // FileProgress: the window moves on.
    progress(p: v1.IFileProgress): EnvelopeInit[] {
        const u = this.uploads.find((x) => x.uploadId === Number(p.uploadId ?? 0) && (x.state === "sending" || x.state === "announcing"));
        if (!u) return [];
        u.acked = Math.max(u.acked, Number(p.received ?? 0));
        return u.state === "sending" ? this.chunks(u) : [];
    }

    // A FILE message with one of our client_msg_ids: that upload is done
    // (the message itself is the room's line, as the hub sent it).
    announced(clientMsgId: number): boolean {
        const u = this.uploads.find((x) => x.clientMsgId === clientMsgId && x.state !== "done");
        if (!u) return false;
        this.uploads.splice(this.uploads.indexOf(u), 1);
        u.state = "done";
        u.acked = Number(u.file.size ?? 0);
        u.bytes = new Uint8Array(0);
        return true;
    }

    // An Error with one of our client_msg_ids: that upload failed.
    refused(clientMsgId: number, why: string): Upload | null {
        const u = this.uploads.find((x) => x.clientMsgId === clientMsgId && (x.state === "offered" || x.state === "sending" || x.state === "announcing"));
        if (!u) return null;
        u.state = "failed";
        u.why = why;
        u.bytes = new Uint8Array(0);
        return u;
    }

    // An Error without a client_msg_id while chunks are on their way (the
    // hub drops a bad upload by upload id, e.g. UPLOAD_TIMEOUT, INVALID_FILE).
    refusedSending(why: string): Upload | null {
        const u = this.uploads.find((x) => x.state === "sending" || x.state === "announcing");
        if (!u) return null;
        return this.refused(u.clientMsgId, why);
    }

    // Cancel by key: an upload's frame to send (none if it was never
    // accepted); a download's FileCancel goes to takeFrames().
    cancel(key: number): EnvelopeInit | null {
        const u = this.uploads.find((x) => x.key === key);
        if (u) {
            if (u.state !== "offered" && u.state !== "sending") return null;
            const id = u.uploadId;
            u.state = "cancelled";
            u.bytes = new Uint8Array(0);
            return id ? { fileCancel: { uploadId: id } } : null;
        }
        const d = this.downloads.find((x) => x.key === key);
        if (d && (d.state === "receiving" || d.state === "queued")) {
            const asked = d.state === "receiving";
            d.state = "cancelled";
            d.chunks = [];
            if (asked) this.outgoing.push(downloadCancel(d));
            this.pump();
        }
        return null;
    }

    // FileCancels for downloads the page gave up itself (bytes at a wrong
    // offset, too many, a hash mismatch): the hub would otherwise stream
    // the rest of the file to no one. ChatState sends them at once.
    // They also carry the FileRequests of downloads that waited their turn.
    takeFrames(): EnvelopeInit[] {
        return this.outgoing.splice(0);
    }

    // The latest download (the one a test or the page just started).
    get download(): Download | null {
        return this.downloads.at(-1) ?? null;
    }

    // The one download whose FileRequest has no answer yet.
    private unanswered(): Download | undefined {
        return this.downloads.find((d) => d.state === "receiving" && !d.answered);
    }

    // Asks for the next waiting download, one at a time, within the limit.
    private pump(): void {
        if (this.unanswered()) return;
        if (this.downloads.filter((d) => d.state === "receiving").length >= this.maxDownloads) return;
        const d = this.downloads.find((x) => x.state === "queued");
        if (!d) return;
        d.state = "receiving";
        d.answered = false;
        this.outgoing.push({ fileRequest: { room: d.room, seq: d.seq, offset: d.received } });
    }

    // The page ends a download on its own: the hub is told to stop too.
    private failLocally(d: Download, why: string): void {
        d.state = "failed";
        d.why = why;
        d.chunks = [];
        this.outgoing.push(downloadCancel(d));
        this.pump();
    }

    // The connection dropped: uploads end (the hub dropped them with the
    // session); a download keeps its bytes to resume from (resumeFrame()).
    connectionLost(): void {
        for (const u of this.uploads) {
            if (u.state === "offered" || u.state === "sending" || u.state === "announcing") {
                u.state = "failed";
                u.why = "the connection dropped";
                u.bytes = new Uint8Array(0);
            }
        }
    }

    // Downloads the file of FILE message `seq` in `room`; a download of the
    // same file cut earlier goes on from the bytes held. Its FileRequest
    // goes to takeFrames() now, or when its turn comes (pump()).
    startDownload(room: string, seq: number, file: v1.IFileInfo): void {
        const sha = file.sha256 ?? "";
        const same = this.downloads.find((x) => x.sha256 === sha && (x.state === "receiving" || x.state === "queued" || x.state === "checking"));
        if (same) return; // under way already
        // A cancelled or failed one dropped its bytes: it starts again.
        for (let i = this.downloads.length - 1; i >= 0; i--) {
            const x = this.downloads[i]!;
            if (x.sha256 === sha && x.state !== "done") this.downloads.splice(i, 1);
        }
        this.downloads.push({
            kind: "download",
            key: this.nextKey++,
            room,
            seq,
            sha256: sha,
            name: file.name ?? "file",
            mediaType: file.mediaType ?? "",
            size: Number(file.size ?? 0),
            chunks: [],
            received: 0,
            hash: new Sha256(),
            resumes: 0,
            answered: false,
            state: "queued",
            why: "",
        });
        this.pump();
    }

    // After a reconnect: the cut downloads wait their turn again, each
    // asked from the bytes it holds (takeFrames()). Those cut too often
    // without a byte between fail; they are returned to be told.
    resume(): Download[] {
        const failed: Download[] = [];
        for (const d of this.downloads) {
            if (d.state !== "receiving") continue;
            d.resumes += 1;
            if (d.resumes > kMaxResumesWithoutProgress) {
                d.state = "failed";
                d.why = `the connection dropped ${d.resumes} times during it without a byte arriving`;
                d.chunks = [];
                failed.push(d);
            } else {
                d.state = "queued";
            }
        }
        this.pump();
        return failed;
    }

    // FileData: "more", "complete" (then verify(d)), or "ignored" (not
    // ours, or out of order: the download failed). `d` is the download it
    // was for, if any.
    data(fd: v1.IFileData): { result: "more" | "complete" | "ignored"; d?: Download } {
        // A FileData without a hash (an older hub): the request unanswered,
        // else the only download under way.
        const live = this.downloads.filter((x) => x.state === "receiving");
        const d = fd.sha256 ? live.find((x) => x.sha256 === fd.sha256) : this.unanswered() ?? (live.length === 1 ? live[0] : undefined);
        if (!d) return { result: "ignored" };
        if (!d.answered) {
            d.answered = true;
            this.pump();
        }
        return { result: this.dataFor(d, fd), d };
    }

    private dataFor(d: Download, fd: v1.IFileData): "more" | "complete" | "ignored" {
        if (fd.file) {
            d.size = Number(fd.file.size ?? d.size);
            d.name = fd.file.name || d.name;
            if (!d.sha256) d.sha256 = fd.file.sha256 ?? "";
        }
        const offset = Number(fd.offset ?? 0);
        if (offset !== d.received) {
            this.failLocally(d, `the hub sent bytes from ${offset}; ${d.received} were expected`);
            return "ignored";
        }
        const data = fd.data ?? new Uint8Array(0);
        if (data.length > 0) {
            d.chunks.push(data.slice());
            d.hash.update(data);
            d.received += data.length;
            d.resumes = 0;
        }
        if (d.received > d.size) {
            this.failLocally(d, `the hub sent ${d.received} bytes of a ${d.size}-byte file`);
            return "ignored";
        }
        if (d.received < d.size) return "more";
        d.state = "checking";
        this.pump();
        return "complete";
    }

    // A complete download: its SHA-256 (hashed as the chunks came) against
    // the announced one. True: done, its chunks are the file. False: failed,
    // the bytes dropped, nothing to save.
    verify(d: Download): boolean {
        if (d.state !== "checking") return false;
        const held = d.chunks.reduce((n, c) => n + c.length, 0);
        const actual = held === d.hash.length ? d.hash.hex() : `(${held} bytes held, ${d.hash.length} hashed)`;
        if (actual === d.sha256) {
            d.state = "done";
            return true;
        }
        // The hub has normally sent its last chunk by now; the cancel costs
        // nothing and stops it if it had more (a size it announced wrongly).
        this.failLocally(d, `SHA-256 mismatch: got ${actual.slice(0, 12)}…, the hub announced ${d.sha256.slice(0, 12)}…; nothing saved`);
        return false;
    }

    // Which download an Error without a client_msg_id is about: the one
    // whose hash its text names (the hub's "file <sha256> was deleted" /
    // "is no longer stored" when it ends one under way), else the one
    // request unanswered (a FileRequest's refusal comes before any of its
    // FileData), else the only one under way.
    downloadFor(text: string): Download | null {
        const live = this.downloads.filter((d) => d.state === "receiving");
        return live.find((d) => d.sha256 && text.includes(d.sha256)) ?? this.unanswered() ?? (live.length === 1 ? live[0]! : null);
    }

    // An Error about download `d` (NO_SUCH_FILE, INVALID_FILE, ...): the
    // hub ended it or never began it.
    downloadRefused(d: Download, why: string): boolean {
        if (d.state !== "receiving") return false;
        d.state = "failed";
        d.why = why;
        d.chunks = [];
        this.pump();
        return true;
    }

    // What the transfer bar shows: what is under way, a failure until it is
    // dismissed (forget()), and a download done (its "Save again"). A shared
    // upload leaves the bar: its FILE message in the room says it.
    active(): Transfer[] {
        const out: Transfer[] = this.uploads.filter((u) => u.state !== "cancelled" && u.state !== "done");
        for (const d of this.downloads) if (d.state !== "cancelled") out.push(d);
        return out;
    }

    forget(key: number): void {
        const i = this.uploads.findIndex((u) => u.key === key && u.state !== "offered" && u.state !== "sending");
        if (i >= 0) this.uploads.splice(i, 1);
        const j = this.downloads.findIndex((d) => d.key === key && d.state !== "receiving" && d.state !== "checking" && d.state !== "queued");
        if (j >= 0) this.downloads.splice(j, 1);
    }

    private chunks(u: Upload): EnvelopeInit[] {
        const out: EnvelopeInit[] = [];
        const size = u.bytes.length;
        while (u.sent < size && u.sent - u.acked + Math.min(u.chunkBytes, size - u.sent) <= u.windowBytes) {
            const n = Math.min(u.chunkBytes, size - u.sent);
            out.push({ fileChunk: { uploadId: u.uploadId, offset: u.sent, data: u.bytes.subarray(u.sent, u.sent + n) } });
            u.sent += n;
        }
        if (u.sent >= size) u.state = "announcing"; // the FILE echo ends it
        return out;
    }
}
