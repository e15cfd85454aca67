// Build the optional native BLAS binding (npm's install step runs this).
// Needs g++/make, Node's headers and libopenblas-dev; when any is missing the
// build is skipped with one line and dmflow uses its wasm or TypeScript kernels.
// At install, a prebuilt binary shipped for this platform (prebuilds/, made by
// native/prebuild.mjs when packing) makes the build unnecessary: skipped.
// `npm run build:native` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.env.DMFLOW_NATIVE === '0') {
  console.log('dmflow: DMFLOW_NATIVE=0, native BLAS not built');
  process.exit(0);
}
const prebuilt = join(here, '..', 'prebuilds', `${process.platform}-${process.arch}`,
  `dmflow_native${process.report?.getReport()?.header?.glibcVersionRuntime ? '.glibc' : process.platform === 'linux' ? '.musl' : ''}.node`);
if (process.env.npm_lifecycle_event === 'install' && existsSync(prebuilt)) {
  console.log(`dmflow: using the prebuilt native BLAS (${join('prebuilds', `${process.platform}-${process.arch}`)}); not building from source`);
  process.exit(0);
}
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) {
  console.log('dmflow: node-gyp not found, native BLAS not built (wasm/TypeScript kernels will be used)');
  process.exit(0);
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
  console.log(`dmflow: native BLAS not built (${why.trim()}); wasm/TypeScript kernels will be used. Install libopenblas-dev and run npm run build:native`);
}
