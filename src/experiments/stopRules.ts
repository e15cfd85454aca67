// When a run is done: the loss tolerance a run aims at, the loss floor its
// integration tolerance allows, and a watch over the loss on a log-t scale
// that ends a run which can no longer reach its tolerance, saying why.
//
// The watch rests on the energy identity of a gradient flow: dL/dt =
// -||grad L||^2, so the loss a run loses between two times equals the
// dissipation D = integral of ||dy/dt||^2 dt over them (dy/dt = -grad L). An
// integration that follows the flow keeps that balance; one that sits at the
// floor of its tolerance (an explicit method hovering at its stability limit,
// errors of the size of rtol re-injected every step) does not: its loss stays
// put while the dissipation it computes would have emptied it many times over.
// Nothing else in a gradient flow can do that (D <= L(t1) for the exact flow).

import type { Problem } from '../model/problem.js';
import { endToEnd, lossOf } from '../model/product.js';
import type { SolverSpec } from '../model/spec.js';
import { InputError } from '../model/errors.js';
import { MIN_NORMAL } from '../numeric/accuracy.js';

/** Default loss tolerance relative to the observed target energy (docs/runs.md, "Stop rules"). */
export const DEFAULT_LOSS_REL_TOL = 1e-12;
/**
 * The default tolerance never asks for a relative residual below this many
 * rtol: the state is resolved only to about rtol, and where rtol (not atol)
 * sets the error scale, a run's loss floor lies at a few rtol^2 times the
 * target energy (docs/runs.md, "The loss tolerance").
 */
export const RESOLVE_FACTOR = 10;

export interface LossTolerance {
  /** The absolute loss at which the run counts as converged. */
  abs: number;
  /** The loss scale: 1/2 ||P_Omega(W*)||^2, or the initial loss when the observed target is zero. */
  scale: number;
  /** Where abs comes from. */
  source: 'lossTol' | 'lossRelTol' | 'default';
}

/** 1/2 ||P_Omega(W*)||^2: the loss of W = 0, the natural scale of a completion problem. */
export function targetEnergy(problem: Pick<Problem, 'n' | 'target' | 'obsRows' | 'obsCols'>): number {
  let s = 0;
  for (let p = 0; p < problem.obsRows.length; p++) s += problem.target[problem.obsRows[p] * problem.n + problem.obsCols[p]] ** 2;
  return 0.5 * s;
}

/** The largest |observed target entry| (0 when nothing is observed). */
export function largestObserved(problem: Pick<Problem, 'n' | 'target' | 'obsRows' | 'obsCols'>): number {
  let big = 0;
  for (let p = 0; p < problem.obsRows.length; p++) big = Math.max(big, Math.abs(problem.target[problem.obsRows[p] * problem.n + problem.obsCols[p]]));
  return big;
}

/**
 * The loss tolerance of a run. lossTol (absolute) and lossRelTol (relative to
 * the scale) keep their meaning when given (both: whichever is reached first);
 * without either the run aims at max(1e-12, (10 rtol)^2) times the scale.
 */
export function lossTolerance(solver: Pick<SolverSpec, 'lossTol' | 'lossRelTol' | 'rtol'>, energy: number, initialLoss: number): LossTolerance {
  const scale = energy > 0 ? energy : initialLoss;
  // The loss is a double: a target whose energy is not one has no loss to converge in, and a
  // relative tolerance below the smallest normal double would be 0 (a run that can never converge).
  if (!Number.isFinite(scale)) {
    throw new InputError('spec.target', `expected observed entries whose squares sum to a finite double (the loss is 1/2 the sum of squared residuals), got a target energy of ${scale}: scale the target down`);
  }
  const relative = solver.lossTol === undefined ? solver.lossRelTol ?? Math.max(DEFAULT_LOSS_REL_TOL, (RESOLVE_FACTOR * solver.rtol) ** 2) : solver.lossRelTol;
  if (relative !== undefined && relative > 0 && scale > 0 && !(relative * scale >= MIN_NORMAL)) {
    throw new InputError('spec.target', `expected a target energy of at least ${(MIN_NORMAL / relative).toExponential(2)} so that the relative loss tolerance ${relative.toExponential(2)} of it is a normal double, got ${scale.toExponential(2)}: scale the target up, or give solver.lossTol`);
  }
  if (solver.lossTol !== undefined || solver.lossRelTol !== undefined) {
    const abs = Math.max(solver.lossTol ?? 0, (solver.lossRelTol ?? 0) * scale);
    return { abs, scale, source: solver.lossTol !== undefined && abs === solver.lossTol ? 'lossTol' : 'lossRelTol' };
  }
  return { abs: scale * Math.max(DEFAULT_LOSS_REL_TOL, (RESOLVE_FACTOR * solver.rtol) ** 2), scale, source: 'default' };
}

/** A run's loss tolerance, and its initial loss (for progress). */
export function runTolerance(problem: Problem): LossTolerance & { loss0: number } {
  const loss0 = lossOf(problem, endToEnd(problem, problem.y0));
  return { ...lossTolerance(problem.spec.solver, targetEnergy(problem), loss0), loss0 };
}

/** The tolerance in words, for run messages. */
export function tolText(tol: LossTolerance): string {
  const e = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));
  return tol.source === 'default' ? `lossTol ${e(tol.abs)} (default: ${e(tol.abs / tol.scale)} of the target energy ${e(tol.scale)})` : `lossTol ${e(tol.abs)}`;
}

/**
 * The loss the integration tolerance resolves at state y: 1/2 sum over the
 * observed entries of the change of W when every factor entry moves by its
 * error scale atol + rtol |y_i| with a random sign (mean of four probes, fixed
 * signs so that results are reproducible). An estimate: measured floors of
 * Dormand–Prince lay within a factor 10 of it at rtol 1e-8 .. 5e-10, 66x below
 * it at rtol 1e-6 (docs/runs.md, "Stop rules").
 */
export function lossFloorEstimate(problem: Problem, y: Float64Array, rtol: number, atol: number): number {
  const W = endToEnd(problem, y);
  const yp = new Float64Array(y.length);
  let state = 0x2545f491;
  const PROBES = 4;
  let sum = 0;
  for (let k = 0; k < PROBES; k++) {
    for (let i = 0; i < y.length; i++) {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5; // xorshift32
      yp[i] = y[i] + ((state & 1) === 0 ? -1 : 1) * (atol + rtol * Math.abs(y[i]));
    }
    const Wp = endToEnd(problem, yp);
    for (let p = 0; p < problem.obsRows.length; p++) {
      const idx = problem.obsRows[p] * problem.n + problem.obsCols[p];
      sum += (Wp[idx] - W[idx]) ** 2;
    }
  }
  return (0.5 * sum) / PROBES;
}

export type PlateauKind = 'floor' | 'saddle' | 'slow-decay';

export interface PlateauVerdict {
  kind: PlateauKind;
  /**
   * Whether the evidence the rule requires to end a run holds (false: the
   * pattern was seen, but it does not exclude a run that still converges;
   * the run reports it in `warnings` and goes on).
   */
  stop: boolean;
  /** Start and end of the window the verdict rests on. */
  tFrom: number;
  t: number;
  lossFrom: number;
  loss: number;
  /** The flow's dissipation over the window: what the loss should have lost. */
  dissipation: number;
  /** Squared gradient norm at the end of the window. */
  gradNorm2: number;
  /** Fitted power law loss ~ t^-rate over the window (slow decay). */
  rate: number;
  /** Projected time to reach the loss tolerance at that rate (Infinity when flat). */
  tProjected: number;
  /** For a saddle: the largest squared gradient norm over the window, and the integration's noise level. */
  gradNorm2Max?: number;
  gradNoise2?: number;
  /** The estimated floor at the end of the window (lossFloorEstimate), when it was computed. */
  lossFloor?: number;
}

interface WatchRecord { t: number; loss: number; g2: number; q: number }

/** Everything a PlateauWatch remembers between steps, as plain data (run checkpoints save it). */
export interface PlateauWatchState {
  records: WatchRecord[];
  q: number;
  tPrev: number;
  g2Prev: number;
  nextT: number;
}

/** Records per factor 2 in t. */
const PER_OCTAVE = 4;
/** The floor is named once the loss has stalled over [t / FLOOR_WINDOW, t]. */
export const FLOOR_WINDOW = 4;
/** Slow decay is judged over the last decade of t. */
export const FLOW_WINDOW = 10;
/**
 * A saddle ends the run once, for two decades of t, the loss stayed flat and
 * the gradient stayed within NOISE_MARGIN of the integration's noise level (the
 * gradient that state errors of the tolerance's size produce). The
 * integration's errors seed every direction at that level, so an unstable
 * direction growing at rate mu lifts the gradient above the margin within
 * ln(NOISE_MARGIN) / (2 mu); staying under it for t (1 - 1/100) means
 * mu < 2.3 / t (docs/runs.md, "Stop rules"). An escaping saddle turns its gradient
 * around before it reaches the noise level, or soon after.
 */
export const SADDLE_WINDOW = 100;
export const NOISE_MARGIN = 100;
/** Such a plateau within this factor of the estimated floor (lossFloorEstimate) is the floor, not a saddle. */
export const FLOOR_MARGIN = 100;
/** A stall: the loss fell by less than this factor over the window. */
const STALL = 2;
/** A saddle: the loss fell by less than this fraction over the window. */
const FLAT = 0.05;
/**
 * A plateau verdict is a claim that the run would not reach lossTol within
 * FUTURE times the time it ends at. Near a minimum the loss falls ever more
 * slowly (d^2L/dt^2 = 2 g^T H g >= 0 there), so the straight line through the
 * loss over the verdict's window reaches lossTol no later than the flow does:
 * when that line reaches it before FUTURE t, the rule holds off.
 */
export const FUTURE = 100;

/**
 * Watches (t, loss, ||dy||^2) after every accepted step, on a log-t scale,
 * and returns a verdict when the run cannot reach lossTol: an integration
 * floor, a saddle, or slow decay. floorAllowed() tells whether an
 * integration floor may end the run now (not while "auto" is still in its
 * Dormand–Prince phase: its switch to RKC gets below the floor).
 */
export class PlateauWatch {
  private records: WatchRecord[] = [];
  private q = 0;
  private tPrev = NaN;
  private g2Prev = 0;
  private nextT = 0;

  /**
   * probes.gradientNoise(y): the squared gradient norm that state errors of
   * the integration tolerance's size produce at y (gradientNoiseProbe);
   * probes.lossFloor(y): the loss they produce (lossFloorEstimate).
   */
  constructor(
    private readonly lossTol: number,
    private readonly tMax: number,
    private readonly probes: { gradientNoise: (y: Float64Array) => number; lossFloor: (y: Float64Array) => number },
    private readonly floorAllowed: () => boolean = () => true,
  ) {}

  observe(t: number, loss: number, g2: number, y: Float64Array): PlateauVerdict | null {
    if (!Number.isNaN(this.tPrev)) this.q += 0.5 * (g2 + this.g2Prev) * (t - this.tPrev);
    this.tPrev = t;
    this.g2Prev = g2;
    if (!(t > 0) || t < this.nextT) return null;
    this.nextT = t * 2 ** (1 / PER_OCTAVE);
    this.records.push({ t, loss, g2, q: this.q });
    const floor = this.floorAllowed() ? this.floor(y) : null;
    if (floor?.stop) return floor;
    // A floor seen without its evidence (a warning) does not hide a plateau that has it.
    const other = this.saddle(y) ?? this.slowFlow();
    return other?.stop ? other : (floor ?? other);
  }

  /** The watch's memory: a watch restored from it returns what this one would on the same observations. */
  save(): PlateauWatchState {
    return { records: this.records.map((r) => ({ ...r })), q: this.q, tPrev: this.tPrev, g2Prev: this.g2Prev, nextT: this.nextT };
  }

  restore(state: PlateauWatchState): void {
    this.records = state.records.map((r) => ({ ...r }));
    this.q = state.q;
    this.tPrev = state.tPrev;
    this.g2Prev = state.g2Prev;
    this.nextT = state.nextT;
  }

  /** The loss's power-law fit over the last decade of t (or all of it when shorter), for runs that end otherwise. */
  trend(): PlateauVerdict | null {
    if (this.records.length < 2) return null;
    const j = Math.max(0, this.windowStart(FLOW_WINDOW));
    return this.verdict('slow-decay', this.records[j], this.records[this.records.length - 1]);
  }

  /** The dissipation mismatch over the last floor window (for the stiffness rule's evidence). */
  energyViolated(y: Float64Array): PlateauVerdict | null {
    return this.floor(y);
  }

  private windowStart(factor: number): number {
    const last = this.records[this.records.length - 1];
    for (let k = this.records.length - 2; k >= 0; k--) if (this.records[k].t <= last.t / factor) return k;
    return -1;
  }

  private verdict(kind: PlateauKind, a: WatchRecord, b: WatchRecord, stop = true): PlateauVerdict {
    const rate = b.loss > 0 && a.loss > b.loss ? Math.log(a.loss / b.loss) / Math.log(b.t / a.t) : 0;
    const tProjected = b.loss <= this.lossTol ? b.t : rate > 0 ? b.t * (b.loss / this.lossTol) ** (1 / rate) : Infinity;
    return { kind, stop, tFrom: a.t, t: b.t, lossFrom: a.loss, loss: b.loss, dissipation: b.q - a.q, gradNorm2: b.g2, rate, tProjected };
  }

  /** The straight line through the loss at a and b reaches lossTol before FUTURE b.t (see FUTURE). */
  private reachesSoon(a: WatchRecord, b: WatchRecord): boolean {
    const fall = a.loss - b.loss;
    if (!(fall > 0)) return false;
    return b.t + ((b.loss - this.lossTol) * (b.t - a.t)) / fall <= FUTURE * b.t;
  }

  /**
   * Stalled, and the loss kept less than half of what the flow dissipated: the
   * integration left the flow. That ends the run only when the stall is the
   * integration's floor: the loss within FLOOR_MARGIN of the estimated floor
   * (far above it the dissipation counted is the integration's noise, ||J e||^2
   * for state errors e, while the flow itself creeps) and not falling fast
   * enough to reach lossTol soon; otherwise it is a warning.
   */
  private floor(y: Float64Array): PlateauVerdict | null {
    const j = this.windowStart(FLOOR_WINDOW);
    if (j < 0) return null;
    const a = this.records[j], b = this.records[this.records.length - 1];
    const dissipation = b.q - a.q;
    if (!(a.loss < STALL * b.loss && dissipation > STALL * a.loss)) return null;
    const floor = this.probes.lossFloor(y);
    const stop = b.loss <= FLOOR_MARGIN * floor && !this.reachesSoon(a, b);
    return { ...this.verdict('floor', a, b, stop), lossFloor: floor };
  }

  /**
   * Flat loss and a gradient at the noise level for two decades of t: a saddle
   * when the loss is far above what the tolerances resolve, else the floor.
   */
  private saddle(y: Float64Array): PlateauVerdict | null {
    const r = this.records;
    const j = this.windowStart(SADDLE_WINDOW);
    if (j < 0) return null;
    const a = r[j], b = r[r.length - 1];
    if (!(a.loss - b.loss <= FLAT * a.loss) || !(b.loss > this.lossTol)) return null;
    let top = 0;
    for (let i = j; i < r.length; i++) top = Math.max(top, r[i].g2);
    // A plateau held since the start (the loss never fell by FLAT from its first value) is the
    // saddle a small initialization starts on: its unstable components are tiny but exact, not
    // seeded by the integration's errors, so the argument below bounds nothing and its escape
    // time ln(1/std)/mu has no bound either. Only an exact zero gradient (nothing to grow) is held.
    if (!(r[0].loss - b.loss > FLAT * r[0].loss) && top > 0) return null;
    const noise = this.probes.gradientNoise(y);
    if (!(top <= NOISE_MARGIN * noise)) return null;
    const floor = this.probes.lossFloor(y);
    if (b.loss <= FLOOR_MARGIN * floor && !this.floorAllowed()) return null;
    // Still falling towards lossTol at a rate that gets there soon: no plateau (see FUTURE).
    const stop = !this.reachesSoon(a, b);
    return { ...this.verdict(b.loss <= FLOOR_MARGIN * floor ? 'floor' : 'saddle', a, b, stop), gradNorm2Max: top, gradNoise2: noise, lossFloor: floor };
  }

  /**
   * Slow decay: over the last decade of t the loss fell by less than STALL as a
   * power law t^-p towards zero: the same p on each half-decade of the last two
   * decades (an approach to a plateau flattens, an escape steepens), the
   * gradient agreeing (||grad||^2 = p L / t within a factor 2) and never
   * growing, and lossTol out of reach by tMax at that rate. Always a warning
   * (stop false): the flow's own power laws near a minimum fall at least
   * 10x per decade (loss ~ t^-k/(k-1) where the loss is of order 2k in the
   * factors), so a slower one is a transient, whose projection says nothing
   * (docs/runs.md, "Stop rules"); solver.stopOn makes it end the run.
   */
  private slowFlow(): PlateauVerdict | null {
    const r = this.records;
    const b = r[r.length - 1];
    const j = this.windowStart(FLOW_WINDOW);
    const i0 = j < 0 ? -1 : this.windowStart(FLOW_WINDOW * FLOW_WINDOW);
    if (i0 < 0) return null;
    const a = r[j], a0 = r[i0];
    if (!(a.loss < STALL * b.loss) || !(b.loss < a.loss)) return null;
    if (b.q - a0.q > STALL * a0.loss) return null; // off the flow: the floor's case, not this one
    for (let i = i0 + 1; i < r.length; i++) if (r[i].g2 > r[i - 1].g2) return null;
    const v = this.verdict('slow-decay', a0, b, false);
    // One straight line in log L against log t: the same exponent, within 25%, on each
    // of the four half-decades (an approach to a plateau flattens, an escape steepens),
    // and the gradient agreeing with it at every record (||grad||^2 = p L / t).
    let prev = a0;
    for (let q = 1; q <= 4; q++) {
      const tq = a0.t * Math.sqrt(FLOW_WINDOW) ** q;
      let k = i0;
      while (k + 1 < r.length && r[k + 1].t <= tq * 1.0001) k++;
      const seg = r[k];
      if (!(seg.t > prev.t)) return null;
      const p = Math.log(prev.loss / seg.loss) / Math.log(seg.t / prev.t);
      if (!(Math.abs(p - v.rate) <= 0.25 * v.rate)) return null;
      prev = seg;
    }
    for (let i = i0; i < r.length; i++) {
      const q = (r[i].g2 * r[i].t) / (v.rate * r[i].loss);
      if (!(q >= 0.5 && q <= 2)) return null;
    }
    return v.tProjected > this.tMax ? v : null;
  }
}

/**
 * The squared gradient norm produced by state errors of the tolerance's size,
 * atol + rtol |y_i| with random signs (mean of two probes, fixed signs):
 * || f(y + s xi) - f(y) ||^2. Buffers are allocated once, at the first probe.
 */
export function gradientNoiseProbe(rhs: (t: number, y: Float64Array, dy: Float64Array) => void, n: number, rtol: number, atol: number): (y: Float64Array) => number {
  // Allocated at the first probe: most runs (a sweep's thousands of small ones) never probe.
  let yp: Float64Array, f0: Float64Array, f1: Float64Array;
  return (y) => {
    if (!yp) { yp = new Float64Array(n); f0 = new Float64Array(n); f1 = new Float64Array(n); }
    rhs(0, y, f0);
    let state = 0x9e3779b9 | 0;
    let sum = 0;
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < n; i++) {
        state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
        yp[i] = y[i] + ((state & 1) === 0 ? -1 : 1) * (atol + rtol * Math.abs(y[i]));
      }
      rhs(0, yp, f1);
      for (let i = 0; i < n; i++) sum += (f1[i] - f0[i]) ** 2;
    }
    return sum / 2;
  };
}

/**
 * Tolerances that would bring the floor down to lossTol. The error scale is
 * atol + rtol |y_i|, so both shrink by one factor; floors fell about in
 * proportion to it (docs/runs.md, "Stop rules"), so the factor is lossTol / floor
 * with a margin of 2, rounded down to one digit.
 */
export function suggestedTolerances(rtol: number, atol: number, floorLoss: number, lossTol: number): { rtol: number; atol: number } {
  const factor = lossTol / (2 * floorLoss);
  const down = (x: number) => { const p = 10 ** Math.floor(Math.log10(x)); return Math.floor(x / p) * p; };
  return { rtol: Number(down(rtol * factor).toPrecision(1)), atol: Number(down(atol * factor).toPrecision(1)) };
}

/**
 * The factor entry above which a run counts as diverged: divergeAt, times the
 * size of the factors a balanced fit of the target needs (the L-th root of its
 * largest observed entry, when above 1): a target of entries 1e100 is fitted by
 * depth-2 factors of entries about 1e50, which is no divergence.
 */
export function divergeLimit(problem: Pick<Problem, 'spec' | 'depth' | 'n' | 'target' | 'obsRows' | 'obsCols'>): number {
  return divergeLimitFor(problem.spec.solver.divergeAt, problem.depth, problem);
}

/** divergeLimit for a depth-`depth` factorization of the observed entries of `target` (n columns). */
export function divergeLimitFor(divergeAt: number, depth: number, c: Pick<Problem, 'n' | 'target' | 'obsRows' | 'obsCols'>): number {
  return divergeAt * Math.max(1, largestObserved(c) ** (1 / depth));
}
