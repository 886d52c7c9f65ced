// Lines typed before, for Up and Down in the input, as hermes-tui's
// LineEditor history: Up on an empty input brings back the last line to edit
// it; Up again goes further back; Down comes forward and, past the newest,
// back to what was being typed.
export class InputHistory {
    static readonly kMax = 200;
    private readonly lines: string[] = [];
    private pos = -1; // -1: not browsing
    private draft = "";

    add(line: string): void {
        if (line.trim() === "") return;
        if (this.lines[this.lines.length - 1] !== line) this.lines.push(line);
        if (this.lines.length > InputHistory.kMax) this.lines.shift();
        this.pos = -1;
    }

    // The text to show after Up, or null to leave the input alone.
    up(current: string): string | null {
        if (this.lines.length === 0) return null;
        if (this.pos === -1) {
            this.draft = current;
            this.pos = this.lines.length - 1;
        } else if (this.pos > 0) {
            this.pos -= 1;
        } else {
            return null;
        }
        return this.lines[this.pos]!;
    }

    down(): string | null {
        if (this.pos === -1) return null;
        if (this.pos < this.lines.length - 1) {
            this.pos += 1;
            return this.lines[this.pos]!;
        }
        this.pos = -1;
        return this.draft;
    }

    reset(): void {
        this.pos = -1;
    }
}
