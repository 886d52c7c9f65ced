// Typing notices (PROTOCOL.md "Typing") between the page and TCP clients:
// bob (a raw client) types in lobby and the page says "bob is typing…",
// until his message ends it at once, or, with no more notices, until it
// lapses (about 6 s, never much sooner); the page's own typing reaches
// hermes-cat --typing, and with the setting off the page sends none.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CatFollower, Hub, chromiumMissing, launch, lines, openPage, pickNick, screenshot, textOf, until } from "../support/harness";
import type { Session } from "../support/harness";
import { RawClient } from "../support/raw";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
let bob: RawClient;

before(async () => {
    if (skip) return;
    hub = new Hub();
    await hub.start();
    const b = await launch();
    close = b.close;
    ana = await openPage(b.browser, hub);
    await pickNick(ana, "ana");
    bob = await RawClient.open(hub.tcpPort, "bob");
});

after(async () => {
    bob?.close();
    await close?.();
    await hub?.close();
});

const typingLine = () => textOf(ana, "#typing");

test("bob typing shows on the page, ends with his message, and lapses on its own", { skip }, async () => {
    bob.send({ typing: { room: "lobby" } });
    await until("bob is typing… on the page", async () => (await typingLine()) === "bob is typing…");
    await screenshot(ana, "typing");
    bob.send({ say: { room: "lobby", clientMsgId: 1, text: "here I am" } });
    await until("bob's line", async () => (await lines(ana)).some((l) => l.text === "here I am"));
    assert.equal(await typingLine(), "", "a message from bob ends his notice at once");

    bob.send({ typing: { room: "lobby" } });
    await until("bob is typing… again", async () => (await typingLine()) === "bob is typing…");
    const shown = Date.now();
    await until("the notice lapsed", async () => (await typingLine()) === "", 10_000);
    const lasted = Date.now() - shown;
    assert.ok(lasted >= 4500, `the notice lasted ${lasted} ms; it should stand about 6 s`);
});

test("the page's typing reaches hermes-cat --typing; with the setting off it sends none", { skip }, async () => {
    const cat = new CatFollower(hub, "carol", ["--typing"]);
    try {
        await until("carol in lobby", async () => (await ana.page.$$eval("#member-list li", (els) => els.map((e) => e.textContent))).includes("carol"));
        await ana.page.focus("#input");
        await ana.page.keyboard.type("hel");
        const typing = (o: Record<string, unknown>) => o.type === "typing" && o.from === "ana" && o.room === "lobby" && !o.stopped;
        await until("ana's typing notice at hermes-cat", () => cat.objects().some(typing));
        await ana.page.keyboard.press("Enter");
        await until("ana's line at hermes-cat", () => cat.objects().some((o) => o.type === "message" && o.text === "hel"));

        // Off: no notice, persisted for the next visit.
        await ana.page.click("#typing-toggle");
        assert.equal(await ana.page.evaluate(() => localStorage.getItem("hermes.typing")), "off");
        const before = cat.objects().filter(typing).length;
        await ana.page.focus("#input");
        await ana.page.keyboard.type("quiet");
        await ana.page.keyboard.press("Enter");
        await until("the quiet line at hermes-cat", () => cat.objects().some((o) => o.type === "message" && o.text === "quiet"));
        assert.equal(cat.objects().filter(typing).length, before, "no typing notice with the setting off");
        // And bob's notices are not shown either.
        bob.send({ typing: { room: "lobby" } });
        bob.send({ say: { room: "lobby", clientMsgId: 2, text: "still here" } });
        await until("bob's second line", async () => (await lines(ana)).some((l) => l.text === "still here"));
        assert.equal(await typingLine(), "");
        await ana.page.click("#typing-toggle");
    } finally {
        cat.stop();
    }
});
