// Read markers across devices (PROTOCOL.md "Read markers"): ana signs in
// on the page with her password and looks at another room while carol talks
// in lobby: the page counts lobby's unread. Her other device (a raw TCP
// client signed in to the same account) marks lobby read: the count on the
// page clears. When the page shows lobby, focused and at the bottom, it
// moves the marker itself, and the other device hears it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, cat, chromiumMissing, launch, openPage, say, screenshot, until } from "../support/harness";
import type { Session } from "../support/harness";
import { RawClient, register } from "../support/raw";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let ana: Session;
let phone: RawClient;

before(async () => {
    if (skip) return;
    hub = new Hub();
    await hub.start();
    await register(hub.tcpPort, "ana", "ana-secret");
    const b = await launch();
    close = b.close;
    ana = await openPage(b.browser, hub);
    await ana.page.type("#nick-input", "ana");
    await ana.page.type("#password-input", "ana-secret");
    await ana.page.click("#nick-submit");
    await ana.page.waitForFunction(() => document.getElementById("conn")?.dataset.state === "online", { timeout: 15_000 });
    // Her phone: another nick, signed in to the account.
    phone = await RawClient.open(hub.tcpPort, "ana_phone");
    const at = phone.received.length;
    phone.send({ identify: { nick: "ana", password: "ana-secret" } });
    await phone.wait("the phone signed in", (e) => !!e.accountReply, at);
});

after(async () => {
    phone?.close();
    await close?.();
    await hub?.close();
});

const badge = (key: string) =>
    ana.page.$eval(`#sidebar [data-window="${key}"]`, (b) => b.querySelector(".badge")?.textContent ?? "").catch(() => "missing");

test("a marker moved on another device clears the page's unread count; the page's own reaches the other device", { skip }, async () => {
    await say(ana, "/join side");
    await ana.page.waitForFunction(() => document.getElementById("window-title")?.textContent === "#side", { timeout: 10_000 });
    await cat(hub, "carol", ["one", "two", "three"]);
    await until("3 unread in lobby", async () => (await badge("room:lobby")) === "3");
    await screenshot(ana, "markers-unread");

    const seqs = phone.received.filter((e) => e.message?.room === "lobby" && e.message.from === "carol").map((e) => Number(e.message!.seq));
    assert.equal(seqs.length, 3, "the phone saw carol's three lines");
    // Only the first two read on the phone: one stays unread.
    phone.send({ markRead: { room: "lobby", seq: seqs[1]! } });
    await until("1 unread after the phone read two", async () => (await badge("room:lobby")) === "1");
    phone.send({ markRead: { room: "lobby", seq: seqs[2]! } });
    await until("no unread after the phone read all", async () => (await badge("room:lobby")) === "");

    // The page looks at lobby: it marks carol's newest read, and the phone hears it.
    await cat(hub, "carol", ["four"]);
    const four = Number((await phone.wait("four at the phone", (e) => e.message?.text === "four")).message!.seq);
    const at = phone.received.length;
    await ana.page.bringToFront();
    // The sidebar is drawn again on every change: find and click the button
    // in one step in the page (an ElementHandle may be detached by then).
    await ana.page.evaluate(() => document.querySelector<HTMLElement>(`#sidebar [data-window="room:lobby"]`)?.click());
    await until("lobby shown", async () => (await ana.page.$eval("#window-title", (e) => e.textContent)) === "#lobby").catch((e) => {
        throw new Error(`${String(e)}; page errors: ${ana.errors.join(" | ")}`);
    });
    await ana.page.focus("#input");
    const marked = await phone
        .wait("the page's marker at the phone", (e) => !!e.readMarkers?.markers?.some((m) => m.room === "lobby" && Number(m.seq) === four), at)
        .catch(async (e) => {
            const why = await ana.page.evaluate(() => [document.hasFocus(), document.hidden, document.getElementById("window-title")?.textContent]);
            throw new Error(`${String(e)}; the page: focus, hidden, window = ${JSON.stringify(why)}; the phone got ${JSON.stringify(phone.received.slice(at))}`);
        });
    assert.ok(marked);
});
