// Conjectures: a claim about the flow, checked on generated specs by
// fast-check, which shrinks a failing spec toward the generators' lo and
// first options. Each instance: spec -> (given on the spec alone) -> run ->
// (given on the result) -> claim.

import { availableParallelism } from 'node:os';
import * as fc from 'fast-check';
import * as z from 'zod';
import { coveringTheorem, type TheoremLimit } from '../../theorems/index.js';
import { InputError } from '../model/errors.js';
import { buildProblem } from '../model/problem.js';
import { parseSpec, parseWith, type ParsedSpec, type Spec } from '../model/spec.js';
import { compileExpression, type CompiledExpression } from './conjectureExpr.js';
import { compileTemplate, probeTuples, type Generated, type Template } from './generators.js';
import { run } from './run.js';
import type { RunResult } from './runResult.js';
import { openRunStore, type RunStore } from './runStore.js';
import { canonical } from './resultsFile.js';
import { runPool } from './workerPool.js';

export const conjectureSchema = z.strictObject({
  generate: z.record(z.string(), z.unknown()),
  given: z.string().min(1).optional(),
  claim: z.string().min(1),
  runs: z.number().int().positive().default(100),
  seed: z.number().int().default(0),
});
/** A conjecture file as a user writes it: "generate" is a run spec in which any value may be a generator. */
export type ConjectureFile = Omit<z.input<typeof conjectureSchema>, 'generate'> & { generate: Generated<Spec> };
/** A validated conjecture file, defaults filled in (the generated specs are checked by checkConjecture). */
export type ParsedConjecture = z.output<typeof conjectureSchema>;

/** Validate a parsed conjecture file. */
export function parseConjecture(value: unknown): ParsedConjecture {
  return parseWith(conjectureSchema, value, 'conjecture');
}

/** What a claim sees: the run result, the generated spec (defaults filled in) and the covering theorem's limit. */
export interface ClaimScope extends RunResult {
  spec: ParsedSpec;
  /** null when no theorem family covers the instance. */
  theorem: TheoremLimit | null;
}

export interface ConjectureOptions {
  /** A run spec in which any value may be a generator. */
  generate: Generated<Spec>;
  /** Instances where it is false are discarded: a mathjs expression, or a predicate on the spec alone (checked before running). */
  given?: string | ((spec: ParsedSpec) => boolean);
  /** A mathjs expression, or a predicate, that must be true. */
  claim: string | ((x: ClaimScope) => boolean);
  runs?: number;
  seed?: number;
  /** Threads for the runs before the first failure (default: one per core; 1: this thread only). */
  workers?: number;
  /** The sweep worker's entry script; without it everything runs on this thread. */
  workerScript?: string | URL;
  /** Start workers only when the rest of the search is estimated to take longer than this (seconds; default 2; 0: at once). */
  workersAfterSeconds?: number;
  /** Directory for relative paths in specs. */
  baseDir?: string;
  /** A results file (JSON lines, appended): runs already in it are reused, new ones added, so a search resumes. */
  results?: string;
  /** A counterexample path to replay (with the seed that found it): that instance only, no shrinking. */
  replay?: string;
  /** Called after each instance of the search (not of the shrinking). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Repeat every run at rtol/100, atol/100 (run option verify) and stop the
   * search at a sensitive instance, status "sensitive" (default true).
   */
  verify?: boolean;
}

export type ConjectureStatus = 'holds' | 'counterexample' | 'integration-failure' | 'sensitive';

export interface ConjectureReport {
  status: ConjectureStatus;
  /** Instances checked (up to and including the first failure). */
  runs: number;
  /** Instances `given` discarded (up to the first failure). */
  discarded: number;
  seed: number;
  counterexample?: {
    /** The shrunk spec, concrete: runnable as is with `dmflow run`. */
    spec: unknown;
    claim: string;
    /** The claim's value (false), or null after an integration failure or at a sensitive instance. */
    value: unknown;
    /** The fields the expressions read, at this instance. */
    fields: Record<string, unknown>;
    run: { status: RunResult['status']; message: string; verification?: RunResult['verification'] };
  };
  /** Accepted shrinks that changed the spec. */
  shrinkSteps?: number;
  /** Pass these back (`--seed`, `--replay`) to reproduce the counterexample exactly. */
  replay?: { seed: number; path: string };
  /** Runs the search and shrinking needed in all; of them, how many were new (not in the results file) and done on worker threads. */
  integrations: number;
  reused: number;
  onWorkers: number;
}

type Outcome =
  | { kind: 'discard' }
  | { kind: 'pass' }
  | { kind: 'fail'; value: unknown; scope: ClaimScope }
  | { kind: 'integration'; scope: ClaimScope }
  | { kind: 'sensitive'; scope: ClaimScope };

interface Prepared {
  template: Template;
  given?: { specOnly: boolean; test(spec: ParsedSpec, scope: () => ClaimScope): boolean };
  claim: { text: string; test(scope: ClaimScope): unknown };
  /** Result fields the expressions read. */
  fields: string[];
  usesStatus: boolean;
  /** The expressions read sensitive or verification: they decide sensitive instances themselves. */
  usesSensitive: boolean;
  usesTheorem: boolean;
}

/** Check generators and expressions before any run; every problem is an InputError naming its place. */
function prepare(options: ConjectureOptions): Prepared {
  if (options.generate === null || typeof options.generate !== 'object') {
    throw new InputError('generate', `expected a run spec (an object) whose values may be generators, got ${JSON.stringify(options.generate)}`);
  }
  const template = compileTemplate(options.generate);
  // Every probe instance must be a valid spec: this catches a generator in a
  // place whose type it cannot produce (a uniform depth, an int method...).
  const probes: ParsedSpec[] = probeTuples(template).map((tuple) => {
    const spec = template.materialize(tuple);
    asGenerated(spec, (s) => buildProblem(s as Spec, { baseDir: options.baseDir }));
    return asGenerated(spec, parseSpec);
  });
  const specHas = (path: string[]) => probes.some((p) => {
    let cur: unknown = p;
    for (const k of path) {
      if (cur === null || typeof cur !== 'object' || !(k in cur)) return false;
      cur = (cur as Record<string, unknown>)[k];
    }
    return true;
  });
  const exprs: CompiledExpression[] = [];
  let given: Prepared['given'];
  if (typeof options.given === 'string') {
    const g = compileExpression(options.given, 'given', specHas);
    exprs.push(g);
    const specOnly = [...g.roots].every((r) => r === 'spec');
    given = { specOnly, test: (spec, scope) => truth(evaluating('given', g.text, spec, () => g.evaluate(specOnly ? { spec } : scope())), 'given', g.text, spec) };
  } else if (typeof options.given === 'function') {
    const f = options.given;
    given = { specOnly: true, test: (spec) => f(spec) };
  }
  let claim: Prepared['claim'];
  if (typeof options.claim === 'string') {
    const c = compileExpression(options.claim, 'claim', specHas);
    exprs.push(c);
    claim = { text: c.text, test: (scope) => c.evaluate(scope) };
  } else if (typeof options.claim === 'function') {
    const f = options.claim;
    claim = { text: f.toString(), test: f };
  } else {
    throw new InputError('claim', 'expected a mathjs expression or a predicate');
  }
  const usesSensitive = exprs.some((e) => e.roots.has('sensitive') || e.roots.has('verification'));
  if (usesSensitive && options.verify === false) {
    throw new InputError('claim', 'reads "sensitive" or "verification", which only a verifying search computes; drop --no-verify (verify: false)');
  }
  return {
    template, given, claim,
    fields: [...new Set(exprs.flatMap((e) => e.fields))],
    // A predicate sees the status itself; an expression that never reads it
    // would silently judge an unfinished run, so such runs are failures of their own.
    usesStatus: exprs.some((e) => e.roots.has('status')),
    usesSensitive,
    usesTheorem: exprs.some((e) => e.roots.has('theorem')),
  };
}

/** Apply a spec check to a generated instance; its errors name the place under "generate" and show the instance. */
function asGenerated<T>(spec: unknown, check: (spec: unknown) => T): T {
  try {
    return check(spec);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.field.replace(/^spec/, 'generate'), `${e.expected} (in the generated instance ${canonical(spec)})`);
    throw e;
  }
}

/** Evaluate an expression or predicate; its errors (an index out of range...) are the user's to fix. */
function evaluating<T>(place: string, text: string, spec: unknown, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(place, `evaluating "${text}" failed at the instance ${canonical(spec)}: ${(e as Error).message}`);
  }
}

function truth(v: unknown, place: string, text: string, spec: unknown): boolean {
  if (typeof v !== 'boolean') {
    throw new InputError(place, `expected "${text}" to be true or false, got ${describe(v)} at the instance ${canonical(spec)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v !== null && typeof v === 'object' && 'toArray' in v) return 'a matrix';
  return Array.isArray(v) ? 'an array' : `${typeof v} ${JSON.stringify(v)}`;
}

export async function checkConjecture(options: ConjectureOptions): Promise<ConjectureReport> {
  const prep = prepare(options);
  const store = openRunStore(options.results);
  try {
    return await search(options, prep, store);
  } finally {
    store.close();
  }
}

/**
 * The instances of a search: the arbitrary fast-check draws (one index per
 * generator leaf), each index tuple's spec, and its outcome, memoized so the
 * parallel runs and fast-check's own run share them.
 */
interface Instances {
  arb: fc.Arbitrary<number[]>;
  keyOf(tuple: readonly number[]): string;
  specOf(tuple: readonly number[]): unknown;
  parsed(spec: unknown): ParsedSpec;
  /** Discarded by a "given" that reads the spec alone (decided before running). */
  discardedBySpec(spec: ParsedSpec): boolean;
  /** A stored run the search can reuse (one without verification is run again when the search verifies). */
  usable(stored: RunResult | undefined): stored is RunResult;
  judge(raw: unknown, spec: ParsedSpec, result: RunResult): Outcome;
  outcomeOf(tuple: readonly number[]): Outcome;
  outcomes: Map<string, Outcome>;
  /** Runs the search needed, and of them how many came from the results file. */
  counts: { integrations: number; reused: number };
}

function searchInstances(options: ConjectureOptions, prep: Prepared, store: RunStore): Instances {
  const { template } = prep;
  const arb = fc.tuple(...template.leaves.map((l) => fc.noBias(fc.integer({ min: 0, max: l.size }))));
  const keyOf = (tuple: readonly number[]) => tuple.join(',');
  const outcomes = new Map<string, Outcome>();
  const specOf = (tuple: readonly number[]) => template.materialize(tuple);
  const counts = { integrations: 0, reused: 0 };
  const verify = options.verify ?? true;
  const usable = (stored: RunResult | undefined): stored is RunResult => stored !== undefined && (!verify || stored.verification !== undefined);
  const runOf = (raw: unknown): RunResult => {
    counts.integrations++;
    const stored = store.get(raw);
    if (usable(stored)) { counts.reused++; return stored; }
    const result = run(raw as Spec, { baseDir: options.baseDir, verify });
    store.put(raw, result);
    return result;
  };
  const parsed = (spec: unknown): ParsedSpec => asGenerated(spec, parseSpec);
  const discardedBySpec = (spec: ParsedSpec) => prep.given?.specOnly === true && !prep.given.test(spec, () => { throw new Error('unreachable'); });
  const theoremOf = (raw: unknown): TheoremLimit | null => {
    const c = coveringTheorem(buildProblem(raw as Spec, { baseDir: options.baseDir }));
    if ('family' in c) return c.family.limit(c.params);
    if (typeof options.claim === 'string') {
      throw new InputError('claim', `reads "theorem", but no theorem family covers the generated instance ${canonical(raw)} (${c.reasons.join('; ')}); narrow the generators`);
    }
    return null;
  };
  const judge = (raw: unknown, spec: ParsedSpec, result: RunResult): Outcome => {
    let scope: ClaimScope;
    if (typeof options.claim === 'function') {
      // A predicate may or may not read the theorem: computed when it does.
      let theorem: TheoremLimit | null | undefined;
      scope = { ...result, spec, theorem: null };
      Object.defineProperty(scope, 'theorem', { enumerable: true, get: () => (theorem === undefined ? (theorem = theoremOf(raw)) : theorem) });
    } else {
      scope = { ...result, spec, theorem: prep.usesTheorem ? theoremOf(raw) : null };
    }
    if (prep.given && !prep.given.specOnly && !prep.given.test(spec, () => scope)) return { kind: 'discard' };
    if (!prep.usesStatus && typeof options.claim === 'string' && result.status !== 'converged') return { kind: 'integration', scope };
    // A result the tighter repeat did not confirm is neither a pass nor a failure (predicates included).
    if (result.sensitive === true && !(prep.usesSensitive && typeof options.claim === 'string')) return { kind: 'sensitive', scope };
    const value = evaluating('claim', prep.claim.text, raw, () => prep.claim.test(scope));
    if (typeof options.claim === 'string') truth(value, 'claim', prep.claim.text, raw);
    return value === true ? { kind: 'pass' } : { kind: 'fail', value, scope };
  };
  const outcomeOf = (tuple: readonly number[]): Outcome => {
    const key = keyOf(tuple);
    const known = outcomes.get(key);
    if (known) return known;
    const raw = specOf(tuple);
    const spec = parsed(raw);
    let o: Outcome;
    if (discardedBySpec(spec)) o = { kind: 'discard' };
    else o = judge(raw, spec, runOf(raw));
    outcomes.set(key, o);
    return o;
  };
  return { arb, keyOf, specOf, parsed, discardedBySpec, usable, judge, outcomeOf, outcomes, counts };
}

/**
 * The runs before the first failure, on every thread: the same instances
 * fast-check will draw (same arbitrary, seed and discards), in its order.
 * Returns how many were run on worker threads.
 */
async function runAheadOnWorkers(options: ConjectureOptions, inst: Instances, store: RunStore, pool: { runs: number; seed: number; threads: number; workerScript: string | URL }): Promise<number> {
  const { runs, seed } = pool;
  const { keyOf, specOf } = inst;
  const drawn: number[][] = [];
  fc.check(fc.property(inst.arb, (tuple) => {
    let discarded: boolean;
    try {
      discarded = inst.discardedBySpec(inst.parsed(specOf(tuple)));
    } catch {
      return true; // bad input: fast-check's own run reports it
    }
    fc.pre(!discarded);
    drawn.push(tuple);
    return true;
  }), { seed, numRuns: runs });
  // The same instance drawn twice runs once; runs in the results file are
  // judged here, and the first failure among them ends the list.
  const todo: number[][] = [];
  for (const t of new Map(drawn.map((t) => [keyOf(t), t])).values()) {
    if (!inst.usable(store.get(specOf(t)))) { todo.push(t); continue; }
    const o = inst.outcomeOf(t);
    if (o.kind !== 'pass' && o.kind !== 'discard') break;
  }
  let done = 0;
  // Every instance before the first failure gets its result; later ones are not started.
  return runPool({
    specs: todo.map(specOf), work: { kind: 'runs', verify: options.verify ?? true }, threads: pool.threads, workerScript: pool.workerScript, baseDir: options.baseDir,
    maxBatch: 1, workersAfterSeconds: options.workersAfterSeconds, serves: 'search',
    onResult: (i, result) => {
      const raw = specOf(todo[i]);
      inst.counts.integrations++;
      store.put(raw, result);
      const o = inst.judge(raw, inst.parsed(raw), result);
      inst.outcomes.set(keyOf(todo[i]), o);
      options.onProgress?.(++done, todo.length);
      return o.kind !== 'pass' && o.kind !== 'discard';
    },
  });
}

/**
 * fast-check drives the search and the shrinking. Bad input found while it
 * runs is kept aside (fast-check would treat a throw as a failure and shrink
 * it) and thrown after. After the first failure, only a failure of the same
 * kind is a smaller counterexample.
 */
function shrinkingSearch(options: ConjectureOptions, inst: Instances, runs: number, seed: number) {
  let fatal: unknown = null;
  let firstKind: 'fail' | 'integration' | 'sensitive' | null = null;
  let lastFailing: string | null = null;
  let shrinkSteps = 0;
  let searched = 0;
  const property = fc.property(inst.arb, (tuple) => {
    if (fatal) return true;
    let o: Outcome;
    try {
      o = inst.outcomeOf(tuple);
    } catch (e) {
      fatal = e;
      return true;
    }
    fc.pre(o.kind !== 'discard');
    if (firstKind === null) options.onProgress?.(++searched, runs);
    if (o.kind === 'pass') return true;
    if (firstKind === null) firstKind = o.kind;
    else if (o.kind !== firstKind) return true;
    const spec = canonical(inst.specOf(tuple));
    if (lastFailing !== null && spec !== lastFailing) shrinkSteps++;
    lastFailing = spec;
    return false;
  });
  let details: ReturnType<typeof fc.check<[number[]]>>;
  try {
    // A replay runs the one instance at the path, and does not shrink it further.
    details = fc.check(property, options.replay !== undefined
      ? { seed, numRuns: 1, path: options.replay, endOnFailure: true }
      : { seed, numRuns: runs });
  } catch (e) {
    if (options.replay === undefined) throw e;
    throw new InputError('--replay', `expected a path printed with seed ${seed} for this file, got "${options.replay}" (${(e as Error).message})`);
  }
  if (fatal) throw fatal;
  return { details, shrinkSteps };
}

async function search(options: ConjectureOptions, prep: Prepared, store: RunStore): Promise<ConjectureReport> {
  const runs = options.runs ?? 100;
  const seed = options.seed ?? 0;
  if (!(Number.isInteger(runs) && runs > 0)) throw new InputError('runs', `expected a whole number >= 1, got ${runs}`);
  if (!Number.isInteger(seed)) throw new InputError('seed', `expected an integer, got ${seed}`);
  const inst = searchInstances(options, prep, store);
  const threads = Math.max(1, options.workers ?? availableParallelism());
  const onWorkers = options.replay === undefined && threads > 1 && options.workerScript
    ? await runAheadOnWorkers(options, inst, store, { runs, seed, threads, workerScript: options.workerScript })
    : 0;
  const { details, shrinkSteps } = shrinkingSearch(options, inst, runs, seed);
  const head = { runs: details.numRuns, discarded: details.numSkips, seed };
  if (!details.failed) {
    if (options.replay !== undefined) throw new InputError('--replay', `expected the path of a counterexample for seed ${seed}, got "${options.replay}", which holds`);
    return { status: 'holds', ...head, ...inst.counts, onWorkers };
  }
  if (details.counterexample === null) {
    throw new InputError('given', `discarded ${details.numSkips} instances while looking for ${runs}; widen "given" or narrow the generators to where it holds`);
  }
  const tuple = details.counterexample[0];
  const o = inst.outcomeOf(tuple);
  if (o.kind === 'pass' || o.kind === 'discard') throw new Error(`fast-check reported instance ${inst.keyOf(tuple)} as failing, but it ${o.kind === 'pass' ? 'holds' : 'is discarded'}`);
  return {
    status: o.kind === 'fail' ? 'counterexample' : o.kind === 'integration' ? 'integration-failure' : 'sensitive',
    ...head,
    counterexample: {
      spec: inst.specOf(tuple),
      claim: prep.claim.text,
      value: o.kind === 'fail' ? plain(o.value) : null,
      fields: Object.fromEntries(prep.fields.map((f) => [f, readPath(o.scope, f)])),
      run: { status: o.scope.status, message: o.scope.message, ...(o.kind === 'sensitive' ? { verification: o.scope.verification } : {}) },
    },
    shrinkSteps: options.replay === undefined ? shrinkSteps : undefined,
    replay: { seed, path: details.counterexamplePath },
    integrations: inst.counts.integrations,
    reused: inst.counts.reused,
    onWorkers,
  };
}

function readPath(obj: unknown, dotted: string): unknown {
  let cur = obj;
  for (const k of dotted.split('.')) cur = cur === null || cur === undefined ? undefined : (cur as Record<string, unknown>)[k];
  return cur ?? null;
}

function plain(v: unknown): unknown {
  return v !== null && typeof v === 'object' && 'toArray' in v ? (v as { toArray(): unknown }).toArray() : v;
}
