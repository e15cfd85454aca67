// The bundled command (npm run build runs this after tsc): esbuild packs
// src/cli/bundle.ts and everything it imports into dist/cli/bundle.js, one
// script in place of ~170 module files; then the built bin runs `dmflow run`
// once to have V8 write the code cache of that script, dist/cli/bundle.v8cache
// (src/cli/bin.ts). docs/performance.md, "Start-up", has what each part saves.
//
// The bundle is a CommonJS function body, wrapped here as `(function (exports,
// require, module, __filename, __dirname, __dmflowImport) { ... })`, so
// that the bin compiles it with vm.Script, whose code cache Node 20 offers
// (ES modules have none before Node 22). Loaded from node_modules at run time
// instead, and only by the commands that use them: mathjs (ode, conjecture,
// limit's decimals) through require() inside its importers' lazily run module
// bodies, vega, vega-lite and resvg (plot) through import() at call time.
// That import() is the bin's: V8 gives code compiled from a code cache no way
// to import() (the host options that say how are not in the cache), so the
// sources' idiom for an import() no compiler rewrites, `new Function('s',
// 'return import(s)')`, becomes the bin's own import() passed in as
// __dmflowImport.

import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ESM_IMPORT = "new Function('s', 'return import(s)')";

/** Each source's `new Function('s', 'return import(s)')` becomes the bin's import(). */
const binImport = {
  name: 'bin-import',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return text.includes(ESM_IMPORT) ? { contents: text.replaceAll(ESM_IMPORT, '__dmflowImport'), loader: 'ts' } : undefined;
    });
  },
};

/**
 * Make the bundle pure ASCII, so that the bin reads it as one-byte text (latin1:
 * no UTF-8 decoding, and V8 keeps a one-byte source). esbuild escapes non-ASCII
 * characters in code, not in the comments it keeps: those on comment-only lines
 * become "?" (such lines carry no source-map mapping). Any other one fails the build.
 */
function asciiOnly(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!/[^\x00-\x7f]/.test(line)) return;
    // A line comment, or a line of a block comment esbuild kept (JSDoc on class fields).
    if (!/^(\/\/|\/\*|\*)/.test(line.trimStart())) throw new Error(`${file}:${i + 1}: a non-ASCII character outside a comment line: ${line.trim().slice(0, 80)}`);
    lines[i] = line.replace(/[^\x00-\x7f]/gu, '?');
  });
  writeFileSync(file, lines.join('\n'));
}

/** Build dist/cli/bundle.js (+ .map) and its code cache under `root`; throws on failure. */
export async function bundleCli(root) {
  const out = join(root, 'dist', 'cli', 'bundle.js');
  const cache = join(root, 'dist', 'cli', 'bundle.v8cache');
  // V8 accepts a cache for a source of the same length: never leave one from an older bundle.
  rmSync(cache, { force: true });
  await build({
    entryPoints: [join(root, 'src', 'cli', 'bundle.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['mathjs', 'vega', 'vega-lite', '@resvg/resvg-js'],
    // The bundle's own file stands for each module's import.meta.url (main.ts reads ../../package.json from it).
    define: { 'import.meta.url': '__dmflowBundleUrl' },
    // Strict, as the ES modules it is made of (a directive only counts as the function's first statement).
    banner: { js: '(function (exports, require, module, __filename, __dirname, __dmflowImport) {"use strict";\nconst __dmflowBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    footer: { js: '})' },
    // For --enable-source-maps and the start-up test (test/cli.test.ts); the sources are in dist/src's maps.
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [binImport],
    logLevel: 'warning',
  });
  asciiOnly(out);
  // The cache: what a `dmflow run` compiles, written by the bin as it exits. The
  // V8 flags must be the ones users run with, so none come from NODE_OPTIONS.
  const env = { ...process.env, DMFLOW_CODE_CACHE_OUT: cache };
  delete env.NODE_OPTIONS;
  const bin = join(root, 'dist', 'src', 'cli', 'bin.js');
  const r = spawnSync(process.execPath, [bin, 'run'], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dmflow run with the bundle failed (exit ${r.status}):\n${r.stderr}`);
  return { bundle: statSync(out).size, cache: statSync(cache).size };
}
