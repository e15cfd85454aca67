import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFactorProblem, buildProblem, parseConjecture, parseGlrlSpec, parseSweep, Rng, type Spec } from '../src/index.js';
import { closest, editDistance } from '../src/model/issues.js';
import { cli } from './helpers/cli.js';
import { inputErrorOf } from './helpers/inputError.js';
import { randomSpec } from './helpers/randomSpecs.js';

const ok = {
  target: [[1, 2], [3, 4]],
  observed: [[1, 0], [1, 1]],
  depth: 2,
  init: { kind: 'gaussian', std: 0.1, seed: 1 },
} as const;

const errorOf = (spec: unknown): string => inputErrorOf(buildProblem, spec);

// Type level (tsc checks the tests): a misspelled key is a type error, at any depth.
// @ts-expect-error "depht" is not a key of Spec
export const typo: Spec = { ...ok, depht: 3 };
// @ts-expect-error "scale" is not a key of a Gaussian init
export const nestedTypo: Spec = { ...ok, init: { kind: 'gaussian', scale: 0.1 } };

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
  ['unknown top-level key', { ...ok, widht: 3 }, /^spec: unknown key "widht" \(did you mean "width"\?\)$/],
  ['unknown solver key', { ...ok, solver: { rtoll: 1e-6 } }, /^spec\.solver: unknown key "rtoll" \(did you mean "rtol"\?\)$/],
  ['unknown init kind', { ...ok, init: { kind: 'orthogonal' } }, /^spec\.init\.kind: invalid discriminator value\. Expected 'gaussian' \| 'identity-plus-ones' \| 'layers' \| 'from-result'/],
  ['unknown method', { ...ok, solver: { method: 'euler' } }, /^spec\.solver\.method: invalid (input|option): expected .*"dopri5"/],
  ['unknown target kind', { ...ok, target: { kind: 'eye', size: [2, 2] } }, /^spec\.target\.kind: invalid discriminator value/],
  ['target of the wrong type', { ...ok, target: 5 }, /^spec\.target: expected rows of numbers or/],
  ['missing depth', { target: ok.target, observed: ok.observed, init: ok.init }, /^spec\.depth: required key missing \(a spec needs target, observed, depth, init\)$/],
  ['missing init', { target: ok.target, observed: ok.observed, depth: 2 }, /^spec\.init: required key missing \(a spec needs target, observed, depth, init\)$/],
  ['misspelled depth (so depth is missing too)', { target: ok.target, observed: ok.observed, init: ok.init, depht: 3 }, /^spec: unknown key "depht" \(did you mean "depth"\?\)$/],
  ['misspelled key of a random mask', { ...ok, observed: { kind: 'random', fraction: 0.4, seed: 1 } }, /^spec\.observed: unknown key "fraction" \(valid keys for kind "random": count, seed\); "count" is required$/],
  ['unknown init key far from every key', { ...ok, init: { kind: 'gaussian', scale: 0.1 } }, /^spec\.init: unknown key "scale" \(valid keys for kind "gaussian": std, productScale, seed\)$/],
  ['misspelled kind', { ...ok, init: { knid: 'gaussian', std: 0.1 } }, /^spec\.init: unknown key "knid" \(did you mean "kind"\?\)$/],
  ['missing kind', { ...ok, init: { std: 0.1 } }, /^spec\.init\.kind: required key missing \(expected one of "gaussian", "identity-plus-ones", "layers", "from-result"\)$/],
  ['misspelled kind value', { ...ok, init: { kind: 'gausian', std: 0.1 } }, /^spec\.init\.kind: invalid discriminator value\. .* \(did you mean "gaussian"\?\)$/],
  ['misspelled method', { ...ok, solver: { method: 'dopri' } }, /^spec\.solver\.method: invalid option: .* \(did you mean "dopri5"\?\)$/],
  ['key in the wrong case', { ...ok, solver: { tmax: 10 } }, /^spec\.solver: unknown key "tmax" \(did you mean "tMax"\?\)$/],
  ['misspelled target key', { ...ok, target: { kind: 'low-rank', size: [2, 2], rnak: 1 } }, /^spec\.target: unknown key "rnak" \(did you mean "rank"\?\)$/],
  ['two unknown keys', { ...ok, widht: 2, grups: [] }, /^spec: unknown keys "widht" \(did you mean "width"\?\), "grups" \(did you mean "groups"\?\)$/],
  ['an unknown key beside the key it resembles', { ...ok, depht: 3 }, /^spec: unknown key "depht" \(valid keys: model, target, observed, depth, width, init, solver, save, groups\)$/],
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

describe('unknown and missing keys: every kind of input file', () => {
  it.each([
    ['sweep', () => parseSweep({ base: ok, trails: 3 }), /^sweep: unknown key "trails" \(did you mean "trials"\?\)$/],
    ['sweep without base', () => parseSweep({ grid: {} }), /^sweep\.base: required key missing \(a sweep needs base\)$/],
    ['sweep trialSeeds value', () => parseSweep({ base: ok, trialSeeds: 'inti' }), /^sweep\.trialSeeds: invalid option: .* \(did you mean "init"\?\)$/],
    ['conjecture', () => parseConjecture({ generate: ok, clam: 'x' }), /^conjecture: unknown key "clam" \(did you mean "claim"\?\); "claim" is required$|^conjecture: unknown key "clam" \(did you mean "claim"\?\)$/],
    ['conjecture without claim', () => parseConjecture({ generate: ok }), /^conjecture\.claim: required key missing \(a conjecture needs generate, claim\)$/],
    ['GLRL options', () => parseGlrlSpec({ target: ok.target, observed: ok.observed, glrl: { epsilom: 1e-6 } }), /^spec\.glrl: unknown key "epsilom" \(did you mean "epsilon"\?\)$/],
    ['GLRL spec without observed', () => parseGlrlSpec({ target: ok.target }), /^spec\.observed: required key missing \(a spec needs target, observed\)$/],
    ['udv model key', () => buildFactorProblem({ model: { kind: 'udv', rnak: 2 }, target: ok.target, observed: ok.observed, init: ok.init } as never), /^spec\.model: unknown key "rnak" \(did you mean "rank"\?\)$/],
    ['udv init with productScale', () => buildFactorProblem({ model: { kind: 'udv' }, target: ok.target, observed: ok.observed, init: { kind: 'gaussian', productScale: 0.1 } } as never), /^spec\.init: unknown key "productScale" \(valid keys for kind "gaussian": std, seed\); "std" is required$/],
  ])('%s', (_name, f, pattern) => {
    expect(inputErrorOf(f, undefined)).toMatch(pattern);
  });
});

/** Objects of a spec (with their paths) whose keys a user writes. */
function objectsOf(spec: Record<string, unknown>): { path: string; obj: Record<string, unknown> }[] {
  const out = [{ path: 'spec', obj: spec }];
  for (const k of ['target', 'observed', 'init', 'solver']) {
    const v = spec[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push({ path: `spec.${k}`, obj: v as Record<string, unknown> });
  }
  return out;
}

/** Valid keys of each object kind a random spec holds (docs/specs.md). */
const KEYS: Record<string, string[]> = {
  spec: ['model', 'target', 'observed', 'depth', 'width', 'init', 'solver', 'save', 'groups'],
  'spec.target:low-rank': ['kind', 'size', 'rank', 'seed'], 'spec.target:ones': ['kind', 'size', 'scale'],
  'spec.observed:all': ['kind'], 'spec.observed:random': ['kind', 'count', 'seed'], 'spec.observed:block-diagonal': ['kind', 'blocks'],
  'spec.init:gaussian': ['kind', 'std', 'productScale', 'seed'], 'spec.init:identity-plus-ones': ['kind', 'a', 'b'], 'spec.init:layers': ['kind', 'layers'],
  'spec.solver': ['method', 'rtol', 'atol', 'tMax', 'lossTol', 'lossRelTol', 'gradTol', 'maxSteps', 'maxEvals', 'h0', 'hMax', 'lr', 'divergeAt', 'maxWallTime', 'plateauStop', 'spectralEstimate'],
};
const keysOf = (path: string, obj: Record<string, unknown>) => KEYS[obj.kind !== undefined ? `${path}:${obj.kind}` : path];

/** One random edit: a transposition of adjacent letters, a deletion, an insertion or a substitution. */
function mutate(key: string, rng: Rng): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const i = rng.below(key.length);
  switch (rng.below(4)) {
    case 0: return key.length > 1 && i + 1 < key.length ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : key + 'x';
    case 1: return key.length > 2 ? key.slice(0, i) + key.slice(i + 1) : key + 's';
    case 2: return key.slice(0, i) + letters[rng.below(26)] + key.slice(i);
    default: return key.slice(0, i) + letters[rng.below(26)] + key.slice(i + 1);
  }
}

describe('a misspelled or missing key in a population of specs', () => {
  it('one edit to any key of any object: named as unknown, with the nearest absent key suggested (the original when it is the nearest)', () => {
    const rng = new Rng(2701);
    let checked = 0, original = 0;
    for (let i = 0; i < 300; i++) {
      const { spec } = randomSpec(31, i);
      const objects = objectsOf(spec);
      const { path, obj } = objects[rng.below(objects.length)];
      const present = Object.keys(obj);
      const key = present[rng.below(present.length)];
      const typo = mutate(key, rng);
      const valid = keysOf(path, obj);
      // An edit that lands on a valid key (in any case) is no typo.
      if (valid.some((k) => k.toLowerCase() === typo.toLowerCase())) continue;
      const renamed = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k === key ? typo : k, v]));
      const broken = path === 'spec' ? renamed : { ...spec, [path.slice(5)]: renamed };
      const msg = errorOf(broken);
      const where = key === 'kind' ? path : path;
      expect(msg, `${JSON.stringify(obj)}: ${key} -> ${typo}`).toMatch(new RegExp(`^${where.replace(/\./g, '\\.')}: unknown key "${typo}" \\(did you mean "(\\w+)"\\?\\)`));
      const suggested = /did you mean "(\w+)"/.exec(msg)![1];
      // Among the keys the object lacks, none is nearer than the suggestion, and the original is one edit away.
      const absent = valid.filter((k) => !present.includes(k) || k === key);
      const d = (k: string) => editDistance(typo.toLowerCase(), k.toLowerCase());
      expect(absent).toContain(suggested);
      expect(d(suggested)).toBe(Math.min(...absent.map(d)));
      if (absent.filter((k) => d(k) === d(key)).length === 1) { expect(suggested).toBe(key); original++; }
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
    expect(original).toBeGreaterThan(150);
  });

  it('a required key removed from any object: named as missing, with what the object needs', () => {
    const required: Record<string, string[]> = {
      spec: ['target', 'observed', 'depth', 'init'], 'spec.target:low-rank': ['size', 'rank'], 'spec.target:ones': ['size'],
      'spec.observed:random': ['count'], 'spec.observed:block-diagonal': ['blocks'], 'spec.init:identity-plus-ones': ['a'], 'spec.init:layers': ['layers'],
    };
    const rng = new Rng(2702);
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const { spec } = randomSpec(32, i);
      const candidates = objectsOf(spec).flatMap(({ path, obj }) => (required[obj.kind !== undefined ? `${path}:${obj.kind}` : path] ?? []).map((key) => ({ path, obj, key })));
      const { path, obj, key } = candidates[rng.below(candidates.length)];
      const { [key]: _gone, ...rest } = obj;
      const broken = path === 'spec' ? rest : { ...spec, [path.slice(5)]: rest };
      const needs = required[obj.kind !== undefined ? `${path}:${obj.kind}` : path].join(', ');
      const who = path === 'spec' ? 'a spec' : `kind "${obj.kind as string}"`;
      expect(errorOf(broken)).toBe(`${path}.${key}: required key missing (${who} needs ${needs})`);
      checked++;
    }
    expect(checked).toBe(200);
  });

  it('the edit distance is Damerau–Levenshtein (optimal string alignment), checked against the recursive definition', () => {
    const osa = (a: string, b: string): number => {
      const memo = new Map<string, number>();
      const f = (i: number, j: number): number => {
        if (i === 0) return j;
        if (j === 0) return i;
        const k = `${i},${j}`;
        if (memo.has(k)) return memo.get(k)!;
        let d = Math.min(f(i - 1, j) + 1, f(i, j - 1) + 1, f(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, f(i - 2, j - 2) + 1);
        memo.set(k, d);
        return d;
      };
      return f(a.length, b.length);
    };
    const rng = new Rng(2703);
    const word = () => Array.from({ length: rng.below(9) }, () => 'abcd'[rng.below(4)]).join('');
    for (let i = 0; i < 2000; i++) {
      const a = word(), b = word();
      expect(editDistance(a, b), `${a} / ${b}`).toBe(osa(a, b));
    }
    expect(editDistance('depht', 'depth')).toBe(1);
    expect(editDistance('ca', 'abc')).toBe(3); // OSA, not unrestricted Damerau–Levenshtein (2)
    expect(closest('fraction', ['count', 'seed'])).toBeUndefined();
    expect(closest('TMAX', ['tMax'])).toBe('tMax');
  });
});

describe('--help names every key of the input files, and only those', () => {
  type Node = { _zod: { optin?: string; def: { type: string; shape?: Record<string, Node>; options?: Node[]; innerType?: Node; values?: unknown[] } } };
  const unwrap = (n: Node): Node => (['optional', 'default', 'prefault'].includes(n._zod.def.type) ? unwrap(n._zod.def.innerType!) : n);
  const shape = (n: Node) => unwrap(n)._zod.def.shape!;
  const keys = (n: Node) => Object.keys(shape(n));
  const required = (n: Node) => keys(n).filter((k) => shape(n)[k]._zod.optin === undefined);
  const list = (text: string, label: string) => new RegExp(`${label}: ([\\w, ]+)`).exec(text)![1].split(',').map((s) => s.trim()).filter(Boolean);
  /** Kind -> keys of each {"kind": "...", ...} object in a help line's alternatives. */
  const kinds = (text: string, field: string) => {
    const block = new RegExp(`\\n  ${field} +([\\s\\S]*?)(?=\\n  \\w|\\n"|$)`).exec(text)![1];
    return new Map([...block.matchAll(/\{"kind": "([\w-]+)"([^{}]*)\}/g)].map((m) => [m[1], new Set([...m[2].matchAll(/(?<!:\s)"(\w+)"/g)].map((k) => k[1]))]));
  };
  const members = (n: Node): Map<string, Set<string>> => new Map(unwrap(n)._zod.def.options!.flatMap((o) => {
    const u = unwrap(o);
    if (u._zod.def.type === 'union') return [...members(o)];
    if (u._zod.def.type !== 'object') return []; // rows of numbers or a 0/1 mask
    return [[String(unwrap(u._zod.def.shape!.kind)._zod.def.values![0]), new Set(keys(u).filter((k) => k !== 'kind'))] as const];
  }));

  it('run, check, limit, analyze, ode: the spec', async () => {
    const { SPEC_HELP } = await import('../src/cli/commands/specHelp.js');
    const { specSchema, solverSchema, saveSchema } = await import('../src/model/spec.js');
    const s = specSchema as unknown as Node;
    expect(list(SPEC_HELP, 'Required')).toEqual(required(s));
    expect(new Set([...list(SPEC_HELP, 'Required'), ...list(SPEC_HELP, 'Optional')])).toEqual(new Set(keys(s)));
    const optional = [...SPEC_HELP.matchAll(/all optional: ([\w,\s]+?)\n  \w/g)].map((m) => m[1].split(',').map((k) => k.trim()).filter(Boolean));
    expect(new Set(optional[0])).toEqual(new Set(keys(solverSchema as unknown as Node)));
    expect(new Set(optional[1])).toEqual(new Set(keys(saveSchema as unknown as Node)));
    for (const field of ['target', 'observed', 'init'] as const) {
      expect(kinds(SPEC_HELP, field), field).toEqual(members(shape(s)[field]));
    }
    for (const line of SPEC_HELP.split('\n')) {
      // Every key marked "?" is optional in the schema (std/productScale: one of the two is required).
      for (const m of line.matchAll(/"(\w+)"\?/g)) expect(['scale', 'seed', 'b', 'rank', 'ball', 'radius']).toContain(m[1]);
    }
  });

  it('glrl, sweep, conjecture', async () => {
    const { GLRL_HELP, SWEEP_HELP, CONJECTURE_HELP } = await import('../src/cli/commands/specHelp.js');
    const { glrlSpecSchema, glrlOptionsSchema } = await import('../src/model/spec.js');
    const { sweepSchema } = await import('../src/experiments/sweep.js');
    const { conjectureSchema } = await import('../src/experiments/conjecture.js');
    const g = glrlSpecSchema as unknown as Node;
    expect(list(GLRL_HELP, 'Required')).toEqual(required(g));
    expect(new Set([...required(g), ...list(GLRL_HELP, 'Optional').map((k) => k.replace(/^and$/, '')).filter(Boolean), 'glrl'])).toEqual(new Set(keys(g)));
    expect(new Set(list(GLRL_HELP.replace(/ \([^)]*\)/g, ''), 'all optional'))).toEqual(new Set(keys(glrlOptionsSchema as unknown as Node)));
    for (const [text, schema] of [[SWEEP_HELP, sweepSchema], [CONJECTURE_HELP, conjectureSchema]] as const) {
      const n = schema as unknown as Node;
      expect(list(text, 'Required')).toEqual(required(n));
      expect(new Set([...list(text, 'Required'), ...list(text, 'Optional')])).toEqual(new Set(keys(n)));
    }
  });
});
