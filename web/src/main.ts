// The page's entry point: the nick screen, then one ClientSession over one
// HubConnection, a ChatState and its View. Also browser notifications for
// mentions and private messages, only while the tab is hidden and only if
// the person allowed them.
import { ChatState } from "./model/ChatState";
import type { Storage as StateStorage } from "./model/ChatState";
import { ClientSession } from "./model/ClientSession";
import { cryptoUint32, randomIdBase } from "./model/ClientIds";
import { HubConnection, hubUrl } from "./net/HubConnection";
import { View } from "./ui/View";
import { fileName, readAndHash, saveBytes } from "./ui/files";
import { sha256Hex } from "./model/Sha256";
import { snippetName, snippetPreview } from "./model/Snippet";
import { plain } from "./ui/text";

const storage: StateStorage = {
    load: (k) => {
        try {
            return localStorage.getItem(k);
        } catch {
            return null;
        }
    },
    save: (k, v) => {
        try {
            localStorage.setItem(k, v);
        } catch {
            /* private mode: nothing kept */
        }
    },
};

let session: ClientSession | null = null;
let state: ChatState | null = null;
let connection: HubConnection | null = null;

const clock = { mono: () => performance.now(), wall: () => Date.now() };

function refresh(): void {
    if (!session || !state) return;
    state.onEvents(session.takeEvents());
    notify(state);
    saveDownload(state);
    view.render();
}

// A download whose SHA-256 matched (ChatState checked it as it came):
// offered to save, and kept for "Save again".
function saveDownload(s: ChatState): void {
    // Several may end within one batch of frames: each is offered.
    for (const d of s.takeDownloadsToSave()) {
        view.saved.set(d.key, saveBytes(document, d.chunks, d.name, d.mediaType));
        d.chunks = []; // the Blob holds them now
    }
}

// Files read and hashed one after another, then offered in the window
// that was active when they were given.
async function shareFiles(
    s: ChatState,
    items: { name: string; size: number; mediaType: string; read: (progress: (read: number) => void) => Promise<{ bytes: Uint8Array; sha256: string }>; preview?: string }[],
): Promise<void> {
    const key = s.activeKey;
    for (const item of items) {
        try {
            const { bytes, sha256 } = await item.read((read) => {
                s.setReading({ name: item.name, read, size: item.size });
                view.render();
            }).finally(() => s.setReading(null));
            if (s.activeKey !== key) s.switchTo(key);
            const err = s.shareFile(fileName(item.name), item.mediaType, bytes, sha256, item.preview ?? "");
            if (err) s.noteActive("error", `Not shared: ${err}`);
        } catch (e) {
            s.noteActive("error", `Not shared: ${item.name}: ${(e as Error).message}`);
        }
        connection?.step();
        view.render();
    }
}

function notify(s: ChatState): void {
    const items = s.takeNotifications();
    const N = (globalThis as { Notification?: typeof Notification }).Notification;
    if (!N || N.permission !== "granted" || !document.hidden) return;
    for (const n of items) {
        const shown = new N(plain(n.title), { body: plain(n.body), tag: n.window, icon: "icon.svg" });
        shown.onclick = () => {
            window.focus();
            s.switchTo(n.window);
            view.render();
            shown.close();
        };
    }
}

const view = new View(document, {
    flush: () => connection?.step(),
    chooseNick: (nick, password) => {
        if (state && session) {
            const err = state.chooseNick(nick, password);
            connection?.step();
            return err;
        }
        session = new ClientSession({ nick, idBase: randomIdBase(cryptoUint32), password });
        state = new ChatState(session, clock, storage);
        const err = state.chooseNick(nick, password);
        if (err) {
            session = null;
            state = null;
            return err;
        }
        view.attach(state);
        connection = new HubConnection(session, hubUrl(location), refresh);
        connection.step();
        // The operators' page: /#metrics opens the panel once signed in.
        if (location.hash === "#metrics") state.openMetrics();
        return null;
    },
    reconnectNow: () => {
        session?.retryNow(performance.now());
        connection?.step();
    },
    shareFiles: (files) => {
        if (!state) return;
        void shareFiles(
            state,
            files.map((f) => ({ name: f.name || "pasted-file", size: f.size, mediaType: f.type, read: (progress) => readAndHash(f, progress) })),
        );
    },
    shareSnippet: (text) => {
        if (!state) return;
        const bytes = new TextEncoder().encode(text);
        void shareFiles(state, [{ name: snippetName(Date.now()), size: bytes.length, mediaType: "text/plain", read: async () => ({ bytes, sha256: sha256Hex(bytes) }), preview: snippetPreview(text) }]);
    },
    requestNotifications: () => {
        const N = (globalThis as { Notification?: typeof Notification }).Notification;
        void N?.requestPermission().then(() => view.render());
    },
});

// The reconnect countdown moves with time alone; typing notices lapse; a
// read marker held back by its debounce goes out.
setInterval(() => {
    if (state) {
        state.tick(view.lookingAtNewest());
        connection?.step();
    }
    view.render();
}, 1000);
// Focus and scrolling to the bottom are "the person has looked".
const looked = () => {
    if (!state) return;
    state.seen(view.lookingAtNewest());
    connection?.step();
    view.render();
};
window.addEventListener("focus", looked);
document.addEventListener("visibilitychange", looked);

view.showNickScreen(storage.load("hermes.nick") ?? "", "");
// For the end-to-end tests: the page exposes nothing else.
(globalThis as { hermesReady?: boolean }).hermesReady = true;
