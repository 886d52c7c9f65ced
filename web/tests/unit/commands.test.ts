// The slash commands, case for case as hermes-tui's CommandParserTest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { commandNames, helpFor, helpLines, parseCommand } from "../../src/model/CommandParser";

// input, kind, arg, text, number, isError
const cases: [string, string, string, string, number, boolean][] = [
    ["", "none", "", "", 0, false],
    ["   ", "none", "", "", 0, false],
    ["hello there", "say", "", "hello there", 0, false],
    ["//not a command", "say", "", "/not a command", 0, false],
    ["/join lobby", "join", "lobby", "", 0, false],
    ["/JOIN  #Dev ", "join", "#Dev", "", 0, false],
    ["/join", "invalid", "join", "", 0, true],
    ["/join a b", "invalid", "join", "", 0, true],
    ["/part", "part", "", "", 0, false],
    ["/part dev bye all", "part", "dev", "bye all", 0, false],
    ["/nick ana", "nick", "ana", "", 0, false],
    ["/nick", "invalid", "nick", "", 0, true],
    ["/msg bob hi bob", "msg", "bob", "hi bob", 0, false],
    ["/msg bob", "invalid", "msg", "", 0, true],
    ["/me waves", "me", "", "waves", 0, false],
    ["/me", "invalid", "me", "", 0, true],
    ["/who", "who", "", "", 0, false],
    ["/who dev", "who", "dev", "", 0, false],
    ["/who dev x", "invalid", "who", "", 0, true],
    ["/rooms", "rooms", "", "", 0, false],
    ["/rooms x", "invalid", "rooms", "", 0, true],
    ["/topic", "topic", "", "", 0, false],
    ["/topic new topic", "topic", "", "new topic", 0, false],
    ["/clear", "clear", "", "", 0, false],
    ["/help", "help", "", "", 0, false],
    ["/help /join", "help", "join", "", 0, false],
    ["/help join", "help", "join", "", 0, false],
    ["/help J", "help", "join", "", 0, false],
    ["/help /exit", "help", "quit", "", 0, false],
    ["/help frob", "invalid", "", "", 0, true],
    ["/help join part", "invalid", "help", "", 0, true],
    ["/quit", "quit", "", "", 0, false],
    ["/quit gone fishing", "quit", "", "gone fishing", 0, false],
    ["/window 3", "window", "", "", 3, false],
    ["/window 0", "invalid", "window", "", 0, true],
    ["/window x", "invalid", "window", "", 0, true],
    ["/window 2x", "invalid", "window", "", 0, true],
    ["/members", "members", "", "", 0, false],
    ["/search deploy failed", "search", "", "deploy failed", 0, false],
    ["/SEARCH  #Ops  deploy  ", "search", "#Ops", "deploy", 0, false],
    ["/search", "invalid", "search", "", 0, true],
    ["/search #ops", "invalid", "search", "", 0, true],
    ["/search-more", "searchMore", "", "", 0, false],
    ["/search-more x", "invalid", "search-more", "", 0, true],
    ["/context 2", "context", "", "", 2, false],
    ["/context", "invalid", "context", "", 0, true],
    ["/context 0", "invalid", "context", "", 0, true],
    ["/context x1", "invalid", "context", "", 0, true],
    ["/frobnicate now", "invalid", "", "", 0, true],
    ["/", "invalid", "", "", 0, true],
    ["/j #dev", "join", "#dev", "", 0, false],
    ["/J", "invalid", "join", "", 0, true],
    ["/leave", "part", "", "", 0, false],
    ["/leave dev later", "part", "dev", "later", 0, false],
    ["/names", "who", "", "", 0, false],
    ["/names ops", "who", "ops", "", 0, false],
    ["/list", "rooms", "", "", 0, false],
    ["/win 2", "window", "", "", 2, false],
    ["/win", "invalid", "window", "", 0, true],
    ["/exit", "quit", "", "", 0, false],
    ["/exit bye now", "quit", "", "bye now", 0, false],
    ["/query bob", "query", "bob", "", 0, false],
    ["/query bob are you there?", "query", "bob", "are you there?", 0, false],
    ["/query", "invalid", "query", "", 0, true],
    ["/close", "close", "", "", 0, false],
    ["/close now", "invalid", "close", "", 0, true],
    ["/ignore", "ignore", "", "", 0, false],
    ["/ignore Bob", "ignore", "Bob", "", 0, false],
    ["/ignore bob carol", "invalid", "ignore", "", 0, true],
    ["/unignore bob", "unignore", "bob", "", 0, false],
    ["/unignore", "invalid", "unignore", "", 0, true],
    ["/whois bob", "whois", "bob", "", 0, false],
    ["/whois", "invalid", "whois", "", 0, true],
    ["/whois bob carol", "invalid", "whois", "", 0, true],
    ["/away", "away", "", "", 0, false],
    ["/away gone to lunch", "away", "", "gone to lunch", 0, false],
    ["/retry", "retry", "", "", 0, false],
    ["/retry all", "invalid", "retry", "", 0, true],
];

for (const [input, kind, arg, text, number, isError] of cases) {
    test(`parses ${JSON.stringify(input)}`, () => {
        const c = parseCommand(input);
        assert.equal(c.kind, kind);
        assert.equal(c.arg, arg);
        if (kind !== "invalid") assert.equal(c.text, text);
        assert.equal(c.number, number);
        assert.equal(c.error !== "", isError);
    });
}

test("an unknown command is one line, and never text", () => {
    for (const [line, err] of [
        ["/jion lobby", "unknown command /jion; /help lists them"],
        ["/JION", "unknown command /JION; /help lists them"],
        ["/help jion", "unknown command /jion; /help lists them"],
        ["/help /jion", "unknown command /jion; /help lists them"],
    ]) {
        const c = parseCommand(line!);
        assert.equal(c.kind, "invalid");
        assert.equal(c.error, err);
        assert.equal(c.text, "");
    }
});

test("missing arguments say the command's usage line", () => {
    for (const [line, err] of [
        ["/join", "usage: /join <room>"],
        ["/j", "usage: /join <room>"],
        ["/msg bob", "usage: /msg <nick> <text>"],
        ["/query", "usage: /query <nick> [text]"],
        ["/whois", "usage: /whois <nick>"],
        ["/unignore", "usage: /unignore <nick>"],
        ["/win x", "usage: /window <n>"],
        ["/search", "usage: /search [#room] <words>"],
        ["/clear all", "/clear takes no arguments"],
    ]) {
        assert.equal(parseCommand(line!).error, err, line);
    }
});

test("/help lists every command with its aliases, one line each, then the keys", () => {
    const lines = helpLines();
    assert.equal(commandNames.length, 32); // hermes-tui's 31 and the page's own /metrics
    for (const name of commandNames) assert.ok(lines.some((l) => l.startsWith(name + " ") || l === name), name);
    assert.ok(lines.some((l) => l.startsWith("/join <room>") && l.endsWith("(also /j)")));
    assert.ok(lines.some((l) => l.startsWith("/part") && l.endsWith("(also /leave)")));
    assert.ok(lines.some((l) => /Tab completes a nick/.test(l)));
    assert.deepEqual(helpFor("/exit")![0], lines.find((l) => l.startsWith("/quit")));
    assert.equal(helpFor("nope"), null);
    assert.ok(helpFor("retry")!.length > 1);
});

test("/reply, /edit, /delete, /react, /unreact take a message's number; /seqs none", () => {
    const cases: [string, string, number, string][] = [
        ["/reply 12 sure", "reply", 12, "sure"],
        ["/reply sure thing", "reply", 0, "sure thing"],
        ["/reply 42", "reply", 0, "42"],
        ["/edit 7 fixed it", "edit", 7, "fixed it"],
        ["/delete 7", "delete", 7, ""],
        ["/react 3 +1", "react", 3, "+1"],
        ["/unreact +1", "unreact", 0, "+1"],
    ];
    for (const [line, kind, seq, text] of cases) {
        const c = parseCommand(line);
        assert.deepEqual([c.kind, c.seq, c.text], [kind, seq, text], line);
    }
    for (const bad of ["/reply", "/edit 7", "/edit x y", "/edit 0 y", "/delete", "/delete 7 now", "/react", "/react 3 two words", "/seqs on"]) {
        assert.equal(parseCommand(bad).kind, "invalid", bad);
    }
    assert.equal(parseCommand("/seqs").kind, "seqs");
});
