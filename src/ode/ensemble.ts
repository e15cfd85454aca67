// Ensemble integration: many independent autonomous systems of one size,
// integrated together by Dormand–Prince 5(4) in lanes. Each lane has its own
// controller (step size, PI memory, counters, stiffness schedule); the states
// lie in struct-of-arrays layout (component i of lane l at i * L + l), the
// stage combinations and error norms of all lanes run as one kernel
// (WebAssembly SIMD, two lanes per instruction: wasm/dmflow_kernels.c, or the
// same loops in TypeScript where wasm is absent), and the right-hand side is
// evaluated for all lanes in one call (a batch kernel). A lane that ends is
// refilled with the next job at once.
//
// Each lane runs the Dormand–Prince core of dormandPrince.ts (stages, error
// norm, PI controller, step checks) in the same operations and order as
// Dopri5Stepper.step (dopri5.ts) and the loop of integrate.ts, with the same
// step limits and stiffness schedule; the lanes differ from a run alone only
// in their memory layout, so a lane's result is bit-identical to solveIvp's
// with method "dopri5" or "auto" (which runs Dormand–Prince until the
// stiffness test fires). A lane that would leave what the lanes mirror (the
// stiffness test firing, where "auto" switches to RKC; a step or evaluation
// budget; a step too small; a non-finite right-hand side) hands its job back:
// the caller reruns it one at a time, which gives the exact result at the
// cost of the lane's work.

import { WasmArena, wasmModule, type WasmExports } from '../linalg/wasm.js';
import * as dp from './dormandPrince.js';
import { accepted, countsAsRejection, dopri5InitialStep, FACOLD0, firstStep, nextFacold, nextStep, piControl, reachesEnd, startCost, stepCheck } from './dormandPrince.js';
import { rmsNorm } from './norm.js';
import type { SolveIvpOptions } from './solve.js';
import { countStiffnessTest, STIFF_CHECK_EVERY, STIFF_PATIENCE, stiffCheckEvery, stiffnessEstimate, stiffnessTestDue, type StiffnessCounters } from './stiffness.js';
import { END_MESSAGE, stoppedMessage } from './integrate.js';
import { checkOptions } from './options.js';
import { allFinite, stepLimits } from './stepper.js';
import type { AutoOptions, Dopri5Options, Rhs, SolveResult } from './types.js';

/**
 * An autonomous right-hand side for many lanes: for q < count, lane =
 * lanes[q], writes f of the lane's state (components y[i * L + lane]) into
 * the same places of dy, L being the ensemble's lane count.
 */
export type BatchRhs = (count: number, lanes: Int32Array, y: Float64Array, dy: Float64Array) => void;

/** One integration over [0, t1] for a lane: the options of solveIvp the lanes support. */
export interface EnsembleJob {
  y0: ArrayLike<number>;
  t1: number;
  rtol: number;
  atol: number;
  maxSteps?: number;
  maxEvals?: number;
  h0?: number;
  hMax?: number;
  /** The same right-hand side for this job alone (for the first evaluations: f(y0) and HINIT's). */
  rhs: Rhs;
  /** The stiffness test's schedule, as Dopri5Stepper takes it (defaults: stiffness.ts; ensembleJob gives auto's). */
  stiffCheckEvery?: number;
  stiffPatience?: number;
  /** Called after every accepted step, as solveIvp's stop predicate (y and dy: the lane's, valid during the call). */
  stop: (t: number, y: Float64Array, dy: Float64Array) => boolean;
}

/** The options of solveIvp a lane mirrors; a job with any other goes alone. */
const MIRRORED: ReadonlySet<string> = new Set(['method', 'rtol', 'atol', 'maxSteps', 'maxEvals', 'h0', 'hMax', 'stop', 'stiffCheckEvery', 'stiffPatience', 'onStiff', 'onSwitch', 'jvp']);

/**
 * The lane job that integrates what solveIvp(rhs, [0, t1], y0, options)
 * does, or why the lanes cannot: they run Dormand–Prince forwards from 0
 * with scalar tolerances under a stop predicate, without output times,
 * events or checkpoints. Where "dopri5" would call onStiff and "auto" would
 * switch to RKC (which alone uses jvp) a lane hands its job back, so those
 * are mirrored too.
 */
export function ensembleJob(rhs: Rhs, y0: ArrayLike<number>, t1: number, options: SolveIvpOptions): EnsembleJob | string {
  const method = options.method ?? 'dopri5';
  if (method !== 'dopri5' && method !== 'auto') return `method "${method}"`;
  for (const [key, value] of Object.entries(options)) {
    const empty = value === undefined || (Array.isArray(value) && value.length === 0) || (ArrayBuffer.isView(value) && (value as Float64Array).length === 0);
    if (!empty && !MIRRORED.has(key)) return `option "${key}"`;
  }
  const o = options as Dopri5Options | AutoOptions;
  const { rtol, atol, stop } = o;
  if (typeof rtol !== 'number' || typeof atol !== 'number' || !stop) return 'no scalar rtol and atol, or no stop predicate';
  return {
    y0, t1, rtol, atol, maxSteps: o.maxSteps, maxEvals: o.maxEvals, h0: o.h0, hMax: o.hMax, rhs, stop,
    stiffCheckEvery: stiffCheckEvery(method, o.stiffCheckEvery), stiffPatience: o.stiffPatience,
  };
}

/** How a job ended: its result, or why it must be rerun one at a time. */
export type EnsembleEnd = { result: SolveResult } | { fallback: string };

export interface EnsembleOptions {
  /** State length of every job. */
  n: number;
  /** Lanes (rounded up to even: the SIMD kernels take two at a time). */
  lanes: number;
  rhs: BatchRhs;
  /**
   * The next job, or null when none is left (then no more are asked for): load(lane) is
   * called before its first evaluation, done(end) when it ends (jobs end in any order).
   */
  next: () => { job: EnsembleJob; load: (lane: number) => void; done: (end: EnsembleEnd) => void } | null;
  /** "wasm" (default where the kernels load) or "js": the same arithmetic, bit for bit. */
  arithmetic?: 'wasm' | 'js';
}

/** The lane count runEnsemble uses for a requested one (the batch kernel is laid out for it). */
export const laneCount = (lanes: number): number => Math.max(2, lanes + (lanes & 1));

/** Integrate every job next() hands out, `lanes` at a time. */
export function runEnsemble(o: EnsembleOptions): void {
  const { n, rhs } = o;
  const L = laneCount(o.lanes);
  const arith = makeArithmetic(n, L, o.arithmetic ?? (wasmModule ? 'wasm' : 'js'));
  const { Y, Y1, YS, K1, K6, K7, H, ATOL, RTOL, ERR } = arith;
  /** Each lane's state and f(state), contiguous: for the stop predicate and a lane's first evaluations. */
  const yLane: Float64Array[] = [], dyLane: Float64Array[] = [];
  for (let l = 0; l < L; l++) { yLane.push(new Float64Array(n)); dyLane.push(new Float64Array(n)); }
  // Per lane: the job, its time and controller (Dopri5Stepper's fields of the same names).
  const job: (EnsembleJob | null)[] = new Array(L).fill(null);
  const ends: (((end: EnsembleEnd) => void) | null)[] = new Array(L).fill(null);
  const t = new Float64Array(L), t1 = new Float64Array(L), hNew = new Float64Array(L), hMax = new Float64Array(L), facold = new Float64Array(L);
  const pending = new Uint8Array(L), reject = new Uint8Array(L), last = new Uint8Array(L);
  const nfev = new Float64Array(L), naccept = new Float64Array(L), nreject = new Float64Array(L), nsteps = new Float64Array(L);
  const maxSteps = new Float64Array(L), maxEvals = new Float64Array(L), nstiff = new Float64Array(L), patience = new Float64Array(L);
  /** The stiffness test's counters per lane (Dopri5Stepper's iasti, nonsti), and the lane's last two stages, contiguous, for its estimate. */
  const counters: StiffnessCounters[] = Array.from({ length: L }, () => ({ iasti: 0, nonsti: 0 }));
  const s7 = new Float64Array(n), s6 = new Float64Array(n), y7 = new Float64Array(n), y6 = new Float64Array(n);
  const active = new Int32Array(L), held = new Int32Array(L);
  const verdict = new Uint8Array(L);
  const scratchY1 = new Float64Array(n), scratchK2 = new Float64Array(n);
  let exhausted = false;

  const retire = (l: number, end: EnsembleEnd): void => {
    const done = ends[l]!;
    job[l] = null; ends[l] = null;
    done(end);
  };
  const finish = (l: number, status: 'done' | 'stopped'): void => {
    retire(l, {
      result: {
        status, t: t[l], y: Float64Array.from(yLane[l]), nfev: nfev[l], naccept: naccept[l], nreject: nreject[l],
        message: status === 'done' ? END_MESSAGE : stoppedMessage(t[l]), tEval: [], yEval: [], stiffDetections: 0, h: H[l],
      },
    });
  };

  /** Dopri5Stepper's constructor and start() for a new job in lane l (or its fallback). */
  const fill = (l: number, jb: EnsembleJob): void => {
    job[l] = jb;
    if (!(jb.t1 > 0)) { retire(l, { fallback: 'an empty or backward interval' }); return; }
    let checked;
    try { checked = checkOptions([0, jb.t1], n, { rtol: jb.rtol, atol: jb.atol }); } catch { retire(l, { fallback: 'options refused' }); return; }
    const limits = stepLimits(jb);
    t[l] = 0; t1[l] = jb.t1; RTOL[l] = jb.rtol; ATOL[l] = jb.atol;
    hMax[l] = Math.abs(jb.hMax ?? (jb.t1 - 0 || 1));
    facold[l] = FACOLD0; pending[l] = 0; reject[l] = 0;
    nfev[l] = 0; naccept[l] = 0; nreject[l] = 0; nsteps[l] = 0;
    maxSteps[l] = limits.maxSteps; maxEvals[l] = limits.maxEvals;
    nstiff[l] = jb.stiffCheckEvery ?? STIFF_CHECK_EVERY;
    patience[l] = jb.stiffPatience ?? STIFF_PATIENCE;
    counters[l].iasti = 0; counters[l].nonsti = 0;
    const y = yLane[l], k1 = dyLane[l];
    for (let i = 0; i < n; i++) y[i] = jb.y0[i];
    if (startCost(jb.h0) > maxEvals[l]) { retire(l, { fallback: 'max-evals before the first step' }); return; }
    jb.rhs(0, y, k1); nfev[l]++;
    if (!allFinite(k1)) { retire(l, { fallback: 'non-finite at t0' }); return; }
    let h0: number;
    if (jb.h0 !== undefined) h0 = Math.abs(jb.h0);
    else {
      h0 = dopri5InitialStep(jb.rhs, 0, y, k1, scratchY1, scratchK2, checked.atol, checked.rtol, hMax[l], 1);
      nfev[l]++;
    }
    H[l] = firstStep(h0, 0, hMax[l], 1);
    for (let i = 0; i < n; i++) { Y[i * L + l] = y[i]; K1[i * L + l] = k1[i]; }
  };

  for (;;) {
    // Refill idle lanes, then list the active ones.
    let count = 0;
    for (let l = 0; l < L; l++) {
      while (job[l] === null && !exhausted) {
        const nx = o.next();
        if (!nx) { exhausted = true; break; }
        nx.load(l);
        ends[l] = nx.done;
        fill(l, nx.job);
      }
      if (job[l] !== null) active[count++] = l;
    }
    if (count === 0) return;

    // Dopri5Stepper.step's entry and the checks at the head of its loop, per lane.
    const live = prepare(count, active, H, hNew, hMax, t, t1, pending, reject, last, nsteps, maxSteps, nfev, maxEvals, verdict, held);
    for (let q = live; q < count; q++) { const l = active[q]; retire(l, { fallback: FALLBACKS[verdict[l]] }); }
    if (live === 0) continue;

    // The kernels run over lanes below the highest active one (idle lanes above it are skipped).
    let upto = 0;
    for (let q = 0; q < live; q++) upto = Math.max(upto, active[q] + 1);
    arith.stagesAndErrors(live, active, rhs, upto + (upto & 1));
    control(live, active, n, ERR, H, hNew, facold, reject, nfev, naccept, nreject, verdict);

    for (let q = 0; q < live; q++) {
      const l = active[q];
      const v = verdict[l];
      if (v === REJECTED) continue;
      if (v === ACCEPTED) {
        // The stiffness test on Dopri5Stepper's schedule with its counters (stiffness.ts); when it
        // fires, "auto" switches to RKC and "dopri5" asks onStiff: the lane hands the job back there.
        const c = counters[l];
        if (stiffnessTestDue(naccept[l], nstiff[l], c)) {
          if (countStiffnessTest(c, laneStiffness(l, n, L, H, K7, K6, Y1, YS, s7, s6, y7, y6), patience[l])) { retire(l, { fallback: 'stiffness test fired' }); continue; }
        }
      }
      // Accept: the new state and FSAL stage become current.
      const y = yLane[l], dy = dyLane[l];
      accept(l, n, L, Y, Y1, K1, K7, y, dy);
      t[l] = last[l] ? t1[l] : t[l] + H[l];
      pending[l] = 1;
      // integrate.ts after an accepted step: finiteness, the stop predicate, the end.
      if (!allFinite(dy)) { retire(l, { fallback: 'non-finite right-hand side' }); continue; }
      if (job[l]!.stop(t[l], y, dy)) { finish(l, 'stopped'); continue; }
      if (last[l]) finish(l, 'done');
    }
  }
}

const REJECTED = 0, ACCEPTED = 1;
/** Verdicts of prepare() for lanes that cannot step (dormandPrince.ts's stepCheck + 1), and the fallback each names. */
const FALLBACKS = ['', '', 'max-steps', 'max-evals', 'step-too-small'];

/**
 * Dopri5Stepper.step's entry (the step the last accepted one proposed) and
 * the checks at the head of its loop (budgets, a step below the rounding of
 * t, the last step cut to the end), per lane, forwards (dir = 1). Moves the
 * lanes that step to the front of `active` and returns their number; the
 * others follow (via `held`), with their reason in verdict. (Runs set no
 * hMin: only the rounding of t limits the step.)
 */
function prepare(
  count: number, active: Int32Array, H: Float64Array, hNew: Float64Array, hMax: Float64Array, t: Float64Array, t1: Float64Array,
  pending: Uint8Array, reject: Uint8Array, last: Uint8Array, nsteps: Float64Array, maxSteps: Float64Array, nfev: Float64Array, maxEvals: Float64Array,
  verdict: Uint8Array, held: Int32Array,
): number {
  let live = 0, out = 0;
  for (let q = 0; q < count; q++) {
    const l = active[q];
    if (pending[l]) {
      H[l] = nextStep(hNew[l], H[l], hMax[l], 1, reject[l] === 1);
      reject[l] = 0;
      pending[l] = 0;
    }
    const hl = H[l], tl = t[l];
    const why = stepCheck(nsteps[l], maxSteps[l], nfev[l], maxEvals[l], hl, tl, 0);
    if (why) { verdict[l] = why + 1; held[out++] = l; continue; }
    last[l] = 0;
    if (reachesEnd(tl, hl, t1[l], 1)) { H[l] = t1[l] - tl; last[l] = 1; }
    nsteps[l]++;
    active[live++] = l;
  }
  // Those that cannot step follow those that do (writing behind the reading index q: no clash).
  for (let k = 0; k < out; k++) active[live + k] = held[k];
  return live;
}

/** stiffness.ts's estimate h |lambda| for lane l, on its last two stages gathered into contiguous scratch. */
function laneStiffness(
  l: number, n: number, L: number, H: Float64Array, K7: Float64Array, K6: Float64Array, Y1: Float64Array, YS: Float64Array,
  s7: Float64Array, s6: Float64Array, y7: Float64Array, y6: Float64Array,
): number {
  for (let i = 0, x = l; i < n; i++, x += L) { s7[i] = K7[x]; s6[i] = K6[x]; y7[i] = Y1[x]; y6[i] = YS[x]; }
  return stiffnessEstimate(H[l], s7, s6, y7, y6, n);
}

/** The lane's new state and FSAL stage become current, and are copied out for the stop predicate. */
function accept(l: number, n: number, L: number, Y: Float64Array, Y1: Float64Array, K1: Float64Array, K7: Float64Array, y: Float64Array, dy: Float64Array): void {
  for (let i = 0, x = l; i < n; i++, x += L) { const a = Y1[x], b = K7[x]; Y[x] = a; K1[x] = b; y[i] = a; dy[i] = b; }
}

/**
 * Dopri5Stepper.step after its stages, per lane: the error norm from its sum
 * (ERR), the PI controller and the acceptance test; verdict[lane] says which.
 * A function of its own on arguments, so that V8 keeps the arrays in registers
 * (runEnsemble's closures would hold them in a heap context).
 */
function control(
  live: number, active: Int32Array, n: number, ERR: Float64Array, H: Float64Array, hNew: Float64Array,
  facold: Float64Array, reject: Uint8Array, nfev: Float64Array, naccept: Float64Array, nreject: Float64Array, verdict: Uint8Array,
): void {
  for (let q = 0; q < live; q++) {
    const l = active[q];
    verdict[l] = REJECTED;
    const hl = H[l];
    nfev[l] += 6;
    const err = rmsNorm(ERR[l], n);
    const hn = piControl(hl, err, facold[l]);
    if (!accepted(err)) {
      H[l] = hn;
      reject[l] = 1;
      if (countsAsRejection(err, naccept[l])) nreject[l]++;
      continue;
    }
    facold[l] = nextFacold(err);
    naccept[l]++;
    hNew[l] = hn;
    verdict[l] = ACCEPTED;
  }
}

/** The lanes' arrays, and the stages and error sums over all lanes on them. */
interface Arithmetic {
  Y: Float64Array; Y1: Float64Array; YS: Float64Array; K1: Float64Array; K6: Float64Array; K7: Float64Array;
  /** Per lane: step, tolerances, error sum. */
  H: Float64Array; ATOL: Float64Array; RTOL: Float64Array; ERR: Float64Array;
  /** The six stage evaluations of a step (the seventh is the next first: FSAL) and the error sums in ERR, for lanes below upto (even). */
  stagesAndErrors(live: number, active: Int32Array, rhs: BatchRhs, upto: number): void;
}

function makeArithmetic(n: number, L: number, kind: 'wasm' | 'js'): Arithmetic {
  return kind === 'wasm' && wasmModule ? wasmArithmetic(n, L) : jsArithmetic(n, L);
}

/** The arrays in a wasm instance's memory; the loops in dmflow_kernels.c (dmf_ens_*). */
function wasmArithmetic(n: number, L: number): Arithmetic {
  const arena = new WasmArena(wasmModule!);
  const N = n * L;
  const names = ['Y', 'Y1', 'YS', 'K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7'] as const;
  const at = Object.fromEntries(names.map((k) => [k, arena.reserve(8 * N)])) as Record<(typeof names)[number], number>;
  const lane = { H: arena.reserve(8 * L), ATOL: arena.reserve(8 * L), RTOL: arena.reserve(8 * L), ERR: arena.reserve(8 * L) };
  // The stage combinations' k pointers and coefficients, one row of 6 each (dopri5.ts's constants).
  const rows = [
    [['K1', 'K2'], [dp.a31, dp.a32]],
    [['K1', 'K2', 'K3'], [dp.a41, dp.a42, dp.a43]],
    [['K1', 'K2', 'K3', 'K4'], [dp.a51, dp.a52, dp.a53, dp.a54]],
    [['K1', 'K2', 'K3', 'K4', 'K5'], [dp.a61, dp.a62, dp.a63, dp.a64, dp.a65]],
    [['K1', 'K3', 'K4', 'K5', 'K6'], [dp.a71, dp.a73, dp.a74, dp.a75, dp.a76]],
    [['K1', 'K3', 'K4', 'K5', 'K6', 'K7'], [dp.e1, dp.e3, dp.e4, dp.e5, dp.e6, dp.e7]],
  ] as const;
  const kAt = rows.map(() => arena.reserve(4 * 6)), cAt = rows.map(() => arena.reserve(8 * 6));
  arena.grow();
  rows.forEach(([ks, cs], r) => {
    arena.i32(kAt[r], 6).set(ks.map((k) => at[k]));
    arena.f64(cAt[r], 6).set(cs);
  });
  const v = Object.fromEntries(names.map((k) => [k, arena.f64(at[k], N)])) as Record<(typeof names)[number], Float64Array>;
  const k: WasmExports = arena.exports;
  const a21 = dp.a21;
  return {
    Y: v.Y, Y1: v.Y1, YS: v.YS, K1: v.K1, K6: v.K6, K7: v.K7,
    H: arena.f64(lane.H, L), ATOL: arena.f64(lane.ATOL, L), RTOL: arena.f64(lane.RTOL, L), ERR: arena.f64(lane.ERR, L),
    stagesAndErrors(live, active, rhs, upto) {
      k.dmf_ens_stage1(n, L, upto, at.Y1, at.Y, lane.H, at.K1, a21);
      rhs(live, active, v.Y1, v.K2);
      k.dmf_ens_stage(n, L, upto, at.Y1, at.Y, lane.H, 2, kAt[0], cAt[0]);
      rhs(live, active, v.Y1, v.K3);
      k.dmf_ens_stage(n, L, upto, at.Y1, at.Y, lane.H, 3, kAt[1], cAt[1]);
      rhs(live, active, v.Y1, v.K4);
      k.dmf_ens_stage(n, L, upto, at.Y1, at.Y, lane.H, 4, kAt[2], cAt[2]);
      rhs(live, active, v.Y1, v.K5);
      k.dmf_ens_stage(n, L, upto, at.YS, at.Y, lane.H, 5, kAt[3], cAt[3]);
      rhs(live, active, v.YS, v.K6);
      k.dmf_ens_stage(n, L, upto, at.Y1, at.Y, lane.H, 5, kAt[4], cAt[4]);
      rhs(live, active, v.Y1, v.K7); // first stage of the next step (FSAL)
      k.dmf_ens_error(n, L, upto, lane.H, lane.ATOL, lane.RTOL, at.Y, at.Y1, kAt[5], cAt[5], lane.ERR);
    },
  };
}

/** The same arithmetic in TypeScript (where WebAssembly is absent). */
function jsArithmetic(n: number, L: number): Arithmetic {
  const N = n * L;
  const Y = new Float64Array(N), Y1 = new Float64Array(N), YS = new Float64Array(N);
  const K1 = new Float64Array(N), K2 = new Float64Array(N), K3 = new Float64Array(N), K4 = new Float64Array(N);
  const K5 = new Float64Array(N), K6 = new Float64Array(N), K7 = new Float64Array(N);
  const H = new Float64Array(L), ATOL = new Float64Array(L), RTOL = new Float64Array(L), ERR = new Float64Array(L);
  return {
    Y, Y1, YS, K1, K6, K7, H, ATOL, RTOL, ERR,
    stagesAndErrors(live, active, rhs, upto) {
      jsStages(n, L, upto, live, active, rhs, H, ATOL, RTOL, ERR, Y, Y1, YS, K1, K2, K3, K4, K5, K6, K7);
    },
  };
}

function jsStages(
  n: number, L: number, upto: number, live: number, active: Int32Array, rhs: BatchRhs, H: Float64Array, ATOL: Float64Array, RTOL: Float64Array, ERR: Float64Array,
  Y: Float64Array, Y1: Float64Array, YS: Float64Array,
  K1: Float64Array, K2: Float64Array, K3: Float64Array, K4: Float64Array, K5: Float64Array, K6: Float64Array, K7: Float64Array,
): void {
  const { stage2, stage3, stage4, stage5, stage6, stage7, errorTerm } = dp;
  // Over the lanes below upto (idle ones compute what is never read), as dopri5.ts's loops per lane.
  for (let i = 0; i < n; i++) for (let l = 0, x = i * L; l < upto; l++, x++) Y1[x] = stage2(Y[x], H[l], K1[x]);
  rhs(live, active, Y1, K2);
  for (let i = 0; i < n; i++) for (let l = 0, x = i * L; l < upto; l++, x++) Y1[x] = stage3(Y[x], H[l], K1[x], K2[x]);
  rhs(live, active, Y1, K3);
  for (let i = 0; i < n; i++) for (let l = 0, x = i * L; l < upto; l++, x++) Y1[x] = stage4(Y[x], H[l], K1[x], K2[x], K3[x]);
  rhs(live, active, Y1, K4);
  for (let i = 0; i < n; i++) for (let l = 0, x = i * L; l < upto; l++, x++) Y1[x] = stage5(Y[x], H[l], K1[x], K2[x], K3[x], K4[x]);
  rhs(live, active, Y1, K5);
  for (let i = 0; i < n; i++) for (let l = 0, x = i * L; l < upto; l++, x++) YS[x] = stage6(Y[x], H[l], K1[x], K2[x], K3[x], K4[x], K5[x]);
  rhs(live, active, YS, K6);
  for (let i = 0; i < n; i++) for (let l = 0, x = i * L; l < upto; l++, x++) Y1[x] = stage7(Y[x], H[l], K1[x], K3[x], K4[x], K5[x], K6[x]);
  rhs(live, active, Y1, K7); // first stage of the next step (FSAL)
  ERR.fill(0, 0, upto);
  for (let i = 0; i < n; i++) {
    for (let l = 0, x = i * L; l < upto; l++, x++) ERR[l] += errorTerm(H[l], K1[x], K3[x], K4[x], K5[x], K6[x], K7[x], ATOL[l], RTOL[l], Y[x], Y1[x]);
  }
}
