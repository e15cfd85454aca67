// Small helpers every command uses: printing JSON and loading a spec.

import { formatJson } from '../format.js';
import { readJsonFile } from '../io.js';

export function print(value: unknown): void {
  process.stdout.write(formatJson(value) + '\n');
}

/** Load a spec file, or the embedded default when no path is given. */
export async function loadSpec(path: string | undefined): Promise<{ value: unknown; dir: string }> {
  if (path !== undefined) return readJsonFile(path);
  const { DEFAULT_SPEC } = await import('../../experiments/defaults.js');
  return { value: DEFAULT_SPEC, dir: process.cwd() };
}
