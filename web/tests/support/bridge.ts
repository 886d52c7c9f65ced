// A stand-in for the hub's HTTP side, for running the browser tests before
// hermesd serves http.port itself (issue 15's hub side). It serves the built
// page with the hub's Content-Security-Policy, and bridges each WebSocket on
// GET /ws to one TCP connection to hermesd: a binary WebSocket message is one
// Envelope; on TCP the same bytes go with their varint length prefix. It
// never decodes an Envelope: it only moves frames (protobufjs's Reader and
// Writer read and write the varint).
//
// Used by the e2e harness when HERMES_WEB_E2E_BRIDGE=1; the real tests run
// against hermesd's own endpoint.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { connect } from "node:net";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import protobuf from "protobufjs/minimal.js";
import { WebSocketServer } from "ws";

const types: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".map": "application/json",
};

export const kCsp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface Bridge {
    port: number;
    close(): Promise<void>;
}

export async function startBridge(staticDir: string, hubPort: () => number, listenPort = 0): Promise<Bridge> {
    const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
        void serveStatic(staticDir, req, res);
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 4 << 20 });
    server.on("upgrade", (req, socket, head) => {
        if (req.url !== "/ws") {
            socket.destroy();
            return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
            const tcp = connect(hubPort(), "127.0.0.1");
            let buf = Buffer.alloc(0);
            tcp.on("data", (chunk: Buffer) => {
                buf = Buffer.concat([buf, chunk]);
                for (;;) {
                    if (buf.length === 0) break;
                    const r = protobuf.Reader.create(buf);
                    let len: number;
                    try {
                        len = r.uint32();
                    } catch {
                        break; // the prefix is not all here yet
                    }
                    if (buf.length - r.pos < len) break;
                    ws.send(buf.subarray(r.pos, r.pos + len));
                    buf = buf.subarray(r.pos + len);
                }
            });
            ws.on("message", (data: Buffer, isBinary: boolean) => {
                if (!isBinary) {
                    ws.close(1003, "binary messages only");
                    return;
                }
                tcp.write(protobuf.Writer.create().bytes(data).finish());
            });
            const end = () => {
                tcp.destroy();
                if (ws.readyState === ws.OPEN) ws.close(1001, "hub connection closed");
            };
            tcp.on("close", end);
            tcp.on("error", end);
            ws.on("close", () => tcp.end());
            ws.on("error", () => tcp.destroy());
        });
    });
    await new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve));
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    return {
        port,
        close: () =>
            new Promise<void>((resolve) => {
                for (const c of wss.clients) c.terminate();
                wss.close();
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

async function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    const rel = normalize(path === "/" ? "/index.html" : path);
    const file = join(dir, rel);
    if (!file.startsWith(dir + sep)) {
        res.writeHead(404).end();
        return;
    }
    try {
        const body = await readFile(file);
        res.writeHead(200, {
            "Content-Type": types[extname(file)] ?? "application/octet-stream",
            "Content-Security-Policy": kCsp,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        });
        res.end(body);
    } catch {
        res.writeHead(404).end();
    }
}
