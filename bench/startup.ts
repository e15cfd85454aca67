// Start-up of the built command: wall and CPU time of `dmflow --help`,
// `dmflow run` on the embedded default and a one-cell sweep, above a bare
// `node -e 0` (the floor no command can go under); what `run`'s start-up is
// made of, stage by stage (bench/startupProbe.mjs on the modules of dist/src,
// as the bin loaded them before the bundle); and what the bin's `run` spends
// its CPU on (profiles of the shipped bin). Medians of several runs; the
// machine may be shared, so wall times move with its load (CPU times less).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './cliRuns.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const probe = fileURLToPath(new URL('./startupProbe.mjs', import.meta.url));
/** Preloaded into every timed process: prints its CPU time (all threads) when it exits. */
const cpuHook = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu-ms '+((u.user+u.system)/1000)+'\\n')})`;

export interface Timing { wall: number; cpu: number }
export interface StartupFigures {
  node: Timing;
  help: Timing;
  run: Timing;
  sweep: Timing;
  /** [stage, wall s, CPU s], medians over the probe's runs. */
  stages: [string, number, number][];
  repeats: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function once(args: string[]): Timing {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', cpuHook, ...args], { encoding: 'utf8', cwd: root });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  const cpu = Number(/cpu-ms (\S+)/.exec(r.stderr)?.[1]) / 1000;
  return { wall, cpu };
}

export function benchStartup(repeats = 9): StartupFigures {
  // Time what npm ci builds: the bin, fresh from the sources.
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-startup-'));
  const sweepFile = join(dir, 'one.json');
  writeFileSync(sweepFile, JSON.stringify({ base: { target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2, init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 } }, grid: {}, trials: 1 }));
  const commands: Record<'node' | 'help' | 'run' | 'sweep', () => string[]> = {
    node: () => ['-e', '0'],
    help: () => [BIN, '--help'],
    run: () => [BIN, 'run'],
    // A fresh results file each time: a sweep resumes (and skips) the cells a file already has.
    sweep: () => [BIN, 'sweep', sweepFile, '--out', join(mkdtempSync(join(dir, 'out-')), 'cells.jsonl')],
  };
  // Interleaved, so that the load of the moment weighs on every command alike.
  const samples: Record<keyof typeof commands, Timing[]> = { node: [], help: [], run: [], sweep: [] };
  for (let i = 0; i < repeats; i++) for (const k of Object.keys(commands) as (keyof typeof commands)[]) samples[k].push(once(commands[k]()));
  const med = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });

  const probes: [string, number, number][][] = [];
  for (let i = 0; i < repeats; i++) {
    const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', cwd: root });
    if (r.status !== 0) throw new Error(`bench/startupProbe.mjs failed: ${r.stderr}`);
    probes.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as [string, number, number][]);
  }
  const stages = probes[0].map(([name], j): [string, number, number] => [name, median(probes.map((p) => p[j][1])) / 1000, median(probes.map((p) => p[j][2])) / 1000]);
  return { node: med(samples.node), help: med(samples.help), run: med(samples.run), sweep: med(samples.sweep), stages, repeats };
}

export function printStartup(f: StartupFigures): void {
  const ms = (s: number) => `${(s * 1000).toFixed(0).padStart(5)} ms`;
  const above = (t: Timing) => `+${ms(t.wall - f.node.wall).trim().padStart(7)} wall, +${ms(t.cpu - f.node.cpu).trim().padStart(7)} CPU`;
  console.log(`Start-up of the bin (${readFileSync(join(root, 'package.json'), 'utf8').match(/"dmflow":\s*"([^"]+)"/)?.[1]}), medians of ${f.repeats}, above a bare \`node -e 0\`; CPU: all threads of the process`);
  console.log(`  node -e 0:                           ${ms(f.node.wall)} wall, ${ms(f.node.cpu)} CPU`);
  console.log(`  dmflow --help:                       ${above(f.help)}  (target 0.2 s)`);
  console.log(`  dmflow run (embedded default):       ${above(f.run)}  (target 0.3 s; start-up and the integration itself)`);
  console.log(`  dmflow sweep (one 2x2 cell):         ${above(f.sweep)}`);
  console.log(`What \`dmflow run\` spends it on, stage by stage in one process (bench/startupProbe.mjs on dist/src's modules), medians of ${f.repeats}:`);
  let wall = 0, cpu = 0;
  for (const [name, w, c] of f.stages) {
    wall += w; cpu += c;
    console.log(`  ${ms(w)} wall ${ms(c)} CPU  ${name}`);
  }
  console.log(`  ${ms(wall)} wall ${ms(cpu)} CPU  in all (a sum of medians)`);
}

/**
 * What the shipped bin's `dmflow run` spends its time on: CPU profiles
 * (`node --cpu-prof`, 0.1 ms samples) of `repeats` runs, each sample put in the
 * part its stack shows (reading or compiling the bundle, node's own start and
 * module loader, garbage collection, the native binding's dlopen), else by the
 * package or dmflow folder of its function, traced through the bundle's source
 * map. Mean ms per run, largest first; idle samples left out.
 */
export function profileRun(repeats = 5): [string, number][] {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-profile-'));
  for (let i = 0; i < repeats; i++) {
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, BIN, 'run'], { encoding: 'utf8', cwd: root });
    if (r.status !== 0) throw new Error(`profiling dmflow run failed: ${r.stderr}`);
  }
  const maps = new Map<string, SourceMap>();
  const where = (cf: CallFrame): string => {
    if (!cf.url) return cf.functionName === 'dlopen' ? "the native binding's dlopen" : cf.functionName.startsWith('(') ? cf.functionName : cf.functionName === 'rhs' ? 'the generated field (src/model)' : 'native code of V8 and node';
    if (cf.url.startsWith('node:')) return "node's start, module loader and built-ins";
    let source = cf.url;
    if (cf.url.endsWith('/dist/cli/bundle.js')) {
      if (!maps.has(cf.url)) maps.set(cf.url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(cf.url)}.map`, 'utf8'))));
      const e = maps.get(cf.url)!.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string };
      source = e.originalSource ?? "esbuild's module helpers";
    }
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
    if (pkg) return pkg;
    const area = /((?:src\/[^/]+)|theorems)\//.exec(source)?.[1];
    return area ?? source;
  };
  const totals = new Map<string, number>();
  for (const f of readdirSync(dir)) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: { id: number; callFrame: CallFrame; children?: number[] }[]; samples: number[]; timeDeltas: number[] };
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (let i = 0; i < p.samples.length; i++) {
      // The bin's own calls: reading the bundle and its cache, compiling it (vm.Script).
      let part: string | undefined;
      for (let id: number | undefined = p.samples[i]; id !== undefined && part === undefined; id = parent.get(id)) {
        const cf = byId.get(id)!.callFrame;
        const caller = parent.has(id) ? byId.get(parent.get(id)!)!.callFrame.url : '';
        if (!caller.endsWith('/dist/src/cli/bin.js')) continue;
        if (cf.url === 'node:fs' && cf.functionName === 'readFileSync') part = 'reading the bundle and its code cache';
        else if (cf.url === 'node:vm' && cf.functionName === 'Script') part = 'compiling the bundle (from its code cache)';
      }
      part ??= where(byId.get(p.samples[i])!.callFrame);
      if (part === '(idle)') continue;
      totals.set(part, (totals.get(part) ?? 0) + p.timeDeltas[i] / 1000 / repeats);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }

export function printProfile(parts: [string, number][], repeats: number): void {
  const total = parts.reduce((a, [, ms]) => a + ms, 0);
  console.log(`What the bin's \`dmflow run\` spends it on (CPU profiles, 0.1 ms samples, mean of ${repeats} runs; bundle code traced through its source map):`);
  for (const [part, ms] of parts.filter(([, ms]) => ms >= 0.05 * total / 10)) console.log(`  ${ms.toFixed(1).padStart(6)} ms  ${(100 * ms / total).toFixed(0).padStart(3)}%  ${part}`);
  console.log(`  ${total.toFixed(1).padStart(6)} ms        in all (idle samples left out)`);
}
