// A command that has printed its answer exits: conjecture searches and sweeps
// terminate their worker threads and close their ports on every path (an
// answer on this thread before any worker started, an answer while workers
// hold runs, a search that holds, an error), and the library calls leave no
// active handle behind.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConjecture, InputError, parseSweep, runSweep } from '../src/index.js';
import { BIN } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-exits-'));
const WORKER = new URL('../dist/src/experiments/sweepWorker.js', import.meta.url);

// The two searches that used to print their counterexample and then wait forever with two threads.
const ONES_4X4 = {
  generate: {
    target: { kind: 'ones', size: [4, 4] }, observed: { kind: 'block-diagonal', blocks: [1, 1, 1, 1] }, depth: { int: [2, 4] },
    init: { kind: 'identity-plus-ones', a: { logUniform: [0.02, 0.3] }, b: 0.01 },
  },
  claim: 'singularValues[2] / singularValues[1] > 0.01', runs: 60, seed: 3,
} as const;
const RANK1_5X5 = {
  generate: {
    target: { kind: 'low-rank', size: [5, 5], rank: 1, seed: 7 }, observed: { kind: 'random', count: 12, seed: 0 }, depth: { oneOf: [2, 3] },
    init: { kind: 'gaussian', productScale: { logUniform: [0.001, 0.1] }, seed: 0 },
  },
  claim: 'singularValues[2] / singularValues[1] < 0.01', runs: 20, seed: 3,
};

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; afterAnswer: number | null }

/**
 * The bin as a user runs it. A hang is a process that goes on after its
 * answer (the whole JSON object on stdout): it is killed `hangMs` after the
 * answer, and `afterAnswer` is the time from the answer to the exit (ms),
 * which on a loaded machine stays far below `hangMs` for a process that exits.
 */
function runBin(args: string[], hangMs: number, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '', stderr = '', answeredAt: number | null = null;
    let killer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (answeredAt === null && /\n}\n$/.test(stdout)) {
        answeredAt = performance.now();
        killer = setTimeout(() => child.kill('SIGKILL'), hangMs);
      }
    });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, afterAnswer: answeredAt === null ? null : performance.now() - answeredAt });
    });
  });
}

/** Resource kinds (MessagePort for a worker's port, FSReqCallback, Timeout...) with more entries now than in `before`. */
function leftOpen(before: string[]): string[] {
  const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const was = count(before);
  return [...count(process.getActiveResourcesInfo())].filter(([k, n]) => n > (was.get(k) ?? 0)).map(([k, n]) => `${k} x${n - (was.get(k) ?? 0)}`);
}

describe('dmflow conjecture exits once it has answered', () => {
  it('the two searches, 20 times each with the default workers, print their counterexample and exit 1', async () => {
    const files = [ONES_4X4, RANK1_5X5].map((c, k) => {
      const path = join(dir, `search${k}.json`);
      writeFileSync(path, JSON.stringify(c));
      return path;
    });
    const jobs = files.flatMap((f) => Array.from({ length: 20 }, () => f));
    const outcomes: { file: string; exit: Exit }[] = [];
    // Two at a time: each search takes a few seconds of CPU (most of it loading modules).
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const file = jobs[next++];
        outcomes.push({ file, exit: await runBin(['conjecture', file], 30_000, 600_000) });
      }
    };
    await Promise.all([lane(), lane()]);
    expect(outcomes).toHaveLength(40);
    const first = new Map<string, string>();
    for (const { file, exit } of outcomes) {
      expect({ file, signal: exit.signal, code: exit.code }).toEqual({ file, signal: null, code: 1 });
      expect(exit.afterAnswer).not.toBeNull();
      expect(JSON.parse(exit.stdout).status).toBe('counterexample');
      // Same file and seed, same answer, whether or not workers were started.
      if (!first.has(file)) first.set(file, exit.stdout);
      expect(exit.stdout).toBe(first.get(file));
    }
    console.log(`conjecture exits: 40 searches; longest time from the answer to the exit ${Math.max(...outcomes.map((o) => o.exit.afterAnswer ?? Infinity)).toFixed(0)} ms`);
  }, 1_800_000);
});

describe('library calls leave no active handle', () => {
  const threads = { workers: 2, workerScript: WORKER, workersAfterSeconds: 0 };

  it('checkConjecture: an answer on this thread before the workers are up, an answer while they hold runs, a claim that holds, an error', async () => {
    const before = process.getActiveResourcesInfo();
    // The first instance is a counterexample, found on this thread: no worker may start after it.
    const early = await checkConjecture({ ...ONES_4X4, ...threads });
    expect(early.status).toBe('counterexample');
    expect(early.runs).toBe(1);
    expect(leftOpen(before)).toEqual([]);
    // Runs of tens of milliseconds; with seed 6 the first failing instance (target seed >= 990) is the 115th
    // drawn, so the workers are up and hold runs when it comes.
    const generate = {
      target: { kind: 'low-rank', size: [5, 5], rank: 1, seed: { int: [0, 999] } },
      observed: { kind: 'random', count: 12, seed: 0 }, depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 0 },
      solver: { method: 'auto', rtol: 1e-10, atol: 1e-13, lossTol: 1e-16 },
    } as const;
    const late = await checkConjecture({ generate, claim: 'spec.target.seed < 990 or effectiveRank < 0', runs: 200, seed: 6, ...threads });
    expect(late.status).toBe('counterexample');
    expect(late.runs).toBe(115);
    expect(late.onWorkers).toBeGreaterThan(0);
    expect(leftOpen(before)).toEqual([]);
    const holds = await checkConjecture({ generate, claim: 'effectiveRank >= 1', runs: 80, seed: 6, ...threads });
    expect(holds.status).toBe('holds');
    expect(holds.onWorkers).toBeGreaterThan(0);
    expect(leftOpen(before)).toEqual([]);
    // A claim that is not true or false at the 115th instance: bad input, thrown while the workers hold runs.
    const bad = checkConjecture({ generate, claim: 'spec.target.seed < 990 ? true : 5', runs: 200, seed: 6, ...threads });
    await expect(bad).rejects.toBeInstanceOf(InputError);
    expect(leftOpen(before)).toEqual([]);
  }, 240_000);

  it('runSweep with worker threads', async () => {
    const before = process.getActiveResourcesInfo();
    const sweep = parseSweep({
      base: { target: { kind: 'low-rank', size: [4, 4], rank: 1, seed: 0 }, observed: { kind: 'random', count: 10, seed: 0 }, depth: 2, init: { kind: 'gaussian', productScale: 0.01, seed: 0 } },
      grid: { depth: [2, 3] }, trials: 25,
    });
    const s = await runSweep(sweep, { out: join(dir, 'sweep.jsonl'), ...threads });
    expect(s.ran).toBe(50);
    expect(s.onWorkers).toBeGreaterThan(0);
    expect(leftOpen(before)).toEqual([]);
  }, 240_000);
});
