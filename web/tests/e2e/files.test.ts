// Files through the hub from the page (PROTOCOL.md "Files"): a file picked
// on the page (3 MB: several windows of chunks) is announced in lobby and
// hermes-cat --download fetches it with the same SHA-256; a file
// hermes-cat --upload shared downloads in the page, checked, and saved (the
// browser's download lands on disk with the same bytes); a multi-line paste
// goes as a snippet with its preview; three files download at once; a dropped file is shared too; a
// corrupted chunk saves nothing; a download cut mid-way resumes from the
// bytes held.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ElementHandle } from "puppeteer-core";
import { decodeEnvelope } from "../../src/proto/codec";
import { Hub, catRun, chromiumMissing, launch, openPage, pickNick, screenshot, until } from "../support/harness";
import type { Browser } from "puppeteer-core";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
let dir: string;
let browser: Browser;

before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), "hermes-web-files-"));
    hub = new Hub();
    await hub.start();
    const b = await launch();
    close = b.close;
    browser = b.browser;
    ana = await openPage(b.browser, hub);
    await pickNick(ana, "ana");
});

after(async () => {
    await close?.();
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface FileLine {
    seq: number;
    text: string;
    preview: string;
    download: boolean;
}

async function fileLines(s: Session): Promise<FileLine[]> {
    return s.page.$$eval("#messages .line", (els) =>
        els
            .filter((el) => el.querySelector("[data-download]"))
            .map((el) => ({
                seq: Number((el as HTMLElement).dataset.seq ?? 0),
                text: el.querySelector(".body")?.firstChild?.textContent ?? "",
                preview: el.querySelector(".preview")?.textContent ?? "",
                download: true,
            })),
    );
}

test("a file picked on the page downloads in hermes-cat with the same SHA-256", { skip }, async () => {
    const bytes = randomBytes(3_000_000);
    const path = join(dir, "big.bin");
    writeFileSync(path, bytes);
    // What the transfer bar showed while it went: the progress values seen.
    await ana.page.evaluate(() => {
        const seen: number[] = ((globalThis as { seenProgress?: number[] }).seenProgress = []);
        new MutationObserver(() => {
            for (const p of document.querySelectorAll<HTMLProgressElement>(".transfer.upload progress")) seen.push(p.value);
        }).observe(document.getElementById("transfers")!, { childList: true, subtree: true });
    });
    const input = (await ana.page.$("#file-input")) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(path);
    const line = await until("the FILE line on the page", async () => (await fileLines(ana)).find((l) => l.text.includes("shared big.bin")));
    assert.equal(line.text, `#${line.seq} shared big.bin (3.0 MB)`);
    await until("the upload gone from the transfer bar", async () => (await ana.page.$$eval(".transfer.upload", (e) => e.length)) === 0);
    const seen = await ana.page.evaluate(() => (globalThis as { seenProgress?: number[] }).seenProgress ?? []);
    assert.ok(seen.length > 0 && seen.some((v) => v > 0 && v < 1), `the bar showed the upload part-way (${seen.join(" ")})`);
    await screenshot(ana, "files-uploaded");
    const out = join(dir, "big.from-hub");
    const r = await catRun(hub, ["--nick", "cat1", "--room", "lobby", "--download", String(line.seq), "--output", out]);
    assert.equal(r.code, 0, r.out);
    assert.equal(sha(readFileSync(out)), sha(bytes));
});

test("a file hermes-cat shared downloads in the page, SHA-256 checked, and is saved", { skip }, async () => {
    const bytes = Buffer.concat([Buffer.from("report\n"), randomBytes(200_000)]);
    const path = join(dir, "report.dat");
    writeFileSync(path, bytes);
    const saveDir = join(dir, "saved");
    // The page's browser context saves downloads into saveDir.
    const cdp = await ana.page.createCDPSession();
    const browserContextId = (ana.context as unknown as { id?: string }).id;
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: saveDir, ...(browserContextId ? { browserContextId } : {}) });
    const r = await catRun(hub, ["--nick", "cat2", "--room", "lobby", "--upload", path]);
    assert.equal(r.code, 0, r.out);
    const line = await until("report.dat on the page", async () => (await fileLines(ana)).find((l) => l.text.includes("shared report.dat")));
    await ana.page.evaluate((seq) => document.querySelector<HTMLElement>(`#messages [data-seq="${seq}"] [data-download]`)?.click(), line.seq);
    await until("the download checked", async () => (await ana.page.$$eval(".transfer.download.done", (e) => e.length)) === 1);
    // The browser wrote the file where it was told to.
    const saved = await until("report.dat on disk", () => {
        const f = join(saveDir, "report.dat");
        return existsSync(f) && readFileSync(f).length === bytes.length ? readFileSync(f) : null;
    });
    assert.equal(sha(saved), sha(bytes));
    // "Save again" offers the same checked Blob (the CSP keeps the page
    // from fetching it: connect-src is the hub alone).
    const link = await ana.page.$eval(".transfer.download.done .save-link", (a) => ({ href: (a as HTMLAnchorElement).href, name: (a as HTMLAnchorElement).download }));
    assert.match(link.href, /^blob:http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(link.name, "report.dat");
    const notes = await ana.page.$$eval("#messages .line.kind-info .body", (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(notes.includes(`Downloaded report.dat (${bytes.length} bytes, SHA-256 checked)`));
    assert.ok(readdirSync(saveDir).every((f) => !f.endsWith(".crdownload")));
});

test("three files downloaded at once: a row each, all checked and saved with their SHA-256", { skip }, async () => {
    const files = [1, 2, 3].map((n) => ({ name: `multi${n}.dat`, bytes: randomBytes(700_000 + n * 1000) }));
    const saveDir = join(dir, "saved-multi");
    const cdp = await ana.page.createCDPSession();
    const browserContextId = (ana.context as unknown as { id?: string }).id;
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: saveDir, ...(browserContextId ? { browserContextId } : {}) });
    for (const f of files) {
        writeFileSync(join(dir, f.name), f.bytes);
        const r = await catRun(hub, ["--nick", "cat4", "--room", "lobby", "--upload", join(dir, f.name)]);
        assert.equal(r.code, 0, r.out);
    }
    const lines = await until("the three FILE lines", async () => {
        const all = await fileLines(ana);
        const found = files.map((f) => all.find((l) => l.text.includes(`shared ${f.name}`)));
        return found.every(Boolean) ? (found as FileLine[]) : null;
    });
    // All three clicked in one go: before, the second and third were refused ("One download at a time").
    await ana.page.evaluate((seqs) => {
        for (const seq of seqs) document.querySelector<HTMLElement>(`#messages [data-seq="${seq}"] [data-download]`)?.click();
    }, lines.map((l) => l.seq));
    const doneNames = () => ana.page.$$eval(".transfer.download.done .t-name", (els) => els.map((e) => e.textContent ?? ""));
    await until("the three downloads checked", async () => (await doneNames()).filter((n) => n.includes("multi")).length === 3);
    for (const f of files) {
        const saved = await until(`${f.name} on disk`, () => {
            const p = join(saveDir, f.name);
            return existsSync(p) && readFileSync(p).length === f.bytes.length ? readFileSync(p) : null;
        });
        assert.equal(sha(saved), sha(f.bytes), f.name);
    }
    const errors = await ana.page.$$eval("#messages .line.kind-error .body", (els) => els.map((e) => e.textContent ?? ""));
    assert.deepEqual(errors.filter((e) => /download/i.test(e)), []);
    await screenshot(ana, "files-downloads");
});

test("a multi-line paste goes as a snippet with its preview; a dropped file is shared", { skip }, async () => {
    const text = "line one\nline two\n\nline four\n";
    await ana.page.focus("#input");
    await ana.page.evaluate((t) => {
        const dt = new DataTransfer();
        dt.setData("text/plain", t);
        document.getElementById("input")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    }, text);
    await until("the paste question", async () => (await ana.page.$eval("#paste-panel", (p) => !(p as HTMLElement).hidden)) === true);
    assert.equal(await ana.page.$eval("#paste-lines", (b) => b.textContent), "Send 3 lines");
    assert.equal(await ana.page.$eval("#paste-preview", (p) => p.textContent), "line one\nline two\n\nline four");
    await screenshot(ana, "files-paste");
    await ana.page.click("#paste-file");
    const snippet = await until("the snippet's FILE line", async () => (await fileLines(ana)).find((l) => /shared paste-\d{6}\.txt/.test(l.text)));
    assert.match(snippet.text, /^#\d+ shared paste-\d{6}\.txt \(29 B\): line one$/);
    assert.equal(snippet.preview, "line one\nline two\n\nline four");
    const out = join(dir, "snippet.txt");
    const r = await catRun(hub, ["--nick", "cat3", "--room", "lobby", "--download", String(snippet.seq), "--output", out]);
    assert.equal(r.code, 0, r.out);
    assert.equal(readFileSync(out, "utf8"), text);

    await ana.page.evaluate(() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
        const main = document.getElementById("main")!;
        main.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
        main.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    const dropped = await until("dropped.txt's FILE line", async () => (await fileLines(ana)).find((l) => l.text.includes("shared dropped.txt")));
    assert.equal(dropped.text, `#${dropped.seq} shared dropped.txt (13 B)`);
    await screenshot(ana, "files");
});

test("/upload opens the picker; three files picked at once upload side by side, each with its progress", { skip }, async () => {
    const files = ["one.bin", "two.bin", "three.bin"].map((name) => {
        const bytes = randomBytes(8_000_000);
        const path = join(dir, name);
        writeFileSync(path, bytes);
        return { name, path, bytes };
    });
    // A page of its own (the picker is the browser's: nothing else on the page in the way).
    const fay = await openPage(browser, hub, { width: 1280, height: 800 });
    await pickNick(fay, "fay");
    // The most uploads the bar showed at once, each part-way.
    await fay.page.evaluate(() => {
        const w = globalThis as { mostAtOnce?: number };
        w.mostAtOnce = 0;
        new MutationObserver(() => {
            const partWay = Array.from(document.querySelectorAll<HTMLProgressElement>(".transfer.upload progress")).filter((p) => p.value > 0 && p.value < 1);
            w.mostAtOnce = Math.max(w.mostAtOnce ?? 0, partWay.length);
            const reading = document.querySelector<HTMLProgressElement>(".transfer.reading progress");
            if (reading && reading.value > 0 && reading.value < 1) (globalThis as { readingSeen?: string }).readingSeen = reading.parentElement?.textContent ?? "";
            // When each row last moved (ms since the page's start): where the time goes on a slow run.
            const moved = ((globalThis as { lastMoved?: Record<string, [number, number]> }).lastMoved ??= {});
            for (const row of document.querySelectorAll(".transfer.upload, .transfer.reading")) {
                const name = `${row.classList.contains("reading") ? "reading " : ""}${row.querySelector(".t-name")?.textContent ?? ""}`;
                const value = row.querySelector("progress")?.value ?? 0;
                if (moved[name]?.[1] !== value) moved[name] = [Math.round(performance.now()), value];
            }
        }).observe(document.getElementById("transfers")!, { childList: true, subtree: true, attributes: true });
    });
    await fay.page.focus("#input");
    await fay.page.$eval("#input", (el) => ((el as HTMLInputElement).value = ""));
    await fay.page.keyboard.type("/upload");
    // The chooser is intercepted (waitForFileChooser) before the Enter goes:
    // a CDP round trip after asking lets the browser take that request first.
    // Without it, in about one run in three the page called the picker's
    // click() with the keystroke's activation and Chromium reported no
    // chooser (a mouse click, slower to send, never missed).
    const chooserOpened = fay.page.waitForFileChooser({ timeout: 5000 });
    await fay.page.evaluate(() => 0);
    await fay.page.keyboard.press("Enter");
    const chooser = await chooserOpened.catch(async (e) => {
        throw new Error(`${String(e)}: the page shows ${JSON.stringify(await fay.page.$$eval("#messages .line", (els) => els.slice(-3).map((x) => x.textContent)))}`);
    });
    assert.ok(chooser.isMultiple());
    assert.equal(await fay.page.$eval("#input", (el) => (el as HTMLInputElement).value), "", "the command left the input");
    const started = await fay.page.evaluate(() => Math.round(performance.now()));
    await chooser.accept(files.map((f) => f.path));
    await until("two uploads part-way at once", async () => (await fay.page.evaluate(() => (globalThis as { mostAtOnce?: number }).mostAtOnce ?? 0)) >= 2);
    await screenshot(fay, "files-several");
    const reading = await fay.page.evaluate(() => (globalThis as { readingSeen?: string }).readingSeen ?? "");
    assert.match(reading, /^↑ (one|two|three)\.bin\s*Reading \d+%$/, "a file being read showed its own row part-way");
    const shown = [];
    const announced: string[] = [];
    for (const f of files) {
        // Its FILE line, or a row that failed (the hub closed the session, say): that fails at once, with why.
        const found = await until(`${f.name}'s FILE line`, async () => {
            const line = (await fileLines(fay)).find((l) => l.text.includes(`shared ${f.name}`));
            if (line) return { line } as const;
            const failed = await fay.page.$$eval(".transfer.upload.failed", (els) => els.map((x) => x.textContent ?? ""));
            return failed.length > 0 ? ({ failed } as const) : null;
        }, 30_000).catch(async (e) => {
            const moved = await fay.page.evaluate(() => (globalThis as { lastMoved?: Record<string, [number, number]> }).lastMoved ?? {});
            throw new Error(`${String(e)}: rows last moved ${JSON.stringify(moved)} (started ${started})`);
        });
        if (!("line" in found)) {
            const shownLines = await fay.page.$$eval("#messages .line", (els) => els.slice(-4).map((x) => x.textContent));
            assert.fail(`uploads failed: ${JSON.stringify(found.failed)}; the page shows ${JSON.stringify(shownLines)}; hub log: ${hub.log.split("\n").slice(-6).join("\n")}`);
        }
        shown.push(found.line);
        announced.push(`${f.name} ${(await fay.page.evaluate(() => Math.round(performance.now()))) - started} ms`);
    }
    const moved = await fay.page.evaluate(() => (globalThis as { lastMoved?: Record<string, [number, number]> }).lastMoved ?? {});
    console.log(`# three uploads: announced ${announced.join(", ")}; rows last moved ${Object.entries(moved).map(([n, [t, v]]) => `${n} ${t - started} ms at ${v.toFixed(2)}`).join(", ")}`);
    await until("the uploads gone from the bar", async () => (await fay.page.$$eval(".transfer.upload", (e) => e.length)) === 0);
    for (const [i, f] of files.entries()) {
        const out = join(dir, `${f.name}.from-hub`);
        const r = await catRun(hub, ["--nick", `cat6${i}`, "--room", "lobby", "--download", String(shown[i]!.seq), "--output", out]);
        assert.equal(r.code, 0, r.out);
        assert.equal(sha(readFileSync(out)), sha(f.bytes));
    }
    assert.deepEqual(fay.errors, []);
    await fay.context.close();
});

test("bytes that do not hash to the announced SHA-256 are an error, and nothing is saved", { skip }, async () => {
    const bytes = randomBytes(150_000);
    const path = join(dir, "tampered.bin");
    writeFileSync(path, bytes);
    const r = await catRun(hub, ["--nick", "cat4", "--room", "lobby", "--upload", path]);
    assert.equal(r.code, 0, r.out);
    // A page whose WebSocket flips the last byte of the second large
    // message: a FileData's data ends its Envelope (the first chunk ends
    // with its FileInfo instead), so the second chunk arrives corrupted.
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.evaluateOnNewDocument(() => {
        const desc = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage")!;
        Object.defineProperty(WebSocket.prototype, "onmessage", {
            set(handler: ((ev: MessageEvent) => void) | null) {
                desc.set!.call(this, handler && ((ev: MessageEvent) => {
                    const w = globalThis as { largeSeen?: number };
                    if (ev.data instanceof ArrayBuffer && ev.data.byteLength > 20_000 && (w.largeSeen = (w.largeSeen ?? 0) + 1) === 2) {
                        const copy = new Uint8Array(ev.data.slice(0));
                        copy[copy.length - 1] ^= 0xff;
                        return handler(new MessageEvent("message", { data: copy.buffer }));
                    }
                    return handler(ev);
                }));
            },
            get() {
                return desc.get!.call(this);
            },
        });
    });
    const saveDir = join(dir, "tampered-saves");
    const cdp = await page.createCDPSession();
    const browserContextId = (context as unknown as { id?: string }).id;
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: saveDir, ...(browserContextId ? { browserContextId } : {}) });
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(hub.url, { waitUntil: "load" });
    const eve: Session = { page, context, errors: [] };
    await pickNick(eve, "eve");
    const line = await until("tampered.bin on eve's page", async () => (await fileLines(eve)).find((l) => l.text.includes("shared tampered.bin")));
    await page.evaluate((seq) => document.querySelector<HTMLElement>(`#messages [data-seq="${seq}"] [data-download]`)?.click(), line.seq);
    const why = await until("the mismatch said", async () =>
        (await page.$$eval("#messages .line.kind-error .body", (els) => els.map((e) => e.textContent ?? ""))).find((t) => t.startsWith("Download of tampered.bin failed")),
    ).catch(async (e) => {
        throw new Error(`${String(e)}: eve's page shows ${JSON.stringify(await page.$$eval("#messages .line, .transfer", (els) => els.map((x) => x.textContent)))}`);
    });
    assert.match(why, /SHA-256 mismatch.*nothing saved/);
    assert.equal(await page.$$eval(".transfer.download.failed", (e) => e.length), 1);
    assert.equal(await page.$$eval(".save-link", (e) => e.length), 0);
    await screenshot(eve, "files-mismatch");
    assert.ok(!existsSync(saveDir) || readdirSync(saveDir).length === 0, "nothing written");
    await context.close();
});

test("a download cut mid-way resumes after the reconnect from the bytes held, and its SHA-256 matches", { skip }, async () => {
    const bytes = randomBytes(1_500_000);
    const path = join(dir, "cut.bin");
    writeFileSync(path, bytes);
    const r = await catRun(hub, ["--nick", "cat5", "--room", "lobby", "--upload", path]);
    assert.equal(r.code, 0, r.out);
    // A page whose WebSocket the hook closes right after the third large
    // message (a FileData) reached the page: the browser then hands the
    // page nothing more from that connection, so what it holds is exactly
    // those three chunks. The hook keeps copies of them, and of every small
    // frame the page sends, by connection (1, 2, ...), for the test to decode.
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.evaluateOnNewDocument(() => {
        type Seen = { conns: number; sent: { conn: number; b64: string }[]; large: string[]; cut: boolean };
        const seen: Seen = ((globalThis as { cutSeen?: Seen }).cutSeen = { conns: 0, sent: [], large: [], cut: false });
        const b64 = (b: Uint8Array) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(""));
        const connOf = (ws: WebSocket) => ((ws as unknown as { conn?: number }).conn ??= ++seen.conns);
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data: ArrayBufferLike | ArrayBufferView | Blob | string) {
            const b = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
            if (b && b.length < 512) seen.sent.push({ conn: connOf(this), b64: b64(b) });
            return send.call(this, data as ArrayBuffer);
        };
        const desc = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage")!;
        Object.defineProperty(WebSocket.prototype, "onmessage", {
            set(handler: ((ev: MessageEvent) => void) | null) {
                const ws = this as WebSocket;
                connOf(ws);
                desc.set!.call(ws, handler && ((ev: MessageEvent) => {
                    handler(ev);
                    if (!seen.cut && ev.data instanceof ArrayBuffer && ev.data.byteLength > 20_000) {
                        seen.large.push(b64(new Uint8Array(ev.data)));
                        if (seen.large.length === 3) {
                            seen.cut = true;
                            ws.close(4000, "the test cuts the connection");
                        }
                    }
                }));
            },
            get() {
                return desc.get!.call(this);
            },
        });
    });
    const saveDir = join(dir, "cut-saves");
    const cdp = await page.createCDPSession();
    const browserContextId = (context as unknown as { id?: string }).id;
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: saveDir, ...(browserContextId ? { browserContextId } : {}) });
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(hub.url, { waitUntil: "load" });
    const dan: Session = { page, context, errors: [] };
    page.on("pageerror", (e) => dan.errors.push(String(e)));
    await pickNick(dan, "dan");
    const line = await until("cut.bin on dan's page", async () => (await fileLines(dan)).find((l) => l.text.includes("shared cut.bin")));
    await page.evaluate((seq) => document.querySelector<HTMLElement>(`#messages [data-seq="${seq}"] [data-download]`)?.click(), line.seq);
    await until("the download checked", async () => (await page.$$eval(".transfer.download.done", (e) => e.length)) === 1).catch(async (e) => {
        throw new Error(`${String(e)}: dan's page shows ${JSON.stringify(await page.$$eval("#messages .line, .transfer", (els) => els.map((x) => x.textContent)))}`);
    });
    const saved = await until("cut.bin on disk", () => {
        const f = join(saveDir, "cut.bin");
        return existsSync(f) && readFileSync(f).length === bytes.length ? readFileSync(f) : null;
    });
    assert.equal(sha(saved), sha(bytes));

    const seen = await page.evaluate(() => (globalThis as { cutSeen?: { conns: number; sent: { conn: number; b64: string }[]; large: string[]; cut: boolean } }).cutSeen!);
    assert.ok(seen.cut && seen.conns === 2, `cut once, reconnected once (${seen.conns} connections)`);
    // What the page held at the cut: the three chunks, from offset 0 on.
    const chunks = seen.large.map((b) => decodeEnvelope(Buffer.from(b, "base64")).fileData!);
    let held = 0;
    for (const c of chunks) {
        assert.equal(Number(c.offset ?? 0), held, "the chunks in order");
        held += c.data!.length;
    }
    assert.ok(held > 0 && held < bytes.length, `cut mid-way (${held} of ${bytes.length})`);
    // Its FileRequests: from 0 on the first connection, from the bytes held on the second.
    const requests = seen.sent
        .map((s) => ({ conn: s.conn, req: decodeEnvelope(Buffer.from(s.b64, "base64")).fileRequest }))
        .filter((x) => x.req)
        .map((x) => ({ conn: x.conn, seq: Number(x.req!.seq ?? 0), offset: Number(x.req!.offset ?? 0) }));
    assert.deepEqual(requests, [
        { conn: 1, seq: line.seq, offset: 0 },
        { conn: 2, seq: line.seq, offset: held },
    ]);
    const notes = await page.$$eval("#messages .line .body", (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(notes.includes(`Resuming the download of cut.bin from byte ${held} of ${bytes.length}`), notes.join("\n"));
    assert.ok(notes.includes(`Downloaded cut.bin (${bytes.length} bytes, SHA-256 checked)`), notes.join("\n"));
    assert.deepEqual(dan.errors, []);
    await screenshot(dan, "files-resumed");
    await context.close();
});
