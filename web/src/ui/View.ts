// Renders a ChatState into the page's static markup (static/index.html) and
// turns the person's input into calls on it. Received text goes to the DOM
// only through ui/text.ts (text nodes; links built as elements).
//
// The message pane is reconciled by line key: existing elements are kept,
// new ones made, changed ones (a pending line that was sent or failed)
// rebuilt; day separators are keyed by day. When the person is at the
// bottom, new lines keep the pane at the bottom; when older history arrives
// above, the view stays where it was.
import type { ChatState, ChatWindow, Line } from "../model/ChatState";
import { reactionSummary } from "../model/ChatState";
import { progressOf } from "../model/FileTransfers";
import type { Transfer } from "../model/FileTransfers";
import { isMultiLine, pasteLines, snippetPreview } from "../model/Snippet";
import { Completion } from "../model/Completion";
import { InputHistory } from "../model/InputHistory";
import { nickColour, nickKey } from "../model/names";
import { MetricsPanel } from "./MetricsPanel";
import { appendText, clockTime, dayKey, dayLabel, plain, plainLines } from "./text";

export interface ViewActions {
    // After anything that may have queued frames: the driver sends them.
    flush(): void;
    chooseNick(nick: string, password: string): string | null;
    // Files picked, dropped or pasted: read, hashed and offered (main.ts).
    shareFiles(files: File[]): void;
    // A multi-line paste sent as a text/plain snippet file.
    shareSnippet(text: string): void;
    reconnectNow(): void;
    requestNotifications(): void;
}

const $ = <T extends HTMLElement>(doc: Document, id: string): T => {
    const el = doc.getElementById(id);
    if (!el) throw new Error(`the page has no #${id}`);
    return el as T;
};

// Pixels from the top of the pane at which older history is asked for.
const kLoadOlderAt = 80;
// Pixels from the bottom that still count as "at the bottom".
const kStickToBottom = 40;

export class View {
    private state: ChatState | null = null;
    private rendered = -1;
    private readonly lineEls = new Map<string, { el: HTMLElement; version: number }>();
    private paneKey = "";
    private readonly history = new InputHistory();
    private readonly completion = new Completion();
    private readonly el;
    // A multi-line paste waiting for the person's choice, and where it was pasted.
    private paste: { text: string; window: string; input: string } | null = null;
    private readonly metricsPanel: MetricsPanel;
    // Object URLs of checked downloads ("Save again"), by transfer key.
    readonly saved = new Map<number, string>();

    constructor(
        private readonly doc: Document,
        private readonly actions: ViewActions,
    ) {
        this.el = {
            nickScreen: $(doc, "nick-screen"),
            nickForm: $<HTMLFormElement>(doc, "nick-form"),
            nickInput: $<HTMLInputElement>(doc, "nick-input"),
            nickError: $(doc, "nick-error"),
            passwordInput: $<HTMLInputElement>(doc, "password-input"),
            typing: $(doc, "typing"),
            typingToggle: $<HTMLInputElement>(doc, "typing-toggle"),
            transfers: $(doc, "transfers"),
            pastePanel: $(doc, "paste-panel"),
            pasteTitle: $(doc, "paste-title"),
            pastePreview: $(doc, "paste-preview"),
            pasteLines: $<HTMLButtonElement>(doc, "paste-lines"),
            pasteFile: $<HTMLButtonElement>(doc, "paste-file"),
            pasteCancel: $<HTMLButtonElement>(doc, "paste-cancel"),
            dropHint: $(doc, "drop-hint"),
            fileBtn: $<HTMLButtonElement>(doc, "file-btn"),
            fileInput: $<HTMLInputElement>(doc, "file-input"),
            main: $(doc, "main"),
            app: $(doc, "app"),
            conn: $(doc, "conn"),
            connText: $(doc, "conn-text"),
            reconnectNow: $<HTMLButtonElement>(doc, "reconnect-now"),
            toggleNav: $<HTMLButtonElement>(doc, "toggle-nav"),
            toggleMembers: $<HTMLButtonElement>(doc, "toggle-members"),
            roomList: $(doc, "room-list"),
            queryList: $(doc, "query-list"),
            otherList: $(doc, "other-list"),
            joinForm: $<HTMLFormElement>(doc, "join-form"),
            joinInput: $<HTMLInputElement>(doc, "join-input"),
            me: $(doc, "me"),
            notifyBtn: $<HTMLButtonElement>(doc, "notify-btn"),
            title: $(doc, "window-title"),
            topic: $(doc, "topic"),
            searchForm: $<HTMLFormElement>(doc, "search-form"),
            searchInput: $<HTMLInputElement>(doc, "search-input"),
            older: $(doc, "older"),
            messages: $(doc, "messages"),
            newBelow: $(doc, "new-below"),
            newBelowBtn: $<HTMLButtonElement>(doc, "new-below-btn"),
            inputForm: $<HTMLFormElement>(doc, "input-form"),
            input: $<HTMLInputElement>(doc, "input"),
            inputState: $(doc, "input-state"),
            members: $(doc, "members"),
            membersTitle: $(doc, "members-title"),
            memberList: $(doc, "member-list"),
            metricsClose: $<HTMLButtonElement>(doc, "metrics-close"),
        };
        this.metricsPanel = new MetricsPanel(doc, $(doc, "metrics-panel"), $(doc, "metrics-grid"), $(doc, "metrics-refused"), $(doc, "metrics-status"));
        this.wire();
    }

    // ---- the nick screen ------------------------------------------------------------

    showNickScreen(nick: string, error: string): void {
        this.el.nickScreen.hidden = false;
        this.el.app.hidden = true;
        this.el.nickInput.value = nick;
        this.el.nickError.textContent = error;
        this.el.nickInput.setAttribute("aria-invalid", error ? "true" : "false");
        this.el.nickInput.focus();
        this.el.nickInput.select();
    }

    showApp(): void {
        this.el.nickScreen.hidden = true;
        this.el.app.hidden = false;
    }

    // ---- rendering ----------------------------------------------------------------------

    attach(state: ChatState): void {
        this.state = state;
        this.rendered = -1;
        this.render();
    }

    // Redraws what the state changed since the last call, and the connection
    // line (its countdown changes with time alone).
    render(nowMono = performance.now()): void {
        const s = this.state;
        if (!s) return;
        this.renderConn(s, nowMono);
        if (s.conn.state === "nickPrompt") {
            if (this.el.nickScreen.hidden) this.showNickScreen(s.nick, s.conn.detail);
            return;
        }
        if (this.el.app.hidden && s.conn.state !== "connecting") this.showApp();
        const typing = s.typingLine();
        if (this.el.typing.textContent !== typing) this.el.typing.textContent = plain(typing);
        // Its "updated N s ago" moves with time alone.
        this.metricsPanel.render(s.metrics, nowMono);
        this.el.main.classList.toggle("metrics-open", s.metrics.open);
        if (this.rendered === s.version) return;
        this.rendered = s.version;
        const w = s.active;
        this.renderSidebar(s);
        this.renderHead(s, w);
        this.renderMembers(s, w);
        this.renderMessages(s, w);
        this.renderInputState(s);
        this.renderTransfers(s);
        this.el.fileBtn.disabled = !s.canShareFiles();
        this.el.typingToggle.checked = s.typingOn;
        if (this.paste && this.paste.window !== s.activeKey) this.closePaste(true);
        this.el.app.classList.toggle("no-members", !s.showMembers || w.kind !== "room");
        this.el.toggleMembers.setAttribute("aria-expanded", String(s.showMembers && w.kind === "room"));
        const account = s.account ? `, signed in${s.account.toLowerCase() !== s.nick.toLowerCase() ? ` as ${s.account}` : ""}` : "";
        this.el.me.textContent = plain(`You are ${s.nick}${account}${s.awayText ? ` (away: ${s.awayText})` : ""}`);
        this.doc.title = `${this.totalUnread(s) > 0 ? `(${this.totalUnread(s)}) ` : ""}${plain(w.title)} — Hermes`;
        this.renderNotifyButton();
    }

    // Whether the person can see the newest line: the page focused and
    // visible, the pane scrolled to its bottom.
    lookingAtNewest(): boolean {
        const pane = this.el.messages;
        const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < kStickToBottom;
        return !this.el.app.hidden && !this.doc.hidden && this.doc.hasFocus() && atBottom;
    }

    private renderTransfers(s: ChatState): void {
        const rows = s.transfers.active().map((t) => this.transferElement(t));
        if (s.reading) rows.push(this.readingElement(s.reading));
        this.el.transfers.hidden = rows.length === 0;
        this.el.transfers.replaceChildren(...rows);
    }

    // A file still being read and hashed: its row before the upload's own.
    private readingElement(r: { name: string; read: number; size: number }): HTMLElement {
        const d = this.doc;
        const li = d.createElement("li");
        li.className = "transfer reading";
        const name = d.createElement("span");
        name.className = "t-name";
        name.textContent = plain(`↑ ${r.name}`);
        const bar = d.createElement("progress");
        bar.max = 1;
        bar.value = r.size > 0 ? r.read / r.size : 0;
        const pct = Math.floor(bar.value * 100);
        bar.setAttribute("aria-label", plain(`${r.name}: read ${pct}%`));
        const state = d.createElement("span");
        state.className = "t-state";
        state.textContent = `Reading ${pct}%`;
        li.append(name, bar, state);
        return li;
    }

    private transferElement(t: Transfer): HTMLElement {
        const d = this.doc;
        const li = d.createElement("li");
        li.className = `transfer ${t.kind} ${t.state}`;
        li.dataset.transfer = String(t.key);
        const name = d.createElement("span");
        name.className = "t-name";
        const fileName = t.kind === "upload" ? t.file.name ?? "" : t.name;
        name.textContent = plain(`${t.kind === "upload" ? "↑" : "↓"} ${fileName}`);
        const bar = d.createElement("progress");
        bar.max = 1;
        bar.value = progressOf(t);
        const pct = Math.floor(progressOf(t) * 100);
        bar.setAttribute("aria-label", plain(`${fileName}: ${pct}%`));
        const state = d.createElement("span");
        state.className = "t-state";
        const verb = t.kind === "upload" ? "Uploading" : "Downloading";
        state.textContent = plain(
            t.state === "failed" ? `failed: ${t.why}`
            : t.state === "done" ? (t.kind === "upload" ? "shared" : "saved (SHA-256 checked)")
            : t.state === "checking" ? "checking SHA-256…"
            : t.state === "offered" ? "offered…"
            : t.state === "queued" ? "waiting its turn…"
            : t.state === "announcing" ? "announcing…"
            : `${verb} ${pct}%`,
        );
        li.append(name, bar, state);
        const live = t.state === "offered" || t.state === "sending" || t.state === "receiving" || t.state === "queued";
        if (t.kind === "download" && t.state === "done" && this.saved.has(t.key)) {
            const a = d.createElement("a");
            a.className = "small-btn save-link";
            a.href = this.saved.get(t.key)!;
            a.download = t.name;
            a.textContent = "Save again";
            li.appendChild(a);
        }
        const b = d.createElement("button");
        b.type = "button";
        b.className = "small-btn";
        b.dataset[live ? "cancel" : "dismiss"] = String(t.key);
        b.textContent = live ? "Cancel" : "Dismiss";
        if (t.state !== "checking" && t.state !== "announcing") li.appendChild(b);
        return li;
    }

    private totalUnread(s: ChatState): number {
        return s.windows.reduce((n, w) => n + w.unread, 0);
    }

    private renderConn(s: ChatState, now: number): void {
        const c = s.conn;
        let text: string;
        switch (c.state) {
            case "connecting":
                text = c.attempt > 1 ? `Connecting… (attempt ${c.attempt})` : "Connecting…";
                break;
            case "handshaking":
                text = `Signing in as ${s.nick}…`;
                break;
            case "nickPrompt":
                text = `Nick refused: ${c.detail}`;
                break;
            case "online":
                text = c.catchingUp ? `Connected to ${s.hubName} — catching up…` : `Connected to ${s.hubName || "the hub"} as ${s.nick}`;
                break;
            case "offline": {
                const secs = Math.max(0, Math.ceil((c.retryAt - now) / 1000));
                text = `Offline: ${c.detail}${c.retryAt ? ` — reconnecting in ${secs} s` : " — reconnecting"}`;
                break;
            }
            case "failed":
                text = `Disconnected for good: ${c.detail}`;
                break;
            case "quit":
                text = "You quit. Reload the page to come back.";
                break;
        }
        const pending = s.pendingCount();
        const failed = s.failedCount();
        if (pending > 0) text += ` · ${pending} pending`;
        if (failed > 0) text += ` · ${failed} not sent`;
        if (this.el.connText.textContent !== text) this.el.connText.textContent = plain(text);
        this.el.conn.dataset.state = c.state;
        this.el.reconnectNow.hidden = c.state !== "offline" || c.retryAt === 0;
    }

    private renderSidebar(s: ChatState): void {
        const lists = { room: this.el.roomList, query: this.el.queryList, other: this.el.otherList };
        const items: Record<keyof typeof lists, HTMLElement[]> = { room: [], query: [], other: [] };
        s.ordered().forEach((w, i) => {
            const li = this.doc.createElement("li");
            const b = this.doc.createElement("button");
            b.type = "button";
            b.className = "win-btn";
            b.dataset.window = w.key;
            if (w.key === s.activeKey) b.setAttribute("aria-current", "page");
            if (w.unread > 0) b.classList.add("has-unread");
            const name = this.doc.createElement("span");
            name.className = "win-name";
            name.textContent = plain(w.title);
            b.appendChild(name);
            let label = `${w.title}, window ${i + 1}`;
            if (w.unread > 0 || w.mentioned) {
                const badge = this.doc.createElement("span");
                badge.className = `badge${w.mentioned ? " mention" : ""}`;
                badge.textContent = w.unread > 0 ? String(w.unread) : "!";
                badge.setAttribute("aria-hidden", "true");
                b.appendChild(badge);
                label += `, ${w.unread} unread${w.mentioned ? ", mentions you" : ""}`;
            }
            b.setAttribute("aria-label", plain(label));
            li.appendChild(b);
            items[w.kind === "room" ? "room" : w.kind === "query" ? "query" : "other"].push(li);
        });
        for (const k of Object.keys(lists) as (keyof typeof lists)[]) lists[k].replaceChildren(...items[k]);
    }

    private renderHead(s: ChatState, w: ChatWindow): void {
        this.el.title.textContent = plain(w.title);
        this.el.topic.replaceChildren();
        if (w.kind === "room" && w.topic) appendText(this.doc, this.el.topic, w.topic.text);
        this.el.searchForm.hidden = w.kind !== "room";
        const paged = w.kind === "room" || (w.kind === "query" && s.privateKept() && w.privateOpened);
        const older = !paged ? "" : w.older === "loading" ? "Loading older messages…" : w.older === "done" && w.lines.length > 0 ? (w.kind === "room" ? "Beginning of the room's history" : "Beginning of the conversation") : "";
        this.el.older.textContent = older;
        if (paged && w.older === "idle" && w.oldestSeq() > 1) {
            const b = this.doc.createElement("button");
            b.type = "button";
            b.className = "small-btn";
            b.id = "load-older";
            b.textContent = "Load older messages";
            this.el.older.appendChild(b);
        }
        void s;
    }

    private renderMembers(s: ChatState, w: ChatWindow): void {
        if (w.kind !== "room") {
            this.el.memberList.replaceChildren();
            return;
        }
        const nicks = w.memberNicks();
        this.el.membersTitle.textContent = `Members (${nicks.length})`;
        this.el.memberList.replaceChildren(
            ...nicks.map((n) => {
                const li = this.doc.createElement("li");
                li.className = `c${nickColour(n)}`;
                const away = w.away.has(nickKey(n));
                if (away) li.classList.add("away");
                li.textContent = plain(n);
                li.title = away ? `${n} is away` : n;
                return li;
            }),
        );
        void s;
    }

    private renderInputState(s: ChatState): void {
        const w = s.active;
        let hint = "";
        if (s.conn.state === "offline") hint = "Offline: what you send now waits and goes out when the hub is back.";
        else if (w.kind === "status") hint = "Status window: /join a room, or pick one on the left. /help lists the commands.";
        this.el.inputState.textContent = hint;
    }

    private renderMessages(s: ChatState, w: ChatWindow): void {
        const pane = this.el.messages;
        const switched = this.paneKey !== w.key;
        const atBottom = switched || pane.scrollHeight - pane.scrollTop - pane.clientHeight < kStickToBottom;
        // What is at the top now, to stay there if lines come in above it.
        const anchor = switched ? null : this.firstVisible();
        const anchorTop = anchor ? anchor.getBoundingClientRect().top : 0;
        if (switched) {
            this.lineEls.clear();
            pane.replaceChildren();
            this.paneKey = w.key;
        }
        const wanted: HTMLElement[] = [];
        const seen = new Set<string>();
        let lastDay = "";
        const now = Date.now();
        for (const line of w.lines) {
            const day = dayKey(line.timeMs);
            if (day !== lastDay && w.kind !== "search") {
                lastDay = day;
                const key = `day:${day}`;
                seen.add(key);
                let entry = this.lineEls.get(key);
                if (!entry) {
                    const el = this.doc.createElement("div");
                    el.className = "day";
                    el.setAttribute("role", "separator");
                    el.textContent = dayLabel(line.timeMs, now);
                    entry = { el, version: 0 };
                    this.lineEls.set(key, entry);
                }
                wanted.push(entry.el);
            }
            const key = `line:${line.key}`;
            seen.add(key);
            let entry = this.lineEls.get(key);
            if (!entry || entry.version !== line.version) {
                const el = this.lineElement(s, w, line);
                if (entry) entry.el.replaceWith(el);
                entry = { el, version: line.version };
                this.lineEls.set(key, entry);
            }
            wanted.push(entry.el);
        }
        for (const [key, entry] of this.lineEls) {
            if (!seen.has(key)) {
                entry.el.remove();
                this.lineEls.delete(key);
            }
        }
        // Put the elements in order, moving only those out of place.
        let cursor: ChildNode | null = pane.firstChild;
        for (const el of wanted) {
            if (cursor === el) {
                cursor = cursor.nextSibling;
                continue;
            }
            pane.insertBefore(el, cursor);
        }
        if (w.focusSeq) {
            const el = pane.querySelector<HTMLElement>(`[data-seq="${w.focusSeq}"]`);
            w.focusSeq = 0;
            if (el) {
                pane.querySelectorAll(".focus").forEach((x) => x.classList.remove("focus"));
                el.classList.add("focus");
                el.scrollIntoView({ block: "center" });
                return;
            }
        }
        if (atBottom) {
            pane.scrollTop = pane.scrollHeight;
            this.el.newBelow.hidden = true;
        } else if (anchor && anchor.isConnected) {
            pane.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
            this.el.newBelow.hidden = false;
        }
    }

    private firstVisible(): HTMLElement | null {
        const pane = this.el.messages;
        const top = pane.getBoundingClientRect().top;
        for (const child of Array.from(pane.children) as HTMLElement[]) {
            if (child.getBoundingClientRect().bottom > top) return child;
        }
        return null;
    }

    private lineElement(s: ChatState, w: ChatWindow, line: Line): HTMLElement {
        const d = this.doc;
        const el = d.createElement("div");
        el.className = `line kind-${line.kind}`;
        if (line.own) el.classList.add("own");
        // In a conversation every line is for us: only rooms highlight mentions.
        if (line.mention && w.kind !== "query") el.classList.add("mention");
        if (line.seq > 0 && line.kind !== "gap") el.dataset.seq = String(line.seq);
        if (line.replyTo > 0) {
            // The message a reply answers, quoted above it.
            const quote = d.createElement("div");
            quote.className = "quote";
            quote.textContent = plain(`> ${line.quote}`);
            el.appendChild(quote);
        }
        const ts = d.createElement("time");
        ts.className = "ts";
        ts.dateTime = new Date(line.timeMs).toISOString();
        ts.textContent = clockTime(line.timeMs);
        el.appendChild(ts);
        const nick = d.createElement("span");
        nick.className = "nick";
        const body = d.createElement("span");
        body.className = "body";
        if (line.kind === "text" || line.kind === "action") {
            nick.classList.add(`c${nickColour(line.nick)}`);
            nick.textContent = plain(line.kind === "action" ? `* ${line.nick}` : line.nick);
        } else if (line.kind === "notice" && line.nick) {
            nick.textContent = plain(`-${line.nick}-`);
        } else {
            nick.textContent = line.kind === "error" ? "!" : line.kind === "gap" ? "…" : "–";
            nick.setAttribute("aria-hidden", "true");
        }
        if (s.showSeqs && line.seq > 0 && line.kind !== "gap" && w.kind === "room") {
            // The number /reply, /edit and /react take.
            const n = d.createElement("span");
            n.className = "seqno";
            n.textContent = `[${line.seq}]`;
            body.appendChild(n);
        }
        if (line.hit > 0) {
            const hit = d.createElement("span");
            hit.className = "hit-room";
            hit.textContent = plain(`${line.hit}. #${line.room}`);
            body.appendChild(hit);
        }
        appendText(d, body, line.deleted ? "(deleted)" : line.text);
        if (line.waited || line.offline) {
            // PROTOCOL.md "Private history": a message that waited for us, or ours that waits.
            const mark = d.createElement("span");
            mark.className = "mark";
            mark.textContent = plain(line.waited ? `(sent ${clockTime(line.timeMs)} while you were away)` : `(${w.name} is offline: delivered at their next sign-in)`);
            body.appendChild(mark);
        }
        if (line.file?.sha256 && line.seq > 0 && w.kind === "room" && !line.deleted) {
            const b = d.createElement("button");
            b.type = "button";
            b.className = "small-btn file-btn";
            b.dataset.download = String(line.seq);
            b.textContent = "Download";
            b.setAttribute("aria-label", plain(`Download ${line.file.name ?? "the file"}`));
            body.appendChild(b);
        }
        if (line.edited && !line.deleted) {
            const mark = d.createElement("span");
            mark.className = "edited";
            mark.textContent = " (edited)";
            body.appendChild(mark);
        }
        el.append(nick, body);
        if (line.file?.preview && !line.deleted) {
            const pre = d.createElement("pre");
            pre.className = "preview";
            pre.textContent = plainLines(line.file.preview);
            el.appendChild(pre);
        }
        if (line.reactions.length > 0 && !line.deleted) {
            const reactions = d.createElement("div");
            reactions.className = "reactions";
            reactions.textContent = plain(reactionSummary(line));
            el.appendChild(reactions);
        }
        if (line.pending) {
            el.classList.add("pending");
            const state = d.createElement("span");
            state.className = "state";
            if (line.pending.state === "failed") {
                el.classList.add("failed");
                state.textContent = plain(`not sent: ${line.pending.why}`);
                const retry = d.createElement("button");
                retry.type = "button";
                retry.className = "small-btn retry-btn";
                retry.dataset.retry = String(line.pending.id);
                retry.textContent = "Retry";
                state.appendChild(retry);
            } else {
                state.textContent = line.pending.state === "queued" ? (s.conn.state === "online" ? "queued" : "waiting for the hub") : "sending…";
            }
            el.appendChild(state);
        }
        return el;
    }

    private renderNotifyButton(): void {
        const N = (globalThis as { Notification?: typeof Notification }).Notification;
        const btn = this.el.notifyBtn;
        if (!N) {
            btn.hidden = true;
            return;
        }
        btn.hidden = N.permission !== "default";
    }

    // ---- input -----------------------------------------------------------------------------

    private wire(): void {
        const { el } = this;
        el.metricsClose.addEventListener("click", () => {
            this.state?.closeMetrics();
            this.render();
        });
        el.nickForm.addEventListener("submit", (ev) => {
            ev.preventDefault();
            const err = this.actions.chooseNick(el.nickInput.value.trim(), el.passwordInput.value);
            el.passwordInput.value = "";
            el.nickError.textContent = err ?? "";
            el.nickInput.setAttribute("aria-invalid", err ? "true" : "false");
            if (!err) {
                this.showApp();
                el.input.focus();
            }
        });
        el.inputForm.addEventListener("submit", (ev) => {
            ev.preventDefault();
            this.submitInput();
        });
        el.input.addEventListener("keydown", (ev) => this.onInputKey(ev));
        el.input.addEventListener("input", () => {
            this.state?.inputEdited(el.input.value);
            this.actions.flush();
        });
        el.input.addEventListener("paste", (ev) => this.onPaste(ev));
        el.typingToggle.addEventListener("change", () => {
            this.state?.setTyping(el.typingToggle.checked);
            this.render();
        });
        el.fileBtn.addEventListener("click", () => el.fileInput.click());
        el.fileInput.addEventListener("change", () => {
            const files = Array.from(el.fileInput.files ?? []);
            el.fileInput.value = "";
            if (files.length > 0) this.actions.shareFiles(files);
        });
        el.main.addEventListener("dragover", (ev) => {
            if (!ev.dataTransfer?.types.includes("Files")) return;
            ev.preventDefault();
            const ok = !!this.state?.canShareFiles();
            ev.dataTransfer.dropEffect = ok ? "copy" : "none";
            el.main.classList.toggle("dropping", ok);
            el.dropHint.hidden = !ok;
        });
        el.main.addEventListener("dragleave", (ev) => {
            if (ev.relatedTarget && el.main.contains(ev.relatedTarget as Node)) return;
            el.main.classList.remove("dropping");
            el.dropHint.hidden = true;
        });
        el.main.addEventListener("drop", (ev) => {
            el.main.classList.remove("dropping");
            el.dropHint.hidden = true;
            const files = Array.from(ev.dataTransfer?.files ?? []);
            if (files.length === 0) return;
            ev.preventDefault();
            this.actions.shareFiles(files);
        });
        el.transfers.addEventListener("click", (ev) => {
            const t = ev.target as HTMLElement;
            const cancel = t.closest<HTMLElement>("[data-cancel]");
            const dismiss = t.closest<HTMLElement>("[data-dismiss]");
            if (!this.state) return;
            if (cancel) this.state.cancelTransfer(Number(cancel.dataset.cancel));
            else if (dismiss) {
                const key = Number(dismiss.dataset.dismiss);
                const url = this.saved.get(key);
                if (url) URL.revokeObjectURL(url);
                this.saved.delete(key);
                this.state.dismissTransfer(key);
            } else return;
            this.actions.flush();
        });
        el.pasteLines.addEventListener("click", () => {
            const p = this.paste;
            if (!p || !this.state) return;
            this.closePaste(false);
            for (const l of pasteLines(p.text)) this.state.submitLine(l.startsWith("/") ? `/${l}` : l); // pasted text is text: "//x" sends "/x"
            this.actions.flush();
        });
        el.pasteFile.addEventListener("click", () => {
            const p = this.paste;
            if (!p) return;
            this.closePaste(false);
            this.actions.shareSnippet(p.text);
        });
        el.pasteCancel.addEventListener("click", () => this.closePaste(true));
        el.joinForm.addEventListener("submit", (ev) => {
            ev.preventDefault();
            const room = el.joinInput.value.trim();
            if (!room || !this.state) return;
            this.state.submitLine(`/join ${room}`);
            el.joinInput.value = "";
            this.closeDrawers();
            this.actions.flush();
        });
        el.searchForm.addEventListener("submit", (ev) => {
            ev.preventDefault();
            const s = this.state;
            const words = el.searchInput.value.trim();
            if (!s || !words || s.active.kind !== "room") return;
            s.startSearch(s.active.name, words);
            this.actions.flush();
        });
        const lists = [el.roomList, el.queryList, el.otherList];
        for (const list of lists) {
            list.addEventListener("click", (ev) => {
                const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-window]");
                if (!b || !this.state) return;
                this.state.switchTo(b.dataset.window!);
                this.closeDrawers();
                this.actions.flush();
                el.input.focus();
            });
        }
        el.messages.addEventListener("click", (ev) => {
            const dl = (ev.target as HTMLElement).closest<HTMLElement>("[data-download]");
            if (dl && this.state) {
                this.state.downloadFile(this.state.activeKey, Number(dl.dataset.download));
                this.actions.flush();
                return;
            }
            const b = (ev.target as HTMLElement).closest<HTMLElement>("[data-retry]");
            if (!b || !this.state) return;
            this.state.retryFailed(this.state.active, Number(b.dataset.retry));
            this.actions.flush();
        });
        el.messages.addEventListener("scroll", () => this.onScroll(), { passive: true });
        el.newBelowBtn.addEventListener("click", () => {
            el.messages.scrollTop = el.messages.scrollHeight;
            el.newBelow.hidden = true;
        });
        el.older.addEventListener("click", (ev) => {
            if (!(ev.target as HTMLElement).closest("#load-older") || !this.state) return;
            if (this.state.loadOlder(this.state.active.key)) this.actions.flush();
        });
        el.reconnectNow.addEventListener("click", () => this.actions.reconnectNow());
        el.notifyBtn.addEventListener("click", () => this.actions.requestNotifications());
        el.toggleNav.addEventListener("click", () => {
            const open = !el.app.classList.contains("nav-open");
            el.app.classList.toggle("nav-open", open);
            el.app.classList.remove("members-open");
            el.toggleNav.setAttribute("aria-expanded", String(open));
        });
        el.toggleMembers.addEventListener("click", () => {
            const s = this.state;
            if (!s) return;
            if (this.doc.defaultView?.matchMedia("(max-width: 760px)").matches) {
                if (!s.showMembers) s.toggleMembers();
                el.app.classList.toggle("members-open");
                el.app.classList.remove("nav-open");
            } else {
                s.toggleMembers();
            }
            this.rendered = -1;
            this.render();
        });
        this.doc.addEventListener("keydown", (ev) => this.onGlobalKey(ev));
    }

    // A paste: files are shared; several lines are asked about (each as a
    // line, or, in a room of a hub that keeps files, one snippet file with
    // a preview), as hermes-tui asks on a paste.
    private onPaste(ev: ClipboardEvent): void {
        const data = ev.clipboardData;
        if (!data || !this.state) return;
        const files = Array.from(data.files ?? []);
        if (files.length > 0) {
            ev.preventDefault();
            this.actions.shareFiles(files);
            return;
        }
        const text = data.getData("text/plain");
        if (!isMultiLine(text)) return;
        ev.preventDefault();
        const lines = pasteLines(text);
        this.paste = { text, window: this.state.activeKey, input: this.el.input.value };
        const n = text.replace(/\r?\n$/, "").split(/\r?\n/).length;
        this.el.pasteTitle.textContent = `Paste of ${n} lines: send ${lines.length} lines, or as one file?`;
        this.el.pastePreview.textContent = plainLines(snippetPreview(text));
        this.el.pasteLines.textContent = `Send ${lines.length} line${lines.length === 1 ? "" : "s"}`;
        this.el.pasteLines.disabled = lines.length === 0;
        this.el.pasteFile.hidden = !this.state.canShareFiles();
        this.el.pastePanel.hidden = false;
        (this.el.pasteFile.hidden ? this.el.pasteLines : this.el.pasteFile).focus();
    }

    private closePaste(keepInput: boolean): void {
        if (!this.paste) return;
        if (keepInput) this.el.input.value = this.paste.input;
        this.paste = null;
        this.el.pastePanel.hidden = true;
        this.el.input.focus();
    }

    private closeDrawers(): void {
        this.el.app.classList.remove("nav-open", "members-open");
        this.el.toggleNav.setAttribute("aria-expanded", "false");
    }

    private submitInput(): void {
        const s = this.state;
        if (!s) return;
        const line = this.el.input.value;
        if (line.trim() === "") return;
        if (s.submitLine(line)) {
            this.history.add(line);
            this.el.input.value = "";
            this.completion.reset();
        }
        if (s.takePickFile()) this.el.fileInput.click(); // /upload
        this.actions.flush();
    }

    private onInputKey(ev: KeyboardEvent): void {
        const input = this.el.input;
        const s = this.state;
        if (ev.key !== "Tab") this.completion.reset();
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
            ev.preventDefault();
            this.submitInput();
            return;
        }
        if (ev.key === "Tab" && !ev.shiftKey && !ev.ctrlKey && !ev.altKey && s) {
            const next = this.completion.complete({ text: input.value, cursor: input.selectionStart ?? input.value.length }, s.completionNicks(), s.commandNames());
            if (next) {
                ev.preventDefault(); // nothing to complete: Tab moves the focus as usual
                input.value = next.text;
                input.setSelectionRange(next.cursor, next.cursor);
            }
            return;
        }
        if (ev.key === "ArrowUp" && !ev.altKey) {
            const prev = this.history.up(input.value);
            if (prev !== null) {
                ev.preventDefault();
                input.value = prev;
                input.setSelectionRange(prev.length, prev.length);
            }
            return;
        }
        if (ev.key === "ArrowDown" && !ev.altKey) {
            const next = this.history.down();
            if (next !== null) {
                ev.preventDefault();
                input.value = next;
                input.setSelectionRange(next.length, next.length);
            }
            return;
        }
        if (ev.key === "PageUp" || ev.key === "PageDown") {
            ev.preventDefault();
            const pane = this.el.messages;
            pane.scrollBy({ top: (ev.key === "PageUp" ? -1 : 1) * (pane.clientHeight - 40) });
        }
    }

    private onGlobalKey(ev: KeyboardEvent): void {
        const s = this.state;
        if (!s || !ev.altKey) return;
        const list = s.ordered();
        const i = list.findIndex((w) => w.key === s.activeKey);
        let target = -1;
        if (/^Digit[0-9]$/.test(ev.code)) target = ev.code === "Digit0" ? 9 : Number(ev.code.slice(5)) - 1;
        else if (ev.key === "ArrowUp") target = (i + list.length - 1) % list.length;
        else if (ev.key === "ArrowDown") target = (i + 1) % list.length;
        if (target < 0 || target >= list.length) return;
        ev.preventDefault();
        s.switchTo(list[target]!.key);
        this.actions.flush();
    }

    private onScroll(): void {
        const s = this.state;
        const pane = this.el.messages;
        if (pane.scrollHeight - pane.scrollTop - pane.clientHeight < kStickToBottom) this.el.newBelow.hidden = true;
        if (!s || pane.scrollTop > kLoadOlderAt) return;
        if (s.loadOlder(s.active.key)) this.actions.flush();
    }
}
