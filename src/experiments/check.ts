// Hold an integration against the theorem family that covers the spec
// (docs/theorems.md, "check"). Every comparison is reported with the time it
// is made at, its difference, its tolerance and its own pass; the verdict is
// the conjunction of the comparisons that decide. The run is driven to
// tolerances that can resolve the requested one.

import { singularValues } from '../analysis/spectrum.js';
import { buildProblem, type BuildOptions, type Problem } from '../model/problem.js';
import type { Spec } from '../model/spec.js';
import { requireDeepModel } from '../model/udv/spec.js';
import { blockComponents } from '../../theorems/blockDiagonal.js';
import { e3Product } from '../../theorems/block/rates.js';
import type { BlockParams } from '../../theorems/block/types.js';
import { integrateBlockToFit } from '../../theorems/blockIntegration.js';
import { requireTheorem, THEOREMS_DEEP_ONLY, type Covered, type TheoremLimit } from '../../theorems/index.js';
import { runProblem } from './run.js';
import type { RunResult } from './runResult.js';
import { largestObserved, lossTolerance, targetEnergy } from './stopRules.js';
import type { Verification, VerificationSkipped } from './verify.js';

/**
 * The run check drives: rtol = tol / 1000 and atol = tol / 1e5 (the default
 * rtol/atol ratio), lossTol = (tol / 10)^2 x the observed target energy (a
 * relative residual of tol / 10), each only where the spec's own is looser.
 * The residual a run at that rtol can leave, about (4 rtol)^2 x the energy
 * (stopRules.ts), is then 600x below that lossTol.
 */
export const CHECK_TOL_PER_RTOL = 1e3;
export const CHECK_TOL_PER_ATOL = 1e5;
export const CHECK_TOL_PER_RESIDUAL = 10;
/**
 * Block-diagonal with q > 1: the run ends once the E1/E2 fit residual is
 * below tol/100 of the fit (then E1 and E2 are at their limits to about that,
 * and E3 is compared with its exact trajectory), not at tMax: E3's slow decay
 * would otherwise keep it going for the whole tMax, during which rounding
 * errors off the symmetric (invariant) subspace grow without bound.
 */
export const CHECK_TOL_PER_FIT = 100;
/** Tighter than this, an explicit method's steps stop at double precision's rounding: rtol is not lowered below it. */
export const CHECK_MIN_RTOL = 1e-13;

export interface CheckOptions extends BuildOptions {
  /** Repeat the run at rtol/100, atol/100 and require the two end states to agree (default true). */
  verify?: boolean;
}

export interface CheckComparison {
  /** What is compared: the end-to-end matrix entry by entry, its singular values, the block family's eigenspaces, or the run with its repeat. */
  compare: 'entries' | 'singular values' | 'eigenspaces' | 'verification';
  /** The theorem's value it is held against. */
  against: string;
  /** When: "inf" (the theorem's limit) or the run's final time T. */
  t: number | 'inf';
  /** The difference, relative to `scale` (verification: the relative Frobenius distance of the two end states). */
  diff: number;
  /** The largest max |difference| without scaling (entries and singular values). */
  absolute?: number;
  tol: number;
  pass: boolean;
  /** Whether this comparison is part of the verdict (the others are information). */
  decides: boolean;
  /** Why a comparison does not decide, or what it assumes. */
  note?: string;
  details?: Record<string, unknown>;
}

export interface CheckReport {
  theorem: string;
  tol: number;
  /** The conjunction of the comparisons with decides: true. */
  pass: boolean;
  /** Those comparisons, as "<compare> at t = <t>". */
  decidedBy: string[];
  /** The unit of every diff: the largest singular value of the theorem's W(inf) (the largest observed |target entry| if that is 0). */
  scale: number;
  comparisons: CheckComparison[];
  run: Pick<RunResult, 'status' | 'message' | 't' | 'loss' | 'gradNorm' | 'nfev' | 'invariantDrift' | 'singularValues' | 'matrix'> & {
    /** The tolerances the run used, and whether each is the spec's own or derived from tol. */
    solver: { rtol: number; atol: number; lossTol: number; tMax: number; source: { rtol: Source; atol: Source; lossTol: Source; tMax: Source | 'fit' }; note?: string };
  };
  /** The run repeated at rtol/100 (absent with verify: false; skipped for method gd). */
  verification?: Verification | VerificationSkipped;
  sensitive?: boolean;
  theoremSingularValues: number[];
  zeroLoss: boolean;
  /** The theorem's own self-check ('inexact': its value is not exact to 1e-12; the comparison is then only as good as that). */
  theoremStatus: 'exact' | 'inexact';
}

type Source = 'spec' | 'tol';

/** The solver check runs the spec with: rtol, atol and lossTol tightened to resolve tol where the spec's are looser. */
export function checkSolver(problem: Problem, tol: number, covered?: Covered): CheckReport['run']['solver'] & { spec: Problem['spec']['solver'] } {
  const s = problem.spec.solver;
  const energy = targetEnergy(problem);
  const specLossTol = lossTolerance(s, energy, energy).abs;
  // Divisions by powers of ten keep round tolerances round (1e-8 / 1e3 is 1e-11, 1e-8 * 1e-3 is not).
  const wantRtol = Math.max(tol / CHECK_TOL_PER_RTOL, CHECK_MIN_RTOL);
  const wantAtol = Math.max(tol / CHECK_TOL_PER_ATOL, CHECK_MIN_RTOL / (CHECK_TOL_PER_ATOL / CHECK_TOL_PER_RTOL));
  const wantLossTol = (tol / CHECK_TOL_PER_RESIDUAL) ** 2 * energy;
  const pick = (own: number, want: number): [number, Source] => (own <= want ? [own, 'spec'] : [round(want), 'tol']);
  const [rtol, rs] = pick(s.rtol, wantRtol), [atol, as] = pick(s.atol, wantAtol), [lossTol, ls] = pick(specLossTol, wantLossTol);
  const notes: string[] = [];
  let tMax = s.tMax, ts: Source | 'fit' = 'spec';
  if (covered?.family.name === 'block-diagonal' && (covered.params as BlockParams).q > 1) {
    const fit = integrateBlockToFit(covered.params as BlockParams, { rtol, atol, gTol: tol / CHECK_TOL_PER_FIT, tMax: s.tMax });
    if (fit.status === 'stopped' && fit.t < s.tMax) {
      tMax = fit.t;
      ts = 'fit';
      notes.push(`tMax is the time E1 and E2 fit the target to tol/${CHECK_TOL_PER_FIT} (E3 is compared on its trajectory there)`);
    }
  }
  if (s.method === 'gd') notes.push('method gd has no rtol or atol (its bias is O(lr))');
  if (tol / CHECK_TOL_PER_RTOL < CHECK_MIN_RTOL && rs === 'tol') notes.push(`rtol is not lowered below ${CHECK_MIN_RTOL} (double precision): a tol this small may not be resolvable`);
  return {
    rtol, atol, lossTol, tMax, source: { rtol: rs, atol: as, lossTol: ls, tMax: ts }, ...(notes.length ? { note: notes.join('; ') } : {}),
    spec: { ...s, rtol, atol, lossTol, lossRelTol: undefined, tMax },
  };
}

/** 12 significant digits: 1e-6 / 1e3 prints as 1e-9, not 9.999999999999999e-10. */
const round = (x: number): number => Number(x.toPrecision(12));

const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let mx = 0;
  for (let i = 0; i < x.length; i++) mx = Math.max(mx, Math.abs(x[i] - y[i]));
  // NaN anywhere fails the comparison.
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i] - y[i])) return NaN;
  return mx;
};

export function checkSpec(spec: Spec, tol = 1e-6, options: CheckOptions = {}): CheckReport {
  requireDeepModel(spec, `dmflow check: ${THEOREMS_DEEP_ONLY}`);
  const built = buildProblem(spec, options);
  const c = requireTheorem(built);
  const solver = checkSolver(built, tol, c);
  const problem: Problem = { ...built, spec: { ...built.spec, solver: solver.spec } };
  const { spec: _used, ...driven } = solver;
  return checkRun(c, problem, runProblem(problem, { verify: options.verify ?? true }), tol, driven);
}

/**
 * The comparisons of checkSpec for a run already made (the explorer page runs
 * its spec itself, at the spec's own tolerances): its end state against the
 * covering family's prediction. `solver` says which tolerances the run used
 * (default: the spec's).
 */
export function checkRun(c: Covered, problem: Problem, r: RunResult, tol = 1e-6, solver?: CheckReport['run']['solver']): CheckReport {
  const limit = c.family.limit(c.params);
  const s = problem.spec.solver;
  const used = solver ?? { rtol: s.rtol, atol: s.atol, lossTol: r.lossTol, tMax: s.tMax, source: { rtol: 'spec', atol: 'spec', lossTol: 'spec', tMax: 'spec' } };
  const v = r.verification && 'distance' in r.verification ? r.verification : null;
  const { m, n } = problem;
  const W = r.matrix.flat(), T = r.t;
  const scale = limit.singularValues[0] > 0 ? limit.singularValues[0] : observedScale(problem);
  const comparisons: CheckComparison[] = [];
  let theoremStatus = limit.status;

  const entries = (pred: number[], t: number | 'inf', against: string, decides: boolean, note?: string): CheckComparison => {
    const absolute = maxAbsDiff(W, pred);
    const diff = absolute / scale;
    return { compare: 'entries', against, t, diff, absolute, tol, pass: diff <= tol, decides, ...(note ? { note } : {}) };
  };
  const spectrum = (pred: number[], t: number | 'inf', against: string, decides: boolean, note?: string): CheckComparison => {
    const absolute = maxAbsDiff(r.singularValues, pred);
    const diff = absolute / scale;
    return { compare: 'singular values', against, t, diff, absolute, tol, pass: diff <= tol, decides, ...(note ? { note } : {}) };
  };

  // The prediction at the run's final time, where the family has one.
  let atT: { matrix: number[]; against: string; note?: string } | null = null;
  let limitNote: string | undefined;
  if (c.family.at) {
    const at = c.family.at(c.params, T);
    if (at.status !== 'exact') theoremStatus = 'inexact';
    atT = { matrix: at.matrix.flat(), against: 'W(T), closed-form trajectory' };
    limitNote = 'information: the exact W(T) above decides';
  } else if (c.family.name === 'block-diagonal') {
    const p = c.params as BlockParams;
    if (p.q > 1) {
      const M = e3Product(p, T);
      atT = {
        matrix: withE3(limit.matrix, p, M),
        against: 'W(T) = E1, E2 at their limits + E3 on its exact trajectory M(T)',
        note: `assumes E1 and E2 have converged (exponentially, rate ${rateOf(limit)}); the eigenspaces comparison checks them`,
      };
      limitNote = `information: E3 ${e3Decay(limit)}, so W(T) still differs from W(inf) by M(T) = ${M.toExponential(2)} (${(M / scale).toExponential(2)} of the scale) on E3; the comparisons at T decide`;
    }
  }
  const limitDecides = atT === null;
  comparisons.push(entries(limit.matrix.flat(), 'inf', 'W(inf)', limitDecides, limitDecides ? undefined : limitNote));
  comparisons.push(spectrum(limit.singularValues, 'inf', 'singular values of W(inf)', limitDecides, limitDecides ? undefined : limitNote));
  if (atT) {
    comparisons.push(entries(atT.matrix, T, atT.against, true, atT.note));
    comparisons.push(spectrum(singularValues(atT.matrix, m, n), T, `singular values of ${atT.against.split(' ')[0]}`, true));
  }
  if (c.family.name === 'block-diagonal') comparisons.push(eigenspaces(c.params as BlockParams, limit, W, T, scale, tol));
  if (v) {
    comparisons.push({
      compare: 'verification', against: `the same run at rtol ${v.rtol.toExponential(2)}, atol ${v.atol.toExponential(2)} (same lossTol)`, t: T, diff: v.distance, tol: v.threshold, pass: !v.sensitive, decides: true,
      note: 'relative Frobenius distance of the two end states; its tolerance is the verification threshold (docs/runs.md, "Verification")',
    });
  }
  const deciding = comparisons.filter((x) => x.decides);
  const report: CheckReport = {
    theorem: limit.theorem,
    tol,
    pass: deciding.every((x) => x.pass),
    decidedBy: deciding.map((x) => `${x.compare} at t = ${x.t === 'inf' ? 'inf' : 'T'}`),
    scale,
    comparisons,
    run: {
      status: r.status, message: r.message, t: r.t, loss: r.loss, gradNorm: r.gradNorm, nfev: r.nfev, invariantDrift: r.invariantDrift, singularValues: r.singularValues, matrix: r.matrix,
      solver: { rtol: used.rtol, atol: used.atol, lossTol: used.lossTol, tMax: used.tMax, source: used.source, ...(used.note ? { note: used.note } : {}) },
    },
    ...(r.verification ? { verification: r.verification } : {}),
    ...(r.sensitive !== undefined ? { sensitive: r.sensitive } : {}),
    theoremSingularValues: limit.singularValues,
    zeroLoss: limit.zeroLoss,
    theoremStatus,
  };
  return report;
}

/** The largest |observed target entry|: the scale when the theorem's limit is 0. */
function observedScale(p: Problem): number {
  return largestObserved(p) || 1;
}

/** W(inf) + M P3, P3 = I - (1/q) sum_k J_k (the E3 projector of the block structure). */
function withE3(limit: number[][], p: BlockParams, M: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.d; i++) {
    for (let j = 0; j < p.d; j++) {
      const same = Math.floor(i / p.q) === Math.floor(j / p.q);
      out.push(limit[i][j] + M * ((i === j ? 1 : 0) - (same ? 1 / p.q : 0)));
    }
  }
  return out;
}

function rateOf(limit: TheoremLimit): string {
  const rates = limit.details.rates as { E1E2?: { rate: number } } | undefined;
  return rates?.E1E2 ? rates.E1E2.rate.toExponential(2) : 'see limit';
}

function e3Decay(limit: TheoremLimit): string {
  const e3 = (limit.details.rates as { E3?: { kind: string; rate?: number; power?: number } } | undefined)?.E3;
  if (e3?.kind === 'polynomial') return `decays only polynomially, like t^-${e3.power!.toPrecision(3)}`;
  if (e3?.kind === 'exponential') return `decays like exp(-${e3.rate!.toExponential(2)} t)`;
  return 'decays to 0';
}

/**
 * The block family's eigenspaces at the run's final time: E1 (Lam) and E2 (N)
 * against their limits, which they approach exponentially, and E3 (M)
 * against its exact trajectory M(T). Differences relative to the scale; each
 * also relative to itself in the details.
 */
function eigenspaces(p: BlockParams, limit: TheoremLimit, W: number[], T: number, scale: number, tol: number): CheckComparison {
  const got = blockComponents(p, W);
  const det = limit.details as { Lam: number; N: number };
  const parts: Record<string, { run: number; theorem: number; diff: number; relToItself: number }> = {};
  const add = (name: string, run: number, theorem: number) => {
    const abs = Math.abs(run - theorem);
    parts[name] = { run, theorem, diff: abs / scale, relToItself: abs / Math.max(Math.abs(theorem), Number.MIN_VALUE) };
  };
  add('Lam (E1, limit)', got.Lam, det.Lam);
  if (p.n > 1) add('N (E2, limit)', got.N, det.N);
  if (p.q > 1) add('M (E3, M(T))', got.M, e3Product(p, T));
  const diffs = Object.values(parts).map((x) => x.diff);
  const diff = diffs.some(Number.isNaN) ? NaN : Math.max(...diffs);
  const which = p.n > 1 ? (p.q > 1 ? 'E1, E2 at their limits, E3 on M(T)' : 'E1, E2 at their limits (no E3: q = 1)') : (p.q > 1 ? 'E1 at its limit, E3 on M(T) (no E2: one block)' : 'E1 at its limit');
  return { compare: 'eigenspaces', against: which, t: T, diff, tol, pass: diff <= tol, decides: true, details: parts };
}
