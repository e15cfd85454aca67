// dmflow conjecture: claims that hold, a false claim whose minimal
// counterexample is known in closed form, exact replay, integration failures,
// bad input, and the library API with TypeScript predicates.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConjecture, InputError, parseConjecture, relerr, type ConjectureFile, type ConjectureOptions, type ConjectureReport } from '../src/index.js';
import { CONTINUOUS_STEPS } from '../src/experiments/generators.js';
import { BIN, cli } from './helpers/cli.js';
import { packagesRun } from './helpers/packagesRun.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-conjecture-'));
let files = 0;
function file(value: unknown): string {
  const path = join(dir, `c${files++}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}
const example = (name: string) => fileURLToPath(new URL(`../examples/conjectures/${name}.json`, import.meta.url));
const WORKER = new URL('../src/experiments/sweepWorker.mjs', import.meta.url);

// 2x2, diagonal observed, target 1 1^T, depth 2, init W_l = a I + b 1 1^T.
// Block-diagonal family (theorems/blockDiagonal.md), depth 2: sigma_2 / sigma_1 = N / Lam =
// (1 + c d)^-2 with c = b / a, d = 2, for every scale. The claim
// sigma_2 / sigma_1 > 0.1 therefore fails exactly for b >= b* = a (sqrt(10) - 1) / 2.
const A = 0.5;
const B_STAR = (A * (Math.sqrt(10) - 1)) / 2;
const boundary = {
  generate: {
    target: { kind: 'ones', size: [2, 2] },
    observed: { kind: 'block-diagonal', blocks: [1, 1] },
    depth: 2,
    init: { kind: 'identity-plus-ones', a: A, b: { uniform: [0, 1] } },
    solver: { rtol: 1e-10, atol: 1e-12, lossTol: 1e-20 },
  },
  claim: 'singularValues[2] / singularValues[1] > 0.1',
  runs: 50,
  seed: 1,
} satisfies ConjectureFile;

function report(stdout: string): ConjectureReport {
  return JSON.parse(stdout) as ConjectureReport;
}

describe('dmflow conjecture', () => {
  it('the examples print what docs/conjectures.md says (two claims that hold, one shrunk counterexample)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../docs/conjectures.md', import.meta.url)), 'utf8');
    const block = /rank-one-boundary\.json +# exit 1: a counterexample\n```\n\n<!-- output -->\n```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const boundaryRun = cli(['conjecture', example('rank-one-boundary')]);
    expect(boundaryRun.status).toBe(1);
    expect(boundaryRun.stdout).toBe(block + '\n');
    const family = cli(['conjecture', example('theorem-block-diagonal')]);
    expect(family.status).toBe(0);
    expect(report(family.stdout)).toEqual({ status: 'holds', runs: 100, discarded: 0, seed: 1 });
    // Shin & Yun (a), with a given on the spec alone: depth is drawn from 2..5 and
    // "given" keeps depth >= 3, so about a quarter is discarded before any integration.
    const coupling = cli(['conjecture', example('shin-yun-coupling')]);
    expect(coupling.status).toBe(0);
    expect(report(coupling.stdout)).toEqual({ status: 'holds', runs: 100, discarded: 32, seed: 1 });
    expect(coupling.stderr).toMatch(/^dmflow conjecture: integrations 100 \(0 reused from no results file\), on worker threads \d+\n$/);
    expect(readme).toContain('`holds`, runs 100, discarded 32');
  });

  it('a false claim shrinks to its closed-form minimal counterexample: the first grid point at or above b*', () => {
    const r = cli(['conjecture', file(boundary), '--workers', '1']);
    expect(r.stderr).toMatch(/^dmflow conjecture: integrations \d+ \(0 reused from no results file\), on worker threads \d+\n$/);
    expect(r.status).toBe(1);
    const out = report(r.stdout);
    expect(out.status).toBe('counterexample');
    // b is drawn on the grid k / 2^20 of [0, 1]; the minimal failing instance is
    // the smallest k with k / 2^20 >= b* (b* is 0.6 grid steps away from the
    // next point, far more than the integration error moves the ratio).
    const k = Math.ceil(B_STAR * CONTINUOUS_STEPS);
    expect(B_STAR * CONTINUOUS_STEPS - (k - 1)).toBeGreaterThan(0.1);
    const expected = structuredClone(boundary.generate) as Record<string, unknown>;
    (expected.init as Record<string, unknown>).b = k / CONTINUOUS_STEPS;
    expect(out.counterexample?.spec).toEqual(expected);
    expect(out.counterexample?.value).toBe(false);
    const sv = out.counterexample?.fields.singularValues as number[];
    expect(sv[1] / sv[0]).toBeLessThanOrEqual(0.1);
    expect(sv[1] / sv[0]).toBeGreaterThan(0.1 - 1e-6);
    expect(out.shrinkSteps).toBeGreaterThan(0);
    // The printed spec runs as is with dmflow run, and gives the same singular values.
    const rerun = cli(['run', file(out.counterexample?.spec)]);
    expect(rerun.status).toBe(0);
    expect(JSON.parse(rerun.stdout).singularValues).toEqual(sv);
  });

  it('--replay with the printed seed and path reproduces the counterexample bit for bit', () => {
    const path = file(boundary);
    const first = report(cli(['conjecture', path, '--workers', '1']).stdout);
    const again = cli(['conjecture', path, '--seed', String(first.replay?.seed), '--replay', String(first.replay?.path)]);
    expect(again.status).toBe(1);
    const replayed = report(again.stdout);
    expect(JSON.stringify(replayed.counterexample)).toBe(JSON.stringify(first.counterexample));
    expect(replayed.replay).toEqual(first.replay);
    expect(again.stderr).toMatch(/^dmflow conjecture: integrations 1 /);
  });

  it('replays a counterexample found after discarded instances', async () => {
    const withGiven = { ...boundary, given: 'spec.init.b < 0.3 or spec.init.b > 0.6', workers: 1 };
    const first = await checkConjecture(withGiven);
    expect(first.status).toBe('counterexample');
    expect(first.discarded).toBeGreaterThan(0);
    const replayed = await checkConjecture({ ...withGiven, replay: first.replay?.path });
    expect(JSON.stringify(replayed.counterexample)).toBe(JSON.stringify(first.counterexample));
  });

  it('--results keeps every run: the same search again runs nothing, an edited claim reuses the runs, a cut-off last line is repaired', () => {
    const results = join(dir, 'runs.jsonl');
    const path = file(boundary);
    const first = cli(['conjecture', path, '--workers', '1', '--results', results]);
    expect(first.status).toBe(1);
    const n = Number(/integrations (\d+) \(0 reused/.exec(first.stderr)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(readFileSync(results, 'utf8').trim().split('\n')).toHaveLength(n);
    const again = cli(['conjecture', path, '--workers', '1', '--results', results]);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).toMatch(new RegExp(`integrations ${n} \\(${n} reused`));
    // A killed run leaves half a line: it is cut off, and that run is done again.
    writeFileSync(results, readFileSync(results, 'utf8') + '{"spec": {"tar');
    const edited = cli(['conjecture', file({ ...boundary, claim: 'singularValues[2] / singularValues[1] > 0.09' }), '--workers', '1', '--results', results]);
    expect(edited.status).toBe(1);
    const [, total, reused] = /integrations (\d+) \((\d+) reused/.exec(edited.stderr) ?? [];
    expect(Number(reused)).toBeGreaterThan(0);
    expect(Number(reused)).toBeLessThan(Number(total));
    expect(readFileSync(results, 'utf8').endsWith('}\n')).toBe(true);
  });

  it('--results of a dmflow before 0.2.0 (lines without "format"): refused, unchanged, where a spec uses productScale; reused otherwise', () => {
    const results = join(dir, 'runs-old.jsonl');
    const path = file(boundary);
    expect(cli(['conjecture', path, '--workers', '1', '--results', results]).status).toBe(1);
    // As the older dmflow wrote them: no "format" on any line.
    const old = readFileSync(results, 'utf8').trim().split('\n').map((l) => { const { format: _f, ...rest } = JSON.parse(l); return JSON.stringify(rest); });
    expect(old.length).toBeGreaterThan(0);
    writeFileSync(results, old.join('\n') + '\n');
    const again = cli(['conjecture', path, '--workers', '1', '--results', results]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/integrations (\d+) \(\1 reused/);
    // The same lines with a productScale init, and a cut-off last line: refused in one line, the file left as it was.
    const scaled = old.map((l) => { const v = JSON.parse(l); v.spec.init = { kind: 'gaussian', productScale: 0.1, seed: 0 }; return JSON.stringify(v); });
    const text = scaled.join('\n') + '\n{"spec": {"tar';
    writeFileSync(results, text);
    const refused = cli(['conjecture', path, '--workers', '1', '--results', results]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^dmflow: .*runs-old\.jsonl:1: expected runs written by dmflow >= 0\.2\.0 for a spec that uses productScale, got one without a results format: .*use a new --results file \(this one was left as it was\)\n$/);
    expect(readFileSync(results, 'utf8')).toBe(text);
  });

  it('a run that does not converge is an integration failure (exit 1, status integration-failure), never a verdict; a claim reading status decides itself', async () => {
    const short = { ...boundary, generate: { ...boundary.generate, solver: { tMax: 1e-3 } }, claim: 'singularValues[1] > 0' };
    const r = cli(['conjecture', file(short), '--workers', '1']);
    expect(r.status).toBe(1);
    const out = report(r.stdout);
    expect(out.status).toBe('integration-failure');
    expect(out.counterexample?.run.status).toBe('t-max');
    expect(out.counterexample?.value).toBeNull();
    const withStatus = await checkConjecture({ ...short, claim: 'status == "t-max" and singularValues[1] > 0', runs: 5, workers: 1 });
    expect(withStatus.status).toBe('holds');
  });

  const CLI_CASES = ['a bad expression', 'an unknown field', 'lo > hi', 'a continuous depth', 'an unknown key', 'a given that discards everything'];
  it.each([
    ['a bad expression', { claim: 'singularValues[1] >' }, /^dmflow: claim: expected a mathjs expression, got "singularValues\[1\] >"/],
    ['an unknown field', { claim: 'effectiveRnk < 2' }, /^dmflow: claim: unknown field or function "effectiveRnk"/],
    ['an unknown sub-field', { claim: 'coupling.decopled' }, /^dmflow: claim: unknown field "coupling.decopled"/],
    ['an unknown spec field', { given: 'spec.init.alpha > 0' }, /^dmflow: given: unknown field "spec.init.alpha"/],
    ['a claim that is not true/false', { claim: 'singularValues' }, /^dmflow: claim: expected "singularValues" to be true or false, got an array/],
    ['a given that fails to evaluate', { given: 'singularValues[7] > 0' }, /^dmflow: given: evaluating "singularValues\[7\] > 0" failed at the instance .*Index out of range/],
    ['an assignment', { claim: 'x = 1' }, /^dmflow: claim: expected an expression, got an assignment/],
    ['lo > hi', { generate: { ...boundary.generate, depth: { int: [3, 2] } } }, /^dmflow: generate\.depth\.int: expected lo <= hi, got lo = 3 > hi = 2/],
    ['logUniform from 0', { generate: { ...boundary.generate, init: { kind: 'identity-plus-ones', a: { logUniform: [0, 1] } } } }, /^dmflow: generate\.init\.a\.logUniform: expected 0 < lo/],
    ['a continuous depth', { generate: { ...boundary.generate, depth: { uniform: [2, 4] } } }, /^dmflow: generate\.depth: expected int, got (the )?number/],
    ['a generator where a name belongs', { generate: { ...boundary.generate, solver: { method: { int: [0, 1] } } } }, /^dmflow: generate\.solver\.method: invalid option/],
    ['a generator with extra keys', { generate: { ...boundary.generate, depth: { int: [2, 3], max: 4 } } }, /^dmflow: generate\.depth: expected a generator with one key/],
    ['bounds that are not numbers', { generate: { ...boundary.generate, depth: { int: [2, { int: [3, 4] }] } } }, /^dmflow: generate\.depth\.int: expected \[lo, hi\]/],
    ['an empty oneOf', { generate: { ...boundary.generate, depth: { oneOf: [] } } }, /^dmflow: generate\.depth\.oneOf: expected a non-empty array/],
    ['a generator as the whole file', { generate: { int: [1, 2] } }, /^dmflow: generate\.int: expected an object|^dmflow: generate/],
    ['an unknown key', { seeds: 3 }, /^dmflow: conjecture: unknown key "seeds"/],
    ['a theorem no family covers', { generate: { ...boundary.generate, init: { kind: 'gaussian', std: 0.1 } }, claim: 'relerr(matrix, theorem.matrix) < 1e-8' }, /^dmflow: claim: reads "theorem", but no theorem family covers/],
    ['a given that discards everything', { given: 'spec.depth > 2' }, /^dmflow: given: discarded \d+ instances while looking for 50/],
  ])('bad input, %s: one line naming the place', async (name, change, message) => {
    const value = { ...boundary, ...change };
    // Every case through the library (one process), the representative ones through the bin.
    const lib = await Promise.resolve().then(() => checkConjecture({ ...parseConjecture(value), workers: 1 } as ConjectureOptions)).then(() => 'no error', (e: Error) => e);
    expect(lib).toBeInstanceOf(InputError);
    expect(`dmflow: ${(lib as InputError).message}`).toMatch(message);
    if (!CLI_CASES.includes(name)) return;
    const r = cli(['conjecture', file(value), '--workers', '1']);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    [['--runs', '0'], /^dmflow: --runs: expected at least 1/],
    [['--seed', '1.5'], /^dmflow: --seed: expected an integer/],
    [['--replay', 'x:1'], /^dmflow: --replay: expected a path such as/],
    [['--workers', '0'], /^dmflow: --workers: expected at least 1/],
    [['--replay', '0'], /^dmflow: --replay: expected the path of a counterexample for seed 1, got "0", which holds/],
    [['--replay', '2:3:0:1:0:2:0:0:4:0:0:9:9:9'], /^dmflow: --replay: expected a path printed with seed 1 for this file/],
  ])('bad flag %j: exit 2', (flags, message) => {
    const r = cli(['conjecture', file(boundary), ...flags]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('runs mathjs only for conjecture (and ode), not for other commands', () => {
    const packages = (args: string[]) => [...packagesRun(args).packages];
    expect(packages(['--help'])).not.toContain('mathjs');
    expect(packages(['analyze'])).not.toContain('mathjs');
    const conj = packages(['conjecture', file(boundary), '--runs', '1']);
    expect(conj).toContain('mathjs');
    expect(conj).toContain('fast-check');
  });
});

describe('checkConjecture (library)', () => {
  it('TypeScript predicates give the same counterexample as the expressions', async () => {
    const fromText = await checkConjecture({ ...boundary, workers: 1 });
    const fromFn = await checkConjecture({
      ...boundary,
      workers: 1,
      claim: (x) => x.singularValues[1] / x.singularValues[0] > 0.1,
    });
    expect(fromFn.status).toBe('counterexample');
    expect(fromFn.counterexample?.spec).toEqual(fromText.counterexample?.spec);
    expect(fromFn.replay).toEqual(fromText.replay);
    // A predicate on the spec alone discards before integrating.
    const given = await checkConjecture({ ...boundary, workers: 1, runs: 20, given: (spec) => spec.init.kind === 'identity-plus-ones' && (spec.init.b as number) < B_STAR, claim: (x) => x.singularValues[1] / x.singularValues[0] > 0.1 });
    expect(given.status).toBe('holds');
    expect(given.discarded).toBeGreaterThan(0);
    expect(given.integrations).toBe(20);
    // A predicate reads the theorem's prediction on demand.
    const family = JSON.parse(readFileSync(example('theorem-block-diagonal'), 'utf8'));
    const againstTheorem = await checkConjecture({ ...family, runs: 10, workers: 1, claim: (x) => x.theorem !== null && relerr(x.matrix, x.theorem.matrix) < 1e-8 });
    expect(againstTheorem.status).toBe('holds');
  });

  it('a given that reads the result is decided after the run, and its discards are counted', async () => {
    // sigma_2 / sigma_1 = (1 + 4 b)^-2 > 0.5 exactly when b < (sqrt(2) - 1) / 4 = 0.1036: the claim holds on every kept instance.
    const r = await checkConjecture({ ...boundary, runs: 10, workers: 1, given: 'singularValues[2] / singularValues[1] > 0.5', claim: 'spec.init.b < 0.1036' });
    expect(r.status).toBe('holds');
    expect(r.runs).toBe(10);
    expect(r.discarded).toBeGreaterThan(0);
    expect(r.integrations).toBe(r.runs + r.discarded);
    const wrong = await checkConjecture({ ...boundary, runs: 10, workers: 1, given: 'singularValues[2] / singularValues[1] > 0.5', claim: 'spec.init.b < 0.1' });
    expect(wrong.status).toBe('counterexample');
    const b = (wrong.counterexample?.spec as { init: { b: number } }).init.b;
    expect(b).toBeGreaterThanOrEqual(0.1);
    expect(b).toBeLessThan(0.1 + 2 / CONTINUOUS_STEPS);
  });

  it('runs on worker threads before the first failure give the same report as one thread', async () => {
    // Runs long enough that this thread is still busy when the worker is up (about a second).
    const generate = {
      target: { kind: 'low-rank', size: [5, 5], rank: 1, seed: { int: [0, 999] } },
      observed: { kind: 'random', count: 12, seed: 0 }, depth: 3, init: { kind: 'gaussian', std: 0.3, seed: 0 },
      solver: { method: 'auto', rtol: 1e-10, atol: 1e-13, lossTol: 1e-16 },
    } satisfies ConjectureFile['generate'];
    const threads = { workers: 2, workerScript: WORKER, workersAfterSeconds: 0 };
    const holds = { generate, claim: 'effectiveRank >= 1', runs: 200, seed: 2 };
    const h1 = await checkConjecture({ ...holds, workers: 1 });
    const h2 = await checkConjecture({ ...holds, ...threads });
    console.log(`conjecture threads: ${h2.onWorkers} of ${h2.integrations} runs on the worker`);
    expect(h2.onWorkers).toBeGreaterThan(0);
    expect({ ...h2, onWorkers: 0 }).toEqual({ ...h1, onWorkers: 0 });
    // Fails only from target seed 980 on: the first failure comes late, the shrunk one is seed 980.
    const fails = { ...holds, claim: 'spec.target.seed < 980 or effectiveRank < 1' };
    const f1 = await checkConjecture({ ...fails, workers: 1 });
    const f2 = await checkConjecture({ ...fails, ...threads });
    expect(f1.status).toBe('counterexample');
    expect((f1.counterexample?.spec as { target: { seed: number } }).target.seed).toBe(980);
    expect({ ...f2, onWorkers: 0, integrations: 0 }).toEqual({ ...f1, onWorkers: 0, integrations: 0 });
  });
});
