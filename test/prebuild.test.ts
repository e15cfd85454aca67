// The prebuilt binding (native/prebuild.mjs, run by `npm pack`'s prepack):
// rebuilt here from the repository's sources, it needs nothing but libc, loads
// with the system's OpenBLAS hidden (a private mount namespace with a tmpfs
// over Debian's openblas-pthread directory, as root), and its dgemm agrees with
// a triple loop. Needs Debian's libopenblas-pthread-dev (static library); CI
// sets DMFLOW_REQUIRE_NATIVE=1 so that its absence fails instead of skipping.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const archive = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.a';
const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
const target = process.platform === 'linux' && process.arch === 'x64' && !!glibc;
const required = process.env.DMFLOW_REQUIRE_NATIVE === '1';
const canBuild = target && existsSync(archive);
const canHide = canBuild && process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'dmflow-prebuild-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Loads the binary in a fresh node and checks C = A B^T (+ beta C) against a triple loop, printing "ok".
const probe = (file: string) => `
const b = require(${JSON.stringify(file)});
const m = 37, n = 29, k = 41, A = new Float64Array(m * k), B = new Float64Array(n * k), C = new Float64Array(m * n).fill(1);
for (let i = 0; i < A.length; i++) A[i] = Math.sin(i);
for (let i = 0; i < B.length; i++) B[i] = Math.cos(3 * i);
b.setThreads(1);
b.dgemm(false, true, m, n, k, 2, A, 0, k, B, 0, k, 0.5, C, 0, n);
let bad = 0;
for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
  let s = 0; for (let p = 0; p < k; p++) s += A[i * k + p] * B[j * k + p];
  if (Math.abs(C[i * n + j] - (2 * s + 0.5)) > 1e-12 * (1 + Math.abs(s))) bad++;
}
console.log(bad === 0 ? 'ok' : 'mismatches ' + bad);`;

describe('prebuilt native binding', () => {
  it('is buildable where CI requires it', () => {
    if (required) expect(canBuild, `expected linux-x64 glibc with ${archive} (libopenblas-pthread-dev)`).toBe(true);
  });

  it.skipIf(!canBuild)('rebuilds from the repository sources: libc only, OpenBLAS license beside it, correct dgemm', () => {
    const r = spawnSync(process.execPath, [join(root, 'native', 'prebuild.mjs'), dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const file = join(dir, 'dmflow_native.glibc.node');
    const needed = spawnSync('readelf', ['-d', file], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('(NEEDED)'));
    expect(needed.map((l) => l.match(/\[(.+)\]/)?.[1])).toEqual(['libc.so.6']);
    expect(readFileSync(join(dir, 'OpenBLAS-LICENSE.txt'), 'utf8')).toMatch(/BSD-3-clause[\s\S]*Redistributions in binary form must reproduce/);
    const p = spawnSync(process.execPath, ['-e', probe(file)], { encoding: 'utf8' });
    expect(p.stdout.trim(), p.stderr).toBe('ok');
  });

  it.skipIf(!canHide)('loads with the system OpenBLAS hidden (unshare -m, tmpfs over openblas-pthread)', () => {
    const file = join(dir, 'dmflow_native.glibc.node');
    if (!existsSync(file)) spawnSync(process.execPath, [join(root, 'native', 'prebuild.mjs'), dir]);
    const script = `mount -t tmpfs none /usr/lib/x86_64-linux-gnu/openblas-pthread && ls /usr/lib/x86_64-linux-gnu/openblas-pthread | wc -l && "$0" -e "$1"`;
    const p = spawnSync('unshare', ['-m', 'bash', '-c', script, process.execPath, probe(file)], { encoding: 'utf8' });
    // The directory is empty inside the namespace, and the binary still loads and computes.
    expect(p.stdout.trim().split('\n'), p.stderr).toEqual(['0', 'ok']);
    // The dynamic build, by contrast, cannot load there (so the hiding is real).
    const dynamic = join(root, 'native', 'build', 'Release', 'dmflow_native.node');
    if (existsSync(dynamic)) {
      const d = spawnSync('unshare', ['-m', 'bash', '-c', script, process.execPath, probe(dynamic)], { encoding: 'utf8' });
      expect(d.stderr).toMatch(/libopenblas|libblas|cannot open shared object/);
    }
  });
});
