// Replies, edits, deletes and reactions in two browsers: bob reacts and
// replies to ana's line, ana edits and deletes her own; both pages fold the
// events the same way (the quote above the reply, "(edited)", "(deleted)",
// the counts under the message), and a page loaded afterwards shows the
// same from history.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, chromiumMissing, launch, lines, openPage, pickNick, say, screenshot, until } from "../support/harness";
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

// What a page shows of its messages: text, the quote above, the counts under.
async function folded(s: Session) {
    return s.page.$$eval("#messages .line.kind-text", (els) =>
        els.map((el) => ({
            seq: Number((el as HTMLElement).dataset.seq ?? 0),
            text: el.querySelector(".body")?.textContent ?? "",
            quote: el.querySelector(".quote")?.textContent ?? "",
            reactions: el.querySelector(".reactions")?.textContent ?? "",
        })),
    );
}

test("a reply, a reaction, an edit and a delete show the same on both pages and after a reload", { skip }, async () => {
    await say(ana, "helo wrold");
    const first = await until("ana's line on bob's page", async () => (await lines(bob)).find((l) => l.text === "helo wrold" && !l.pending));
    await say(bob, "/react \u{1F44D}");
    await say(bob, "/reply is that a typo?");
    await say(ana, `/edit ${first.seq} hello world`);
    await say(ana, "oops");
    const oops = await until("oops on bob's page", async () => (await lines(bob)).find((l) => l.text === "oops" && !l.pending));
    await say(ana, `/delete ${oops.seq}`);
    const want = (shown: Awaited<ReturnType<typeof folded>>) => {
        const msg = shown.find((l) => l.seq === first.seq);
        const reply = shown.find((l) => l.text === "is that a typo?");
        const gone = shown.find((l) => l.seq === oops.seq);
        return msg?.text === "hello world (edited)" && msg.reactions === "\u{1F44D} 1" && reply?.quote === "> ana: hello world" && gone?.text === "(deleted)";
    };
    for (const s of [ana, bob]) {
        await until("the folded events", async () => want(await folded(s)));
    }
    // Another's edit is refused, and said.
    await say(bob, `/edit ${first.seq} bob was here`);
    await until("the refusal on bob's page", async () =>
        (await bob.page.$$eval("#messages .line.kind-error .body", (els) => els.map((e) => e.textContent ?? ""))).some((t) => t.includes("is not yours")),
    );
    await screenshot(bob, "reactions");
    // A page that comes later reads the room's history and folds it the same way.
    const carol = await openPage(browser, hub);
    await pickNick(carol, "carol");
    await until("history folded on carol's page", async () => want(await folded(carol)));
    assert.ok(!(await folded(carol)).some((l) => l.text.includes("bob was here")));
});
