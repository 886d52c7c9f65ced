// Two browsers and a hermes-cat in one room: each sees the others' lines in
// order, and its own once. Screenshot of the desktop layout.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Follower, Hub, cat, chromiumMissing, connState, launch, lines, openPage, pickNick, say, screenshot, until } from "../support/harness";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
let bob: Session;
let browser: import("puppeteer-core").Browser;

before(async () => {
    if (skip) return;
    hub = new Hub();
    await hub.start();
    const b = await launch();
    close = b.close;
    browser = b.browser;
    ana = await openPage(b.browser, hub);
    bob = await openPage(b.browser, hub);
    await pickNick(ana, "ana");
    await pickNick(bob, "bob");
});

after(async () => {
    await close?.();
    await hub?.close();
});

test("two browser sessions and hermes-cat chat in lobby: everyone sees every line in order, their own once", { skip }, async () => {
    const follower = new Follower(hub, "watcher");
    try {
        await until("the follower in lobby", () => follower.out.includes('"type":"members"'));
        const sent = { ana: ["ana one", "ana two", "ana three"], bob: ["bob one", "bob two"], cat: ["cat one", "cat two"] };
        // Interleaved: ana, bob, the script, ana again...
        await say(ana, sent.ana[0]!);
        await say(bob, sent.bob[0]!);
        await cat(hub, "catbot", sent.cat);
        await say(ana, sent.ana[1]!);
        await say(bob, sent.bob[1]!);
        await say(ana, sent.ana[2]!);
        const all = [...sent.ana, ...sent.bob, ...sent.cat];
        for (const s of [ana, bob]) {
            const shown = await until("every line, echoed, on each page", async () => {
                const l = await lines(s);
                return all.every((t) => l.some((x) => x.text === t && !x.pending)) ? l : null;
            });
            for (const t of all) assert.equal(shown.filter((x) => x.text === t).length, 1, `"${t}" shown once`);
            assert.ok(shown.every((x) => !x.pending && !x.failed), "nothing left pending");
            const seqs = shown.map((x) => x.seq);
            assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, "in seq order");
            for (const [who, texts] of Object.entries(sent)) {
                const order = shown.filter((x) => texts.includes(x.text)).map((x) => x.text);
                assert.deepEqual(order, texts, `${who}'s lines in the order sent`);
            }
        }
        // A TCP client sees the same seqs as the browsers.
        const seen = await until("the follower's copy", () => {
            const m = follower.messages();
            return all.every((t) => m.some((x) => x.text === t)) ? m : null;
        });
        const browserSeqs = (await lines(ana)).filter((l) => all.includes(l.text)).map((l) => [l.seq, l.text]);
        const tcpSeqs = seen.filter((m) => all.includes(m.text)).map((m) => [m.seq, m.text]);
        assert.deepEqual(tcpSeqs, browserSeqs);
        await screenshot(ana, "desktop-1920");
        assert.deepEqual(ana.errors.filter((e) => !/favicon/.test(e)), []);
    } finally {
        follower.stop();
    }
});

test("a mention highlights the line and the room in the sidebar; /me is an action", { skip }, async () => {
    await say(bob, "/join dev");
    await until("bob in dev", async () => (await bob.page.$eval("#window-title", (e) => e.textContent)) === "#dev");
    await say(ana, "hey bob, over here");
    await until("the unread badge on lobby", () => bob.page.$eval('[data-window="room:lobby"]', (e) => e.querySelector(".badge.mention")?.textContent ?? ""));
    await say(bob, "/window 2");
    await say(bob, "/me waves");
    const l = await until("the action", async () => (await lines(ana)).find((x) => x.text === "waves" && !x.pending));
    assert.equal(l.nick, "* bob");
    const mention = await bob.page.$$eval("#messages .line.mention .body", (els) => els.map((e) => e.textContent));
    assert.ok(mention.includes("hey bob, over here"));
});

test("a nick in use brings the nick screen back with the hub's reason; another nick gets in", { skip }, async () => {
    const third = await openPage(browser, hub, { width: 1280, height: 800 });
    await third.page.type("#nick-input", "Ana");
    await third.page.click("#nick-submit");
    const why = await until("the nick screen again", () =>
        third.page.$eval("#nick-screen", (e) => (!(e as HTMLElement).hidden ? document.getElementById("nick-error")?.textContent : "")),
    );
    assert.match(why!, /taken|in use/i);
    assert.equal(await third.page.$eval("#nick-input", (e) => e.getAttribute("aria-invalid")), "true");
    await pickNick(third, "ana2");
    assert.equal((await connState(third)).state, "online");
    await third.context.close();
});

test("the dark theme follows the system", { skip }, async () => {
    await ana.page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
    const bg = await ana.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, "rgb(23, 24, 28)");
    await screenshot(ana, "desktop-1920-dark");
    await ana.page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
    assert.equal(await ana.page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(255, 255, 255)");
});
