// The artifact: pack dmflow as npm would publish it, install the tarball into a
// fresh project with npm alone (from npm's cache: no registry needed), and use
// it as a stranger would: plain node, a strict tsc under both module
// resolutions a consumer may use, and the installed bin. The install runs no
// script of dmflow's (npm 11 warns about install scripts not covered by
// allowScripts); where the static OpenBLAS exists the prebuilt binding is
// packed as prepack would, and the installed bin must then run on it.

import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'dmflow-pack-'));
const project = join(work, 'consumer');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
const canPrebuild = process.platform === 'linux' && process.arch === 'x64' && !!glibc &&
  existsSync('/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.a');
let installOutput = '';

function sh(cmd: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
  return r;
}
function must(r: ReturnType<typeof sh>, what: string) {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

beforeAll(() => {
  // The prebuilt binding, as prepack builds it (written by rename: a concurrent pack never sees half of it).
  if (canPrebuild) must(sh(process.execPath, [join(repo, 'native', 'prebuild.mjs')]), 'native/prebuild.mjs');
  // dist/ is already built by the globalSetup; --ignore-scripts so that pack's
  // prepare does not rebuild it under the other test files' feet.
  const packed = must(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repo }), 'npm pack');
  const tarball = join(work, JSON.parse(packed.stdout)[0].filename as string);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const installed = must(sh('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project }), 'npm install of the tarball');
  installOutput = installed.stdout + installed.stderr;
}, 300_000);

// The installed project holds a full node_modules: do not leave one per test run.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package, installed with npm into a fresh project', () => {
  it('ships dist, README, LICENSE and the native sources; not the TypeScript sources, tests or notebooks', () => {
    const pkg = join(project, 'node_modules', 'dmflow');
    for (const f of ['README.md', 'LICENSE', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/bin.js', 'dist/cli/bundle.js', 'dist/cli/bundle.v8cache', 'dist/theorems/index.js', 'native/binding.gyp', 'native/build.mjs', 'native/dmflow_native.c']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    for (const f of ['src', 'test', 'notebooks', 'bench', 'tsconfig.json']) expect(existsSync(join(pkg, f)), f).toBe(false);
    // tsx is for development only: the installed package runs without it.
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
  });

  it('installs without running or announcing an install script (npm 11 allowScripts)', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'dmflow', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(manifest.scripts?.[hook], hook).toBeUndefined();
    expect(installOutput).not.toMatch(/allowScripts|install-scripts|install script/i);
    expect(installOutput).toMatch(/added \d+ packages?/);
  });

  it('plain node imports dmflow, runs a spec, evaluates a theorem, and runs sweep cells on a worker thread (the library\'s and the bin\'s)', () => {
    writeFileSync(join(project, 'use.mjs'), `
import { run, theoremLimit, runSweep, parseSweep, readResults, nativeBlas } from 'dmflow';
const spec = { target: { kind: 'ones', size: [3, 3] }, observed: { kind: 'block-diagonal', blocks: [1, 1, 1] }, depth: 3,
  init: { kind: 'identity-plus-ones', a: 0.3, b: 0.15 }, solver: { rtol: 1e-11, atol: 1e-13, lossTol: 1e-20 } };
const r = run(spec);
const limit = theoremLimit(spec);
let diff = 0;
r.matrix.forEach((row, i) => row.forEach((x, j) => { diff = Math.max(diff, Math.abs(x - limit.matrix[i][j])); }));
// Enough cells that this thread is still busy when the worker is up (as in test/sweep.test.ts).
const sweep = parseSweep({
  base: { target: { kind: 'low-rank', size: [5, 5], rank: 1, seed: 0 }, observed: { kind: 'random', count: 12, seed: 0 }, depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 0 }, solver: { rtol: 1e-10, atol: 1e-13, lossTol: 1e-16 } },
  grid: { depth: [3, 4] }, trials: 30,
});
const worker = new URL('./node_modules/dmflow/dist/src/experiments/sweepWorker.js', import.meta.url);
const s = await runSweep(sweep, { out: 'cells.jsonl', workers: 2, workersAfterSeconds: 0, workerScript: worker });
// The bin's workers (dmflow sweep and conjecture): the bin itself on a worker thread, running the bundle.
const bin = new URL('./node_modules/dmflow/dist/src/cli/bin.js', import.meta.url);
const b = await runSweep(sweep, { out: 'bin-cells.jsonl', workers: 2, workersAfterSeconds: 0, workerScript: bin });
const key = (x) => JSON.stringify(x.cell);
const same = JSON.stringify(readResults('bin-cells.jsonl').sort((x, y) => key(x) < key(y) ? -1 : 1)) === JSON.stringify(readResults('cells.jsonl').sort((x, y) => key(x) < key(y) ? -1 : 1));
console.log(JSON.stringify({ status: r.status, diff, ran: s.ran, onWorkers: s.onWorkers, rows: readResults('cells.jsonl').length, binOnWorkers: b.onWorkers, binSame: same, native: nativeBlas !== null }));
`);
    const r = must(sh(process.execPath, ['use.mjs'], { cwd: project }), 'node use.mjs');
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('converged');
    expect(out.diff).toBeLessThan(1e-8);
    expect(out.ran).toBe(60);
    expect(out.rows).toBe(60);
    expect(out.onWorkers).toBeGreaterThan(0);
    expect(out.binOnWorkers).toBeGreaterThan(0);
    expect(out.binSame).toBe(true);
    // The binding comes from the prebuild inside the tarball (CI has the static OpenBLAS to make it).
    if (process.env.DMFLOW_REQUIRE_NATIVE === '1') expect(out.native).toBe(true);
  });

  it('a strict tsc type-checks a consumer under moduleResolution node16 and bundler', () => {
    writeFileSync(join(project, 'consumer.ts'), `
import { run, solveIvp, theoremLimit, type RunResult, type SolveResult } from 'dmflow';

const result: RunResult = run({ target: [[1, 2], [2, 4]], observed: [[1, 1], [1, 0]], depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 1 } });
const loss: number = result.loss;
const decay: SolveResult = solveIvp((_t, y, dy) => { dy[0] = -y[0]; }, [0, 1], [1], { rtol: 1e-10 });
const y1: number = decay.y[0];
const limit = theoremLimit({ target: { kind: 'ones', size: [2, 2] }, observed: { kind: 'block-diagonal', blocks: [1, 1] }, depth: 2, init: { kind: 'identity-plus-ones', a: 0.5, b: 0.1 } });
// The types are real, not any: a wrong use must be an error.
// @ts-expect-error loss is a number
const wrong: string = result.loss;
export { loss, y1, limit, wrong };
`);
    const configs = {
      node16: { module: 'node16', moduleResolution: 'node16' },
      bundler: { module: 'esnext', moduleResolution: 'bundler' },
    };
    for (const [name, options] of Object.entries(configs)) {
      writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify({
        compilerOptions: { ...options, target: 'es2022', strict: true, noEmit: true, types: [] },
        files: ['consumer.ts'],
      }));
      const r = sh(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: project });
      expect(r.stdout + r.stderr, name).toBe('');
      expect(r.status, name).toBe(0);
    }
  });

  it('a misspelled spec key fails tsc under both resolutions, naming it; the bin says what was meant', () => {
    const typo = { target: [[1, 2], [2, 4]], observed: [[1, 1], [1, 0]], depht: 3, init: { kind: 'gaussian', std: 0.1, seed: 1 } };
    writeFileSync(join(project, 'typo.ts'), `
import { run, runSweep, type SweepFile } from 'dmflow';
export const r = run(${JSON.stringify(typo)});
export const sweep: SweepFile = { base: { depth: 2, init: { kind: 'gaussian', sdt: 0.1 } }, trials: 2 };
export const s = runSweep({ base: {}, trails: 3 }, { out: 'x.jsonl' });
`);
    for (const [name, options] of Object.entries({ node16: { module: 'node16', moduleResolution: 'node16' }, bundler: { module: 'esnext', moduleResolution: 'bundler' } })) {
      writeFileSync(join(project, `tsconfig.typo.${name}.json`), JSON.stringify({
        compilerOptions: { ...options, target: 'es2022', strict: true, noEmit: true, types: [] },
        files: ['typo.ts'],
      }));
      const r = sh(process.execPath, [tsc, '-p', `tsconfig.typo.${name}.json`], { cwd: project });
      expect(r.status, name).not.toBe(0);
      const errors = (r.stdout + r.stderr).split('\n').filter((l) => /error TS\d+/.test(l));
      // One error per misspelling, each naming the key: nothing else is wrong in the file.
      expect(errors, `${name}:\n${r.stdout}`).toHaveLength(3);
      expect(errors[0]).toMatch(/typo\.ts\(3,.*'"?depht"?' does not exist/);
      expect(errors[1]).toMatch(/typo\.ts\(4,.*'sdt' does not exist/);
      expect(errors[2]).toMatch(/typo\.ts\(5,.*'trails' does not exist/);
    }
    writeFileSync(join(project, 'typo.json'), JSON.stringify(typo));
    const bad = sh(join(project, 'node_modules', '.bin', 'dmflow'), ['run', 'typo.json'], { cwd: project });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('dmflow: spec: unknown key "depht" (did you mean "depth"?)\n');
  });

  it('the installed dmflow bin runs', () => {
    const bin = join(project, 'node_modules', '.bin', 'dmflow');
    const help = sh(bin, ['--help'], { cwd: project });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: dmflow/);
    const r = sh(bin, ['run'], { cwd: project });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('converged');
    expect(out.singularValues[0]).toBeCloseTo(3.871634836, 7);
    const bad = sh(bin, ['run', 'missing.json'], { cwd: project });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^dmflow: spec: expected a readable file, got ENOENT/);
    expect(readdirSync(project)).not.toContain('missing.json');
  });
  it('ships the explorer (dist/web) and the browser bundle, which a browser bundler picks by the "browser" condition', async () => {
    const pkg = join(project, 'node_modules', 'dmflow');
    for (const f of ['dist/web/index.html', 'dist/web/app.js', 'dist/web/worker.js', 'dist/web/app.css', 'dist/browser/dmflow.js']) expect(existsSync(join(pkg, f)), f).toBe(true);
    writeFileSync(join(project, 'page.mjs'), "import { run, DEFAULT_SPEC } from 'dmflow';\nconsole.log(run(DEFAULT_SPEC).status);\n");
    const esbuild = await import('esbuild');
    const r = await esbuild.build({ entryPoints: [join(project, 'page.mjs')], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent', absWorkingDir: project });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs).toContain('node_modules/dmflow/dist/browser/dmflow.js');
    expect(inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
  });

  it('npx dmflow explore serves the page and its bundle over HTTP, then stops on Ctrl-C', async () => {
    // Its own process group, as a terminal's foreground job: Ctrl-C signals npx and dmflow alike (npx forwards no signal).
    const child = spawn('npx', ['--no-install', 'dmflow', 'explore', '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
      child.stdout!.on('data', (d) => { out += d; const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out); if (m) { clearTimeout(timer); resolve(m[0]); } });
    });
    const html = await (await fetch(url)).text();
    expect(html).toContain('<pre id="result">');
    const app = await fetch(new URL('app.js', url));
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(new URL('worker.js', url))).status).toBe(200);
    process.kill(-child.pid!, 'SIGINT');
    // dmflow exits 0 on SIGINT (test/cli.test.ts); npm then ends as a process interrupted by it.
    const end = await exited;
    expect(end.code === 0 || end.code === 130 || end.signal === 'SIGINT', JSON.stringify(end)).toBe(true);
    // The server is gone with it, not left behind.
    await expect(fetch(url)).rejects.toThrow();
  });

  it('dmflow run uses the prebuilt native kernel where the tarball carries one for this platform, else wasm', () => {
    writeFileSync(join(project, 'kernel.json'), JSON.stringify({
      target: { kind: 'low-rank', size: [12, 10], rank: 2, seed: 1 }, observed: { kind: 'random', count: 70, seed: 2 },
      depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 3 }, solver: { lossTol: 1e-8 },
    }));
    const prebuilt = existsSync(join(project, 'node_modules', 'dmflow', 'prebuilds', `${process.platform}-${process.arch}`));
    if (process.env.DMFLOW_REQUIRE_NATIVE === '1') expect(prebuilt, 'the tarball carries no prebuilt binding').toBe(true);
    const env = { ...process.env };
    delete env.DMFLOW_KERNEL;
    const r = sh(join(project, 'node_modules', '.bin', 'dmflow'), ['run', 'kernel.json'], { cwd: project, env });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { kernel: string; status: string };
    expect(out.status).toBe('converged');
    expect(out.kernel).toBe(prebuilt ? 'native' : 'wasm');
  });

  it('the installed bin runs the commands that load packages at run time, from any directory', () => {
    const bin = join(project, 'node_modules', '.bin', 'dmflow');
    const elsewhere = mkdtempSync(join(work, 'elsewhere-'));
    // ode: mathjs, required by the bundle; plot: vega, vega-lite and resvg, imported by the bin.
    writeFileSync(join(elsewhere, 'ode.json'), JSON.stringify({ target: [[1, 2], [3, 4]], observed: { kind: 'all' }, depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 1 } }));
    const ode = sh(bin, ['ode', 'ode.json'], { cwd: elsewhere });
    expect(ode.status, ode.stderr).toBe(0);
    expect(ode.stdout).toMatch(/# Gradient flow/);
    writeFileSync(join(elsewhere, 'tiny.jsonl'), [0, 1].map((trial) => JSON.stringify({ cell: { depth: 2, trial }, result: { effectiveRank: 1 + trial } })).join('\n') + '\n');
    for (const out of ['tiny.svg', 'tiny.png']) {
      const plot = sh(bin, ['plot', 'sweep', 'tiny.jsonl', '--x', 'depth', '--y', 'effectiveRank', '--out', out], { cwd: elsewhere });
      expect(plot.status, plot.stderr).toBe(0);
      expect(plot.stderr).not.toMatch(/Warning/);
      expect(existsSync(join(elsewhere, out)), out).toBe(true);
    }
  });
});
