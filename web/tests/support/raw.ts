// A raw Hermes client over TCP for the browser tests: another device of an
// account, or a peer that types, speaking the protocol frame by frame with
// the generated codec (varint length prefix, PROTOCOL.md section 2). For
// what hermes-cat cannot send (MarkRead, Typing, Register, Identify).
import { Socket, connect } from "node:net";
import { decodeEnvelope, encodeEnvelope } from "../../src/proto/codec";
import type { Envelope, EnvelopeInit } from "../../src/proto/codec";
import { until } from "./harness";

export class RawClient {
    private readonly socket: Socket;
    private buffer = Buffer.alloc(0);
    readonly received: Envelope[] = [];
    private closed = false;

    private constructor(socket: Socket) {
        this.socket = socket;
        socket.on("data", (d: Buffer) => this.onData(d));
        socket.on("close", () => (this.closed = true));
        socket.on("error", () => (this.closed = true));
    }

    // Connects and says Hello; resolves once Welcome came (or throws on an Error).
    static async open(port: number, nick: string, password = ""): Promise<RawClient> {
        const socket = connect({ host: "127.0.0.1", port });
        await new Promise<void>((resolveP, reject) => {
            socket.once("connect", () => resolveP());
            socket.once("error", reject);
        });
        const c = new RawClient(socket);
        c.send({ hello: { protocolVersion: 1, nick, clientName: "web-e2e raw", ...(password ? { password } : {}) } });
        await c.wait("Welcome", (e) => {
            if (e.error) throw new Error(`refused: ${e.error.text}`);
            return !!e.welcome;
        });
        return c;
    }

    send(init: EnvelopeInit): void {
        const payload = encodeEnvelope(init);
        const prefix: number[] = [];
        let n = payload.length;
        while (n >= 0x80) {
            prefix.push((n & 0x7f) | 0x80);
            n >>>= 7;
        }
        prefix.push(n);
        this.socket.write(Buffer.concat([Buffer.from(prefix), Buffer.from(payload)]));
    }

    // The first envelope received (from `from` on) that `match` accepts.
    async wait(what: string, match: (e: Envelope) => boolean, from = 0, ms = 10_000): Promise<Envelope> {
        return until(what, () => {
            for (let i = from; i < this.received.length; i++) if (match(this.received[i]!)) return this.received[i]!;
            if (this.closed) throw new Error("connection closed");
            return undefined;
        }, ms);
    }

    close(): void {
        if (!this.closed) this.send({ bye: { text: "done" } });
        this.socket.end();
        this.socket.destroy();
    }

    private onData(d: Buffer): void {
        this.buffer = Buffer.concat([this.buffer, d]);
        for (;;) {
            let length = 0;
            let shift = 0;
            let i = 0;
            for (; i < this.buffer.length && i < 5; i++) {
                const b = this.buffer[i]!;
                length |= (b & 0x7f) << shift;
                shift += 7;
                if ((b & 0x80) === 0) break;
            }
            if (i >= this.buffer.length || i >= 5) return;
            const start = i + 1;
            if (this.buffer.length < start + length) return;
            const env = decodeEnvelope(this.buffer.subarray(start, start + length));
            this.buffer = this.buffer.subarray(start + length);
            if (env.ping) this.send({ pong: { nonce: env.ping.nonce } });
            this.received.push(env);
        }
    }
}

// Registers `nick` with `password` (a session that holds it, then leaves).
export async function register(port: number, nick: string, password: string): Promise<void> {
    const c = await RawClient.open(port, nick);
    const at = c.received.length;
    c.send({ registerNick: { password } });
    await c.wait(`${nick} registered`, (e) => {
        if (e.error) throw new Error(`register refused: ${e.error.text}`);
        return !!e.accountReply;
    }, at);
    c.close();
}
