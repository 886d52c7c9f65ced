// The operators' panel's model (model/Metrics.ts): when it asks the hub, how
// a refusal and a report land, and the points the charts draw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Metrics, kAskEveryMs } from "../../src/model/Metrics";

test("asks on open, then every kAskEveryMs once answered, never twice in flight", () => {
    const m = new Metrics();
    assert.equal(m.due(0), false, "closed: never due");
    assert.equal(m.show(0), true);
    assert.equal(m.due(kAskEveryMs * 5), false, "one request in flight");
    m.received({ intervalSeconds: 10, samples: [], now: { clients: 3 } }, 100);
    assert.equal(m.due(kAskEveryMs - 1), false);
    assert.equal(m.due(kAskEveryMs), true);
    assert.equal(m.ask(kAskEveryMs), true);
    assert.equal(m.ask(kAskEveryMs), false);
    m.reset(); // the connection went
    assert.equal(m.due(kAskEveryMs * 2), true);
    m.close();
    assert.equal(m.due(kAskEveryMs * 10), false);
});

test("a NOT_OPERATOR answers the pending request only, and stops the asking", () => {
    const m = new Metrics();
    assert.equal(m.takeRefusal("nope"), false, "no request pending: someone else's error");
    m.show(0);
    assert.equal(m.takeRefusal("the hub's metrics are for hub operators"), true);
    assert.equal(m.refused, "the hub's metrics are for hub operators");
    assert.equal(m.due(kAskEveryMs * 10), false);
    assert.equal(m.show(kAskEveryMs * 10), true, "opened again: asks again");
    assert.equal(m.refused, "");
});

test("points: the samples oldest first, then the figures now", () => {
    const m = new Metrics();
    m.show(0);
    m.received(
        {
            intervalSeconds: 10,
            samples: [
                { ageMs: 20_000, clients: 1, messagesInPerSecond: 2, deliveriesPerSecond: 4, queuedBytes: 10, commitLatencySeconds: 0.001 },
                { ageMs: 10_000, clients: 2 },
            ],
            now: { ageMs: 0, clients: 3, messagesInPerSecond: 5 },
        },
        0,
    );
    const p = m.points();
    assert.deepEqual(p.map((x) => x.clients), [1, 2, 3]);
    assert.deepEqual(p.map((x) => x.ageMs), [20_000, 10_000, 0]);
    assert.equal(p[0]!.commitSeconds, 0.001);
    assert.equal(p[1]!.inPerSecond, 0, "absent fields read as 0");
    assert.equal(p[2]!.inPerSecond, 5);
});
