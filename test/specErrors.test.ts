import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProblem } from '../src/index.js';
import { cli } from './helpers/cli.js';
import { inputErrorOf } from './helpers/inputError.js';

const ok = {
  target: [[1, 2], [3, 4]],
  observed: [[1, 0], [1, 1]],
  depth: 2,
  init: { kind: 'gaussian', std: 0.1, seed: 1 },
};

const errorOf = (spec: unknown): string => inputErrorOf(buildProblem, spec);

const cases: [string, unknown, RegExp][] = [
  ['ragged target', { ...ok, target: [[1, 2], [3]] }, /^spec\.target\[1\]: expected 2 entries/],
  ['NaN in target', { ...ok, target: [[1, NaN], [3, 4]] }, /^spec\.target\[0\]\[1\]: expected a finite number, got NaN/],
  ['Infinity in target', { ...ok, target: [[1, Infinity], [3, 4]] }, /^spec\.target\[0\]\[1\]: expected a finite number, got Infinity/],
  ['mask of the wrong shape', { ...ok, observed: [[1, 0, 1], [1, 1, 1]] }, /^spec\.observed: expected a 2x2 mask like the target, got 2x3/],
  ['mask with a 2', { ...ok, observed: [[1, 2], [1, 1]] }, /^spec\.observed\[0\]\[1\]/],
  ['empty observed set', { ...ok, observed: [[0, 0], [0, 0]] }, /^spec\.observed: expected at least one observed entry/],
  ['empty entries list', { ...ok, observed: { kind: 'entries', entries: [] } }, /^spec\.observed: expected at least one observed entry/],
  ['index out of range', { ...ok, observed: { kind: 'entries', entries: [[0, 0], [2, 0]] } }, /^spec\.observed\.entries\[1\]: expected 0 <= i < 2 and 0 <= j < 2, got \[2, 0\]/],
  ['negative index', { ...ok, observed: { kind: 'entries', entries: [[-1, 0]] } }, /^spec\.observed\.entries\[0\]\[0\]: too small/],
  ['depth 0', { ...ok, depth: 0 }, /^spec\.depth: too small: expected number to be >0/],
  ['fractional depth', { ...ok, depth: 2.5 }, /^spec\.depth: expected int/],
  ['zero width', { ...ok, width: 0 }, /^spec\.width: too small/],
  ['negative width', { ...ok, width: -3 }, /^spec\.width: too small/],
  ['unknown top-level key', { ...ok, widht: 3 }, /^spec: unknown key "widht"/],
  ['unknown solver key', { ...ok, solver: { rtoll: 1e-6 } }, /^spec\.solver: unknown key "rtoll"/],
  ['unknown init kind', { ...ok, init: { kind: 'orthogonal' } }, /^spec\.init\.kind: invalid discriminator value\. Expected 'gaussian' \| 'identity-plus-ones' \| 'layers' \| 'from-result'/],
  ['unknown method', { ...ok, solver: { method: 'euler' } }, /^spec\.solver\.method: invalid (input|option): expected .*"dopri5"/],
  ['unknown target kind', { ...ok, target: { kind: 'eye', size: [2, 2] } }, /^spec\.target\.kind: invalid discriminator value/],
  ['target of the wrong type', { ...ok, target: 5 }, /^spec\.target: expected rows of numbers or/],
  ['missing depth', { target: ok.target, observed: ok.observed, init: ok.init }, /^spec\.depth: expected a finite number, got nothing/],
  ['gaussian with both std and productScale', { ...ok, init: { kind: 'gaussian', std: 0.1, productScale: 0.01 } }, /^spec\.init: expected exactly one of "std"/],
  ['negative std', { ...ok, init: { kind: 'gaussian', std: -1 } }, /^spec\.init\.std: too small/],
  ['layers of the wrong shape', { ...ok, init: { kind: 'layers', layers: [[[1, 0], [0, 1]], [[1, 0, 0], [0, 1, 0]]] } }, /^spec\.init\.layers\[1\]: expected layer W_2 of shape 2x2, got 2x3/],
  ['wrong number of layers', { ...ok, init: { kind: 'layers', layers: [[[1, 0], [0, 1]]] } }, /^spec\.init\.layers: expected 2 layers \(depth\), got 1/],
  ['per-layer a of the wrong length', { ...ok, init: { kind: 'identity-plus-ones', a: [1, 2, 3] } }, /^spec\.init\.a: expected one value per layer \(2\), got 3/],
  ['blocks not covering the target', { ...ok, observed: { kind: 'block-diagonal', blocks: [1] } }, /^spec\.observed\.blocks: expected block sizes summing to the side/],
  ['random count too large', { ...ok, observed: { kind: 'random', count: 5, seed: 1 } }, /^spec\.observed\.count: expected at most m\*n = 4, got 5/],
  ['rank above min(m, n)', { ...ok, target: { kind: 'low-rank', size: [2, 3], rank: 3 }, observed: { kind: 'all' } }, /^spec\.target\.rank: expected at most min\(m, n\) = 2, got 3/],
  ['negative rtol', { ...ok, solver: { rtol: -1 } }, /^spec\.solver\.rtol: too small/],
];

describe('bad specs give one line naming the field', () => {
  it.each(cases)('%s', (_name, spec, pattern) => {
    expect(errorOf(spec)).toMatch(pattern);
  });

  it('accepts the well-formed spec these cases perturb', () => {
    expect(buildProblem(ok).obsRows.length).toBe(3);
  });
});

describe('the CLI on bad input: exit 2, one line on stderr, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-'));
    const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

  it.each([
    ['NaN literal', 'nan.json', '{"target": [[NaN]], "observed": [[1]], "depth": 1, "init": {"kind": "gaussian", "std": 1}}', /^dmflow: spec: expected valid JSON/],
    ['depth 0', 'd0.json', JSON.stringify({ ...ok, depth: 0 }), /^dmflow: spec\.depth: too small/],
    ['unknown key', 'uk.json', JSON.stringify({ ...ok, extra: 1 }), /^dmflow: spec: unknown key "extra"/],
    ['overflowing number', 'inf.json', '{"target": [[1e999]], "observed": [[1]], "depth": 1, "init": {"kind": "gaussian", "std": 1}}', /^dmflow: spec\.target\[0\]\[0\]: expected a finite number, got Infinity/],
  ])('%s', (_name, file, text, pattern) => {
    const r = cli(['run', write(file, text)]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  });

  it('a missing file, a bad option value and an unknown command', () => {
    for (const args of [['run', join(dir, 'nope.json')], ['run', '--save-times', 'a,b'], ['frobnicate']]) {
      const r = cli(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('the default run prints a converged result', () => {
    const out = JSON.parse(cli(['run']).stdout);
    expect(out.status).toBe('converged');
    expect(out.matrix).toHaveLength(4);
    expect(out.invariantDrift).toBeLessThan(1e-10);
    // The embedded default is a block-diagonal theorem instance: the run meets the limit.
    const lim = JSON.parse(cli(['limit']).stdout);
    out.singularValues.forEach((s: number, i: number) => expect(Math.abs(s - lim.singularValues[i])).toBeLessThan(1e-8));
  });
});
