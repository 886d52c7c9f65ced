// SHA-256 of a file, chunk by chunk as its bytes are read or arrive:
// @noble/hashes (audited, no dependencies; pinned in package-lock.json),
// not written here. It owns one running hash; not shared between threads
// (the page has one).
//
// Used whether or not the browser has crypto.subtle: WebCrypto exists only
// in a secure context (https, or http from localhost), and a LAN chat is
// mostly reached over plain http at the hub's LAN address; and
// crypto.subtle.digest takes the whole input at once, so it could hash a
// download only by a second pass over all its bytes after the last one
// arrived, and an upload only after reading all of it. One implementation
// everywhere is also the one the tests run: about 190 MB/s in V8, so a
// 64 MiB file costs a third of a second, spread over its chunks.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

export class Sha256 {
    private readonly hash = sha256.create();
    private bytes = 0;

    update(chunk: Uint8Array): void {
        this.hash.update(chunk);
        this.bytes += chunk.length;
    }

    // How many bytes went in so far.
    get length(): number {
        return this.bytes;
    }

    // The digest in lower-case hex, as FileInfo.sha256 carries it. Once:
    // the hash takes no more bytes after it.
    hex(): string {
        return bytesToHex(this.hash.digest());
    }
}

// One piece at once (a snippet, a test).
export function sha256Hex(bytes: Uint8Array): string {
    const h = new Sha256();
    h.update(bytes);
    return h.hex();
}
