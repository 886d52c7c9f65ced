// Private messages that wait, and private history (PROTOCOL.md "Private
// history"), in the page: bob (a raw client signed in to his account)
// talks with ana while her phone is on, then writes once more while she is
// offline (his echo says it waits). ana signs in on the page: the waiting
// message arrives marked "sent … while you were away"; opening the
// conversation backfills the earlier ones from the hub's history, each once
// and in private_seq order. Her own line to carol, registered and offline,
// comes back marked as waiting.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, chromiumMissing, launch, openPage, say, screenshot, until } from "../support/harness";
import type { Session } from "../support/harness";
import { RawClient, register } from "../support/raw";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
let hub: Hub;
let close: () => Promise<void>;
let browser: import("puppeteer-core").Browser;
let bob: RawClient;

before(async () => {
    if (skip) return;
    hub = new Hub();
    await hub.start();
    await register(hub.tcpPort, "ana", "ana-secret");
    await register(hub.tcpPort, "bob", "bob-secret");
    await register(hub.tcpPort, "carol", "carol-secret");
    const b = await launch();
    close = b.close;
    browser = b.browser;
    bob = await RawClient.open(hub.tcpPort, "bob", "bob-secret");
});

after(async () => {
    bob?.close();
    await close?.();
    await hub?.close();
});

async function signIn(s: Session, nick: string, password: string): Promise<void> {
    await s.page.type("#nick-input", nick);
    await s.page.type("#password-input", password);
    await s.page.click("#nick-submit");
    await s.page.waitForFunction(() => document.getElementById("conn")?.dataset.state === "online", { timeout: 15_000 });
}

// Until no one holds `nick` (bob's whois says so).
async function offline(nick: string): Promise<void> {
    await until(`${nick} offline`, async () => {
        const at = bob.received.length;
        bob.send({ whoisRequest: { nick } });
        const r = await bob.wait("whois", (e) => !!e.whoisReply || !!e.error, at);
        return !!r.error;
    });
}

async function shown(s: Session) {
    return s.page.$$eval("#messages .line.kind-text", (els) =>
        els.map((el) => ({
            seq: Number((el as HTMLElement).dataset.seq ?? 0),
            nick: el.querySelector(".nick")?.textContent ?? "",
            text: el.querySelector(".body")?.firstChild?.textContent ?? "",
            mark: el.querySelector(".mark")?.textContent ?? "",
            pending: el.classList.contains("pending"),
        })),
    );
}

test("a message waited for ana arrives marked; the conversation backfills; her line to an offline account is marked", { skip }, async () => {
    // Two messages while ana's phone is signed in, then it goes.
    const phone = await RawClient.open(hub.tcpPort, "ana", "ana-secret");
    let id = 1;
    for (const text of ["morning ana", "lunch at noon?"]) {
        const at = bob.received.length;
        bob.send({ privateMessage: { to: "ana", clientMsgId: id, text } });
        const echo = await bob.wait(`the echo of ${text}`, (e) => Number(e.message?.clientMsgId ?? 0) === id, at);
        assert.ok(Number(echo.message!.privateSeq) > 0, "kept in the conversation");
        id += 1;
    }
    await phone.wait("the phone got both", (e) => e.message?.text === "lunch at noon?");
    phone.close();
    await offline("ana");
    const at = bob.received.length;
    bob.send({ privateMessage: { to: "ana", clientMsgId: id, text: "call me when you are back" } });
    const waiting = await bob.wait("the offline echo", (e) => Number(e.message?.clientMsgId ?? 0) === id, at);
    assert.equal(waiting.message!.offline, true);
    assert.equal(Number(waiting.message!.privateSeq), 3);

    const ana = await openPage(browser, hub);
    await signIn(ana, "ana", "ana-secret");
    await until("the bob conversation in the sidebar", () => ana.page.$('#sidebar [data-window="query:bob"]'));
    await ana.page.evaluate(() => document.querySelector<HTMLElement>('#sidebar [data-window="query:bob"]')?.click());
    const want = ["morning ana", "lunch at noon?", "call me when you are back"];
    const lines = await until("the backfilled conversation", async () => {
        const l = await shown(ana);
        return l.map((x) => x.text).join("|") === want.join("|") ? l : null;
    });
    assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3], "private_seqs, in order, each once");
    assert.match(lines[2]!.mark, /^\(sent \d\d:\d\d while you were away\)$/);
    assert.equal(lines[0]!.mark, "");

    // ana writes to carol, registered and offline: her echo says it waits.
    await say(ana, "/msg carol see you tomorrow");
    const mine = await until("ana's line to carol, echoed", async () => (await shown(ana)).find((l) => l.text === "see you tomorrow" && !l.pending));
    assert.equal(mine.mark, "(carol is offline: delivered at their next sign-in)");
    assert.equal(mine.seq, 1);
    await ana.page.evaluate(() => document.querySelector<HTMLElement>('#sidebar [data-window="query:bob"]')?.click());
    await until("bob's conversation again", async () => (await shown(ana)).length === 3);
    await screenshot(ana, "private-waited");

    // A live one from bob is the next private_seq, shown once.
    bob.send({ privateMessage: { to: "ana", clientMsgId: id + 1, text: "back?" } });
    const after = await until("bob's live line", async () => {
        const l = await shown(ana);
        return l.some((x) => x.text === "back?") ? l : null;
    });
    assert.deepEqual(after.map((l) => l.seq), [1, 2, 3, 4]);
    await ana.context.close();
});

// PROTOCOL.md "To the account, on every session": what ana writes on her
// phone (signed in as ana) reaches her other sessions as a copy `from` ana,
// client_msg_id 0. The page is one of them: signed in to ana's account, then
// renamed (so the phone can hold the nick). It files the copy under bob, as
// its own line, once, and again once when the conversation's history brings
// the same private_seq.
test("a line ana wrote to bob on another device is in the page's conversation with bob, as hers, once", { skip }, async () => {
    await offline("ana"); // the first test's page
    const web = await openPage(browser, hub);
    await signIn(web, "ana", "ana-secret");
    await say(web, "/nick ana_web");
    await until("the page renamed", async () => (await web.page.$eval("#conn", (el) => el.textContent ?? "")).includes("as ana_web"));
    const phone = await RawClient.open(hub.tcpPort, "ana", "ana-secret");
    const at = phone.received.length;
    phone.send({ privateMessage: { to: "bob", clientMsgId: 1, text: "sent from my phone" } });
    const echo = await phone.wait("the phone's echo", (e) => Number(e.message?.clientMsgId ?? 0) === 1, at);
    const seq = Number(echo.message!.privateSeq);
    assert.ok(seq > 0, "kept in the ana-bob conversation");
    await bob.wait("bob got it", (e) => e.message?.text === "sent from my phone");

    await until("the bob conversation in the page's sidebar", () => web.page.$('#sidebar [data-window="query:bob"]'));
    const windows = await web.page.$$eval("#sidebar [data-window]", (els) => els.map((e) => (e as HTMLElement).dataset.window ?? ""));
    assert.ok(!windows.some((w) => w === "query:ana" || w === "query:ana_web"), `no conversation with ourselves: ${windows.join(" ")}`);
    assert.equal(await web.page.$$eval('#sidebar [data-window="query:bob"] .badge', (e) => e.length), 0, "our own line is not unread");
    await web.page.evaluate(() => document.querySelector<HTMLElement>('#sidebar [data-window="query:bob"]')?.click());
    // Opening it backfills the conversation, this line included: shown once.
    const lines = await until("the conversation backfilled", async () => {
        const l = await shown(web);
        return l.length >= seq ? l : null;
    });
    assert.deepEqual(lines.map((l) => l.seq), Array.from({ length: seq }, (_, i) => i + 1), "every private_seq once, in order");
    const mine = lines.filter((l) => l.text === "sent from my phone");
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.seq, seq);
    assert.equal(mine[0]!.nick, "ana");
    const own = await web.page.$eval(`#messages .line[data-seq="${seq}"]`, (el) => el.classList.contains("own"));
    assert.ok(own, "shown as our own line");
    // A second one, live into the open conversation: once too.
    phone.send({ privateMessage: { to: "bob", clientMsgId: 2, text: "and another" } });
    const after = await until("the second copy", async () => {
        const l = await shown(web);
        return l.some((x) => x.text === "and another") ? l : null;
    });
    assert.deepEqual(after.filter((l) => l.text === "and another").map((l) => l.seq), [seq + 1]);
    await screenshot(web, "private-other-device");
    assert.deepEqual(web.errors, []);
    phone.close();
});
