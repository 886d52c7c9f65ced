// The operators' panel (/metrics): the hub's figures now and the last hour
// as small charts, drawn by hand as SVG polylines (no chart library). The
// time axis spans the samples the hub holds: the last hour, or less while
// the hub is younger, at least two minutes (its label says how long).
// Numbers go in as text nodes only.
import type { Metrics, Point } from "../model/Metrics";

const SVG = "http://www.w3.org/2000/svg";
const kWidth = 360;
const kHeight = 90;
const kHourMs = 3600_000;
const kShortestSpanMs = 120_000;

interface Figure {
    key: string;
    title: string;
    of: (p: Point) => number;
    format: (v: number) => string;
}

const rate = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const bytes = (v: number) => (v >= 1 << 20 ? `${(v / (1 << 20)).toFixed(1)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v} B`);
const ms = (v: number) => `${(v * 1000).toFixed(v * 1000 >= 10 ? 0 : 2)} ms`;

const figures: Figure[] = [
    { key: "clients", title: "Clients", of: (p) => p.clients, format: (v) => String(Math.round(v)) },
    { key: "in", title: "Messages in per second", of: (p) => p.inPerSecond, format: rate },
    { key: "deliveries", title: "Deliveries per second", of: (p) => p.deliveriesPerSecond, format: rate },
    { key: "queued", title: "Queued bytes", of: (p) => p.queuedBytes, format: bytes },
    { key: "commit", title: "History commit latency (mean)", of: (p) => p.commitSeconds, format: ms },
];

export class MetricsPanel {
    private built = false;
    private readonly values = new Map<string, HTMLElement>();
    private readonly lines = new Map<string, { line: SVGPolylineElement; top: SVGTextElement; left: SVGTextElement }>();

    constructor(
        private readonly doc: Document,
        private readonly panel: HTMLElement,
        private readonly grid: HTMLElement,
        private readonly refused: HTMLElement,
        private readonly status: HTMLElement,
    ) {}

    render(m: Metrics, nowMono: number): void {
        this.panel.hidden = !m.open;
        if (!m.open) return;
        this.build();
        this.refused.hidden = !m.refused;
        this.refused.textContent = m.refused;
        this.grid.hidden = !!m.refused;
        const points = m.points();
        const oldest = points.length ? points[0]!.ageMs : 0;
        const span = Math.min(kHourMs, Math.max(kShortestSpanMs, Math.ceil(oldest / 60_000) * 60_000));
        const r = m.report;
        this.status.textContent = !r
            ? m.refused
                ? ""
                : "Asking the hub…"
            : `${r.samples?.length ?? 0} samples every ${r.intervalSeconds ?? 10} s · ${Number(r.rooms ?? 0)} room${Number(r.rooms ?? 0) === 1 ? "" : "s"} · up ${Math.floor(Number(r.uptimeSeconds ?? 0) / 60)} min · updated ${Math.max(0, Math.round((nowMono - m.receivedAt) / 1000))} s ago`;
        for (const f of figures) {
            const newest = points.length ? f.of(points[points.length - 1]!) : 0;
            this.values.get(f.key)!.textContent = points.length ? f.format(newest) : "–";
            this.draw(f, points, span);
        }
    }

    private draw(f: Figure, points: Point[], span: number): void {
        const { line, top, left } = this.lines.get(f.key)!;
        const max = Math.max(...points.map(f.of), 0);
        const scale = max > 0 ? max * 1.1 : 1;
        const coords = points.map((p) => {
            const x = kWidth * (1 - Math.min(p.ageMs, span) / span);
            const y = kHeight - (f.of(p) / scale) * (kHeight - 4);
            return `${x.toFixed(1)},${y.toFixed(1)}`;
        });
        line.setAttribute("points", coords.join(" "));
        top.textContent = `max ${f.format(max)}`;
        left.textContent = `−${Math.round(span / 60_000)} min`;
    }

    private build(): void {
        if (this.built) return;
        this.built = true;
        for (const f of figures) {
            const card = this.doc.createElement("figure");
            card.className = "metric";
            const caption = this.doc.createElement("figcaption");
            const title = this.doc.createElement("span");
            title.className = "metric-title";
            title.textContent = f.title;
            const value = this.doc.createElement("span");
            value.className = "metric-value";
            value.id = `metrics-${f.key}`;
            caption.append(title, value);
            const svg = this.doc.createElementNS(SVG, "svg");
            svg.setAttribute("viewBox", `0 0 ${kWidth} ${kHeight}`);
            svg.setAttribute("class", "metric-chart");
            svg.setAttribute("role", "img");
            svg.setAttribute("aria-label", `${f.title}, up to the last hour`);
            const axis = this.doc.createElementNS(SVG, "line");
            axis.setAttribute("x1", "0");
            axis.setAttribute("x2", String(kWidth));
            axis.setAttribute("y1", String(kHeight));
            axis.setAttribute("y2", String(kHeight));
            axis.setAttribute("class", "metric-axis");
            const line = this.doc.createElementNS(SVG, "polyline");
            line.setAttribute("class", "metric-line");
            const top = this.doc.createElementNS(SVG, "text");
            top.setAttribute("x", "4");
            top.setAttribute("y", "12");
            top.setAttribute("class", "metric-max");
            const left = this.doc.createElementNS(SVG, "text");
            left.setAttribute("x", "4");
            left.setAttribute("y", String(kHeight - 4));
            left.setAttribute("class", "metric-max");
            svg.append(axis, line, top, left);
            card.append(caption, svg);
            this.grid.append(card);
            this.values.set(f.key, value);
            this.lines.set(f.key, { line, top, left });
        }
    }
}
