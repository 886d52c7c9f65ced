// Received text is rendered as text, never as HTML. Everything the hub sends
// (messages, nicks, topics, the motd, error texts) reaches the DOM only
// through these helpers, which build nodes with createTextNode and
// createElement: no innerHTML, no insertAdjacentHTML, no attribute from data
// except the href of a link, and that only for http: and https: URLs.

// Bidi overrides and isolates can make a line read differently from what was
// sent (PROTOCOL.md section 6 asks a client to neutralise them); C0 and C1
// controls have no business on screen. Each is shown as U+FFFD; TAB stays.
const kUnsafe = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function neutralize(text: string): string {
    return text.replace(kUnsafe, "\uFFFD");
}

export interface Segment {
    kind: "text" | "link";
    text: string;
    href: string; // links only
}

// http(s) URLs, ending before white space and before trailing punctuation
// that usually closes a sentence.
const kUrl = /\bhttps?:\/\/[^\s<>"]+/gi;

// Splits text into plain parts and links. A link's href is what the URL
// parser made of it, and only if its protocol is http: or https:.
export function segments(raw: string): Segment[] {
    const text = neutralize(raw);
    const out: Segment[] = [];
    let last = 0;
    for (const m of text.matchAll(kUrl)) {
        let url = m[0];
        while (/[.,;:!?)\]}'’]$/.test(url) && !(url.endsWith(")") && url.includes("("))) url = url.slice(0, -1);
        const start = m.index ?? 0;
        let href = "";
        try {
            const parsed = new URL(url);
            if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
        } catch {
            href = "";
        }
        if (!href) continue;
        if (start > last) out.push({ kind: "text", text: text.slice(last, start), href: "" });
        out.push({ kind: "link", text: url, href });
        last = start + url.length;
    }
    if (last < text.length) out.push({ kind: "text", text: text.slice(last), href: "" });
    return out;
}

// The part of Document these helpers use: tests pass a fake one.
export interface NodeFactory {
    createTextNode(text: string): Node;
    createElement(tag: "a" | "span"): HTMLElement;
}

// Appends `raw` to `parent` as text nodes, with links as <a> elements that
// open in a new tab without telling the target who sent them.
export function appendText(doc: NodeFactory, parent: Node, raw: string): void {
    for (const s of segments(raw)) {
        if (s.kind === "text") {
            parent.appendChild(doc.createTextNode(s.text));
            continue;
        }
        const a = doc.createElement("a");
        a.setAttribute("href", s.href);
        a.setAttribute("target", "_blank");
        a.setAttribute("rel", "noopener noreferrer");
        a.appendChild(doc.createTextNode(s.text));
        parent.appendChild(a);
    }
}

// Text only, no links (nicks, titles, room names).
export function plain(raw: string): string {
    return neutralize(raw);
}

// Several lines (a snippet's preview): each line as plain(), LF kept.
export function plainLines(raw: string): string {
    return raw.split("\n").map(neutralize).join("\n");
}

// "2024-05-01": the day a line belongs to, in local time, for day separators.
export function dayKey(timeMs: number): string {
    const d = new Date(timeMs);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function dayLabel(timeMs: number, nowMs: number): string {
    const key = dayKey(timeMs);
    if (key === dayKey(nowMs)) return "Today";
    if (key === dayKey(nowMs - 86_400_000)) return "Yesterday";
    return new Date(timeMs).toLocaleDateString(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });
}

export function clockTime(timeMs: number): string {
    const d = new Date(timeMs);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}
