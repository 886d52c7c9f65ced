// The operators' metrics panel (/metrics, docs/HUB.md "Metrics"): root,
// signed in to an account named in hub.operators, opens the page at
// /#metrics while raw clients talk in lobby and sees the hub's figures
// (clients, messages in and deliveries per second, queued bytes, commit
// latency) with their charts; bob, who is no operator, asks with /metrics
// and is refused with the hub's NOT_OPERATOR text, and no figures show.
// HERMES_WEB_METRICS_TRAFFIC_S (default 3) sets how long the traffic runs
// before the screenshot (docs/images/metrics.png was taken with 110).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Hub, chromiumMissing, launch, openPage, screenshot, textOf, until } from "../support/harness";
import type { Session } from "../support/harness";
import { RawClient, register } from "../support/raw";

const skip = chromiumMissing ? "no Chromium at $CHROMIUM (/usr/bin/chromium)" : false;
const trafficSeconds = Number(process.env.HERMES_WEB_METRICS_TRAFFIC_S ?? "3");
let hub: Hub;
let browser: Awaited<ReturnType<typeof launch>>;
const talkers: RawClient[] = [];

before(async () => {
    if (skip) return;
    // An account is registered before the admin names it in hub.operators
    // (the hub refuses to register a nick already named there): register,
    // then restart the hub with root named.
    const settings: Record<string, string | number> = {};
    hub = new Hub(settings);
    await hub.start();
    await register(hub.tcpPort, "root", "root-secret");
    await hub.stop();
    settings["hub.operators"] = "root";
    await hub.start();
    browser = await launch();
    for (const nick of ["ana", "carol", "dave"]) talkers.push(await RawClient.open(hub.tcpPort, nick));
});

after(async () => {
    for (const t of talkers) t.close();
    await browser?.close();
    await hub?.close();
});

async function signIn(s: Session, nick: string, password = ""): Promise<void> {
    await s.page.type("#nick-input", nick);
    if (password) await s.page.type("#password-input", password);
    await s.page.click("#nick-submit");
    await s.page.waitForFunction(() => document.getElementById("conn")?.dataset.state === "online", { timeout: 15_000 });
}

// Says in lobby from every talker, about 30 a second in all, until stopped.
function talk(): () => void {
    let id = 0;
    const timer = setInterval(() => {
        for (const t of talkers) {
            id++;
            t.send({ say: { room: "lobby", clientMsgId: id, text: `load ${id}` } });
        }
    }, 100);
    return () => clearInterval(timer);
}

const number = async (s: Session, key: string) => Number.parseFloat(await textOf(s, `#metrics-${key}`));

test("an operator sees the hub's figures and their charts", { skip }, async () => {
    const root = await openPage(browser.browser, hub, { width: 1400, height: 900 }, `${hub.url}#metrics`);
    await signIn(root, "root", "root-secret");
    const stop = talk();
    try {
        await until("the panel open", async () => root.page.$eval("#metrics-panel", (el) => !(el as HTMLElement).hidden));
        await until("4 clients on the panel", async () => (await number(root, "clients")) === 4);
        await until("messages in per second above 0", async () => (await number(root, "in")) > 0);
        await until("deliveries per second above 0", async () => (await number(root, "deliveries")) > 0);
        assert.match(await textOf(root, "#metrics-queued"), /^[0-9.]+ (B|KiB|MiB)$/);
        assert.match(await textOf(root, "#metrics-commit"), /^[0-9.]+ ms$/);
        // Each chart has its line (at least the figures now).
        const lines = await root.page.$$eval("#metrics-grid polyline", (ls) => ls.map((l) => l.getAttribute("points") ?? ""));
        assert.equal(lines.length, 5);
        for (const l of lines) assert.ok(l.split(" ").length >= 1 && l.includes(","), `a chart without points: '${l}'`);
        assert.equal(await textOf(root, "#metrics-refused"), "");
        await new Promise((r) => setTimeout(r, trafficSeconds * 1000)); // traffic for the screenshot, not a synchronisation
        await until("commit latency measured", async () => (await number(root, "commit")) > 0);
        await screenshot(root, "metrics");
        assert.deepEqual(root.errors, []);
        // Closed, the pane is back.
        await root.page.click("#metrics-close");
        await until("the panel closed", async () => root.page.$eval("#metrics-panel", (el) => (el as HTMLElement).hidden));
    } finally {
        stop();
        await root.context.close();
    }
});

test("someone who is not an operator is refused", { skip }, async () => {
    const bob = await openPage(browser.browser, hub);
    await signIn(bob, "bob");
    await bob.page.focus("#input");
    await bob.page.keyboard.type("/metrics");
    await bob.page.keyboard.press("Enter");
    const refusal = await until("the refusal", async () => textOf(bob, "#metrics-refused"));
    assert.match(refusal, /hub operators/);
    assert.equal(await bob.page.$eval("#metrics-grid", (el) => (el as HTMLElement).hidden), true);
    // No figure was given: every value reads "–".
    assert.deepEqual(new Set(await bob.page.$$eval("#metrics-grid .metric-value", (v) => v.map((e) => e.textContent))), new Set(["–"]));
    // The status window says it too.
    await until("the error line", async () => (await bob.page.$$eval("#messages .line", (ls) => ls.map((l) => l.textContent ?? ""))).some((t) => t.includes("hub operators")));
    await bob.context.close();
});
