// Run the dmflow command as a user does: a child process on the built bin
// (package.json "bin"), compiled by test/helpers/buildOnce.ts before the tests.
// Every CLI test goes through here, so that what is tested is what ships.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/src/cli/bin.js', import.meta.url));

export function cli(args: string[], options: SpawnSyncOptions = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...options }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}
