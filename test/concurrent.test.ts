// Two dmflow processes on one results file, shards from a scheduler's
// environment, and merging shard files: real processes through the bin.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonical, expandCells, parseSweep, readResults, runSweep, shardFromEnv } from '../src/index.js';
import { lockFile } from '../src/experiments/fileLock.js';
import { BIN, cli } from './helpers/cli.js';
import { expectedSweepLine, lastLine } from './helpers/sweepLine.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-concurrent-'));
const base = {
  target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2,
  init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 },
};
// Slow enough (several seconds) that a second process starts while the first computes.
const slow = { base: { ...base, solver: { rtol: 1e-12, atol: 1e-14, lossTol: 1e-20 } }, grid: { depth: [3, 4, 5], 'init.productScale': [1e-2, 1e-3] }, trials: 12 };
const slowFile = join(dir, 'slow.json');
writeFileSync(slowFile, JSON.stringify(slow));
// Long enough (about 10 s) that it is still running when the second process has started.
const long = { ...slow, trials: 100 };
const longFile = join(dir, 'long.json');
writeFileSync(longFile, JSON.stringify(long));

const allCells = expandCells(parseSweep(slow)).length;
const resultLines = (out: string) => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').slice(1).filter((l) => l.endsWith('}')).length : 0);
const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.on('exit', (code) => r(code)));
const collect = (c: ChildProcess) => { let s = ''; c.stderr?.on('data', (d) => { s += d; }); return () => s; };
const sweepProcess = (out: string, file = slowFile) => spawn(process.execPath, [BIN, 'sweep', file, '--out', out, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** A pid that is certainly not running: a process that has exited. */
function deadPid(): number {
  const p = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(p.stdout);
}

/**
 * Processes on one file: each either refused (exit 2, naming the lock) or
 * computed, and together those that computed ran every cell exactly once.
 * (On a loaded machine a process may start after another has finished; it
 * then finds every cell done, which is also right.)
 */
function expectTakeTurns(codes: (number | null)[], stderr: string[]) {
  console.log(`concurrent sweeps: exit codes ${codes.join(', ')}`);
  let ran = 0;
  codes.forEach((code, i) => {
    if (code === 2) expect(stderr[i]).toMatch(/^dmflow: --out: expected no other dmflow writing .*, got process \d+ on /);
    else {
      expect(code, stderr[i]).toBe(0);
      ran += Number(/; (\d+) run now, \d+ already in /.exec(stderr[i])![1]);
    }
  });
  expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(1);
  expect(ran).toBe(allCells);
}

function expectEveryCellOnce(out: string, sweep: unknown = slow) {
  const keys = readResults(out).map((l) => canonical(l.cell)).sort();
  expect(keys).toEqual(expandCells(parseSweep(sweep)).map((c) => c.key).sort());
}

describe('one results file, several processes: a lock', () => {
  it('a second sweep on a locked file refuses naming the holder; after a kill, the stale lock is taken over', async () => {
    const out = join(dir, 'locked.jsonl');
    const a = sweepProcess(out, longFile);
    await waitFor(() => resultLines(out) >= 3);
    expect(JSON.parse(readFileSync(`${out}.lock`, 'utf8'))).toMatchObject({ pid: a.pid, host: hostname() });
    const b = cli(['sweep', longFile, '--out', out, '--workers', '1']);
    expect(b.stderr.trim()).toBe(`dmflow: --out: expected no other dmflow writing ${out}, got process ${a.pid} on ${hostname()} (since ${JSON.parse(readFileSync(`${out}.lock`, 'utf8')).started}); wait for it to finish, or delete ${out}.lock if that process is gone`);
    expect(b.status).toBe(2);
    a.kill('SIGKILL');
    await exited(a);
    expect(existsSync(`${out}.lock`)).toBe(true); // a killed process cannot clean up
    const before = resultLines(out);
    expect(before).toBeLessThan(600);
    const c = cli(['sweep', longFile, '--out', out, '--workers', '1']);
    expect(c.status).toBe(0);
    expect(c.stderr).toContain(`took over the lock of process ${a.pid}, which is gone`);
    expect(lastLine(c.stderr)).toBe(expectedSweepLine(out, 600 - before, before));
    expectEveryCellOnce(out, long);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('two sweeps started together: one computes, the other refuses; no cell twice or lost', async () => {
    const out = join(dir, 'race.jsonl');
    const procs = [sweepProcess(out), sweepProcess(out)];
    const errs = procs.map(collect);
    const codes = await Promise.all(procs.map(exited));
    expectTakeTurns(codes, errs.map((e) => e()));
    expectEveryCellOnce(out);
  });

  it('a stale lock found by two sweeps at once is taken over by one of them only', async () => {
    const out = join(dir, 'stale.jsonl');
    const pid = deadPid();
    writeFileSync(`${out}.lock`, JSON.stringify({ pid, host: hostname(), started: new Date().toISOString() }));
    const procs = [sweepProcess(out), sweepProcess(out), sweepProcess(out)];
    const errs = procs.map(collect);
    const codes = await Promise.all(procs.map(exited));
    expectTakeTurns(codes, errs.map((e) => e()));
    expect(errs.filter((e) => e().includes(`took over the lock of process ${pid}, which is gone`))).toHaveLength(1);
    expectEveryCellOnce(out);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('a lock held by a live process on this host, or by any process on another host, is not stale', () => {
    const target = join(dir, 'held.jsonl');
    const lock = lockFile(target);
    expect(() => lockFile(target)).toThrow(/got process \d+ on /);
    lock.release();
    expect(existsSync(`${target}.lock`)).toBe(false);
    writeFileSync(`${target}.lock`, JSON.stringify({ pid: deadPid(), host: 'elsewhere', started: 'x' }));
    expect(() => lockFile(target)).toThrow(/on elsewhere/);
  });
});

describe('--shard auto', () => {
  const slurm = (id: number, min: number, max: number, count: number, step?: number) => ({
    SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max), SLURM_ARRAY_TASK_COUNT: String(count),
    ...(step !== undefined ? { SLURM_ARRAY_TASK_STEP: String(step) } : {}),
  });

  it('reads a Slurm array or a Kubernetes Indexed Job', () => {
    expect(shardFromEnv(slurm(0, 0, 3, 4))).toEqual({ index: 0, count: 4 });
    expect(shardFromEnv(slurm(7, 5, 8, 4, 1))).toEqual({ index: 2, count: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', DMFLOW_SHARD_COUNT: '3' })).toEqual({ index: 2, count: 3 });
    expect(() => shardFromEnv(slurm(2, 0, 10, 6, 2))).toThrow(/expected a Slurm array of contiguous ids .*got ids 0-10 step 2 for 6 tasks/);
    expect(() => shardFromEnv({ ...slurm(3, 1, 7, 3) })).toThrow(/contiguous/); // --array=1,3,7
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '3', DMFLOW_SHARD_COUNT: '3' })).toThrow(/expected JOB_COMPLETION_INDEX < DMFLOW_SHARD_COUNT, got 3 of 3/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' })).toThrow(/DMFLOW_SHARD_COUNT/);
  });

  it('on the CLI: shards from the environment cover the sweep; no variables is exit 2 naming them', async () => {
    const sweepFile = join(dir, 'auto.json');
    const sweep = { base, grid: { depth: [2, 3] }, trials: 3 };
    writeFileSync(sweepFile, JSON.stringify(sweep));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_') && k !== 'JOB_COMPLETION_INDEX' && k !== 'DMFLOW_SHARD_COUNT'));
    const none = cli(['sweep', sweepFile, '--out', join(dir, 'none.jsonl'), '--shard', 'auto'], { env: clean });
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toBe('dmflow: --shard auto: expected a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with DMFLOW_SHARD_COUNT), got none of these variables');
    const stepped = cli(['sweep', sweepFile, '--out', join(dir, 'none.jsonl'), '--shard', 'auto'], { env: { ...clean, ...slurm(2, 0, 4, 3, 2) } });
    expect(stepped.status).toBe(2);
    expect(existsSync(join(dir, 'none.jsonl'))).toBe(false);
    const outs = [10, 11].map((id) => join(dir, `auto${id}.jsonl`));
    outs.forEach((out, i) => expect(cli(['sweep', sweepFile, '--out', out, '--shard', 'auto'], { env: { ...clean, ...slurm(10 + i, 10, 11, 2) } }).status).toBe(0));
    const k8s = join(dir, 'k8s.jsonl');
    expect(cli(['sweep', sweepFile, '--out', k8s, '--shard', 'auto'], { env: { ...clean, JOB_COMPLETION_INDEX: '1', DMFLOW_SHARD_COUNT: '2' } }).status).toBe(0);
    const cells = expandCells(parseSweep(sweep));
    expect(readResults(outs[0]).map((l) => canonical(l.cell))).toEqual(cells.filter((_, i) => i % 2 === 0).map((c) => c.key));
    expect(readResults(outs[1]).map((l) => canonical(l.cell))).toEqual(cells.filter((_, i) => i % 2 === 1).map((c) => c.key));
    expect(readFileSync(k8s, 'utf8')).toBe(readFileSync(outs[1], 'utf8'));
  });
});

describe('dmflow merge', () => {
  const sweep = { base, grid: { depth: [2, 3, 4], 'init.productScale': [0.1, 0.01] }, trials: 4 };
  const sweepFile = join(dir, 'merge.json');
  writeFileSync(sweepFile, JSON.stringify(sweep));

  it('one line per cell in cell order, equal to a single-process run; identical duplicates dropped', async () => {
    const parsed = parseSweep(sweep);
    const shards = [0, 1, 2].map((i) => join(dir, `m-shard${i}.jsonl`));
    for (let i = 0; i < 3; i++) await runSweep(parsed, { out: shards[i], workers: 1, shard: { index: i, count: 3 } });
    const whole = join(dir, 'm-whole.jsonl');
    await runSweep(parsed, { out: whole, workers: 1 });
    // shard 1 also holds shard 0's cells (a resubmitted task that ran with the wrong index): identical duplicates.
    await runSweep(parsed, { out: shards[1], workers: 1, shard: { index: 0, count: 3 } });
    const out = join(dir, 'm-all.jsonl');
    const inputsBefore = [sweepFile, ...shards].map((f) => readFileSync(f));
    const r = cli(['merge', '--sweep', sweepFile, '--out', out, ...shards]);
    // merge reads its inputs and writes only --out.
    [sweepFile, ...shards].forEach((f, i) => expect(readFileSync(f).equals(inputsBefore[i]), f).toBe(true));
    expect(r.stderr).toBe(`dmflow merge: 24 of 24 cells written to ${out} (8 identical duplicates dropped)\n`);
    expect(r.status).toBe(0);
    // A single-process run writes cells in cell order too: the files are equal byte for byte.
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(whole, 'utf8'));
    // A merged file is a results file of the sweep: summarize and resume take it.
    expect(cli(['sweep', sweepFile, '--out', out]).stderr).toBe(`${expectedSweepLine(out, 0, 24)}\n`);
    // Merging again over the earlier merge is allowed (it is ours, of this sweep).
    expect(cli(['merge', '--sweep', sweepFile, '--out', out, ...shards]).status).toBe(0);
  });

  it('missing cells: exit 1 with how many; conflicting duplicates and foreign files: exit 2, nothing written', async () => {
    const parsed = parseSweep(sweep);
    const part = join(dir, 'm-part.jsonl');
    await runSweep(parsed, { out: part, workers: 1, shard: { index: 0, count: 4 } });
    const out = join(dir, 'm-partial.jsonl');
    const r = cli(['merge', '--sweep', sweepFile, '--out', out, part]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^dmflow merge: 6 of 24 cells written to .*\ndmflow merge: 18 cells missing, e\.g\. \{"depth":2,"init.productScale":0.1,"trial":1\}/);
    expect(readResults(out)).toHaveLength(6);
    // A conflicting duplicate: the same cell with another result.
    const lines = readFileSync(part, 'utf8').split('\n');
    const changed = JSON.parse(lines[1]);
    changed.result.loss *= 2;
    const conflict = join(dir, 'm-conflict.jsonl');
    writeFileSync(conflict, [lines[0], JSON.stringify(changed), ''].join('\n'));
    const out2 = join(dir, 'm-never.jsonl');
    const before = [part, conflict].map((f) => readFileSync(f));
    const c = cli(['merge', '--sweep', sweepFile, '--out', out2, part, conflict]);
    [part, conflict].forEach((f, i) => expect(readFileSync(f).equals(before[i]), f).toBe(true));
    expect(c.status).toBe(2);
    expect(c.stderr.trim()).toMatch(/m-conflict\.jsonl:2: expected the same result for cell \{"depth":2,"init\.productScale":0\.1,"trial":0\} as .*m-part\.jsonl:2, got a different one; one of the two files is wrong, so nothing was written$/);
    expect(existsSync(out2)).toBe(false);
    const notes = join(dir, 'm-notes.txt');
    writeFileSync(notes, 'notes');
    const f = cli(['merge', '--sweep', sweepFile, '--out', out2, part, notes]);
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(/m-notes\.txt: expected a dmflow results file of this sweep .*got a file without the results header/);
    // An existing --out that is not ours is refused and kept.
    const g = cli(['merge', '--sweep', sweepFile, '--out', notes, part]);
    expect(g.status).toBe(2);
    expect(readFileSync(notes, 'utf8')).toBe('notes');
    expect(existsSync(out2)).toBe(false);
  });
});
