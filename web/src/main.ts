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
    view.render();
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
    chooseNick: (nick) => {
        if (state && session) {
            const err = state.chooseNick(nick);
            connection?.step();
            return err;
        }
        session = new ClientSession({ nick, idBase: randomIdBase(cryptoUint32) });
        state = new ChatState(session, clock, storage);
        const err = state.chooseNick(nick);
        if (err) {
            session = null;
            state = null;
            return err;
        }
        view.attach(state);
        connection = new HubConnection(session, hubUrl(location), refresh);
        connection.step();
        return null;
    },
    reconnectNow: () => {
        session?.retryNow(performance.now());
        connection?.step();
    },
    requestNotifications: () => {
        const N = (globalThis as { Notification?: typeof Notification }).Notification;
        void N?.requestPermission().then(() => view.render());
    },
});

// The reconnect countdown moves with time alone.
setInterval(() => view.render(), 1000);

view.showNickScreen(storage.load("hermes.nick") ?? "", "");
// For the end-to-end tests: the page exposes nothing else.
(globalThis as { hermesReady?: boolean }).hermesReady = true;
