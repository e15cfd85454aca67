// One run of a factored model (udv / udu, Hou, Sra & Yurtsever 2025):
// spec -> FactorProblem -> projected flow (switched ODE, segment by segment)
// or projected gradient descent -> result with the constraint's record.

import { observationGraph } from '../analysis/connectivity.js';
import { reconstructionError } from '../analysis/snapshot.js';
import { effectiveRank } from '../analysis/spectrum.js';
import { toRows } from '../linalg/dense.js';
import { InputError } from '../model/errors.js';
import { factorGradient, tangentConeProject } from '../model/udv/field.js';
import { factorFlow } from '../model/udv/flow.js';
import { ballNorm2, buildFactorProblem, projectOnConstraints, type FactorProblem } from '../model/udv/problem.js';
import { factorSingularValues } from '../model/udv/spectrum.js';
import type { FactorSpec } from '../model/udv/spec.js';
import { gradientDescent } from '../ode/gd.js';
import { solveSwitched } from '../ode/switched.js';
import { runStatus, type FlowTotals, type RunStatus } from './runResult.js';
import { largestObserved, lossTolerance, targetEnergy, tolText, type LossTolerance } from './stopRules.js';
import type { SolveStatus } from '../ode/types.js';

export type FactorRunStatus = RunStatus | 'max-switches';

export interface ConstraintRecord {
  /** Final norms: ||U||_F (frobenius ball) or each column's norm (columns ball). */
  U: number | number[];
  /** The same for V; null for udu. */
  V: number | number[] | null;
  radius: number;
  /** Largest excess of a norm over the radius (and of -d_c for udu) over every state of the run; 0 when never outside. */
  violation: number;
}

export interface FactorTrajectoryPoint {
  t: number;
  loss: number;
  singularValues: number[];
}

export interface FactorRunResult extends FlowTotals {
  model: 'udv' | 'udu';
  status: FactorRunStatus;
  message: string;
  /** The loss tolerance the run aimed at (absolute), and where it came from (the deep model's rule, docs/runs.md, "Stop rules"). */
  lossTol: number;
  lossTolSource: LossTolerance['source'];
  /** loss / scale, scale = 1/2 ||P_Omega(W*)||^2 (the initial loss when that is 0). */
  lossRel: number;
  /** Number of located switches between constraint regimes (0 for projected GD). */
  switches: number;
  /** Gradient evaluations by the event functions (switch detection and location), on top of nfev. */
  eventEvaluations: number;
  /** Active constraints at the end: balls on their sphere, d_c pinned at 0. */
  active: { balls: number; d: number };
  constraint: ConstraintRecord;
  matrix: number[][];
  /** From the factors (src/model/udv/spectrum.ts): exact zeros are structure. */
  singularValues: number[];
  effectiveRank: number;
  reconstructionError: number | null;
  connectivity: { connected: boolean; components: number };
  factors: { U: number[][]; d: number[]; V: number[][] | null };
  trajectory?: FactorTrajectoryPoint[];
}

export interface FactorRunOptions {
  saveTimes?: number[];
  onProgress?: (t: number, loss: number, lossTol: number) => void;
}

/** Run a udv/udu spec (raw JSON value) to completion. */
export function runFactor(spec: FactorSpec, options: FactorRunOptions = {}): FactorRunResult {
  return runFactorProblem(buildFactorProblem(spec), options);
}

/** X = U diag(d) V^T (m x n row-major) of a packed state. */
export function factorMatrix(p: Pick<FactorProblem, 'm' | 'n' | 'k' | 'offU' | 'offD' | 'offV'>, x: ArrayLike<number>): Float64Array {
  const { m, n, k, offU, offD, offV } = p;
  const X = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += x[offU + i * k + c] * x[offD + c] * x[offV + j * k + c];
    X[i * n + j] = s;
  }
  return X;
}

/** Largest excess over the constraint set at x: max over balls of ||x_b|| - r, and of -d_c (udu); <= 0 inside. */
export function constraintExcess(p: Pick<FactorProblem, 'balls' | 'radius' | 'nonnegativeD' | 'offD' | 'k'>, x: ArrayLike<number>): number {
  let worst = -Infinity;
  for (const b of p.balls) worst = Math.max(worst, Math.sqrt(ballNorm2(x, b)) - p.radius);
  if (p.nonnegativeD) for (let c = 0; c < p.k; c++) worst = Math.max(worst, -x[p.offD + c]);
  return worst;
}

/** Norm of the projected field P_{T_C(x)}(-grad f(x)) at a point of the constraint set. */
export function projectedFieldNorm(p: FactorProblem, x: Float64Array): number {
  const g = new Float64Array(p.size);
  factorGradient(p)(x, g);
  for (let i = 0; i < g.length; i++) g[i] = -g[i];
  tangentConeProject(p, x, g, 1e-12);
  return Math.sqrt(g.reduce((a, v) => a + v * v, 0));
}

/**
 * The entries above which a factor run counts as diverged. U and V stay in
 * their balls, so their entries are at most the radius; d carries the target's
 * scale: an entry a of U diag(d) V^T whose columns have norm <= r needs
 * sum_l |d_l| >= a / r^2, so a target of entries 1e8 is fitted with d near
 * 1e8 or more, which is no divergence (the deep model's rule, divergeLimit in
 * stopRules.ts, for this factorization).
 */
export function factorDivergeLimits(p: Pick<FactorProblem, 'spec' | 'radius' | 'n' | 'target' | 'obsRows' | 'obsCols'>): { uv: number; d: number } {
  const { divergeAt } = p.spec.solver;
  return { uv: divergeAt * Math.max(1, p.radius), d: divergeAt * Math.max(1, largestObserved(p) / (p.radius * p.radius)) };
}

export function runFactorProblem(p: FactorProblem, options: FactorRunOptions = {}): FactorRunResult {
  const s = p.spec.solver;
  if (p.spec.save.samples > 0) throw new InputError('spec.save.samples', `expected 0 for model "${p.kind}" (log-spaced samples cover the deep model; use save.times), got ${p.spec.save.samples}`);
  const times = [...new Set([...p.spec.save.times, ...(options.saveTimes ?? [])])].sort((a, b) => a - b);
  times.forEach((t, i) => {
    if (!(t >= 0 && t <= s.tMax)) throw new InputError('save.times', `expected times in [0, tMax = ${s.tMax}], got ${t} at ${i}`);
  });
  // The deep model's tolerance rule: lossTol / lossRelTol as given, else relative to the target energy.
  const tol = lossTolerance(s, targetEnergy(p), factorGradient(p)(p.y0, new Float64Array(p.size)));
  let violation = Math.max(0, constraintExcess(p, p.y0));
  let outcome: RunStatus | null = null;
  const x = new Float64Array(p.size);
  const limits = factorDivergeLimits(p);
  const watch = (t: number, xNow: Float64Array, loss: number, fieldNorm: number): boolean => {
    violation = Math.max(violation, constraintExcess(p, xNow));
    options.onProgress?.(t, loss, tol.abs);
    if (loss <= tol.abs) { outcome = 'converged'; return true; }
    if (s.gradTol !== undefined && fieldNorm <= s.gradTol) { outcome = 'converged'; return true; }
    for (let i = 0; i < xNow.length; i++) {
      const limit = i >= p.offD && i < p.offD + p.k ? limits.d : limits.uv;
      if (!(Math.abs(xNow[i]) <= limit)) { outcome = 'diverged'; return true; }
    }
    return false;
  };

  let end: Float64Array;
  let totals: { t: number; nfev: number; steps: number; rejected: number; status: SolveStatus | 'max-switches'; message: string };
  let switches = 0;
  let eventEvaluations = 0;
  let active = { balls: 0, d: 0 };
  let tEval: number[] = [], xEval: Float64Array[] = [];
  if (s.method === 'gd') {
    const grad = factorGradient(p);
    const g = new Float64Array(p.size);
    let lastLoss = NaN;
    const rhs = (_t: number, y: Float64Array, dy: Float64Array) => {
      lastLoss = grad(y, g);
      for (let i = 0; i < dy.length; i++) dy[i] = -g[i];
    };
    const v = new Float64Array(p.size);
    const sol = gradientDescent(rhs, [0, s.tMax], p.y0, {
      lr: s.lr, maxSteps: s.maxSteps, tEval: times,
      project: (y) => projectOnConstraints(p, y),
      stop: (t, y, dy) => {
        v.set(dy);
        tangentConeProject(p, y, v, 1e-12);
        return watch(t, y, lastLoss, Math.sqrt(v.reduce((a, w) => a + w * w, 0)));
      },
    });
    end = sol.y;
    totals = { t: sol.t, nfev: sol.nfev, steps: sol.naccept, rejected: sol.nreject, status: sol.status, message: sol.message };
    tEval = sol.tEval; xEval = sol.yEval;
  } else {
    const flow = factorFlow(p);
    const y0 = Float64Array.from(p.y0);
    flow.start(y0);
    const sol = solveSwitched(flow, [0, s.tMax], y0, {
      method: 'dopri5', rtol: s.rtol, atol: s.atol, maxSteps: s.maxSteps, h0: s.h0, hMax: s.hMax, tEval: times,
      maxSwitches: s.maxSwitches,
      // Accepted steps inside a segment: the integrator's own state, read as factors in the current mode.
      stop: (t, y) => { flow.physical(y, x); return watch(t, x, flow.lastLoss, flow.lastFieldNorm); },
      // Stiffness near a minimum is no reason to stop (as for the deep model's runs, the loss still falls).
      onStiff: () => false,
    });
    end = new Float64Array(p.size);
    flow.physical(sol.y, end);
    violation = Math.max(violation, constraintExcess(p, end));
    totals = { t: sol.t, nfev: sol.nfev, steps: sol.naccept, rejected: sol.nreject, status: sol.status, message: sol.message };
    switches = sol.switches;
    eventEvaluations = flow.eventGradients;
    active = flow.activeCount();
    tEval = sol.tEval;
    xEval = sol.yEval;
  }
  for (const xe of xEval) violation = Math.max(violation, constraintExcess(p, xe));

  const X = factorMatrix(p, end);
  const g = new Float64Array(p.size);
  const gradientOf = factorGradient(p);
  const loss = gradientOf(end, g);
  const sigma = factorSingularValues(p, end);
  const graph = observationGraph(p.m, p.n, p.obsRows, p.obsCols);
  const status = factorStatus(totals.status, outcome);
  const norms = (factor: 'U' | 'V') => {
    const list = p.balls.filter((b) => b.factor === factor).map((b) => Math.sqrt(ballNorm2(end, b)));
    return p.spec.model.ball === 'frobenius' ? list[0] : list;
  };
  const result: FactorRunResult = {
    model: p.kind,
    status,
    message: factorMessage(status, totals.message, s, tol, limits),
    t: totals.t,
    loss,
    lossTol: tol.abs,
    lossTolSource: tol.source,
    lossRel: tol.scale > 0 ? loss / tol.scale : 0,
    gradNorm: projectedFieldNorm(p, end),
    nfev: totals.nfev,
    steps: totals.steps,
    rejected: totals.rejected,
    switches,
    eventEvaluations,
    active,
    constraint: { U: norms('U'), V: p.kind === 'udu' ? null : norms('V'), radius: p.radius, violation },
    matrix: toRows(X, p.m, p.n),
    singularValues: sigma,
    effectiveRank: effectiveRank(sigma),
    reconstructionError: reconstructionError(p, X),
    connectivity: { connected: graph.connected, components: graph.components },
    factors: {
      U: toRows(end, p.m, p.k, p.offU),
      d: Array.from(end.subarray(p.offD, p.offD + p.k)),
      V: p.kind === 'udu' ? null : toRows(end, p.n, p.k, p.offV),
    },
  };
  if (times.length > 0) {
    result.trajectory = tEval.map((t, i) => ({ t, loss: gradientOf(xEval[i], g), singularValues: factorSingularValues(p, xEval[i]) }));
  }
  return result;
}

function factorStatus(solver: SolveStatus | 'max-switches', outcome: RunStatus | null): FactorRunStatus {
  return solver === 'max-switches' ? 'max-switches' : runStatus(solver, outcome);
}

function factorMessage(status: FactorRunStatus, solverMessage: string, s: FactorProblem['spec']['solver'], tol: LossTolerance, limits: { uv: number; d: number }): string {
  switch (status) {
    case 'converged':
      return s.gradTol !== undefined ? `loss <= ${tolText(tol)} or projected-field norm <= gradTol (${s.gradTol})` : `loss <= ${tolText(tol)}`;
    case 't-max': return `reached tMax = ${s.tMax} before the loss fell to ${tolText(tol)}`;
    case 'max-steps': return `${solverMessage}; raise solver.maxSteps or tMax, or loosen lossTol`;
    case 'max-switches': return `${solverMessage}; raise solver.maxSwitches, or stop earlier with a gradTol`;
    case 'diverged': return `the factors blew up (non-finite values, an entry of U or V above ${limits.uv} or of d above ${limits.d}: divergeAt = ${s.divergeAt} times max(1, radius), and for d times max(1, a / radius^2), a the largest observed |target entry|): ${solverMessage}`;
    default: return solverMessage;
  }
}
