// Files over plain http from a name that is not localhost, as a LAN user
// reaches the hub (http://192.168.1.20:7080/, http://hub.lan:7080/): the
// browser gives such a page no crypto.subtle, and the page hashes with its
// own SHA-256 (src/model/Sha256.ts) all the same.
//
// Chromium counts all of 127.0.0.0/8 as potentially trustworthy (a secure
// context even over http), so the test needs a name: Chromium maps
// hermes.test to 127.0.0.1 (--host-resolver-rules: nothing is looked up),
// and the hub answers to it (http.allowed_hosts). The test checks that the
// page really is not a secure context before it trusts anything else.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ElementHandle } from "puppeteer-core";
import { Hub, catRun, chromiumMissing, launch, openPage, pickNick, screenshot, until } from "../support/harness";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
const kName = "hermes.test";
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
let dir: string;

before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), "hermes-web-lan-"));
    hub = new Hub({ "http.allowed_hosts": kName });
    await hub.start();
    const b = await launch([`--host-resolver-rules=MAP ${kName} 127.0.0.1`]);
    close = b.close;
    ana = await openPage(b.browser, hub, { width: 1280, height: 800 }, `http://${kName}:${hub.httpPort}/`);
    await pickNick(ana, "ana");
});

after(async () => {
    await close?.();
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function fileLine(s: Session, name: string): Promise<{ seq: number; text: string }> {
    return until(`${name}'s FILE line`, () =>
        s.page.$$eval(
            "#messages .line",
            (els, n) =>
                els
                    .filter((el) => el.querySelector("[data-download]"))
                    .map((el) => ({ seq: Number((el as HTMLElement).dataset.seq ?? 0), text: el.querySelector(".body")?.firstChild?.textContent ?? "" }))
                    .find((l) => l.text.includes(`shared ${n as string}`)),
            name,
        ),
    );
}

test("the page over plain http by a LAN name is not a secure context, and has no crypto.subtle", { skip }, async () => {
    const where = await ana.page.evaluate(() => ({
        href: location.href,
        secure: window.isSecureContext,
        subtle: typeof globalThis.crypto?.subtle,
    }));
    assert.equal(where.href, `http://${kName}:${hub.httpPort}/`);
    assert.equal(where.secure, false, "Chromium must treat the page as insecure, or this test proves nothing");
    assert.equal(where.subtle, "undefined");
    // The WebSocket went to the same name (the hub's Host and Origin checks let it in).
    assert.ok(hub.log.includes(`WebSocket session (Origin http://${kName}:${hub.httpPort})`), hub.log);
});

test("a file picked there is shared, hashed by the page, and hermes-cat gets the same SHA-256", { skip }, async () => {
    const bytes = randomBytes(2_500_000);
    const path = join(dir, "lan.bin");
    writeFileSync(path, bytes);
    const input = (await ana.page.$("#file-input")) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(path);
    const line = await fileLine(ana, "lan.bin");
    assert.equal(line.text, `#${line.seq} shared lan.bin (2.5 MB)`);
    const out = join(dir, "lan.from-hub");
    // --download checks the bytes against the SHA-256 the page announced
    // (the hub checked them against it too, FILE_HASH_MISMATCH otherwise).
    const r = await catRun(hub, ["--nick", "cat1", "--room", "lobby", "--download", String(line.seq), "--output", out]);
    assert.equal(r.code, 0, r.out);
    assert.equal(sha(readFileSync(out)), sha(bytes));
});

test("a file hermes-cat shared downloads there, SHA-256 checked, and lands on disk", { skip }, async () => {
    const bytes = randomBytes(700_000);
    const path = join(dir, "from-cat.bin");
    writeFileSync(path, bytes);
    const saveDir = join(dir, "saved");
    const cdp = await ana.page.createCDPSession();
    const browserContextId = (ana.context as unknown as { id?: string }).id;
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: saveDir, ...(browserContextId ? { browserContextId } : {}) });
    const r = await catRun(hub, ["--nick", "cat2", "--room", "lobby", "--upload", path]);
    assert.equal(r.code, 0, r.out);
    const line = await fileLine(ana, "from-cat.bin");
    await ana.page.evaluate((seq) => document.querySelector<HTMLElement>(`#messages [data-seq="${seq}"] [data-download]`)?.click(), line.seq);
    await until("the download checked", async () => (await ana.page.$$eval(".transfer.download.done", (e) => e.length)) === 1);
    const saved = await until("from-cat.bin on disk", () => {
        const f = join(saveDir, "from-cat.bin");
        return existsSync(f) && readFileSync(f).length === bytes.length ? readFileSync(f) : null;
    });
    assert.equal(sha(saved), sha(bytes));
    assert.ok(readdirSync(saveDir).every((f) => !f.endsWith(".crdownload")));
    const notes = await ana.page.$$eval("#messages .line .body", (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(notes.includes(`Downloaded from-cat.bin (${bytes.length} bytes, SHA-256 checked)`), notes.join("\n"));
    assert.ok(!notes.some((t) => /https/.test(t)), "no line says files need https");
    assert.deepEqual(ana.errors, []);
    await screenshot(ana, "files-lan-http");
});
