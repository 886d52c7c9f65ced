// Turns one submitted input line into a Command, with the same commands,
// aliases, usage lines and help as hermes-tui (hermes-tui/model/CommandParser.cpp).
// A line not starting with '/' is text for the current window ("//x" sends
// "/x"). Command names are case-insensitive. An unknown command, or a known
// one with missing or extra arguments, becomes "invalid" with a one-line
// error: it is never sent as text.

export type CommandKind =
    | "none" // empty line
    | "invalid" // error: what is wrong; arg: the command, if known
    | "say" // text
    | "join" // arg: room
    | "part" // arg: room (empty: the current one), text: reason
    | "nick" // arg: nick
    | "msg" // arg: nick, text
    | "query" // arg: nick, text (optional, hasText)
    | "me" // text
    | "who" // arg: room (empty: the current one)
    | "rooms"
    | "topic" // text (empty with hasText false: show the topic)
    | "clear"
    | "close" // close the current window (a room: part it)
    | "help" // arg: the command asked about (its name), or empty
    | "quit" // text: quit message
    | "window" // number
    | "members" // show or hide the member list
    | "search" // arg: room (empty: the current one), text: the words
    | "searchMore"
    | "context" // number: a hit of the last search
    | "ignore" // arg: nick (empty: list)
    | "unignore" // arg: nick
    | "whois" // arg: nick
    | "away" // text: the reason (empty: back)
    | "retry" // send the current window's failed lines again
    // Replies, edits, deletes and reactions: seq = the room seq of the message
    // (0: not given: reply, react and unreact take a default), text = the text
    // or the reaction.
    | "reply"
    | "edit"
    | "delete"
    | "react"
    | "unreact"
    | "seqs" // show or hide each room line's number
    | "download" // number: the seq of a FILE message in this room
    | "upload" // open the file picker (a browser cannot read a path)
    | "metrics"; // the hub's live figures (hub operators)

export interface Command {
    kind: CommandKind;
    arg: string;
    text: string;
    hasText: boolean;
    number: number;
    error: string;
    seq: number;
}

interface Spec {
    name: string;
    kind: CommandKind;
    args: string;
    summary: string;
    aliases: string[];
}

const specs: Spec[] = [
    { name: "away", kind: "away", args: "[reason]", summary: "mark yourself away; no reason: back", aliases: [] },
    { name: "clear", kind: "clear", args: "", summary: "clear this window", aliases: [] },
    { name: "close", kind: "close", args: "", summary: "close this window; in a room, part it", aliases: [] },
    { name: "context", kind: "context", args: "<n>", summary: "show search hit n in its room", aliases: [] },
    { name: "delete", kind: "delete", args: "<n>", summary: "delete message n (yours, or as operator)", aliases: [] },
    { name: "download", kind: "download", args: "<n>", summary: "fetch the file of message #n (checked, then saved)", aliases: [] },
    { name: "edit", kind: "edit", args: "<n> <text>", summary: "replace the text of your message n", aliases: [] },
    { name: "help", kind: "help", args: "[command]", summary: "this help, or one command's", aliases: [] },
    { name: "ignore", kind: "ignore", args: "[nick]", summary: "hide a nick's messages (no nick: list)", aliases: [] },
    { name: "join", kind: "join", args: "<room>", summary: "join (or create) a room", aliases: ["j"] },
    { name: "me", kind: "me", args: "<action>", summary: "say an action: * nick action", aliases: [] },
    { name: "metrics", kind: "metrics", args: "", summary: "the hub's live figures and last hour (hub operators)", aliases: [] },
    { name: "members", kind: "members", args: "", summary: "show or hide the member list", aliases: [] },
    { name: "msg", kind: "msg", args: "<nick> <text>", summary: "private message", aliases: [] },
    { name: "nick", kind: "nick", args: "<nick>", summary: "change your nick", aliases: [] },
    { name: "part", kind: "part", args: "[room] [reason]", summary: "leave this or another room", aliases: ["leave"] },
    { name: "query", kind: "query", args: "<nick> [text]", summary: "private window with nick (and say text)", aliases: [] },
    { name: "quit", kind: "quit", args: "[message]", summary: "leave Hermes", aliases: ["exit"] },
    { name: "react", kind: "react", args: "[n] <emoji>", summary: "react to message n (or the newest)", aliases: [] },
    { name: "reply", kind: "reply", args: "[n] <text>", summary: "answer message n (or the newest)", aliases: [] },
    { name: "retry", kind: "retry", args: "", summary: "send again what was not sent here", aliases: [] },
    { name: "rooms", kind: "rooms", args: "", summary: "list the hub's rooms", aliases: ["list"] },
    { name: "search", kind: "search", args: "[#room] <words>", summary: "find messages (default: this room)", aliases: [] },
    { name: "search-more", kind: "searchMore", args: "", summary: "older hits of the last /search", aliases: [] },
    { name: "seqs", kind: "seqs", args: "", summary: "show or hide message numbers [n]", aliases: [] },
    { name: "topic", kind: "topic", args: "[text]", summary: "show or set the room's topic", aliases: [] },
    { name: "unignore", kind: "unignore", args: "<nick>", summary: "show nick's messages again", aliases: [] },
    { name: "unreact", kind: "unreact", args: "[n] <emoji>", summary: "take back your reaction", aliases: [] },
    { name: "upload", kind: "upload", args: "", summary: "share a file in this room (opens the file picker)", aliases: [] },
    { name: "who", kind: "who", args: "[room]", summary: "list a room's members", aliases: ["names"] },
    { name: "whois", kind: "whois", args: "<nick>", summary: "who nick is: rooms, idle, away, client", aliases: [] },
    { name: "window", kind: "window", args: "<n>", summary: "switch to window n, as Alt-n does", aliases: ["win"] },
];

// The keys of the page, after the commands in /help.
export const keyHelpLines: string[] = [
    "Keys: Enter sends; Up/Down recall lines typed before (Up on an empty line edits the last one);",
    "  Tab completes a nick (or a /command); Alt-1..9 switch windows; Alt-Up/Down previous/next window;",
    "  PgUp/PgDn scroll the messages; scrolling to the top loads older history.",
];

const blank = (c: string) => c === " " || c === "\t";

function trim(s: string): string {
    let a = 0;
    let b = s.length;
    while (a < b && blank(s[a]!)) a++;
    while (b > a && blank(s[b - 1]!)) b--;
    return s.slice(a, b);
}

// Splits off the first word; the rest follows, trimmed.
function firstWord(s: string): [string, string] {
    s = trim(s);
    const m = /[ \t]/.exec(s);
    if (!m) return [s, ""];
    return [s.slice(0, m.index), trim(s.slice(m.index))];
}

function findSpec(name: string): Spec | undefined {
    const wanted = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
    return specs.find((s) => s.name === wanted || s.aliases.includes(wanted));
}

function usageOf(s: Spec): string {
    return `/${s.name}${s.args ? ` ${s.args}` : ""}`;
}

const helpColumn = Math.max(...specs.map((s) => usageOf(s).length)) + 2;

function helpLine(s: Spec): string {
    const aliases = s.aliases.length ? ` (also ${s.aliases.map((a) => `/${a}`).join(", ")})` : "";
    return usageOf(s).padEnd(helpColumn, " ") + s.summary + aliases;
}

function make(kind: CommandKind, fields: Partial<Command> = {}): Command {
    return { kind, arg: "", text: "", hasText: false, number: 0, error: "", seq: 0, ...fields };
}

function invalid(error: string, name = ""): Command {
    return make("invalid", { error, arg: name });
}

const unknown = (name: string) => `unknown command /${name}; /help lists them`;
const usage = (s: Spec) => invalid(`usage: ${usageOf(s)}`, s.name);

export function parseCommand(line: string): Command {
    if (trim(line) === "") return make("none");
    if (!line.startsWith("/") || line.startsWith("//")) {
        return make("say", { text: line.startsWith("/") ? line.slice(1) : line });
    }
    const [name, rest] = firstWord(line.slice(1));
    const spec = findSpec(name);
    if (!spec) return invalid(unknown(name));
    const c = make(spec.kind);
    switch (c.kind) {
        case "join":
        case "nick":
        case "unignore":
        case "whois": {
            const [arg, after] = firstWord(rest);
            if (!arg || after) return usage(spec);
            c.arg = arg;
            break;
        }
        case "msg": {
            const [arg, after] = firstWord(rest);
            if (!arg || !after) return usage(spec);
            Object.assign(c, { arg, text: after, hasText: true });
            break;
        }
        case "query": {
            const [arg, after] = firstWord(rest);
            if (!arg) return usage(spec);
            Object.assign(c, { arg, text: after, hasText: after !== "" });
            break;
        }
        case "me":
            if (!rest) return usage(spec);
            Object.assign(c, { text: rest, hasText: true });
            break;
        case "part": {
            const [arg, after] = firstWord(rest);
            Object.assign(c, { arg, text: after });
            break;
        }
        case "who":
        case "ignore": {
            const [arg, after] = firstWord(rest);
            if (after) return usage(spec);
            c.arg = arg;
            break;
        }
        case "topic":
        case "quit":
        case "away":
            Object.assign(c, { text: rest, hasText: rest !== "" });
            break;
        case "help": {
            let [topic, after] = firstWord(rest);
            if (after) return usage(spec);
            if (topic.startsWith("/")) topic = topic.slice(1);
            if (topic) {
                const about = findSpec(topic);
                if (!about) return invalid(unknown(topic));
                c.arg = about.name;
            }
            break;
        }
        case "search": {
            // Only a '#' marks a room: "/search deploy failed" searches this room.
            let words = rest;
            if (rest.startsWith("#")) {
                const [room, after] = firstWord(rest);
                c.arg = room;
                words = after;
            }
            if (!words) return usage(spec);
            Object.assign(c, { text: words, hasText: true });
            break;
        }
        case "reply":
        case "edit":
        case "delete":
        case "react":
        case "unreact": {
            // "[n] text": a leading number is the message's seq.
            const [n, more] = firstWord(rest);
            const numbered = /^[0-9]+$/.test(n) && Number(n) <= Number.MAX_SAFE_INTEGER;
            const seqNeeded = c.kind === "edit" || c.kind === "delete";
            let text = rest;
            // A reply of just a number is text, not a seq with nothing to say.
            if (numbered && (seqNeeded || more !== "")) {
                if (Number(n) === 0) return usage(spec);
                c.seq = Number(n);
                text = more;
            } else if (seqNeeded) return usage(spec);
            const oneWord = c.kind === "react" || c.kind === "unreact";
            if ((c.kind === "delete") === (text !== "") || (oneWord && /[ \t]/.test(text))) return usage(spec);
            Object.assign(c, { text, hasText: text !== "" });
            break;
        }
        case "upload":
            // hermes-tui's /upload takes a path; a page cannot open one.
            if (rest) return invalid("/upload opens the file picker: a browser page cannot read a path", spec.name);
            break;
        case "window":
        case "download":
        case "context": {
            const [n, after] = firstWord(rest);
            if (!/^[0-9]+$/.test(n) || after || Number(n) < 1 || Number(n) > 2 ** 31 - 1) return usage(spec);
            c.number = Number(n);
            break;
        }
        default:
            if (rest) return invalid(`/${spec.name} takes no arguments`, spec.name);
            break;
    }
    return c;
}

// Every command name with its '/', sorted, aliases left out: for completion.
export const commandNames: string[] = specs.map((s) => `/${s.name}`).sort();

export function helpLines(): string[] {
    return [...specs.map(helpLine), "/help <command> tells more about one command.", ...keyHelpLines];
}

// The help of one command (with or without '/', by name or alias), or null.
export function helpFor(name: string): string[] | null {
    const s = findSpec(name.startsWith("/") ? name.slice(1) : name);
    if (!s) return null;
    const out = [helpLine(s)];
    switch (s.kind) {
        case "close":
            out.push("  In a room window it parts the room (the window goes once the hub", "  confirms); a private or search window just closes; the status", "  window stays.");
            break;
        case "ignore":
        case "unignore":
            out.push("  Ignoring is local and ignores case: that nick's room and private", "  messages are not shown; it is kept in this browser across visits.");
            break;
        case "away":
            out.push("  Your rooms see you away; a private message to you gets your", "  reason as an answer. It is sent again after a reconnect.");
            break;
        case "query":
            out.push("  /msg <nick> <text> does the same, text required.");
            break;
        case "quit":
            out.push("  Says goodbye to the hub and closes the connection; lines still on", "  their way are sent first. Reload the page to come back.");
            break;
        case "metrics":
            out.push("  For a nick signed in to an account the hub names in hub.operators;", "  the page at /#metrics opens it after you sign in.");
            break;
        case "retry":
            out.push("  A line the hub refused, or that the connection lost, stays in its", "  window marked \"not sent\" with a Retry button until you retry or /clear.");
            break;
        default:
            break;
    }
    return out;
}
