// Greedy Low-Rank Learning (GLRL; Li, Luo & Lyu 2021, Algorithm 1): the
// reference algorithm that depth-2 gradient flow from an infinitesimal
// initialization follows. Start from W = 0; at each stage add epsilon u v^T
// along the top singular pair of -grad L(W) = -P_Omega(W - W*), run the
// gradient flow of the rank-r factorization to convergence with the project's
// integrator, and stop when the loss reaches lossTol, the rank reaches its
// limit, or (symmetric variant) -grad L(W) has no positive eigenvalue (then W
// minimizes the loss over all PSD matrices).

import { observationGraph } from '../analysis/connectivity.js';
import { reconstructionError } from '../analysis/snapshot.js';
import { effectiveRank, singularValues, topEigenpair, topSingularPair } from '../analysis/spectrum.js';
import { matmulNT, norm2, toRows } from '../linalg/dense.js';
import { solveIvp } from '../ode/solve.js';
import { solveOptionsFromSpec } from './solveOptions.js';
import { InputError } from '../model/errors.js';
import { makeMask, makeTarget, observedEntries, problemShape } from '../model/problem.js';
import { checkMemory, glrlNeeds } from '../model/resources.js';
import { endToEnd, lossOf } from '../model/product.js';
import { parseGlrlSpec, type GlrlOptions, type GlrlSpec, type ParsedGlrlSpec } from '../model/spec.js';
import { symmetricField } from '../model/field/symmetricField.js';
import { gradientField } from '../model/field/dispatch.js';
import type { GradientField } from '../model/field/types.js';
import type { FlowTotals } from './runResult.js';
import { divergeLimitFor, lossTolerance, targetEnergy } from './stopRules.js';

export type GlrlStatus = 'converged' | 'psd-optimal' | 'max-rank' | 'stage-failed' | 'stage-unbounded';

/**
 * How a stage ended: "loss-tol" (its loss reached lossTol), "critical-point" (its gradient norm
 * fell to glrl.stageGradTol while its loss, falling at its present logarithmic rate until tMax,
 * would stay above lossTol), "unbounded" (its factors grow without limit) or "failed".
 */
export type StageEnd = 'loss-tol' | 'critical-point' | 'unbounded' | 'failed';

export interface GlrlStage {
  rank: number;
  /** Top singular value (symmetric: top eigenvalue) of -grad L(W) when the stage began. */
  escapeRate: number;
  /** Flow time of the stage, and the cumulative time at its end. */
  t: number;
  tEnd: number;
  loss: number;
  /** Norm of the gradient of the stage's loss in its factors, at its end. */
  gradNorm: number;
  /** -d ln L / dt = gradNorm^2 / loss at the end of the stage (0 when the loss is 0). */
  lossRate: number;
  end: StageEnd;
  nfev: number;
  singularValues: number[];
}

/** gradNorm is ||P_Omega(W - W*)||_F, the gradient of the loss in W. */
export interface GlrlResult extends FlowTotals {
  status: GlrlStatus;
  message: string;
  variant: GlrlOptions['variant'];
  epsilon: number;
  rank: number;
  matrix: number[][];
  singularValues: number[];
  effectiveRank: number;
  nuclearNorm: number;
  reconstructionError: number | null;
  connectivity: { connected: boolean; components: number };
  stages: GlrlStage[];
}

/** Completion data shared by every stage. */
interface Completion {
  m: number;
  n: number;
  target: Float64Array;
  mask: Uint8Array;
  obsRows: Int32Array;
  obsCols: Int32Array;
}

/** Run GLRL on a spec (raw JSON value or parsed); `overrides` replace the spec's "glrl" options. */
export function glrl(input: GlrlSpec, overrides: Partial<GlrlOptions> = {}): GlrlResult {
  const parsed = parseGlrlSpec(input);
  const options: GlrlOptions = { ...parsed.glrl, ...definedOnly(overrides) };
  const shape = problemShape({ target: parsed.target, depth: 2 });
  checkMemory(glrlNeeds(shape.m, shape.n, Math.min(options.maxRank ?? Infinity, shape.m, shape.n)));
  const target = makeTarget(parsed.target);
  const { m, n } = target;
  const mask = makeMask(parsed.observed, m, n);
  const c: Completion = { m, n, target: target.values, mask, ...observedEntries(mask, m, n) };
  // The loss tolerance as a run's (W = 0 to start with, so the initial loss is the target energy).
  const energy = targetEnergy(c);
  const spec: TolSpec = { ...parsed, solver: { ...parsed.solver, lossTol: lossTolerance(parsed.solver, energy, energy).abs } };
  const maxRank = options.maxRank ?? Math.min(m, n);
  if (maxRank > Math.min(m, n)) throw new InputError('glrl.maxRank', `expected at most min(m, n) = ${Math.min(m, n)}, got ${maxRank}`);
  if (options.variant === 'symmetric') checkSymmetric(c);
  return options.variant === 'symmetric' ? symmetricGlrl(spec, c, options, maxRank) : asymmetricGlrl(spec, c, options, maxRank);
}

/** A GLRL spec whose lossTol is resolved to an absolute number. */
type TolSpec = ParsedGlrlSpec & { solver: { lossTol: number } };

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkSymmetric(c: Completion): void {
  const { m, n, target, mask } = c;
  if (m !== n) throw new InputError('spec.target', `expected a square target for the symmetric variant, got ${m}x${n}`);
  let scale = 0;
  for (const v of target) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (mask[i * n + j] !== mask[j * n + i]) throw new InputError('spec.observed', `expected a symmetric mask for the symmetric variant, got (${i}, ${j}) and (${j}, ${i}) differing`);
      if (Math.abs(target[i * n + j] - target[j * n + i]) > 1e-12 * scale) {
        throw new InputError('spec.target', `expected a symmetric target for the symmetric variant, got entries (${i}, ${j}) and (${j}, ${i}) differing`);
      }
    }
  }
}

/** -grad L(W) = P_Omega(W* - W), m x n. */
function negativeGradient(c: Completion, W: ArrayLike<number>): Float64Array {
  const G = new Float64Array(c.m * c.n);
  for (let p = 0; p < c.obsRows.length; p++) {
    const idx = c.obsRows[p] * c.n + c.obsCols[p];
    G[idx] = c.target[idx] - W[idx];
  }
  return G;
}

interface StageRun extends FlowTotals {
  y: Float64Array;
  ok: boolean;
  /** How the stage ended (see GlrlStage.end). */
  end: StageEnd;
  /** The stage's factors grew without bound: its loss has no minimizer of this rank. */
  unbounded: boolean;
  /** It reached tMax before half the new component's escape time. */
  noEscape: boolean;
  /** -d ln L / dt at the end: |grad|^2 / L. */
  lossRate: number;
  message: string;
}

/** Stiffness detections over which the stage's gradient norm must at least halve. */
const STALL_WINDOW = 20;
/** Growth of the factor norm over the last decade of time, relative to it, below which a stage is not called unbounded. */
const UNBOUNDED_GROWTH = 1e-3;

/**
 * -d ln L / dt = |grad L|^2 / L along a gradient flow (dL/dt = -|grad L|^2 exactly).
 * Near any limit the flow is linear and this rate does not increase: the error
 * concentrates in the slowest modes, and at a limit with positive loss the rate
 * falls to 0. So L exp(-rate (tMax - t)) is the lowest loss the stage can reach
 * by tMax, which decides whether this rank can still reach lossTol.
 */
function lossRateOf(loss: number, gradNorm: number): number {
  return loss > 0 ? (gradNorm * gradNorm) / loss : 0;
}

/** Time the loss needs to fall from `loss` to `lossTol` at the logarithmic rate `rate` (Infinity when it cannot). */
function timeToLossTol(loss: number, rate: number, lossTol: number): number {
  if (loss <= lossTol) return 0;
  return lossTol > 0 && rate > 0 ? Math.log(loss / lossTol) / rate : Infinity;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toExponential(3) : String(x));

/** Integrate one stage's flow until its loss reaches lossTol or the stage reaches a critical point of its rank. */
function runStage(field: GradientField, y0: Float64Array, rank: number, escapeRate: number, spec: TolSpec, options: GlrlOptions, divergeLimit: number): StageRun {
  const s = spec.solver;
  // The new component starts at size epsilon and grows like epsilon e^(2 sigma t): the gradient
  // norm is small at the start for that reason alone, so stageGradTol counts only from half
  // of the escape time ln(1/epsilon) / (2 sigma) on (else a slow escape ends the stage at once).
  const tArm = Math.log(1 / options.epsilon) / (4 * escapeRate);
  let reached = false;
  let critical = false;
  let diverged = false;
  let stalled = false;
  let gradNorm = Infinity;
  const stiffGrads: number[] = [];
  // t, ||y||, the gradient norm and the loss at the first accepted step past each power of ten in t.
  const atDecade = new Map<number, { t: number; norm: number; grad: number; loss: number }>();
  const sol = solveIvp(field.rhs, [0, s.tMax], y0, solveOptionsFromSpec(s, {
    // A stage ends at a critical point of the rank-r loss, often with a positive
    // loss: stiff there, but the gradient still falls, so stiffness alone is no
    // reason to stop. An explicit method that keeps detecting stiffness while
    // the gradient norm no longer halves has reached its floor (the controller
    // holds the stiff modes at the tolerance level): stop and say so.
    onStiff: () => {
      stiffGrads.push(gradNorm);
      const k = stiffGrads.length;
      stalled = k > STALL_WINDOW && stiffGrads[k - 1] > 0.5 * stiffGrads[k - 1 - STALL_WINDOW];
      return stalled;
    },
    stop: (t, y, dy) => {
      gradNorm = norm2(dy);
      const loss = field.lastLoss;
      const decade = t > 0 ? Math.floor(Math.log10(t)) : -Infinity;
      if (Number.isFinite(decade) && !atDecade.has(decade)) atDecade.set(decade, { t, norm: norm2(y), grad: gradNorm, loss });
      if (loss <= s.lossTol) { reached = true; return true; }
      // A small gradient alone does not make a critical point of this rank: on a slow approach to
      // zero loss (an ill-conditioned minimum) the gradient falls below stageGradTol while the loss
      // still falls at a fixed logarithmic rate. The stage ends only where even that rate, held to
      // tMax, leaves the loss above lossTol; otherwise the next rank is not needed.
      if (t >= tArm && gradNorm <= options.stageGradTol && timeToLossTol(loss, lossRateOf(loss, gradNorm), s.lossTol) > s.tMax - t) {
        reached = critical = true;
        return true;
      }
      for (let i = 0; i < y.length; i++) if (!(Math.abs(y[i]) <= divergeLimit)) { diverged = true; return true; }
      return false;
    },
  }));
  const dy = new Float64Array(sol.y.length);
  field.rhs(sol.t, sol.y, dy);
  const loss = field.lastLoss;
  const ok = reached && !diverged;
  const end = { t: sol.t, norm: norm2(sol.y), grad: norm2(dy), loss };
  const lossRate = lossRateOf(loss, end.grad);
  // Unbounded: the stage ran out of time or steps while ||y|| grew by no less per unit of ln t over
  // its last decade of t than over the one before (a flow converging to a limit grows by less and
  // less), the gradient norm fell over both (an escape that has not finished grows with a rising
  // gradient), and the loss's log-log slope -d ln L / d ln t fell over the last decade. That slope
  // separates a loss reached only at infinity (L - L_inf ~ t^-a: the slope a (L - L_inf) / L does
  // not rise) from an exponential approach to a finite minimizer (L - L_inf ~ e^(-rate t): the slope
  // rises like rate t), which before its time scale 1 / rate also grows its factors by more each
  // decade. The slope is read two ways, at the two ends of the decade (t |grad|^2 / L, exact but
  // from single steps) and as the decade's mean (Delta ln L / Delta ln t, smooth but lagging); an
  // exponential approach raises it by both.
  const lastDecade = sol.t > 0 ? Math.floor(Math.log10(sol.t)) : 0;
  const [d1, d2] = [atDecade.get(lastDecade - 1), atDecade.get(lastDecade - 2)];
  // Evaluations, not steps, measure cost (an RKC step can take thousands): solver.maxEvals bounds a stage.
  const outOfEvals = sol.status === 'max-evals';
  const logSlope = (x: { t: number; grad: number; loss: number }) => x.t * lossRateOf(x.loss, x.grad);
  const meanSlope = (a: { t: number; loss: number }, b: { t: number; loss: number }) => Math.log(a.loss / b.loss) / Math.log(b.t / a.t);
  const growth = (b: { t: number; norm: number }, a: { t: number; norm: number }) => (b.norm - a.norm) / Math.log(b.t / a.t);
  const unbounded = !ok && !diverged && !stalled && !outOfEvals && d1 !== undefined && d2 !== undefined && sol.t >= 10 * tArm && sol.t > d1.t && d1.t > d2.t &&
    growth(end, d1) >= growth(d1, d2) && end.norm - d1.norm > UNBOUNDED_GROWTH * end.norm &&
    end.grad < d1.grad && d1.grad < d2.grad && (logSlope(end) <= logSlope(d1) || meanSlope(d1, end) <= meanSlope(d2, d1));
  const g = fmt(end.grad);
  const toTol = timeToLossTol(loss, lossRate, s.lossTol);
  // What the loss's present rate says about the rest of the stage, for the messages.
  const rateText = `its loss ${fmt(loss)} falls at the rate -d ln L/dt = |grad|^2 / L = ${fmt(lossRate)}, which would take it to lossTol ${s.lossTol} ` +
    (Number.isFinite(toTol) ? `in ${fmt(toTol)} more time units (at t ~ ${fmt(sol.t + toTol)})` : 'never');
  const message = ok ? ''
    : diverged ? `the factors blew up (an entry above ${divergeLimit}: divergeAt = ${s.divergeAt} times the square root of the largest observed entry, when above 1)`
    : stalled ? `the gradient norm fell by less than half over the last ${STALL_WINDOW} stiffness detections (now ${g} > stageGradTol ${options.stageGradTol}) ` +
      `while the step of method ${s.method} stayed stability-limited: an explicit method holds the stiff modes of a critical point at its tolerance; ` +
      'use solver.method "auto" (the default for GLRL) or "rkc", or raise glrl.stageGradTol'
    : outOfEvals ? `used ${sol.nfev} vector-field evaluations (solver.maxEvals = ${s.maxEvals}) before the stage converged (gradient norm ${g} > stageGradTol ${options.stageGradTol} at t = ${fmt(sol.t)}); ` +
      'a badly scaled target makes the stage very stiff: rescale it, or raise solver.maxEvals'
    : unbounded ? `the factors keep growing (norm ${fmt(d2!.norm)} at t = ${fmt(d2!.t)}, ${fmt(d1!.norm)} at t = ${fmt(d1!.t)}, ` +
      `${fmt(end.norm)} at t = ${fmt(sol.t)}) `+
      `while the gradient norm (${fmt(d2!.grad)}, ${fmt(d1!.grad)}, ${g}) falls and the loss (${fmt(d2!.loss)}, ${fmt(d1!.loss)}, ${fmt(loss)}) falls ` +
      `with a log-log slope that no longer rises (t |grad|^2 / L from ${fmt(logSlope(d1!))} to ${fmt(logSlope(end))}, over the two decades ${fmt(meanSlope(d2!, d1!))} and ${fmt(meanSlope(d1!, end))}): ` +
      `the rank-${rank} flow heads for a loss it reaches only at infinity, so this stage, and GLRL, has no limit`
    : sol.status === 'done' && sol.t < tArm ? `reached tMax = ${s.tMax} before the new component could grow (half its escape time ln(1/epsilon) / (4 sigma) = ${fmt(tArm)}, sigma = ${fmt(escapeRate)})`
    : sol.status === 'done' ? `reached tMax = ${s.tMax} before the stage converged (gradient norm ${g} > stageGradTol ${options.stageGradTol}): ${rateText}; ` +
      (Number.isFinite(toTol) ? `raise solver.tMax (past ${fmt(sol.t + toTol)} if that rate holds)` : 'raise solver.tMax')
    : `${sol.status}: ${sol.message}`;
  return {
    y: sol.y, t: sol.t, loss, gradNorm: end.grad, nfev: sol.nfev, steps: sol.naccept, rejected: sol.nreject, ok, unbounded, lossRate, message,
    noEscape: !ok && !unbounded && sol.status === 'done' && sol.t < tArm,
    end: !ok ? (unbounded ? 'unbounded' : 'failed') : critical ? 'critical-point' : 'loss-tol',
  };
}

/** W = U V^T as state of a depth-2 factorization W_2 W_1 with W_1 = V^T (r x n), W_2 = U (m x r). */
function asymmetricGlrl(spec: TolSpec, c: Completion, options: GlrlOptions, maxRank: number): GlrlResult {
  const { m, n } = c;
  let U: Float64Array = new Float64Array(0); // m x r, row-major
  let Vt: Float64Array = new Float64Array(0); // r x n, row-major
  let W: Float64Array = new Float64Array(m * n);
  const acc = new Accumulator(c, options);
  const root = Math.sqrt(options.epsilon);
  const divergeLimit = divergeLimitFor(spec.solver.divergeAt, 2, c);
  for (let r = 1; ; r++) {
    if (acc.loss(W) <= spec.solver.lossTol) return acc.finish('converged', `loss <= lossTol (${spec.solver.lossTol}) at rank ${r - 1}`, W, r - 1);
    if (r > maxRank) return acc.finish('max-rank', `rank limit ${maxRank} reached with loss ${acc.loss(W).toExponential(3)} > lossTol`, W, r - 1);
    const { sigma, u, v } = topSingularPair(negativeGradient(c, W), m, n);
    // State [W_1 = V^T; W_2 = U]: a row sqrt(eps) v^T under V^T, a column sqrt(eps) u beside U.
    const shape = { dims: [n, r, m], offsets: [0, r * n, r * n + m * r] };
    const y0 = new Float64Array(shape.offsets[2]);
    y0.set(Vt);
    for (let j = 0; j < n; j++) y0[(r - 1) * n + j] = root * v[j];
    y0.set(withColumn(U, m, r - 1, u, root), shape.offsets[1]);
    const field = gradientField({ ...shape, depth: 2, n, target: c.target, obsRows: c.obsRows, obsCols: c.obsCols });
    const stage = runStage(field, y0, r, sigma, spec, options, divergeLimit);
    Vt = stage.y.slice(0, shape.offsets[1]);
    U = stage.y.slice(shape.offsets[1], shape.offsets[2]);
    W = endToEnd(shape, stage.y);
    acc.add(r, sigma, stage, W);
    if (!stage.ok) return acc.failed(r, sigma, stage, spec, options, W);
  }
}

/** W = U U^T with U (n x r). */
function symmetricGlrl(spec: TolSpec, c: Completion, options: GlrlOptions, maxRank: number): GlrlResult {
  const { n } = c;
  let U: Float64Array = new Float64Array(0);
  let W: Float64Array = new Float64Array(n * n);
  const acc = new Accumulator(c, options);
  const root = Math.sqrt(options.epsilon);
  const divergeLimit = divergeLimitFor(spec.solver.divergeAt, 2, c);
  for (let r = 1; ; r++) {
    if (acc.loss(W) <= spec.solver.lossTol) return acc.finish('converged', `loss <= lossTol (${spec.solver.lossTol}) at rank ${r - 1}`, W, r - 1);
    const { lambda, u } = topEigenpair(negativeGradient(c, W), n);
    // No positive eigenvalue: W minimizes the (convex) loss over the PSD cone (Li et al. 2021, section 4).
    if (lambda <= options.stageGradTol) {
      return acc.finish('psd-optimal', `-grad L(W) has no positive eigenvalue (largest ${lambda.toExponential(3)}): W is optimal over PSD matrices`, W, r - 1);
    }
    if (r > maxRank) return acc.finish('max-rank', `rank limit ${maxRank} reached with loss ${acc.loss(W).toExponential(3)} > lossTol`, W, r - 1);
    const y0 = withColumn(U, n, r - 1, u, root);
    const stage = runStage(symmetricField({ n, rank: r, target: c.target, obsRows: c.obsRows, obsCols: c.obsCols }), y0, r, lambda, spec, options, divergeLimit);
    U = stage.y;
    W = new Float64Array(n * n);
    matmulNT(U, 0, U, 0, W, 0, n, n, r);
    acc.add(r, lambda, stage, W);
    if (!stage.ok) return acc.failed(r, lambda, stage, spec, options, W);
  }
}

/** A (rows x cols, row-major) with the column scale * col appended: rows x (cols + 1). */
function withColumn(A: Float64Array, rows: number, cols: number, col: Float64Array, scale: number): Float64Array {
  const out = new Float64Array(rows * (cols + 1));
  for (let i = 0; i < rows; i++) {
    out.set(A.subarray(i * cols, (i + 1) * cols), i * (cols + 1));
    out[i * (cols + 1) + cols] = scale * col[i];
  }
  return out;
}

/** Collects stages and totals, and assembles the result. */
class Accumulator {
  private readonly stages: GlrlStage[] = [];
  private t = 0;
  private nfev = 0;
  private steps = 0;
  private rejected = 0;

  constructor(private readonly c: Completion, private readonly options: GlrlOptions) {}

  loss(W: ArrayLike<number>): number {
    return lossOf(this.c, W);
  }

  add(rank: number, escapeRate: number, stage: StageRun, W: Float64Array): void {
    this.t += stage.t;
    this.nfev += stage.nfev;
    this.steps += stage.steps;
    this.rejected += stage.rejected;
    this.stages.push({
      rank, escapeRate, t: stage.t, tEnd: this.t, loss: this.loss(W), gradNorm: stage.gradNorm, lossRate: stage.lossRate, end: stage.end, nfev: stage.nfev,
      singularValues: singularValues(W, this.c.m, this.c.n),
    });
  }

  /**
   * The result of a stage that could not finish. A new component that cannot grow within tMax has a
   * cause in the stage before it: its residual (the escape rate sigma is the residual's top singular
   * value) was left small, either by a stage that ended at a critical point of small loss, or by one
   * whose loss was still falling, too slowly to reach lossTol by tMax. Say which, with both times.
   */
  failed(r: number, sigma: number, stage: StageRun, spec: TolSpec, options: GlrlOptions, W: Float64Array): GlrlResult {
    const s = spec.solver;
    const escape = Math.log(1 / options.epsilon) / (2 * sigma);
    let message = `stage ${r}: ${stage.message}`;
    const prev = this.stages[this.stages.length - 2];
    if (stage.noEscape && prev === undefined) {
      message += `; raise solver.tMax above the escape time ${fmt(escape)}, or epsilon`;
    } else if (stage.noEscape) {
      const toTol = timeToLossTol(prev.loss, prev.lossRate, s.lossTol);
      message += `: sigma is the top singular value of the residual left by stage ${r - 1} (loss ${fmt(prev.loss)} > lossTol ${s.lossTol}), ` +
        `and the escape time ln(1/epsilon) / (2 sigma) = ${fmt(escape)} exceeds tMax. Stage ${r - 1} ended at t = ${fmt(prev.t)} with its gradient norm ${fmt(prev.gradNorm)} <= stageGradTol ` +
        (prev.t + toTol <= escape
          ? `while its loss still fell at the rate |grad|^2 / L = ${fmt(prev.lossRate)}, which would reach lossTol at t ~ ${fmt(prev.t + toTol)}, after tMax: ` +
            `GLRL stands at rank ${r - 1} as close to lossTol as tMax allows at that rate; with solver.tMax above ${fmt(prev.t + toTol)} stage ${r - 1} reaches lossTol at rank ${r - 1}`
          : `and its loss falling at the rate |grad|^2 / L = ${fmt(prev.lossRate)}` + (Number.isFinite(toTol) ? ` (lossTol at t ~ ${fmt(prev.t + toTol)} at that rate)` : '') +
            `; raise solver.tMax above ${fmt(escape)}, or epsilon, for the new component to grow`);
    }
    return this.finish(stage.unbounded ? 'stage-unbounded' : 'stage-failed', message, W, r);
  }

  finish(status: GlrlStatus, message: string, W: Float64Array, rank: number): GlrlResult {
    const { m, n, obsRows, obsCols } = this.c;
    const sigma = singularValues(W, m, n);
    const graph = observationGraph(m, n, obsRows, obsCols);
    return {
      status, message, variant: this.options.variant, epsilon: this.options.epsilon,
      t: this.t, loss: this.loss(W), gradNorm: norm2(negativeGradient(this.c, W)),
      nfev: this.nfev, steps: this.steps, rejected: this.rejected, rank,
      matrix: toRows(W, m, n), singularValues: sigma, effectiveRank: effectiveRank(sigma),
      nuclearNorm: sigma.reduce((a, b) => a + b, 0), reconstructionError: reconstructionError(this.c, W),
      connectivity: { connected: graph.connected, components: graph.components },
      stages: this.stages,
    };
  }
}
