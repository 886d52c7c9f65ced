// The one codec of the web client: the code protobufjs-cli generates from
// proto/hermes/v1/hermes.proto at build time (scripts/build.mjs), nothing
// written by hand.
//
// On the WebSocket (GET /ws on the hub's HTTP port) each binary message is
// exactly one serialized hermes.v1.Envelope, with no length prefix: the
// WebSocket frame carries the length that the TCP protocol's varint prefix
// carries on a stream (docs/PROTOCOL.md section 2, docs/WEB.md).
//
//   WebSocket binary message = [ Envelope bytes ]      (no varint, one per message)
//
// uint64 fields (ids, seqs, epochs, times) are plain numbers: the build makes
// protobufjs run without Long (scripts/stubs/long.cjs). They are exact below
// 2^53; this client's own client_msg_ids always are (model/ClientIds.ts).
import { hermes } from "@gen/hermes";

export import v1 = hermes.v1;

export type Envelope = v1.Envelope;
export type EnvelopeInit = v1.Envelope.$Properties;
export type Body = NonNullable<v1.Envelope["body"]>;

export function encodeEnvelope(init: EnvelopeInit): Uint8Array {
    return v1.Envelope.encode(init).finish();
}

// Throws on bytes that are not an Envelope (a bad frame: drop the connection).
export function decodeEnvelope(bytes: Uint8Array): Envelope {
    return v1.Envelope.decode(bytes);
}

// The body set in a decoded Envelope, or undefined for one this client does
// not know (a newer hub): PROTOCOL.md section 15 says to ignore it.
export function bodyOf(envelope: Envelope): Body | undefined {
    return envelope.body ?? undefined;
}
