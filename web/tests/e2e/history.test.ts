// Older history is loaded on scroll (HistoryRequest), in order, without duplicates.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, cat, chromiumMissing, launch, lines, openPage, pickNick, until } from "../support/harness";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
const N = 150;
const text = (i: number) => `history line ${String(i).padStart(3, "0")}`;

before(async () => {
    if (skip) return;
    hub = new Hub({ "hub.join_backlog": 40 });
    await hub.start();
    const lineList = [];
    for (let i = 1; i <= N; i++) lineList.push(text(i));
    await cat(hub, "bob", lineList);
    const b = await launch();
    close = b.close;
    ana = await openPage(b.browser, hub, { width: 1280, height: 720 });
    await pickNick(ana, "ana");
});

after(async () => {
    await close?.();
    await hub?.close();
});

test("scrolling to the top loads older messages until the room's first", { skip }, async () => {
    const first = await until("the backlog", async () => {
        const l = await lines(ana);
        return l.some((x) => x.text === text(N)) ? l : null;
    });
    // The join backlog (40) fills the pane; older lines come only on scrolling up.
    assert.ok(first.length >= 40 && first.length < N, `${first.length} lines before scrolling`);
    assert.ok(!first.some((x) => x.text === text(1)));
    let scrolls = 0;
    for (let round = 0; round < 10; round++) {
        const l = await lines(ana);
        if (l.some((x) => x.text === text(1))) break;
        scrolls += 1;
        await ana.page.$eval("#messages", (el) => {
            el.scrollTop = 0;
            el.dispatchEvent(new Event("scroll"));
        });
        await until("older lines", async () => (await lines(ana)).length > l.length || (await lines(ana)).some((x) => x.text === text(1)), 10_000);
    }
    assert.ok(scrolls >= 2, `${scrolls} scrolls to the top`);
    const all = await lines(ana);
    const expected = [];
    for (let i = 1; i <= N; i++) expected.push(text(i));
    assert.deepEqual(all.map((x) => x.text), expected, "every line once, in order");
    assert.deepEqual(all.map((x) => x.seq), all.map((_, i) => all[0]!.seq + i), "consecutive seqs");
    assert.equal(await ana.page.$eval("#older", (e) => e.textContent), "Beginning of the room's history");
});

test("the search box finds a line (SearchRequest) and /context shows it in its room", { skip }, async () => {
    await ana.page.type("#search-input", "line 007");
    await ana.page.keyboard.press("Enter");
    const hits = await until("the search results", async () => {
        const t = await ana.page.$eval("#window-title", (e) => e.textContent);
        const l = await lines(ana);
        return t === "Search" && l.length > 0 ? l : null;
    });
    assert.deepEqual(hits.map((h) => h.text), [`1. #lobby${text(7)}`]);
    await ana.page.focus("#input");
    await ana.page.keyboard.type("/context 1");
    await ana.page.keyboard.press("Enter");
    const focused = await until("the hit in lobby", () => ana.page.$eval("#messages .line.focus .body", (e) => e.textContent).catch(() => null));
    assert.equal(focused, text(7));
    assert.equal(await ana.page.$eval("#window-title", (e) => e.textContent), "#lobby");
});
