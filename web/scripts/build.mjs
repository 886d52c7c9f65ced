#!/usr/bin/env node
// Builds the Hermes web client. Run from anywhere; paths default to this
// folder (web/), so `npm run build` works in a checkout and CMake runs it on
// a copy in the build tree with explicit paths.
//
//   node scripts/build.mjs [--proto FILE] [--out DIR] [--gen DIR]
//                          [--tests] [--typecheck-only] [--no-typecheck]
//
// Steps, in order:
//   1. protobufjs-cli generates gen/hermes.js (pbjs, static ES module) and
//      gen/hermes.d.ts (pbts) from proto/hermes/v1/hermes.proto: the only
//      codec is the generated one, never a hand-written second one;
//   2. tsc type-checks src/ and tests/ (no output);
//   3. esbuild bundles src/main.ts into DIR/app.js and copies static/ to DIR
//      (index.html, app.css, the icon): nothing is loaded from elsewhere;
//   4. with --tests, esbuild also bundles tests/unit/*.test.ts and
//      tests/e2e/*.test.ts to dist-test/ for `node --test`.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 && at + 1 < args.length ? resolve(args[at + 1]) : fallback;
};
const flag = (name) => args.includes(name);

const proto = option("--proto", resolve(root, "../proto/hermes/v1/hermes.proto"));
const out = option("--out", join(root, "dist"));
const gen = option("--gen", join(root, "gen"));
const testOut = option("--test-out", join(root, "dist-test"));
const bin = (pkg, file) => join(root, "node_modules", pkg, "bin", file);
const run = (script, scriptArgs) =>
    execFileSync(process.execPath, [script, ...scriptArgs], { stdio: "inherit", cwd: root });

// 1. The codec, generated from the .proto.
if (!existsSync(proto)) {
    console.error(`build: no ${proto} (pass --proto)`);
    process.exit(2);
}
mkdirSync(gen, { recursive: true });
run(bin("protobufjs-cli", "pbjs"), [
    "-t", "static-module", "-w", "es6", "--force-number",
    "--no-create", "--no-verify", "--no-convert", "--no-delimited", "--no-service",
    "--no-comments", "-o", join(gen, "hermes.js"), proto,
]);
// pbts reads the JSDoc, which --no-comments leaves out: a commented copy for it.
run(bin("protobufjs-cli", "pbjs"), [
    "-t", "static-module", "-w", "es6", "--force-number",
    "--no-create", "--no-verify", "--no-convert", "--no-delimited", "--no-service",
    "-o", join(gen, "hermes.commented.js"), proto,
]);
run(bin("protobufjs-cli", "pbts"), ["-o", join(gen, "hermes.d.ts"), join(gen, "hermes.commented.js")]);
rmSync(join(gen, "hermes.commented.js"));

// 2. Types.
if (!flag("--no-typecheck")) {
    run(join(root, "node_modules", "typescript", "bin", "tsc"), ["-p", join(root, "tsconfig.json")]);
}
if (flag("--typecheck-only")) {
    process.exit(0);
}

// Resolves "@gen/hermes" to the generated module and "long" to a stub (see
// scripts/stubs/long.cjs): uint64 fields are numbers everywhere.
const hermesResolve = {
    name: "hermes-resolve",
    setup(build) {
        build.onResolve({ filter: /^@gen\/hermes$/ }, () => ({ path: join(gen, "hermes.js") }));
        build.onResolve({ filter: /^long$/ }, () => ({ path: join(root, "scripts", "stubs", "long.cjs") }));
    },
};

// 3. The page.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await esbuild.build({
    entryPoints: [join(root, "src", "main.ts")],
    outfile: join(out, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    minify: true,
    sourcemap: "linked",
    legalComments: "linked",
    plugins: [hermesResolve],
    logLevel: "warning",
});
cpSync(join(root, "static"), out, { recursive: true });
console.log(`build: page in ${out}`);

// 4. Tests, bundled for node --test.
if (flag("--tests")) {
    rmSync(testOut, { recursive: true, force: true });
    for (const kind of ["unit", "e2e"]) {
        const dir = join(root, "tests", kind);
        const entries = readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => join(dir, f));
        if (entries.length === 0) continue;
        await esbuild.build({
            entryPoints: entries,
            outdir: join(testOut, kind),
            outExtension: { ".js": ".mjs" },
            bundle: true,
            format: "esm",
            platform: "node",
            target: "node18",
            sourcemap: "inline",
            // The e2e tests load puppeteer-core from node_modules at run time.
            external: ["puppeteer-core"],
            plugins: [hermesResolve],
            banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
            logLevel: "warning",
        });
    }
    console.log(`build: tests in ${testOut}`);
}
