// The kernels as a user on a machine without OpenBLAS gets them: `npm pack`
// (prepack builds the static prebuild), the tarball installed with a plain
// `npm install` into an empty project (dmflow has no install script: npm prints
// no allowScripts warning), the CLI run inside a private mount
// namespace with a tmpfs over Debian's openblas-pthread directory. The
// prebuilt binding must load there (kernel "native"), the shipped .wasm too,
// and with the prebuild hidden as well the default falls back to wasm. Needs
// root, unshare, the static OpenBLAS for packing and npm's registry or cache;
// CI (DMFLOW_REQUIRE_NATIVE=1) fails instead of skipping when they are missing.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const HIDE = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const required = process.env.DMFLOW_REQUIRE_NATIVE === '1';
const possible = process.platform === 'linux' && process.arch === 'x64' && process.getuid?.() === 0 &&
  spawnSync('unshare', ['-m', 'true']).status === 0 && existsSync(join(HIDE, 'libopenblasp-r0.3.21.a'));
const dir = mkdtempSync(join(tmpdir(), 'dmflow-tarball-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kernels from the packed tarball, no system OpenBLAS', () => {
  it('can be tested where CI requires it', () => {
    if (required) expect(possible, 'expected root, unshare and libopenblas-pthread-dev').toBe(true);
  });

  it.skipIf(!possible)('loads the prebuilt binding, and wasm when the prebuild is hidden too', () => {
    const pack = spawnSync('npm', ['pack', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    const tgz = join(dir, pack.stdout.trim().split('\n').pop()!);
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const inst = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tgz], { cwd: project, encoding: 'utf8' });
    expect(inst.status, inst.stderr).toBe(0);
    expect(inst.stdout + inst.stderr).not.toMatch(/allowScripts|install-scripts|install script/i);
    const pkg = join(project, 'node_modules', 'dmflow');
    expect(existsSync(join(pkg, 'prebuilds', 'linux-x64', 'dmflow_native.glibc.node'))).toBe(true);
    expect(existsSync(join(pkg, 'prebuilds', 'linux-x64', 'OpenBLAS-LICENSE.txt'))).toBe(true);
    expect(existsSync(join(pkg, 'wasm', 'dmflow_kernels.wasm'))).toBe(true);
    expect(existsSync(join(pkg, 'native', 'build'))).toBe(false);
    writeFileSync(join(project, 'spec.json'), JSON.stringify({
      target: { kind: 'low-rank', size: [12, 10], rank: 2, seed: 1 }, observed: { kind: 'random', count: 70, seed: 2 },
      depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 3 }, solver: { lossTol: 1e-8 },
    }));
    const bin = join(project, 'node_modules', '.bin', 'dmflow');
    // As installed, nothing hidden: the prebuilt binding (no build from source was made).
    const plain = spawnSync(bin, ['run', 'spec.json'], { cwd: project, encoding: 'utf8', env: { ...process.env, DMFLOW_KERNEL: '' } });
    expect(plain.status, plain.stderr).toBe(0);
    expect((JSON.parse(plain.stdout) as { kernel: string }).kernel).toBe('native');
    const hiddenRun = (kernel: string, alsoHide: string[] = []) => spawnSync('unshare', ['-m', 'bash', '-c',
      [HIDE, ...alsoHide].map((d) => `mount -t tmpfs none ${d}`).join(' && ') + ' && exec "$@"', 'bash', bin, 'run', 'spec.json'],
    { cwd: project, encoding: 'utf8', env: { ...process.env, DMFLOW_KERNEL: kernel } });
    const results = [hiddenRun('native'), hiddenRun('wasm'), hiddenRun(''), hiddenRun('', [join(pkg, 'prebuilds')])].map((r) => {
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { kernel: string; status: string; matrix: number[][] };
    });
    expect(results.map((r) => r.kernel)).toEqual(['native', 'wasm', 'native', 'wasm']);
    for (const r of results) {
      expect(r.status).toBe('converged');
      let d = 0;
      r.matrix.flat().forEach((x, i) => { d = Math.max(d, Math.abs(x - results[0].matrix.flat()[i])); });
      expect(d).toBeLessThan(1e-6);
    }
    // Forcing the binding where neither it nor the system OpenBLAS exists: one line, exit 2.
    const none = hiddenRun('native', [join(pkg, 'prebuilds')]);
    expect(none.status).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/^dmflow: DMFLOW_KERNEL: expected a native binding that loads here/);
  });
});
