// A phone-sized viewport: the message pane takes the screen, the rooms are a
// drawer, sending works. Screenshot of the phone layout.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, cat, chromiumMissing, launch, lines, openPage, pickNick, say, screenshot, until } from "../support/harness";
import type { Session } from "../support/harness";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let phone: Session;

before(async () => {
    if (skip) return;
    hub = new Hub();
    await hub.start();
    await cat(hub, "bob", ["Morning! Anyone around?", "The build is green again: https://ci.example.invalid/run/42", "/me brews coffee"]);
    const b = await launch();
    close = b.close;
    phone = await openPage(b.browser, hub, { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as never);
});

after(async () => {
    await close?.();
    await hub?.close();
});

test("on a 390x844 phone the messages fill the width, the rooms open as a drawer, and a line is sent", { skip }, async () => {
    await screenshot(phone, "phone-nick");
    await pickNick(phone, "ana");
    await until("the backlog", async () => (await lines(phone)).length >= 3);
    const box = await phone.page.$eval("#messages", (e) => e.getBoundingClientRect().toJSON() as DOMRect);
    assert.ok(box.width >= 370, `the pane is ${box.width}px wide`);
    const sidebarHidden = await phone.page.$eval("#sidebar", (e) => e.getBoundingClientRect().right <= 0);
    assert.ok(sidebarHidden, "the sidebar is off screen");
    await say(phone, "typed on a phone");
    await until("its echo", async () => (await lines(phone)).some((l) => l.text === "typed on a phone" && !l.pending));
    const noScroll = await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(noScroll, "no sideways scrolling");
    await screenshot(phone, "phone-390");
    await phone.page.click("#toggle-nav");
    await until("the drawer open", () => phone.page.$eval("#sidebar", (e) => e.getBoundingClientRect().left >= 0));
    await screenshot(phone, "phone-390-rooms");
    assert.equal(await phone.page.$eval("#toggle-nav", (e) => e.getAttribute("aria-expanded")), "true");
});
