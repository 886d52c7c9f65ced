// The browser's side of files: reading a picked, dropped or pasted File,
// SHA-256 by the browser's own WebCrypto (crypto.subtle: nothing written
// here), and offering checked bytes to save as a Blob.
//
// crypto.subtle exists only in a secure context: https, or http from
// localhost/127.0.0.1. A page loaded over plain http from a LAN address has
// none, and says so instead of sharing or saving unchecked files.

export function hashingAvailable(): boolean {
    return typeof globalThis.crypto !== "undefined" && typeof globalThis.crypto.subtle !== "undefined";
}

export const kNoHashing = "files need the page over https (or from localhost): this browser gives SHA-256 only to secure pages";

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
    if (!hashingAvailable()) throw new Error(kNoHashing);
    const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function readFile(file: File): Promise<Uint8Array> {
    return new Uint8Array(await file.arrayBuffer());
}

// A name the hub takes (PROTOCOL.md "Files"): no path, no control characters.
export function fileName(name: string): string {
    const base = name.split(/[/\\]/).pop() ?? "";
    const clean = Array.from(base, (c) => (c.charCodeAt(0) < 0x20 || c === "\u007f" ? "_" : c)).join("");
    return clean === "" || clean === "." || clean === ".." ? "file" : clean;
}

// Offers checked bytes to the person as a download named `name`; returns
// the object URL (kept by the caller for "Save again").
export function saveBytes(doc: Document, bytes: Uint8Array, name: string, mediaType: string): string {
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mediaType || "application/octet-stream" });
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
