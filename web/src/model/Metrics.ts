// The operators' live figures (/metrics, docs/HUB.md "Metrics"): whether
// the panel is open, the hub's last MetricsReport, or why it refused. While
// open the panel asks again every kAskEveryMs; the hub answers with its hour
// of 10-second samples and the figures since the newest one, so the charts
// show the last hour at once and move as the hub samples.
import type { v1 } from "../proto/codec";

export const kAskEveryMs = 2000;

export interface Point {
    ageMs: number; // before the report
    clients: number;
    inPerSecond: number;
    deliveriesPerSecond: number;
    queuedBytes: number;
    commitSeconds: number;
}

export class Metrics {
    open = false;
    refused = ""; // the hub's Error text when the session is not an operator
    report: v1.IMetricsReport | null = null;
    receivedAt = 0; // mono ms
    private pending = false;
    private askedAt = -Infinity;

    // Opens the panel; true when a request should go out now.
    show(now: number): boolean {
        this.open = true;
        this.refused = "";
        return this.ask(now);
    }
    close(): void {
        this.open = false;
    }
    // While open, every kAskEveryMs once the last request was answered.
    due(now: number): boolean {
        return this.open && !this.pending && !this.refused && now - this.askedAt >= kAskEveryMs;
    }
    ask(now: number): boolean {
        if (this.pending) return false;
        this.pending = true;
        this.askedAt = now;
        return true;
    }
    // A NOT_OPERATOR error is the answer to this panel's request when one is pending.
    takeRefusal(text: string): boolean {
        if (!this.pending) return false;
        this.pending = false;
        this.refused = text;
        this.report = null;
        return true;
    }
    received(report: v1.IMetricsReport, now: number): void {
        this.pending = false;
        this.report = report;
        this.receivedAt = now;
    }
    // The connection went: a request in flight is lost.
    reset(): void {
        this.pending = false;
    }

    // The samples and the figures now, oldest first.
    points(): Point[] {
        const r = this.report;
        if (!r) return [];
        const all = [...(r.samples ?? [])];
        if (r.now) all.push(r.now);
        return all.map((s) => ({
            ageMs: Number(s.ageMs ?? 0),
            clients: Number(s.clients ?? 0),
            inPerSecond: s.messagesInPerSecond ?? 0,
            deliveriesPerSecond: s.deliveriesPerSecond ?? 0,
            queuedBytes: Number(s.queuedBytes ?? 0),
            commitSeconds: s.commitLatencySeconds ?? 0,
        }));
    }
}
