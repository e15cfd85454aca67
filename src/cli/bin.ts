#!/usr/bin/env node
// The `dmflow` executable (package.json "bin" points at its build in dist/).
// Built, it runs the bundled command dist/cli/bundle.js (scripts/bundle.mjs:
// one file for the ~170 modules `dmflow run` would load) compiled with V8's
// code cache dist/cli/bundle.v8cache, which the build wrote after a `dmflow
// run`: V8 then takes the bytecode of every function that run compiled from
// the cache instead of parsing and compiling it again. V8 rejects a cache made
// by another V8 version or with other V8 flags and compiles from the source,
// with the same result. A script, not an ES module: Node 20 has no code cache
// for ES modules. From the TypeScript sources (tsx) it runs main.ts directly.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

interface Bundle { start(bin: URL, argv: string[]): Promise<number | undefined> }

if (import.meta.url.endsWith('.ts')) {
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const file = fileURLToPath(new URL('../../cli/bundle.js', import.meta.url));
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(file.replace(/\.js$/, '.v8cache'));
  } catch {
    // no cache (a build without one): compile from the source
  }
  // The bundle is ASCII (scripts/bundle.mjs): read as latin1, no UTF-8 decoding.
  const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  const bundle = { exports: {} as Bundle };
  // The bundle is one function of CommonJS's parameters and an import() for the
  // ES modules only some commands load (vega, resvg: plot), which code from a
  // code cache cannot call itself (scripts/bundle.mjs).
  (script.runInThisContext() as (...args: unknown[]) => void)(bundle.exports, createRequire(file), bundle, file, dirname(file), (s: string) => import(s));
  // The build's hook (scripts/bundle.mjs): write the code cache, with every function this command compiled, as it exits.
  const cacheOut = process.env.DMFLOW_CODE_CACHE_OUT;
  if (cacheOut && isMainThread) process.once('exit', () => writeFileSync(cacheOut, script.createCachedData()));
  const code = await bundle.exports.start(new URL(import.meta.url), process.argv.slice(2));
  if (code !== undefined) process.exitCode = code;
}
