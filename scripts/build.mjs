// Build dist/ with the pinned TypeScript (npm ci and npm install in the repository run
// this as the "dependencies" script, npm pack as part of prepack): a clean emit, so
// that no file of a deleted module survives, and an executable bin; then the bundled
// command the bin runs (scripts/bundle.mjs) and the browser builds (scripts/buildWeb.mjs).
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from './bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
// By package path: node_modules/.bin/tsc is the TypeScript 5.0 that tslab
// brings, not the pinned typescript package.
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
chmodSync(join(root, 'dist', 'src', 'cli', 'bin.js'), 0o755);
const { buildWeb } = await import('./buildWeb.mjs');
try {
  await bundleCli(root);
  await buildWeb({ quiet: process.env.DMFLOW_BUILD_QUIET === '1' });
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
