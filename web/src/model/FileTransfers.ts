// The page's file transfers (docs/PROTOCOL.md "Files") without a DOM or a
// socket: uploads from FileOffer to their FILE echo, and the one download a
// session may have, from FileRequest to the last FileData. It owns the bytes
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

export type TransferState = "offered" | "sending" | "announcing" | "receiving" | "checking" | "done" | "failed" | "cancelled";

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
    download: Download | null = null;
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

    // Cancel by key: the frame to send (none if it was never accepted).
    cancel(key: number): EnvelopeInit | null {
        const u = this.uploads.find((x) => x.key === key);
        if (u) {
            if (u.state !== "offered" && u.state !== "sending") return null;
            const id = u.uploadId;
            u.state = "cancelled";
            u.bytes = new Uint8Array(0);
            return id ? { fileCancel: { uploadId: id } } : null;
        }
        const d = this.download;
        if (d && d.key === key && d.state === "receiving") {
            d.state = "cancelled";
            d.chunks = [];
            return downloadCancel(d);
        }
        return null;
    }

    // FileCancels for downloads the page gave up itself (bytes at a wrong
    // offset, too many, a hash mismatch): the hub would otherwise stream
    // the rest of the file to no one. ChatState sends them at once.
    takeFrames(): EnvelopeInit[] {
        return this.outgoing.splice(0);
    }

    // The page ends a download on its own: the hub is told to stop too.
    private failLocally(d: Download, why: string): void {
        d.state = "failed";
        d.why = why;
        d.chunks = [];
        this.outgoing.push(downloadCancel(d));
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
    // same file cut earlier goes on from the bytes held.
    startDownload(room: string, seq: number, file: v1.IFileInfo): EnvelopeInit {
        const sha = file.sha256 ?? "";
        const d = this.download;
        // Only one still receiving (cut by the connection): a cancelled one
        // dropped its bytes, and its hash must not stand for them.
        if (d && d.sha256 === sha && d.received > 0 && d.state === "receiving") {
            return { fileRequest: { room, seq, offset: d.received } };
        }
        this.download = {
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
            state: "receiving",
            why: "",
        };
        return { fileRequest: { room, seq, offset: 0 } };
    }

    // After a reconnect: the cut download's FileRequest from the bytes held.
    resumeFrame(): EnvelopeInit | null {
        const d = this.download;
        if (!d || d.state !== "receiving") return null;
        d.resumes += 1;
        if (d.resumes > kMaxResumesWithoutProgress) {
            d.state = "failed";
            d.why = `the connection dropped ${d.resumes} times during it without a byte arriving`;
            d.chunks = [];
            return null;
        }
        return { fileRequest: { room: d.room, seq: d.seq, offset: d.received } };
    }

    // FileData: "more", "complete" (then verify()), or "ignored" (not
    // ours, or out of order: the download failed).
    data(fd: v1.IFileData): "more" | "complete" | "ignored" {
        const d = this.download;
        if (!d || d.state !== "receiving" || (fd.sha256 && d.sha256 && fd.sha256 !== d.sha256)) return "ignored";
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
        return "complete";
    }

    // A complete download: its SHA-256 (hashed as the chunks came) against
    // the announced one. True: done, its chunks are the file. False: failed,
    // the bytes dropped, nothing to save.
    verify(): boolean {
        const d = this.download;
        if (!d || d.state !== "checking") return false;
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

    // An Error about the download (NO_SUCH_FILE, INVALID_FILE, ...).
    downloadRefused(why: string): boolean {
        const d = this.download;
        if (!d || d.state !== "receiving") return false;
        d.state = "failed";
        d.why = why;
        d.chunks = [];
        return true;
    }

    // What the transfer bar shows: what is under way, a failure until it is
    // dismissed (forget()), and a download done (its "Save again"). A shared
    // upload leaves the bar: its FILE message in the room says it.
    active(): Transfer[] {
        const out: Transfer[] = this.uploads.filter((u) => u.state !== "cancelled" && u.state !== "done");
        if (this.download && this.download.state !== "cancelled") out.push(this.download);
        return out;
    }

    forget(key: number): void {
        const i = this.uploads.findIndex((u) => u.key === key && u.state !== "offered" && u.state !== "sending");
        if (i >= 0) this.uploads.splice(i, 1);
        if (this.download?.key === key && this.download.state !== "receiving" && this.download.state !== "checking") this.download = null;
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
