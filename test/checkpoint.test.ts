// Checkpointed runs (issue 13): kill the bin with SIGKILL mid-run, run the
// same command again, and get byte for byte the output of an uninterrupted run.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function specFile(name: string, method: string, extra: object = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    target: { kind: 'low-rank', size: [30, 30], rank: 3, seed: 1 }, observed: { kind: 'random', count: 300, seed: 2 }, depth: 3,
    init: { kind: 'gaussian', std: 0.1, seed: 3 }, solver: { method, rtol: 1e-7, atol: 1e-10, lossTol: 1e-10, ...extra },
  }));
  return path;
}

interface Record { finished: unknown[]; current: { state: { stepper: { rk?: unknown } } } | null }
function readRecord(path: string): Record | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { data: Record }).data;
  } catch {
    return null; // not written yet
  }
}

/** Start the run, SIGKILL it once the checkpoint shows `when`, and return the record it left. */
function killWhen(args: string[], ckpt: string, when: (r: Record) => boolean): Promise<Record> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    let seen: Record | null = null;
    const poll = setInterval(() => {
      const r = readRecord(ckpt);
      if (r && when(r)) { seen = r; clearInterval(poll); child.kill('SIGKILL'); }
    }, 10);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal !== 'SIGKILL' || !seen) reject(new Error(`the run ended (${code}, ${signal}) before the checkpoint showed the state to kill at`));
      // What is on disk after the kill: the file the run left (a later write may have landed).
      else resolve(readRecord(ckpt) ?? seen);
    });
  });
}

describe('dmflow run --checkpoint', () => {
  const cases: [string, string, (r: Record) => boolean][] = [
    ['dopri5, killed in the first pass', 'dopri5', (r) => r.finished.length === 0 && r.current !== null],
    ['dopri5, killed in the samples pass', 'dopri5', (r) => r.finished.length === 1 && r.current !== null],
    // The rkc phase is short (a few hundred ms): either pass will do.
    ['auto, killed after switching to rkc', 'auto', (r) => r.current?.state.stepper.rk != null],
  ];
  it.each(cases)('%s: the resumed run prints what an uninterrupted one does', async (name, method, when) => {
    const spec = specFile(name.replace(/\W+/g, '-'), method);
    const args = ['run', spec, '--samples', '12', '--save-times', '0.5,2,10'];
    const plain = cli(args);
    expect(plain.status, plain.stderr).toBe(0);
    const ckpt = join(dir, `${method}-${cases.findIndex((c) => c[0] === name)}.ckpt`);
    const left = await killWhen([...args, '--checkpoint', ckpt, '--checkpoint-every', '20ms'], ckpt, when);
    expect(left.finished.length).toBeLessThan(2); // killed mid-run: the resumed run has integrating to do
    const resumed = cli([...args, '--checkpoint', ckpt]);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toBe(plain.stdout);
    // The finished checkpoint serves the result again without integrating.
    const again = cli([...args, '--checkpoint', ckpt]);
    expect(again.stdout).toBe(plain.stdout);
    expect(readRecord(ckpt)!.finished).toHaveLength(2);
  }, 120_000);

  // The issue-20 floor problem at 40x40: Dormand–Prince ends it on the plateau watch's
  // evidence (integration-floor), auto converges after switching to rkc. A resumed piece
  // that lost any of the stop rules' memory (log-t records, dissipation, stiffness
  // history, auto's phase) would decide a later step differently from the whole run.
  // Samples (a second pass, replayed up to where each piece stopped) only in the first case: they multiply the pieces' cost.
  it.each([['dopri5', 'integration-floor', ['--samples', '6']], ['auto', 'converged', []]])('%s cut by --max-time: the same command goes on from the checkpoint and ends as the uninterrupted run (%s)', (method, status, more) => {
    const spec = join(dir, `budget-${method}.json`);
    writeFileSync(spec, JSON.stringify({
      target: { kind: 'low-rank', size: [40, 40], rank: 3, seed: 1 }, observed: { kind: 'random', count: 300, seed: 2 }, depth: 3,
      init: { kind: 'gaussian', std: 0.3, seed: 1 }, solver: { method, rtol: 1e-8, lossTol: 1e-15 },
    }));
    const args = ['run', spec, '--save-times', '0.5,2', ...more];
    // The TypeScript kernel, so that the run is long enough to cut (with the native kernel
    // the whole 40x40 run can finish inside one 150 ms budget).
    const slow = { env: { ...process.env, DMFLOW_KERNEL: 'js' } };
    const t0 = Date.now();
    cli(['--version']);
    const startMs = Date.now() - t0;
    const t1 = Date.now();
    const plain = cli(args, slow);
    // A budget of about a sixth of the integration's own time on this machine: several cuts, whatever its speed.
    const budget = `${Math.max(20, Math.round((Date.now() - t1 - startMs) / 6))}ms`;
    // docs/exit-codes.md: integration-floor exits 1, converged and time-limit 0.
    const exitOf = (st: string) => (st === 'converged' || st === 'time-limit' ? 0 : 1);
    expect(plain.status, plain.stderr).toBe(exitOf(status));
    expect(JSON.parse(plain.stdout).status).toBe(status);
    const ckpt = join(dir, `budget-${method}.ckpt`);
    const pieces: { status: string; t: number; message: string }[] = [];
    let last = '';
    for (let k = 0; k < 400; k++) {
      const r = cli([...args, '--checkpoint', ckpt, '--max-time', budget], slow);
      last = r.stdout;
      const out = JSON.parse(r.stdout) as { status: string; t: number; message: string };
      expect(r.status, r.stderr).toBe(exitOf(out.status));
      if (out.status !== 'time-limit') break;
      pieces.push(out);
    }
    // The clock cut the run at least once, each piece got further, and each said where the rest is.
    expect(pieces.length).toBeGreaterThan(0);
    for (let k = 1; k < pieces.length; k++) expect(pieces[k].t).toBeGreaterThan(pieces[k - 1].t);
    expect(pieces[0].message).toContain(`saved in the checkpoint ${ckpt}: the same command goes on from there`);
    expect(last).toBe(plain.stdout);
    expect(readRecord(ckpt)!.finished).toHaveLength(more.length > 0 ? 2 : 1);
    // Finished: the checkpoint serves the result, whatever the budget.
    expect(cli([...args, '--checkpoint', ckpt, '--max-time', budget], slow).stdout).toBe(plain.stdout);
  }, 600_000);

  it('refuses a checkpoint of another spec or other options, and a file that is not a checkpoint', () => {
    const a = specFile('refuse-a', 'dopri5', { lossTol: 1e-6 });
    const b = specFile('refuse-b', 'dopri5', { lossTol: 1e-5 });
    const ckpt = join(dir, 'refuse.ckpt');
    expect(cli(['run', a, '--checkpoint', ckpt]).status).toBe(0);
    const before = readFileSync(ckpt);
    for (const args of [['run', b, '--checkpoint', ckpt], ['run', a, '--samples', '3', '--checkpoint', ckpt]]) {
      const r = cli(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^dmflow: --checkpoint: expected a checkpoint of this spec and these options \(\w+\), got one of a different run/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(readFileSync(ckpt).equals(before)).toBe(true);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'my notes\n');
    const r = cli(['run', a, '--checkpoint', notes]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dmflow: --checkpoint: expected a dmflow checkpoint or no file, got another file/);
    expect(readFileSync(notes, 'utf8')).toBe('my notes\n');
  });

  it('refuses methods without a stepper state, and bad durations', () => {
    const gd = specFile('gd', 'gd', { lr: 0.01 });
    const r = cli(['run', gd, '--checkpoint', join(dir, 'gd.ckpt')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dmflow: --checkpoint: expected solver.method dopri5, rkc or auto/);
    expect(existsSync(join(dir, 'gd.ckpt'))).toBe(false);
    const nowhere = cli(['run', '--checkpoint', join(dir, 'no', 'such', 'dir.ckpt')]);
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toMatch(/^dmflow: --checkpoint: expected a writable path, got ENOENT/);
    const d = cli(['run', '--checkpoint', join(dir, 'x.ckpt'), '--checkpoint-every', 'soon']);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/^dmflow: --checkpoint-every: expected a duration such as 30s/);
  });
});
