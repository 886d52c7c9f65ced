#!/usr/bin/env node
// Runs one browser test file for CTest: exits 77 (SKIP_RETURN_CODE) when
// there is no Chromium, so a machine without it skips the browser tests
// instead of failing them; otherwise node --test's own exit status.
//
//   node scripts/run-e2e.mjs dist-test/e2e/chat.test.mjs
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
    console.log(`run-e2e: no Chromium at ${chromium}: skipped (tools/install-deps.sh installs Debian's chromium)`);
    process.exit(77);
}
const files = process.argv.slice(2);
if (files.length === 0) {
    console.error("run-e2e: which test file?");
    process.exit(2);
}
const r = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
