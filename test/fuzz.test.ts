// Fuzzing every command as a hostile user would: arbitrary JSON in place of
// the input file, mutations of a valid input (wrong types, extremes, missing
// and extra keys) and hostile flag values. Whatever the input, the command
// must end with exit 0, 1 (a check that failed) or 2 with one line on stderr
// naming the field: never an internal error, a stack trace, a hang, or a
// NaN printed as a result without a status saying so.
//
// The commands are a list (COMMANDS): a command added later is one entry.
// Spawns are ~0.3-1 s each, so `npm test` runs a few cases per command and
// category; PROPERTY_RUNS scales them (e.g. PROPERTY_RUNS=200 for a long run).
// No shrinking (endOnFailure): one shrink step can cost a whole spawn timeout;
// the first failing input is reported as it is.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const RUNS = Math.max(1, Math.round(Number(process.env.PROPERTY_RUNS ?? 20) / 10));
/** Per spawn: longer means a hang. Valid small inputs finish in a few seconds on a loaded machine. */
const TIMEOUT = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'dmflow-fuzz-'));
let fileCount = 0;
const writeInput = (text: string) => { const p = join(dir, `in${fileCount++}.json`); writeFileSync(p, text); return p; };

/** A small valid spec: every command that takes a spec finishes on it in well under a second. */
const SPEC = {
  target: { kind: 'ones', size: [2, 2], scale: 1 },
  observed: { kind: 'block-diagonal', blocks: [1, 1] },
  depth: 2,
  init: { kind: 'identity-plus-ones', a: 0.3, b: 0.1 },
  solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-8, tMax: 1000, lossTol: 1e-10, maxSteps: 100000 },
  save: { times: [0.5, 1], samples: 3, layers: false },
};
const SWEEP = { base: SPEC, grid: { depth: [2, 3] }, trials: 1 };
const CONJECTURE = { generate: { ...SPEC, depth: { int: [2, 3] }, init: { kind: 'identity-plus-ones', a: { logUniform: [0.1, 1] }, b: 0.1 } }, claim: 'loss < 1', runs: 2, seed: 1 };
const SWEEP_FILE = writeInput(JSON.stringify(SWEEP));
/** A results file as dmflow writes it (header line, then one line per cell), made by the bin itself. */
const RESULTS = (() => {
  const file = join(dir, 'results.jsonl');
  const r = cli(['sweep', SWEEP_FILE, '--out', file], { timeout: TIMEOUT });
  if (r.status !== 0) throw new Error(`fuzz setup: dmflow sweep failed: ${r.stderr}`);
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
})();
const resultsText = (v: unknown) => (Array.isArray(v) ? v.map((l) => JSON.stringify(l)).join('\n') + '\n' : JSON.stringify(v));

interface Command {
  name: string;
  /** The argument list for an input file (undefined: the command takes none) and extra flags. */
  args: (file: string | undefined, flags: string[]) => string[];
  /** A valid input to mutate; undefined for commands without an input file. */
  valid?: unknown;
  /** Text of the input file from a JSON value (default JSON.stringify). */
  text?: (value: unknown) => string;
  /** Hostile flag sets. */
  flags: string[][];
}

const out = () => join(dir, `out${fileCount++}.jsonl`);

const BAD_NUMBERS = ['-1', '0', 'NaN', 'Infinity', '1e400', '1e9', 'abc', '', '0x10', '1e-400', '9007199254740993'];
const each = (flag: string, values = BAD_NUMBERS) => values.map((v) => [flag, v]);

const COMMANDS: Command[] = [
  {
    name: 'run', valid: SPEC, args: (f, x) => ['run', ...(f ? [f] : []), ...x],
    flags: [...each('--samples', ['-1', '1.5', 'NaN', '1e9', '1000000000', 'abc', '']), ...each('--save-times', ['a,b', '1e400', '-1', '', ',', '1,NaN', '1e300']), ['--save-layers', 'extra'], ['--bogus']],
  },
  {
    name: 'sweep', valid: SWEEP, args: (f, x) => ['sweep', f ?? writeInput(JSON.stringify(SWEEP)), '--out', out(), ...x],
    flags: [...each('--workers', ['0', '-1', '1.5', 'abc', '']), ...each('--shard', ['1/0', '2/2', '-1/2', 'a/b', '0/1e400', '']), ['--out']],
  },
  {
    name: 'summarize', valid: RESULTS, text: resultsText, args: (f, x) => ['summarize', f ?? writeInput(resultsText(RESULTS)), ...x],
    flags: [['--by', ''], ['--by', ',,,'], ['--by', '__proto__'], ['--by', 'constructor.prototype'], ['--by', 'depth,depth'], ['--bogus']],
  },
  {
    name: 'merge', valid: RESULTS, text: resultsText, args: (f, x) => ['merge', '--sweep', SWEEP_FILE, '--out', out(), f ?? writeInput(resultsText(RESULTS)), ...x],
    flags: [['--sweep', '/dev/null'], ['--out', ''], ['--out', dir], ['--sweep'], [SWEEP_FILE]],
  },
  // --runs 1e9 is left out: it asks for 1e9 integrations and gets them (a run of days, not a
  // hang); conjecture has no cost bound yet.
  {
    name: 'conjecture', args: (f, x) => ['conjecture', f ?? writeInput(JSON.stringify(CONJECTURE)), '--workers', '1', ...x],
    valid: CONJECTURE, flags: [...each('--runs', ['0', '-1', '1.5', 'NaN', 'abc']), ...each('--seed', ['-1', '1.5', 'NaN', '1e400', 'abc']), ['--replay', ''], ['--replay', '[]'], ['--results', dir]],
  },
  { name: 'analyze', valid: SPEC, args: (f, x) => ['analyze', ...(f ? [f] : []), ...x], flags: [['--tangent-kernel', ''], ['--tangent-kernel', dir], ['--tangent-kernel'], ['--kernel', 'k.json'], ['--bogus', '1']] },
  { name: 'ode', valid: SPEC, args: (f, x) => ['ode', ...(f ? [f] : []), ...x], flags: [['--json', 'x'], ['--bogus']] },
  { name: 'limit', valid: SPEC, args: (f, x) => ['limit', ...(f ? [f] : []), ...x], flags: each('--at', ['-1', 'NaN', '1e400', 'abc', '', '1e308']) },
  { name: 'check', valid: SPEC, args: (f, x) => ['check', ...(f ? [f] : []), ...x], flags: each('--tol', ['0', '-1', 'NaN', 'abc', '', '1e400', '1e-400']) },
  {
    name: 'limit-sweep', args: (_f, x) => ['limit-sweep', ...x],
    flags: [...each('--depths', ['0', '1.5', '-1', 'a', '', '1e9', '100000']), ...each('--c', ['-1', 'NaN', 'a', '', '1e400']), ...each('--scales', ['0', '-1', 'NaN', '1e400', '', '1e-400'])],
  },
  {
    name: 'glrl', valid: { target: [[1, 2], [2, 4]], observed: [[1, 1], [1, 0]] }, args: (f, x) => ['glrl', ...(f ? [f] : []), ...x],
    flags: [...each('--epsilon', ['0', '-1', 'NaN', '2', '1e-400', 'abc']), ...each('--max-rank', ['0', '-1', '1.5', '1e9', 'abc']), ...each('--variant', ['', 'both', 'SYMMETRIC']), ['--example', 'nope'], ['--example', '__proto__']],
  },
];

/** Keys whose value may be null in a successful result. */
const NULL_ALLOWED = new Set(['reconstructionError']);
/** Statuses that announce a non-finite or unfinished result. */
const FAILED = /diverged|failed|unbounded|non-finite|max-steps|stiff|step-too-small|t-max/;

/** Every null (a NaN or infinity after JSON.stringify) in a result, with its path. */
function nullsIn(value: unknown, path = ''): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullsIn(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value as object).flatMap(([k, v]) => (NULL_ALLOWED.has(k) ? [] : nullsIn(v, `${path}.${k}`)));
  return [];
}

/** The contract of every spawn; returns a description of the breach, or null. */
function breach(r: ReturnType<typeof cli>, command: string): string | null {
  if (r.error || r.status === null) return `no exit code (${r.error?.message ?? r.signal}): a hang or a crash`;
  if (![0, 1, 2].includes(r.status)) return `exit ${r.status}`;
  if (/internal error|\n\s+at |Error:/.test(r.stderr)) return `internal error or stack trace: ${r.stderr.slice(0, 300)}`;
  if (r.status === 2) {
    const lines = r.stderr.trimEnd().split('\n');
    if (lines.length !== 1 || !lines[0].startsWith('dmflow: ')) return `exit 2 without one "dmflow: ..." line: ${JSON.stringify(r.stderr.slice(0, 300))}`;
    return null;
  }
  if (r.status === 1 && !['check', 'ode', 'merge', 'conjecture'].includes(command)) return `exit 1 from ${command}: ${r.stderr.slice(0, 300)}`;
  // A result printed: NaN or infinity only with a status that says so.
  if (/\bNaN\b|\bInfinity\b/.test(r.stdout)) return `NaN or Infinity in the output: ${r.stdout.slice(0, 300)}`;
  if (r.stdout.trimStart().startsWith('{')) {
    let parsed: { status?: unknown; pass?: unknown };
    try { parsed = JSON.parse(r.stdout); } catch { return `unparsable JSON output: ${r.stdout.slice(0, 200)}`; }
    const nulls = nullsIn(parsed);
    if (nulls.length > 0 && !(typeof parsed.status === 'string' && FAILED.test(parsed.status)) && parsed.pass !== false) {
      return `null (NaN) at ${nulls.slice(0, 3).join(', ')} with status ${String(parsed.status)}`;
    }
  }
  return null;
}

function expectContract(args: string[], command: string): void {
  const r = cli(args, { timeout: TIMEOUT });
  const problem = breach(r, command);
  if (problem) throw new Error(`dmflow ${args.map((a) => (a.startsWith(dir) ? a.replace(dir, '$TMP') : a)).join(' ')}: ${problem}`);
}

// --- Mutations of a valid JSON value -------------------------------------------------

type Path = (string | number)[];
function paths(value: unknown, prefix: Path = []): Path[] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return here;
}

const EXTREMES: unknown[] = [
  null, true, 'x', '', [], {}, [[]], 0, -0, -1, 1.5, 1e-308, 5e-324, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, -(2 ** 53) - 2, 1e9, 1e15,
  [1e308, -1e308], [[1e308]], { kind: 'ones', size: [1e9, 1e9] }, { kind: 'ones', size: [100000, 100000] },
];

type Mutation = { kind: 'set'; path: Path; value: unknown } | { kind: 'delete'; path: Path } | { kind: 'extra'; path: Path; key: string };

function mutation(valid: unknown): fc.Arbitrary<Mutation> {
  const all = paths(valid);
  const path = fc.constantFrom(...all);
  const value = fc.oneof(fc.constantFrom(...EXTREMES), fc.jsonValue({ maxDepth: 2 }), fc.double(), fc.integer());
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), path, value }),
    fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...all.filter((p) => p.length > 0)) }),
    fc.record({ kind: fc.constant('extra' as const), path, key: fc.constantFrom('extra', '__proto__', 'constructor', 'seed', 'kind') }),
  );
}

function applyMutations(valid: unknown, ms: Mutation[]): unknown {
  let root: unknown = structuredClone(valid);
  for (const m of ms) {
    if (m.path.length === 0) {
      if (m.kind === 'set') root = m.value;
      else if (m.kind === 'extra' && root !== null && typeof root === 'object' && !Array.isArray(root)) (root as Record<string, unknown>)[m.key] = 1;
      continue;
    }
    let parent: unknown = root;
    for (const p of m.path.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[p] : undefined;
    if (parent === null || typeof parent !== 'object') continue;
    const last = m.path[m.path.length - 1];
    const obj = parent as Record<string | number, unknown>;
    if (m.kind === 'set') obj[last] = m.value;
    else if (m.kind === 'delete') { if (Array.isArray(obj)) obj.splice(Number(last), 1); else delete obj[last]; }
    else {
      const target = obj[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: 1, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

describe('fuzzing every command: exit 0, 1 (failed check) or 2 with one line; no internal error, hang or unannounced NaN', () => {
  for (const command of COMMANDS) {
    if (command.valid !== undefined) {
      it(`${command.name}: arbitrary JSON as its input`, () => {
        fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
          expectContract(command.args(writeInput((command.text ?? JSON.stringify)(value)), []), command.name);
        }), { numRuns: RUNS, seed: 13, endOnFailure: true });
      }, TIMEOUT * (RUNS + 1));

      it(`${command.name}: mutations of a valid input (wrong types, extremes, missing and extra keys)`, () => {
        fc.assert(fc.property(fc.array(mutation(command.valid), { minLength: 1, maxLength: 3 }), (ms) => {
          const value = applyMutations(command.valid, ms);
          expectContract(command.args(writeInput((command.text ?? JSON.stringify)(value)), []), command.name);
        }), { numRuns: RUNS, seed: 17, endOnFailure: true });
      }, TIMEOUT * (RUNS + 1));
    }

    it(`${command.name}: hostile flags`, () => {
      fc.assert(fc.property(fc.constantFrom(...command.flags), (flags) => {
        const file = command.valid !== undefined ? writeInput((command.text ?? JSON.stringify)(command.valid)) : undefined;
        expectContract(command.args(file, flags), command.name);
      }), { numRuns: RUNS, seed: 19, endOnFailure: true });
    }, TIMEOUT * (RUNS + 1));
  }

  it('names of Object.prototype are not grid keys: summarize --by __proto__ / constructor is refused, not grouped by a prototype', () => {
    const file = writeInput(resultsText(RESULTS));
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const r = cli(['summarize', file, '--by', key], { timeout: TIMEOUT });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^dmflow: --by: expected grid keys of the sweep .*got "${key}"\n$`));
    }
  }, TIMEOUT * 4);

  it('inputs that are not files: a directory, a missing file, /dev/null, binary garbage', () => {
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]));
    for (const file of [dir, join(dir, 'missing.json'), '/dev/null', garbage]) {
      for (const name of ['run', 'analyze', 'glrl', 'summarize']) expectContract([name, file], name);
      expectContract(['merge', '--sweep', file, '--out', out(), garbage], 'merge');
    }
    expectContract(['sweep', garbage, '--out', out()], 'sweep');
  }, TIMEOUT * 20);
});
