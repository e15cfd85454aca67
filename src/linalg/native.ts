// The optional native BLAS binding (native/: N-API over OpenBLAS's dgemm,
// built by npm's install step when libopenblas-dev is present). Loaded once;
// null when absent or disabled with DMFLOW_NATIVE=0, and then every caller
// uses the TypeScript kernels, which agree with it to rounding.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __dirname: string | undefined;

/**
 * This file's folder without import.meta, which tslab's CommonJS compilation
 * of the notebooks rejects: __dirname where it exists (CommonJS), else the
 * location in a stack trace of this function (ES modules under tsx/vitest).
 */
function moduleDir(): string | undefined {
  // `node -e` defines a global __dirname of '.', seen from ES modules too: not ours.
  if (typeof __dirname === 'string' && isAbsolute(__dirname)) return __dirname;
  const frame = new Error().stack?.split('\n').find((l) => /native\.(ts|js)/.test(l));
  const where = frame?.match(/\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/)?.[1];
  if (!where) return undefined;
  return dirname(where.startsWith('file://') ? fileURLToPath(where) : where);
}

export interface NativeBlas {
  /** C[cOff..] = alpha op(A) op(B) + beta C, row-major; op(X) = X^T when its flag is set. */
  dgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number,
    beta: number, C: Float64Array, cOff: number, ldc: number,
  ): void;
  setThreads(n: number): void;
}

function load(): NativeBlas | null {
  if (process.env.DMFLOW_NATIVE === '0') return null;
  const here = moduleDir();
  // The package root is two folders up from src/linalg/ (tsx, vitest, notebooks)
  // and three from dist/src/linalg/ (the built package); last, the working
  // directory (the repository root for CLI, tests and notebooks).
  const file = [here && join(here, '..', '..'), here && join(here, '..', '..', '..'), process.cwd()]
    .filter((d): d is string => !!d)
    .map((d) => join(d, 'native', 'build', 'Release', 'dmflow_native.node'))
    .find((f) => existsSync(f));
  if (!file) return null;
  try {
    const blas = createRequire(file)(file) as NativeBlas;
    // One thread: sweeps already use every core through workers, and a single
    // large run gains little from a second thread at these sizes (bench/).
    blas.setThreads(Number(process.env.DMFLOW_BLAS_THREADS ?? 1));
    return blas;
  } catch {
    return null;
  }
}

export const nativeBlas: NativeBlas | null = load();
