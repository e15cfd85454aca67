// Measured from the tarball, as a user on a machine without OpenBLAS gets it
// (issue 19): `npm pack` (prepack builds the static prebuild), install the
// tarball with --ignore-scripts into an empty project, then run everything of
// dmflow's inside a private mount namespace with a tmpfs over Debian's
// openblas-pthread directory (needs root and unshare; otherwise said and not
// hidden). Per kernel (DMFLOW_KERNEL): GFLOP/s of C = A B at n = 50/100/200,
// and the 50x50 and 100x100 instances of bench/workloads.ts end to end through
// the installed CLI (start-up included), default method, against scipy RK45
// (bench/scipy_flow.py, integration time only, run outside the namespace since
// numpy needs the system OpenBLAS). Prints figures; asserts nothing.
// Usage: npx tsx bench/tarball.ts [--js-100] [--skip-100] [--skip-gemm] [--method auto|dopri5|...]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProblem } from '../src/index.js';
import { instanceOf, largeSpecs, scipyRun } from './workloads.js';

const args = process.argv.slice(2);
const methodAt = args.indexOf('--method');
const method = methodAt >= 0 ? args[methodAt + 1] : undefined;
const repo = fileURLToPath(new URL('..', import.meta.url));
const kernels = ['native', 'wasm', 'js'] as const;
const HIDE = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const sh = (cmd: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
};

const work = mkdtempSync(join(tmpdir(), 'dmflow-tarball-'));
const packed = sh('npm', ['pack', '--pack-destination', work], { cwd: repo }).trim().split('\n').pop()!;
const tgz = resolve(work, packed);
console.log(`tarball ${packed}: ${(statSync(tgz).size / 1e6).toFixed(2)} MB`);
const project = join(work, 'project');
sh('mkdir', ['-p', project]);
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
sh('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tgz], { cwd: project });

const canHide = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
console.log(canHide ? `system OpenBLAS hidden: tmpfs over ${HIDE} in a private mount namespace` : 'NOT hidden (needs root and unshare): figures are with the system OpenBLAS present');
/** Runs argv in the project, inside the namespace without OpenBLAS when possible; wall seconds and stdout. */
function hidden(argv: string[], env: NodeJS.ProcessEnv): { wall: number; stdout: string } {
  const start = performance.now();
  const stdout = canHide
    ? sh('unshare', ['-m', 'bash', '-c', `mount -t tmpfs none ${HIDE} && exec "$@"`, 'bash', ...argv], { cwd: project, env })
    : sh(argv[0], argv.slice(1), { cwd: project, env });
  return { wall: (performance.now() - start) / 1000, stdout };
}

writeFileSync(join(project, 'gemm.mts'), [
  "import * as lib from 'dmflow';",
  `import { gemmRate } from ${JSON.stringify(join(repo, 'bench', 'gemmRate.ts'))};`,
  "const k = process.argv[2] as 'native' | 'wasm' | 'js';",
  'console.log(JSON.stringify([50, 100, 200].map((n) => gemmRate(lib, k, n))));',
].join('\n'));
const tsx = join(project, 'node_modules', '.bin', 'tsx');
const bin = join(project, 'node_modules', '.bin', 'dmflow');

if (!args.includes('--skip-gemm')) console.log('\nC = A B, doubles, one thread, GFLOP/s (wasm includes copying A, B in and C out)\n| kernel | n = 50 | n = 100 | n = 200 |\n|---|---|---|---|');
for (const k of args.includes('--skip-gemm') ? [] : kernels) {
  const rates = JSON.parse(hidden([tsx, 'gemm.mts', k], process.env).stdout) as number[];
  console.log(`| ${k} | ${rates.map((r) => r.toFixed(1)).join(' | ')} |`);
}

const rows: string[] = [];
for (const [name, spec] of Object.entries(largeSpecs)) {
  if (args.includes('--skip-100') && name.startsWith('100')) continue;
  const file = join(project, `${name.replace(/\W+/g, '_')}.json`);
  writeFileSync(file, JSON.stringify(method ? { ...spec, solver: { ...spec.solver, method } } : spec));
  const ref = scipyRun([instanceOf(buildProblem(spec))])?.[0];
  for (const k of kernels) {
    if (k === 'js' && name.startsWith('100') && !args.includes('--js-100')) { rows.push(`| ${name} | js | skipped (about 7 min here; --js-100) | | | |`); continue; }
    const { wall, stdout } = hidden([bin, 'run', file], { ...process.env, DMFLOW_KERNEL: k });
    const r = JSON.parse(stdout) as { kernel: string; status: string; nfev: number; effectiveRank: number };
    rows.push(`| ${name} | ${r.kernel} | ${wall.toFixed(1)} s | ${r.status}, nfev ${r.nfev}, erank ${r.effectiveRank.toPrecision(4)} | ${ref ? `${ref.wall.toFixed(1)} s, nfev ${ref.nfev}, erank ${ref.effectiveRank.toPrecision(4)}` : 'no scipy'} | ${ref ? `${(ref.wall / wall).toFixed(2)}x` : ''} |`);
    console.error(rows[rows.length - 1]);
  }
}
console.log(`\nEnd to end through the installed CLI (start-up included), ${method ? `method ${method}` : 'default method'}; scipy RK45 integration time only`);
console.log('| problem | kernel | dmflow wall | dmflow result | scipy RK45 | scipy / dmflow |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
