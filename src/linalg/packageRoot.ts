// The folder of the installed dmflow package (where native/, wasm/ and
// prebuilds/ are), found from this file's location whether it runs as
// src/linalg/*.ts (repository, tsx, vitest) or compiled under dist/.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __dirname: string | undefined;

/**
 * This file's folder without import.meta, which tslab's CommonJS compilation
 * of the notebooks rejects: the location in a stack trace of this function,
 * else __dirname (CommonJS). The stack comes first because `node -e` defines a
 * global __dirname of "." that an ES module would otherwise take for its own.
 */
function moduleDir(): string | undefined {
  const frame = new Error().stack?.split('\n').find((l) => /packageRoot\.(ts|js)/.test(l));
  const where = frame?.match(/\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/)?.[1];
  if (where) return dirname(where.startsWith('file://') ? fileURLToPath(where) : where);
  return typeof __dirname === 'string' ? __dirname : undefined;
}

function isDmflowRoot(dir: string): boolean {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return false;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'dmflow';
  } catch {
    return false;
  }
}

/** Candidate package roots: upwards from this file, then the working directory (notebooks). */
export function packageRoots(): string[] {
  const roots: string[] = [];
  let dir = moduleDir();
  for (let i = 0; dir && i < 5; i++) {
    if (isDmflowRoot(dir)) { roots.push(dir); break; }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (!roots.includes(process.cwd())) roots.push(process.cwd());
  return roots;
}

/** The first existing file at `rel` under a package root, or undefined. */
export function findPackageFile(...rel: string[]): string | undefined {
  return packageRoots().map((r) => join(r, ...rel)).find((f) => existsSync(f));
}
