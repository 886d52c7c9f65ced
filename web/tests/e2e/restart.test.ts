// The hub restarts (durable history): the page shows it, reconnects, backfills
// without duplicates, and a line typed while the hub was down ends up sent or
// marked failed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, cat, chromiumMissing, connState, launch, lines, openPage, pickNick, say, screenshot, until } from "../support/harness";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;

before(async () => {
    if (skip) return;
    hub = new Hub();
    await hub.start();
    const b = await launch();
    close = b.close;
    ana = await openPage(b.browser, hub);
    await pickNick(ana, "ana");
});

after(async () => {
    await close?.();
    await hub?.close();
});

test("the hub restarts: offline shown, reconnect, backfill without duplicates, the line typed meanwhile settled", { skip }, async () => {
    await cat(hub, "bob", ["before 1", "before 2"]);
    await say(ana, "mine before");
    await until("the lines before", async () => (await lines(ana)).filter((l) => !l.pending).length >= 3);

    await hub.stop();
    const down = await until("the page shows the hub is gone", async () => {
        const c = await connState(ana);
        return c.state === "offline" ? c : null;
    });
    assert.match(down.text, /Offline/);
    await say(ana, "typed while down");
    const pending = await until("the line shown as pending", async () => (await lines(ana)).find((l) => l.text === "typed while down"));
    assert.ok(pending.pending, "shown pending while the hub is down");
    await screenshot(ana, "desktop-offline");

    await hub.start();
    await cat(hub, "bob", ["after 1", "after 2"]);
    await until("online again", async () => (await connState(ana)).state === "online", 30_000);
    const settled = await until("the line typed while down settled, and the backfill in", async () => {
        const l = await lines(ana);
        const mine = l.find((x) => x.text === "typed while down");
        const backfilled = ["after 1", "after 2"].every((t) => l.some((x) => x.text === t));
        return mine && !(mine.pending && !mine.failed) && backfilled ? l : null;
    }, 30_000);
    const mine = settled.find((x) => x.text === "typed while down")!;
    assert.ok(!mine.pending || mine.failed, "sent, or marked failed with a retry");
    for (const t of ["before 1", "before 2", "mine before", "after 1", "after 2"]) {
        assert.equal(settled.filter((x) => x.text === t).length, 1, `"${t}" once`);
    }
    const seqs = settled.filter((x) => x.seq > 0).map((x) => x.seq);
    assert.equal(new Set(seqs).size, seqs.length, "no seq twice");
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, "in seq order");
    // A reload starts over and still shows each line once (the backlog).
    await ana.page.reload({ waitUntil: "load" });
    await pickNick(ana, "ana");
    const again = await until("the backlog after a reload", async () => {
        const l = await lines(ana);
        return l.some((x) => x.text === "after 2") ? l : null;
    });
    assert.equal(again.filter((x) => x.text === "before 1").length, 1);
});
