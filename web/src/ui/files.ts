// The browser's side of files: reading a picked, dropped or pasted File
// (hashed slice by slice as it is read: model/Sha256.ts, the same on http
// and https pages), and offering checked bytes to save as a Blob.
import { Sha256 } from "../model/Sha256";

// Read this much at a time: the page stays responsive between slices.
const kReadSlice = 1 << 20;

// The file's bytes and their SHA-256 in one pass; `progress` after each
// slice (bytes read so far).
export async function readAndHash(file: Blob, progress?: (read: number) => void): Promise<{ bytes: Uint8Array; sha256: string }> {
    const bytes = new Uint8Array(file.size);
    const hash = new Sha256();
    for (let at = 0; at < file.size; ) {
        const slice = new Uint8Array(await file.slice(at, Math.min(file.size, at + kReadSlice)).arrayBuffer());
        if (slice.length === 0) throw new Error(`the file ended after ${at} of ${file.size} bytes`);
        bytes.set(slice, at);
        hash.update(slice);
        at += slice.length;
        progress?.(at);
    }
    return { bytes, sha256: hash.hex() };
}

// A name the hub takes (PROTOCOL.md "Files"): no path, no control characters.
export function fileName(name: string): string {
    const base = name.split(/[/\\]/).pop() ?? "";
    const clean = Array.from(base, (c) => (c.charCodeAt(0) < 0x20 || c === "\u007f" ? "_" : c)).join("");
    return clean === "" || clean === "." || clean === ".." ? "file" : clean;
}

// Offers checked bytes (the chunks as they came) to the person as a download named `name`; returns
// the object URL (kept by the caller for "Save again").
export function saveBytes(doc: Document, chunks: Uint8Array[], name: string, mediaType: string): string {
    const blob = new Blob(chunks as Uint8Array<ArrayBuffer>[], { type: mediaType || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const a = doc.createElement("a");
    a.href = url;
    a.download = name;
    a.rel = "noopener";
    doc.body.appendChild(a);
    a.click();
    a.remove();
    return url;
}
