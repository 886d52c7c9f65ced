// The browser tests' world: a real hermesd on 127.0.0.1 (started, waited for
// against a deadline, always stopped by its PID), hermes-cat, and Debian's
// Chromium driven by puppeteer-core. Nothing is downloaded; nothing listens
// beyond 127.0.0.1.
//
// The page and its WebSocket come from hermesd's own HTTP listener
// (http.port; docs/WEB.md). The environment says where things are:
//   HERMESD                  the hub binary (default: build/release/hermesd/hermesd)
//   HERMES_CAT               hermes-cat (default: build/release/tools/hermes-cat)
//   HERMES_WEB_DIST          the built page (default: web/dist), the hub's http.static_dir
//   HERMES_WEB_E2E_EXTRA     more properties lines for the hub, ';'-separated
//   CHROMIUM                 the browser (default: /usr/bin/chromium)
//   HERMES_WEB_ARTIFACTS     where screenshots go (default: web/e2e-artifacts)
import { spawn } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { request as httpsRequest } from "node:https";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import type { Browser, BrowserContext, Page } from "puppeteer-core";

// dist-test/e2e/x.test.mjs -> web/
const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const repoDir = resolve(webDir, "..");
const env = process.env;

export const config = {
    hermesd: env.HERMESD ?? join(repoDir, "build/release/hermesd/hermesd"),
    hermesCat: env.HERMES_CAT ?? join(repoDir, "build/release/tools/hermes-cat"),
    dist: resolve(env.HERMES_WEB_DIST ?? join(webDir, "dist")),
    extra: (env.HERMES_WEB_E2E_EXTRA ?? "").split(";").map((l) => l.trim()).filter(Boolean),
    chromium: env.CHROMIUM ?? "/usr/bin/chromium",
    artifacts: resolve(env.HERMES_WEB_ARTIFACTS ?? join(webDir, "e2e-artifacts")),
};

export const chromiumMissing = !existsSync(config.chromium);

// Waits for `check` to return a truthy value, polling, until `ms` pass.
export async function until<T>(what: string, check: () => Promise<T> | T, ms = 15_000): Promise<NonNullable<T>> {
    const deadline = Date.now() + ms;
    let last: unknown;
    for (;;) {
        try {
            const v = await check();
            if (v) return v as NonNullable<T>;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

// A free port below the kernel's ephemeral range (32768-60999): a port from
// listen(0) lies in that range, and between its close and the hub's bind an
// outgoing connection of another test running beside this one may take it
// as its source port (seen: EADDRINUSE at hermesd's start in web.e2e.chat,
// under the ASan build's parallel tests). Listeners in the tests bind port 0,
// so nothing takes a port of 20000-31999 but this function's callers.
export async function freePort(): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
        const port = 20000 + Math.floor(Math.random() * 12000);
        if (await canListen(port)) return port;
    }
    throw new Error("no free port in 20000-31999 after 200 tries");
}

function canListen(port: number): Promise<boolean> {
    return new Promise((resolveP) => {
        const s = createServer();
        s.once("error", () => resolveP(false));
        s.listen(port, "127.0.0.1", () => s.close(() => resolveP(true)));
    });
}

// One hermesd: its own directory (config, durable history, port file), the
// same HTTP port across restarts so a page can come back to it.
export class Hub {
    readonly dir = mkdtempSync(join(tmpdir(), "hermes-web-e2e-"));
    httpPort = 0;
    tcpPort = 0;
    private proc: ChildProcess | null = null;
    log = "";

    constructor(private readonly settings: Record<string, string | number> = {}) {}

    // https when the hub's HTTP listener speaks it (http.tls or tls.enabled).
    get secure(): boolean {
        const v = (k: string) => String(this.settings[k] ?? "");
        return v("http.tls") === "true" || (v("http.tls") === "" && v("tls.enabled") === "true");
    }

    get url(): string {
        return `${this.secure ? "https" : "http"}://127.0.0.1:${this.httpPort}/`;
    }

    // The self-signed certificate the hub made on its first start with TLS on.
    get certificatePath(): string {
        return join(this.dir, "hermes-hub.crt");
    }

    // base64(SHA-256(the certificate's SubjectPublicKeyInfo)): what Chromium's
    // --ignore-certificate-errors-spki-list takes, so the test's browser
    // trusts this hub's key and no other.
    spkiHash(): string {
        const spki = new X509Certificate(readFileSync(this.certificatePath)).publicKey.export({ type: "spki", format: "der" });
        return createHash("sha256").update(spki).digest("base64");
    }

    // GET / answers 200, over https checked against the hub's own certificate.
    private async pageOk(): Promise<boolean> {
        if (!this.secure) return (await fetch(this.url)).ok;
        if (!existsSync(this.certificatePath)) return false;
        const ca = readFileSync(this.certificatePath);
        return new Promise((resolveP) => {
            const req = httpsRequest(this.url, { ca }, (res) => {
                res.resume();
                resolveP(res.statusCode === 200);
            });
            req.on("error", () => resolveP(false));
            req.end();
        });
    }

    async start(): Promise<void> {
        if (!existsSync(config.hermesd)) throw new Error(`no hermesd at ${config.hermesd} (set HERMESD)`);
        if (this.httpPort === 0) this.httpPort = await freePort();
        const portFile = join(this.dir, "tcp.port");
        rmSync(portFile, { force: true });
        const props: Record<string, string | number> = {
            "hermesd.host": "127.0.0.1",
            "hermesd.port": 0,
            "hermesd.port_file": portFile,
            "hermesd.stats_interval_s": 0,
            "history.path": join(this.dir, "history.db"),
            "hub.default_room": "lobby",
            "hub.rate_per_second": 50,
            "hub.rate_burst": 50,
            "hub.join_backlog": 20,
            "logging.loggers.root.channel": "console",
            "logging.loggers.root.level": "information",
            "logging.channels.console.class": "ConsoleChannel",
            "http.port": this.httpPort,
            "http.host": "127.0.0.1",
            "http.static_dir": config.dist,
            "irc.port": 0,
            ...this.settings,
        };
        const lines = Object.entries(props).map(([k, v]) => `${k} = ${v}`).concat(config.extra);
        const file = join(this.dir, "hermesd.properties");
        writeFileSync(file, lines.join("\n") + "\n");
        const proc = spawn(config.hermesd, ["--config", file], { cwd: this.dir, stdio: ["ignore", "pipe", "pipe"] });
        this.proc = proc;
        proc.stdout!.on("data", (d: Buffer) => (this.log += d.toString()));
        proc.stderr!.on("data", (d: Buffer) => (this.log += d.toString()));
        const exited = new Promise<never>((_, reject) => proc.once("exit", (code) => reject(new Error(`hermesd exited (${code}) while starting:\n${this.log}`))));
        const ready = (async () => {
            this.tcpPort = await until("hermesd's port file", () => {
                const text = existsSync(portFile) ? readFileSync(portFile, "utf8").trim() : "";
                return text ? Number(text) : 0;
            });
            await until(`the page at ${this.url}`, () => this.pageOk());
        })();
        await Promise.race([ready, exited]);
        proc.removeAllListeners("exit");
    }

    // SIGTERM by PID (the hub says goodbye to every client), then wait for it.
    async stop(): Promise<void> {
        const proc = this.proc;
        this.proc = null;
        if (!proc || proc.exitCode !== null) return;
        const gone = new Promise<void>((r) => proc.once("exit", () => r()));
        proc.kill("SIGTERM");
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)));
        const exited = await Promise.race([gone.then(() => true), timeout]);
        // A timer left armed would keep node (and so the test file) alive for 10 s.
        clearTimeout(timer);
        if (!exited) {
            proc.kill("SIGKILL");
            await gone;
        }
    }

    async close(): Promise<void> {
        await this.stop();
        rmSync(this.dir, { recursive: true, force: true });
    }
}

// hermes-cat: lines in, exit 0 once each is acknowledged.
export async function cat(hub: Hub, nick: string, lines: string[], room = "lobby"): Promise<string> {
    return new Promise((resolveP, reject) => {
        const p = spawn(config.hermesCat, ["--host", "127.0.0.1", "--port", String(hub.tcpPort), "--nick", nick, "--room", room, "--timeout", "30"], {
            stdio: ["pipe", "pipe", "pipe"],
        });
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.stderr.on("data", (d: Buffer) => (out += d.toString()));
        p.on("exit", (code) => (code === 0 ? resolveP(out) : reject(new Error(`hermes-cat exited ${code}:\n${out}`))));
        p.stdin.end(lines.map((l) => l + "\n").join(""));
    });
}

// hermes-cat --follow --json: what a TCP client sees, until stopped.
export class Follower {
    private readonly p: ChildProcess;
    out = "";
    constructor(hub: Hub, nick: string, room = "lobby") {
        this.p = spawn(config.hermesCat, ["--host", "127.0.0.1", "--port", String(hub.tcpPort), "--nick", nick, "--room", room, "--json", "--follow"], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.p.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    }
    messages(): { seq: number; from: string; text: string }[] {
        return this.out
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l) as { seq?: number; from?: string; text?: string; kind?: string })
            .filter((m) => typeof m.seq === "number" && m.seq > 0 && typeof m.text === "string")
            .map((m) => ({ seq: m.seq!, from: m.from ?? "", text: m.text! }));
    }
    stop(): void {
        if (this.p.exitCode === null) this.p.kill("SIGTERM");
    }
}

// ---- the browser ---------------------------------------------------------------

// `args`: more Chromium flags (an https test's --ignore-certificate-errors-spki-list).
export async function launch(args: string[] = []): Promise<{ browser: Browser; close: () => Promise<void> }> {
    const profile = mkdtempSync(join(tmpdir(), "hermes-web-chromium-"));
    const browser = await puppeteer.launch({
        executablePath: config.chromium,
        headless: true,
        userDataDir: profile,
        args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            ...args,
        ],
    });
    return {
        browser,
        close: async () => {
            await browser.close();
            rmSync(profile, { recursive: true, force: true });
        },
    };
}

export interface Session {
    page: Page;
    context: BrowserContext;
    errors: string[];
}

// A fresh browser context (its own storage) with the page open on the nick
// screen; `url`: the page by another name than 127.0.0.1 (a name mapped by
// --host-resolver-rules).
export async function openPage(browser: Browser, hub: Hub, viewport = { width: 1920, height: 1080 }, url = hub.url): Promise<Session> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
    });
    await page.setViewport(viewport);
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => (globalThis as { hermesReady?: boolean }).hermesReady === true, { timeout: 15_000 });
    return { page, context, errors };
}

export async function pickNick(s: Session, nick: string): Promise<void> {
    await s.page.$eval("#nick-input", (el) => ((el as HTMLInputElement).value = ""));
    await s.page.type("#nick-input", nick);
    await s.page.click("#nick-submit");
    await s.page.waitForFunction(() => document.getElementById("conn")?.dataset.state === "online", { timeout: 15_000 });
}

export async function say(s: Session, text: string): Promise<void> {
    await s.page.focus("#input");
    await s.page.$eval("#input", (el, t) => ((el as HTMLInputElement).value = t as string), text);
    await s.page.keyboard.press("Enter");
}

export interface ShownLine {
    seq: number;
    nick: string;
    text: string;
    pending: boolean;
    failed: boolean;
}

// The chat lines of the window shown, as text.
export async function lines(s: Session): Promise<ShownLine[]> {
    return s.page.$$eval("#messages .line.kind-text, #messages .line.kind-action", (els) =>
        els.map((el) => ({
            seq: Number((el as HTMLElement).dataset.seq ?? 0),
            nick: el.querySelector(".nick")?.textContent ?? "",
            text: el.querySelector(".body")?.textContent ?? "",
            pending: el.classList.contains("pending"),
            failed: el.classList.contains("failed"),
        })),
    );
}

export async function connState(s: Session): Promise<{ state: string; text: string }> {
    return s.page.$eval("#conn", (el) => ({ state: (el as HTMLElement).dataset.state ?? "", text: el.textContent ?? "" }));
}

export async function screenshot(s: Session, name: string): Promise<string> {
    mkdirSync(config.artifacts, { recursive: true });
    const path = join(config.artifacts, `${name}.png`);
    await s.page.screenshot({ path: path as `${string}.png` });
    return path;
}

// hermes-cat with any arguments (--upload, --download, --to, ...): its exit
// code and everything it printed, once it exits.
export async function catRun(hub: Hub, args: string[], input = "", env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
    return new Promise((resolveP) => {
        const p = spawn(config.hermesCat, ["--host", "127.0.0.1", "--port", String(hub.tcpPort), "--timeout", "30", ...args], {
            stdio: ["pipe", "pipe", "pipe"],
            env: { ...process.env, ...env },
        });
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.stderr.on("data", (d: Buffer) => (out += d.toString()));
        p.on("exit", (code) => resolveP({ code: code ?? -1, out }));
        p.stdin.end(input);
    });
}

// hermes-cat --follow --json with more arguments (--typing): every JSON
// object it printed, until stopped.
export class CatFollower {
    private readonly p: ChildProcess;
    out = "";
    constructor(hub: Hub, nick: string, args: string[] = [], room = "lobby") {
        this.p = spawn(config.hermesCat, ["--host", "127.0.0.1", "--port", String(hub.tcpPort), "--nick", nick, "--room", room, "--json", "--follow", ...args], {
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.p.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    }
    objects(): Record<string, unknown>[] {
        return this.out
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l) as Record<string, unknown>);
    }
    stop(): void {
        if (this.p.exitCode === null) this.p.kill("SIGTERM");
    }
}

// The text of the element `selector` on the page ("" when none).
export async function textOf(s: Session, selector: string): Promise<string> {
    return s.page.$eval(selector, (el) => el.textContent ?? "").catch(() => "");
}
