// A paste of several lines sent as one text/plain file with a preview
// (docs/PROTOCOL.md "Files", "Snippets"): the preview is built as
// libhermes's protocol::snippetPreview builds it for hermes-tui (at most 10
// lines and 1 KiB, LF-separated, CR LF as LF, control characters as U+FFFD,
// cut on a whole character), and the name as hermes-tui's paste-HHMMSS.txt.
import { utf8Bytes } from "./names";

export const kMaxPreviewLines = 10;
export const kMaxPreviewBytes = 1024;

// True for a paste the page asks about instead of putting it in the input.
export function isMultiLine(text: string): boolean {
    return text.replace(/\r?\n$/, "").includes("\n");
}

// The paste's lines as hermes-tui sends them one by one: blank ones skipped.
export function pasteLines(text: string): string[] {
    return text.split(/\r?\n/).filter((l) => l.trim() !== "");
}

export function snippetPreview(text: string): string {
    let out = "";
    let bytes = 0;
    let lines = 1;
    for (let i = 0; i < text.length; ) {
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        i += ch.length;
        let piece = ch;
        if (cp === 0x0a) {
            if (lines === kMaxPreviewLines) break;
            lines += 1;
        } else if (cp === 0x0d && text[i] === "\n") {
            piece = "";
        } else if ((cp < 0x20 && cp !== 0x09) || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) {
            piece = "\uFFFD";
        }
        const n = utf8Bytes(piece);
        if (bytes + n > kMaxPreviewBytes) break;
        out += piece;
        bytes += n;
    }
    // A preview ending in LF would announce an empty last line.
    return out.replace(/\n+$/, "");
}

// "paste-093512.txt": the local time of the paste.
export function snippetName(wallMs: number): string {
    const d = new Date(wallMs);
    const two = (n: number) => String(n).padStart(2, "0");
    return `paste-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}.txt`;
}

// "1.2 MB": decimal units, as protocol::describeSize (the hub's FILE text).
export function describeSize(bytes: number): string {
    if (bytes < 1000) return `${bytes} B`;
    const units = ["kB", "MB", "GB", "TB"];
    let value = bytes / 1000;
    let unit = 0;
    while (value >= 999.95 && unit + 1 < units.length) {
        value /= 1000;
        unit += 1;
    }
    return `${value.toFixed(1)} ${units[unit]}`;
}
