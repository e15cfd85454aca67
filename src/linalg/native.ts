// The native BLAS binding (native/: N-API over OpenBLAS's dgemm). Loaded once
// from, in order: a build from source (native/build/Release, made by npm's
// install step where a compiler and libopenblas-dev exist), then the prebuilt
// binary shipped in the package for this platform, arch and libc
// (prebuilds/linux-x64/dmflow_native.glibc.node, OpenBLAS linked statically;
// `npm run build:prebuild`). null when neither loads or DMFLOW_NATIVE=0, and
// then the wasm or TypeScript kernels are used; they agree to rounding.

import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoots } from './packageRoot.js';

export interface NativeBlas {
  /** C[cOff..] = alpha op(A) op(B) + beta C, row-major; op(X) = X^T when its flag is set. */
  dgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number,
    beta: number, C: Float64Array, cOff: number, ldc: number,
  ): void;
  setThreads(n: number): void;
}

/**
 * "glibc" or "musl" on Linux (prebuilds are keyed by it), "" elsewhere. musl
 * systems have their dynamic loader at /lib/ld-musl-<arch>.so.1; looking for it
 * costs microseconds, where process.report.getReport() costs 20-100 ms of start-up.
 */
export function libcFamily(): string {
  if (process.platform !== 'linux') return '';
  try {
    return readdirSync('/lib').some((f) => f.startsWith('ld-musl-')) ? 'musl' : 'glibc';
  } catch {
    return 'glibc';
  }
}

/** The prebuilt binary's path inside a package root for this platform/arch/libc. */
export function prebuildPath(root: string, platform: string = process.platform, arch: string = process.arch, libc = libcFamily()): string {
  return join(root, 'prebuilds', `${platform}-${arch}`, `dmflow_native${libc ? `.${libc}` : ''}.node`);
}

/** Why the binding did not load (for DMFLOW_KERNEL=native's error line); '' when it did. */
export let nativeLoadError = '';

function load(): NativeBlas | null {
  if (process.env.DMFLOW_NATIVE === '0') { nativeLoadError = 'disabled by DMFLOW_NATIVE=0'; return null; }
  const roots = packageRoots();
  const files = [
    ...roots.map((r) => join(r, 'native', 'build', 'Release', 'dmflow_native.node')),
    ...roots.filter((r) => existsSync(join(r, 'prebuilds'))).map((r) => prebuildPath(r)),
  ].filter((f) => existsSync(f));
  if (files.length === 0) {
    nativeLoadError = `no build from source (npm run build:native) and no prebuilt binary for ${process.platform}-${process.arch}`;
    return null;
  }
  const failures: string[] = [];
  for (const file of files) {
    try {
      const blas = createRequire(file)(file) as NativeBlas;
      // One thread: sweeps already use every core through workers, and a single
      // large run gains little from a second thread at these sizes (bench/).
      blas.setThreads(Number(process.env.DMFLOW_BLAS_THREADS ?? 1));
      return blas;
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  nativeLoadError = failures.join('; ');
  return null;
}

export const nativeBlas: NativeBlas | null = load();
