// Received text is rendered as text: the helpers never make HTML of it, and
// only http(s) URLs become links, built as elements.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendText, dayKey, neutralize, segments } from "../../src/ui/text";

// A stand-in for Document that records what is built and refuses any HTML
// parsing: innerHTML, outerHTML and insertAdjacentHTML throw.
class FakeNode {
    children: FakeNode[] = [];
    attrs = new Map<string, string>();
    constructor(
        readonly tag: string,
        readonly text = "",
    ) {
        for (const prop of ["innerHTML", "outerHTML"]) {
            Object.defineProperty(this, prop, {
                set() {
                    throw new Error(`${prop} used`);
                },
                get() {
                    throw new Error(`${prop} used`);
                },
            });
        }
    }
    insertAdjacentHTML(): void {
        throw new Error("insertAdjacentHTML used");
    }
    appendChild(n: FakeNode): FakeNode {
        this.children.push(n);
        return n;
    }
    setAttribute(k: string, v: string): void {
        this.attrs.set(k, v);
    }
    get textContent(): string {
        return this.tag === "#text" ? this.text : this.children.map((c) => c.textContent).join("");
    }
}
const fakeDoc = {
    createTextNode: (t: string) => new FakeNode("#text", t),
    createElement: (tag: string) => new FakeNode(tag),
};
const render = (text: string) => {
    const root = new FakeNode("span");
    appendText(fakeDoc as never, root as never, text);
    return root;
};
const tags = (n: FakeNode): string[] => [n.tag, ...n.children.flatMap(tags)];

const hostile = [
    `<img src=x onerror="window.__pwned=1">`,
    `<script>window.__pwned=1</script>`,
    `<a href="javascript:alert(1)">click</a>`,
    `"><svg onload=alert(1)>`,
    `&lt;b&gt;not bold&lt;/b&gt; & <b>bold?</b>`,
];

for (const h of hostile) {
    test(`stays text: ${h}`, () => {
        const root = render(h);
        assert.equal(root.textContent, h, "exactly the characters received");
        assert.deepEqual(
            tags(root).filter((t) => t !== "#text" && t !== "span"),
            [],
            "no element made from it",
        );
    });
}

test("http and https URLs become <a rel=noopener noreferrer>, nothing else does", () => {
    const root = render("see https://example.org/a?b=1, or http://x.test/(y) and javascript:alert(1) ftp://f.test/");
    const links = root.children.filter((c) => c.tag === "a");
    assert.deepEqual(
        links.map((a) => a.attrs.get("href")),
        ["https://example.org/a?b=1", "http://x.test/(y)"],
    );
    for (const a of links) {
        assert.equal(a.attrs.get("rel"), "noopener noreferrer");
        assert.equal(a.attrs.get("target"), "_blank");
    }
    assert.equal(root.textContent, "see https://example.org/a?b=1, or http://x.test/(y) and javascript:alert(1) ftp://f.test/");
});

test("a URL's text is the text received; its href is what the URL parser made of it", () => {
    const s = segments('https://example.org/"onmouseover=alert(1)');
    assert.equal(s[0]!.kind, "link");
    assert.equal(s[0]!.href, "https://example.org/");
    assert.equal(s.map((x) => x.text).join(""), 'https://example.org/"onmouseover=alert(1)');
});

test("bidi overrides and control characters are neutralised; tabs stay", () => {
    assert.equal(neutralize("a\u202Eb\u2066c\u0007d\te\u009B"), "a\uFFFDb\uFFFDc\uFFFDd\te\uFFFD");
});

test("day keys are local days", () => {
    const t = new Date(2024, 4, 1, 23, 59).getTime();
    assert.equal(dayKey(t), "2024-05-01");
    assert.equal(dayKey(t + 120_000), "2024-05-02");
});
