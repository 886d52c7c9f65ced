// Hostile text is shown as text and no script runs: the payloads would set
// window.__pwned, which the test traps before the page loads.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, cat, chromiumMissing, launch, lines, openPage, pickNick, say, until } from "../support/harness";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
let bob: Session;

const payloads = [
    `<img src=x onerror="window.__pwned='img'">`,
    `<script>window.__pwned='script'</script>`,
    `<a href="javascript:window.__pwned='link'">click me</a>`,
    `"><svg onload="window.__pwned='svg'">`,
];

before(async () => {
    if (skip) return;
    hub = new Hub();
    await hub.start();
    const b = await launch();
    close = b.close;
    ana = await openPage(b.browser, hub);
    bob = await openPage(b.browser, hub);
    for (const s of [ana, bob]) {
        // A trap the payloads would spring; evaluated in every new document.
        await s.page.evaluateOnNewDocument(() => {
            Object.defineProperty(window, "__pwned", {
                configurable: false,
                set(v: unknown) {
                    (window as unknown as { __pwnedBy: unknown[] }).__pwnedBy ??= [];
                    (window as unknown as { __pwnedBy: unknown[] }).__pwnedBy.push(v);
                },
            });
        });
        await s.page.reload({ waitUntil: "load" });
    }
    await pickNick(ana, "ana");
    await pickNick(bob, "bob");
});

after(async () => {
    await close?.();
    await hub?.close();
});

test("<img onerror>, <script> and friends in messages, topics and nicks' text show as text; no script runs", { skip }, async () => {
    await cat(hub, "mallory", payloads.slice(0, 2));
    await say(bob, payloads[2]!);
    await say(bob, `/me ${payloads[3]}`);
    await say(bob, `/topic ${payloads[0]}`);
    for (const s of [ana, bob]) {
        const shown = await until("every payload", async () => {
            const l = await lines(s);
            return payloads.every((p) => l.some((x) => x.text === p && !x.pending)) ? l : null;
        });
        for (const p of payloads) assert.equal(shown.filter((x) => x.text === p).length, 1);
        const made = await s.page.$$eval("#messages img, #messages script, #messages svg, #messages [onerror], #messages [onload], #topic img", (els) => els.length);
        assert.equal(made, 0, "no element made from the text");
        const links = await s.page.$$eval("#messages a", (els) => els.map((a) => a.getAttribute("href")));
        assert.deepEqual(links, [], "a javascript: URL is not a link");
        assert.equal(await s.page.$eval("#topic", (e) => e.textContent), payloads[0]);
        const fired = await s.page.evaluate(() => (window as unknown as { __pwnedBy?: unknown[] }).__pwnedBy ?? []);
        assert.deepEqual(fired, [], "the page's trap never fired");
    }
});

test("http links are elements with rel=noopener noreferrer", { skip }, async () => {
    await say(bob, "docs at https://example.invalid/guide?x=1 and more");
    const link = await until("the link", () =>
        ana.page.$eval('#messages a[href="https://example.invalid/guide?x=1"]', (a) => ({ rel: a.getAttribute("rel"), target: a.getAttribute("target"), text: a.textContent })).catch(() => null),
    );
    assert.deepEqual(link, { rel: "noopener noreferrer", target: "_blank", text: "https://example.invalid/guide?x=1" });
});
