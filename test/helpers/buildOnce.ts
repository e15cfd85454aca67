// vitest globalSetup: build dist/ once per test run with the pinned compiler,
// so that the CLI tests spawn the bin users get (dist/src/cli/bin.js), built
// from the sources under test rather than a stale build.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building dist/ failed:\n${r.stdout}${r.stderr}`);
}
