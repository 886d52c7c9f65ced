// Tab completion of nicks (and of /commands as the first word), as
// hermes-tui's Completion: the word before the cursor is completed from the
// window's members, case-insensitively; Tab again cycles through the
// candidates; a nick completed as the first word gets ": ".
export interface Edit {
    text: string;
    cursor: number;
}

export class Completion {
    private active = false;
    private candidates: string[] = [];
    private index = 0;
    private wordStart = 0;
    private firstWord = false;
    private insertedEnd = -1;
    private lastText = "";

    reset(): void {
        this.active = false;
    }

    // The line after one Tab, or null when nothing completes.
    complete(edit: Edit, nicks: readonly string[], commands: readonly string[]): Edit | null {
        const { text, cursor } = edit;
        let replaceEnd = cursor;
        if (this.active && cursor === this.insertedEnd && text === this.lastText) {
            this.index = (this.index + 1) % this.candidates.length;
        } else {
            let start = cursor;
            while (start > 0 && text[start - 1] !== " ") start--;
            const prefix = text.slice(start, cursor).toLowerCase();
            const leading = text.length - text.trimStart().length;
            let first = leading >= start;
            const command = first && prefix.startsWith("/");
            const pool = command ? commands : nicks;
            this.candidates = [...new Set(pool.filter((c) => c.toLowerCase().startsWith(prefix)))].sort((a, b) =>
                a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
            );
            if (this.candidates.length === 0 || prefix === "") {
                this.active = false;
                return null;
            }
            first = first && !command;
            this.active = true;
            this.index = 0;
            this.wordStart = start;
            this.firstWord = first;
        }
        replaceEnd = cursor;
        const inserted = this.candidates[this.index]! + (this.firstWord ? ": " : " ");
        const next = text.slice(0, this.wordStart) + inserted + text.slice(replaceEnd);
        this.insertedEnd = this.wordStart + inserted.length;
        this.lastText = next;
        return { text: next, cursor: this.insertedEnd };
    }
}
