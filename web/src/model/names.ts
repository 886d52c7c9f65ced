// Names and text as docs/PROTOCOL.md section 6 defines them, for the client's
// own checks and comparisons (the hub checks again; libhermes's
// protocol/Validation.cpp is the reference).

// Nicks are unique ignoring ASCII case: compare their keys.
export function nickKey(nick: string): string {
    return nick.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export function sameNick(a: string, b: string): boolean {
    return a !== "" && nickKey(a) === nickKey(b);
}

export const kDefaultMaxNickBytes = 32;
export const kDefaultMaxRoomBytes = 64;
export const kDefaultMaxTextBytes = 4096;

// Why `nick` is not a valid nick, or null if it is.
export function nickError(nick: string, maxBytes = kDefaultMaxNickBytes): string | null {
    if (nick.length === 0) return "a nick may not be empty";
    if (nick.length > maxBytes) return `a nick is at most ${maxBytes} characters`;
    if (!/^[A-Za-z0-9_\-[\]\\`^{}|]+$/.test(nick)) {
        return "a nick has only letters A-Z a-z, digits and _ - [ ] \\ ` ^ { } |";
    }
    if (/^[0-9-]/.test(nick)) return "a nick may not start with a digit or '-'";
    return null;
}

// The hub's canonical form of a room name: without '#', ASCII lower case.
export function canonicalRoom(room: string): string {
    return nickKey(room.startsWith("#") ? room.slice(1) : room);
}

export function roomError(room: string, maxBytes = kDefaultMaxRoomBytes): string | null {
    const name = room.startsWith("#") ? room.slice(1) : room;
    if (name.length === 0) return "a room name may not be empty";
    if (name.length > maxBytes) return `a room name is at most ${maxBytes} characters`;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return "a room name has only letters, digits, _ - and .";
    return null;
}

export function utf8Bytes(text: string): number {
    return new TextEncoder().encode(text).length;
}

function isWordChar(c: string | undefined): boolean {
    return c !== undefined && /[A-Za-z0-9_\-[\]\\`^{}|]/.test(c);
}

// True when `text` names `nick` as a whole word, ignoring ASCII case (as
// hermes-tui's ChatModel::mentions).
export function mentions(text: string, nick: string): boolean {
    if (nick === "") return false;
    const hay = nickKey(text);
    const needle = nickKey(nick);
    for (let pos = hay.indexOf(needle); pos >= 0; pos = hay.indexOf(needle, pos + 1)) {
        const startOk = pos === 0 || !isWordChar(hay[pos - 1]);
        const endOk = !isWordChar(hay[pos + needle.length]);
        if (startOk && endOk) return true;
    }
    return false;
}

// A stable colour slot for a nick (FNV-1a over its key, as hermes-tui's
// NickColour), 0 .. kNickColours-1; the stylesheet has a class per slot.
export const kNickColours = 12;
export function nickColour(nick: string): number {
    let hash = 2166136261;
    for (const ch of nickKey(nick)) {
        hash ^= ch.charCodeAt(0) & 0xff;
        hash = Math.imul(hash, 16777619) >>> 0;
    }
    return hash % kNickColours;
}
