// The page over https and its WebSocket over wss (http.tls), with the
// certificate the hub made itself: Chromium trusts that one key only
// (--ignore-certificate-errors-spki-list with its SPKI hash), as a user who
// compared the fingerprint and accepted it would. Two browser sessions and a
// hermes-cat (plain TCP) chat; the connection is https end to end.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Follower, Hub, cat, chromiumMissing, connState, launch, lines, openPage, pickNick, say, screenshot, until } from "../support/harness";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
let bob: Session;

before(async () => {
    if (skip) return;
    hub = new Hub({ "http.tls": "true" });
    await hub.start();
    const b = await launch([`--ignore-certificate-errors-spki-list=${hub.spkiHash()}`]);
    close = b.close;
    ana = await openPage(b.browser, hub);
    bob = await openPage(b.browser, hub);
    await pickNick(ana, "ana");
    await pickNick(bob, "bob");
});

after(async () => {
    await close?.();
    await hub?.close();
});

test("the page over https and wss: two browsers and hermes-cat chat", { skip }, async () => {
    assert.ok(hub.url.startsWith("https://"), hub.url);
    for (const s of [ana, bob]) {
        assert.equal(await s.page.evaluate(() => location.protocol), "https:");
        assert.equal((await connState(s)).state, "online");
    }
    // Each browser's WebSocket is a wss session on the loop.
    await until("two wss sessions in the hub's log", () => (hub.log.match(/WebSocket session over https/g) ?? []).length >= 2);
    const follower = new Follower(hub, "watcher");
    try {
        await until("the follower in lobby", () => follower.out.includes('"type":"members"'));
        await say(ana, "ana over wss");
        await say(bob, "bob over wss");
        await cat(hub, "catbot", ["cat over tcp"]);
        const all = ["ana over wss", "bob over wss", "cat over tcp"];
        for (const s of [ana, bob]) {
            await until("every line on each page", async () => {
                const l = await lines(s);
                return all.every((t) => l.some((x) => x.text === t && !x.pending)) ? l : null;
            });
        }
        await until("the browsers' lines at the TCP client", () => {
            const texts = follower.messages().map((m) => m.text);
            return ["ana over wss", "bob over wss"].every((t) => texts.includes(t));
        });
        await screenshot(ana, "https-chat");
        assert.deepEqual([...ana.errors, ...bob.errors], []);
    } finally {
        follower.stop();
    }
});
