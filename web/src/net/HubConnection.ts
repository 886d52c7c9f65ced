// The I/O edge of the page: runs a ClientSession over a WebSocket to the
// hub's GET /ws, with the browser's timers. Each binary WebSocket message is
// one Envelope both ways (docs/WEB.md). Everything else is the session's.
//
// step() does what the session wants next: connect, send its output, close,
// and arms one timer for its next deadline. It runs after every socket event,
// timer and user action, then calls onChange so the page redraws.
import type { ClientSession } from "../model/ClientSession";

// A WebSocket that has not opened in this time counts as a failed connect.
export const kConnectTimeoutMs = 5000;
// While the socket holds unsent bytes, look again this often (pacing stops
// adding frames over ClientSession.kMaxWriteBufferBytes).
const kBufferedPollMs = 100;

export function hubUrl(loc: Location): string {
    return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws`;
}

export class HubConnection {
    private ws: WebSocket | null = null;
    private opened = false;
    private timer: ReturnType<typeof setTimeout> | null = null;
    private connectTimer: ReturnType<typeof setTimeout> | null = null;
    private stepping = false;

    constructor(
        private readonly session: ClientSession,
        private readonly url: string,
        private readonly onChange: () => void,
        private readonly now: () => number = () => performance.now(),
    ) {}

    step(): void {
        if (this.stepping) return; // re-entered from onChange: the outer step finishes the job
        this.stepping = true;
        try {
            this.run();
        } finally {
            this.stepping = false;
        }
        this.onChange();
    }

    private run(): void {
        for (let turn = 0; turn < 8; turn++) {
            switch (this.session.want()) {
                case "connect":
                    this.open();
                    continue;
                case "drop":
                    this.closeSocket(4000, "client dropped the connection");
                    this.session.disconnected("dropped by the client", this.now());
                    continue;
                case "close":
                    this.flush();
                    this.closeSocket(1000, "bye");
                    this.session.disconnected("closed by the client", this.now());
                    continue;
                case "talk":
                    this.flush();
                    break;
                case "wait":
                case "finished":
                    break;
            }
            break;
        }
        this.arm();
    }

    private open(): void {
        this.session.connecting(this.now());
        let ws: WebSocket;
        try {
            ws = new WebSocket(this.url);
        } catch (e) {
            this.session.connectFailed(`cannot open ${this.url}: ${(e as Error).message}`, this.now());
            return;
        }
        ws.binaryType = "arraybuffer";
        this.ws = ws;
        this.opened = false;
        this.connectTimer = setTimeout(() => {
            if (this.ws !== ws || this.opened) return;
            this.detach(ws);
            ws.close();
            this.ws = null;
            this.session.connectFailed(`no answer from the hub within ${kConnectTimeoutMs / 1000} s`, this.now());
            this.step();
        }, kConnectTimeoutMs);
        ws.onopen = () => {
            if (this.ws !== ws) return;
            this.opened = true;
            this.clearConnectTimer();
            this.session.connected(this.now());
            this.step();
        };
        ws.onmessage = (ev: MessageEvent) => {
            if (this.ws !== ws) return;
            if (!(ev.data instanceof ArrayBuffer)) {
                // The protocol is binary only: a text message is a broken hub.
                this.session.disconnected("the hub sent a text WebSocket message", this.now());
                this.closeSocket(1003, "binary messages only");
                this.step();
                return;
            }
            this.session.received(new Uint8Array(ev.data), this.now());
            this.step();
        };
        ws.onclose = (ev: CloseEvent) => {
            if (this.ws !== ws) return;
            this.ws = null;
            this.clearConnectTimer();
            const why = `connection closed${ev.code ? ` (${ev.code}${ev.reason ? `: ${ev.reason}` : ""})` : ""}`;
            if (this.opened) this.session.disconnected(why, this.now());
            else this.session.connectFailed(`could not reach the hub at ${this.url}`, this.now());
            this.step();
        };
        ws.onerror = () => {
            // onclose follows with the code.
        };
    }

    private flush(): void {
        const ws = this.ws;
        const frames = this.session.takeOutput();
        if (!ws || ws.readyState !== WebSocket.OPEN) return;
        for (const f of frames) ws.send(f);
        this.session.setTransportBuffered(ws.bufferedAmount, this.now());
        for (const f of this.session.takeOutput()) ws.send(f);
    }

    private arm(): void {
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = null;
        let at = this.session.nextDeadline();
        if (this.ws && this.ws.bufferedAmount > 0) {
            const poll = this.now() + kBufferedPollMs;
            at = at === null ? poll : Math.min(at, poll);
        }
        if (at === null) return;
        this.timer = setTimeout(() => {
            this.timer = null;
            if (this.ws) this.session.setTransportBuffered(this.ws.bufferedAmount, this.now());
            this.session.tick(this.now());
            this.step();
        }, Math.max(0, at - this.now()));
    }

    private closeSocket(code: number, reason: string): void {
        const ws = this.ws;
        this.ws = null;
        this.clearConnectTimer();
        if (!ws) return;
        this.detach(ws);
        try {
            ws.close(code, reason);
        } catch {
            ws.close();
        }
    }

    private detach(ws: WebSocket): void {
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    }

    private clearConnectTimer(): void {
        if (this.connectTimer !== null) clearTimeout(this.connectTimer);
        this.connectTimer = null;
    }
}
