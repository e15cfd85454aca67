// Small helpers every command uses: printing JSON and loading a spec.

import { formatJson } from '../format.js';
import { readJsonFile } from '../io.js';

export function print(value: unknown): void {
  process.stdout.write(formatJson(value) + '\n');
}

/** Paths of the numbers in a value that are NaN or infinite (JSON would print them as null). */
export function nonFinitePaths(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path || 'value'];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinitePaths(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nonFinitePaths(v, path ? `${path}.${k}` : k));
  return [];
}

/** Load a spec file, or the embedded default when no path is given. */
export async function loadSpec(path: string | undefined): Promise<{ value: unknown; dir: string }> {
  if (path !== undefined) return readJsonFile(path);
  const { DEFAULT_SPEC } = await import('../../experiments/defaults.js');
  return { value: DEFAULT_SPEC, dir: process.cwd() };
}

/** Set by the bundled command (bundle.ts): its bin, which runs the bundle's worker on a worker thread. */
let bundledWorker: URL | undefined;

export function setWorkerScript(bin: URL): void {
  bundledWorker = bin;
}

/**
 * The entry of sweep and conjecture worker threads: the bin when the command
 * runs bundled (the built package); else the compiled sweepWorker.js in dist/
 * next to this build, or sweepWorker.mjs (which registers tsx) when the command
 * runs from the TypeScript sources (tests in process).
 */
/** The bin that runs the bundled command, or undefined when the command runs from modules. */
export function bundledBin(): URL | undefined {
  return bundledWorker;
}

export function workerScript(): URL {
  if (bundledWorker) return bundledWorker;
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? '../../experiments/sweepWorker.mjs' : '../../experiments/sweepWorker.js', import.meta.url);
}
