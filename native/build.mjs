// Build the native BLAS binding from source: `npm run build:native` (in a
// clone, or `npm explore dmflow -- npm run build:native` in an installed
// package). Needs g++/make, Node's headers and libopenblas-dev. Nothing runs
// it at install: linux-x64 gets the prebuilt binary shipped in the package
// (prebuilds/, made by native/prebuild.mjs when packing), other platforms the
// wasm kernels, unless this is run. Exits 1 when the build fails, naming why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.env.DMFLOW_NATIVE === '0') {
  console.log('dmflow: DMFLOW_NATIVE=0, native BLAS not built');
  process.exit(0);
}
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) {
  console.error("dmflow: build:native: node-gyp not found (npm's own copy, or npm_config_node_gyp); native BLAS not built");
  process.exit(1);
}
// Build against the headers that came with this Node (no download: the machine may be offline).
const prefix = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir ?? (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = [candidates[0], 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8' });
if (r.status === 0) {
  console.log('dmflow: native BLAS built (native/build/Release/dmflow_native.node)');
} else {
  const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`;
  console.error(`dmflow: build:native: native BLAS not built (${why.trim()}); install g++, make and libopenblas-dev and run it again`);
  process.exit(1);
}
