// Hub frames for the unit tests, built with the generated codec, and a
// reader for what a ClientSession wrote.
import { decodeEnvelope, encodeEnvelope, v1 } from "../../src/proto/codec";
import type { Envelope, EnvelopeInit } from "../../src/proto/codec";
import type { ClientSession, SessionEvent } from "../../src/model/ClientSession";

export const EPOCH = 1_700_000_000_000;

export function limits(over: Partial<v1.ILimits> = {}): v1.ILimits {
    return {
        maxFrameBytes: 65536,
        maxTextBytes: 4096,
        ratePerSecond: 5,
        rateBurst: 10,
        maxNickBytes: 32,
        maxRoomBytes: 64,
        historyPageMax: 200,
        maxRoomsPerClient: 64,
        pingIntervalMs: 30000,
        ...over,
    };
}

export const welcome = (nick: string, over: Partial<v1.IWelcome> = {}) =>
    encodeEnvelope({ welcome: { sessionId: 1, nick, serverName: "hermes", epoch: EPOCH, limits: limits(), durableHistory: true, ...over } });

export function chat(room: string, seq: number, from: string, text: string, id = 0, over: Partial<v1.IChatMessage> = {}): v1.IChatMessage {
    return { room, seq, epoch: EPOCH, timeMs: EPOCH + seq * 1000, from, clientMsgId: id, text, ...over };
}

export const live = (m: v1.IChatMessage) => encodeEnvelope({ message: m });

export const page = (room: string, messages: v1.IChatMessage[], over: Partial<v1.IHistoryPage> = {}) =>
    encodeEnvelope({ historyPage: { room, epoch: EPOCH, messages, headSeq: messages.length ? messages[messages.length - 1]!.seq : 0, ...over } });

export const members = (room: string, nicks: string[], away: string[] = []) => encodeEnvelope({ members: { room, nicks, away } });

export const joined = (room: string, ...nicks: string[]) =>
    encodeEnvelope({ presence: { room, kind: v1.PresenceKind.PRESENCE_KIND_JOINED, nicks, timeMs: EPOCH } });

export const error = (e: v1.IError) => encodeEnvelope({ error: e });

export const frame = (init: EnvelopeInit) => encodeEnvelope(init);

// Everything the session wrote since the last call, decoded.
export function written(s: ClientSession): Envelope[] {
    return s.takeOutput().map((b) => decodeEnvelope(b));
}

export function bodies(envs: Envelope[]): string[] {
    return envs.map((e) => e.body ?? "none");
}

export function kinds(events: SessionEvent[]): string[] {
    return events.map((e) => e.kind);
}

// A session connected and welcomed as `nick`, in `room` (MemberList naming
// it), with the given limits; its output and events so far are taken.
export function welcomed(s: ClientSession, nick: string, room: string | null, now = 0, over: Partial<v1.IWelcome> = {}): void {
    if (s.want() !== "connect") throw new Error(`session wants ${s.want()}, not connect`);
    s.connecting(now);
    s.connected(now);
    s.received(welcome(nick, over), now);
    if (room) {
        s.received(members(room, [nick]), now);
        s.received(joined(room, nick), now);
    }
    s.takeOutput();
    s.takeEvents();
}
