// Ensemble integration: many independent autonomous systems of one size,
// integrated together by Dormand–Prince 5(4) in lanes. Each lane has its own
// controller (step size, PI memory, counters, stiffness schedule), the stage
// combinations run as one loop over every lane's block of one array, and the
// right-hand side is evaluated for all lanes in one call (a batch kernel). A
// lane that ends is refilled with the next job at once.
//
// Each lane performs exactly the floating-point operations, in the same
// order, that Dopri5Stepper.step (dopri5.ts) and the loop of integrate.ts
// perform for one integration, with the same coefficients, controller, step
// limits and stiffness schedule (imported from there, not copied), so a
// lane's result is bit-identical to solveIvp's with method "dopri5" or "auto"
// (which runs Dormand–Prince until the stiffness test fires). A lane that
// would leave what the lanes mirror (the stiffness test finding a large
// h |lambda|, a step or evaluation budget, a step too small, a non-finite
// right-hand side) hands its job back as a fallback: the caller reruns it
// one at a time, which gives the exact result at the cost of the lane's work.

import * as dp from './dopri5.js';
import { dopri5InitialStep, EVALS_PER_STEP, stiffnessEstimate, stiffnessTestDue, UROUND } from './dopri5.js';
import { END_MESSAGE, stoppedMessage } from './integrate.js';
import { checkOptions } from './options.js';
import { allFinite, stepLimits } from './stepper.js';
import type { Rhs, SolveResult } from './types.js';

/**
 * An autonomous right-hand side for many lanes: for q < count, lane =
 * lanes[q], writes f(y[lane*n .. lane*n+n)) into the same block of dy.
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
  /** Called after every accepted step, as solveIvp's stop predicate (y and dy are views into the lane). */
  stop: (t: number, y: Float64Array, dy: Float64Array) => boolean;
}

/** How a job ended: its result, or why it must be rerun one at a time. */
export type EnsembleEnd = { result: SolveResult } | { fallback: string };

export interface EnsembleOptions {
  n: number;
  lanes: number;
  rhs: BatchRhs;
  /**
   * The next job, or null when none is left (then no more are asked for): load(lane) is
   * called before its first evaluation, done(end) when it ends (jobs end in any order).
   */
  next: () => { job: EnsembleJob; load: (lane: number) => void; done: (end: EnsembleEnd) => void } | null;
}

/** Integrate every job next() hands out, `lanes` at a time. */
export function runEnsemble(o: EnsembleOptions): void {
  const { n, lanes: L, rhs } = o;
  const N = n * L;
  const Y = new Float64Array(N), Y1 = new Float64Array(N), YS = new Float64Array(N);
  const K1 = new Float64Array(N), K2 = new Float64Array(N), K3 = new Float64Array(N), K4 = new Float64Array(N);
  const K5 = new Float64Array(N), K6 = new Float64Array(N), K7 = new Float64Array(N);
  /** Each element's lane step size, for the stage loops over all blocks. */
  const HE = new Float64Array(N);
  const yView: Float64Array[] = [], dyView: Float64Array[] = [];
  for (let l = 0; l < L; l++) { yView.push(Y.subarray(l * n, l * n + n)); dyView.push(K1.subarray(l * n, l * n + n)); }
  // Per lane: the job, its time and controller (Dopri5Stepper's fields of the same names).
  const job: (EnsembleJob | null)[] = new Array(L).fill(null);
  const ends: (((end: EnsembleEnd) => void) | null)[] = new Array(L).fill(null);
  const t = new Float64Array(L), t1 = new Float64Array(L), h = new Float64Array(L), hNew = new Float64Array(L);
  const hMax = new Float64Array(L), rtol = new Float64Array(L), atol = new Float64Array(L), facold = new Float64Array(L);
  const pending = new Uint8Array(L), reject = new Uint8Array(L), last = new Uint8Array(L);
  const nfev = new Float64Array(L), naccept = new Float64Array(L), nreject = new Float64Array(L), nsteps = new Float64Array(L);
  const maxSteps = new Float64Array(L), maxEvals = new Float64Array(L);
  const active = new Int32Array(L);
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
        status, t: t[l], y: Float64Array.from(yView[l]), nfev: nfev[l], naccept: naccept[l], nreject: nreject[l],
        message: status === 'done' ? END_MESSAGE : stoppedMessage(t[l]), tEval: [], yEval: [], stiffDetections: 0, h: h[l],
      },
    });
  };

  /** Dopri5Stepper's constructor and start() for a new job in lane l; false when it fell back. */
  const fill = (l: number, jb: EnsembleJob): boolean => {
    job[l] = jb;
    const off = l * n;
    if (jb.t1 === 0 || !(jb.t1 > 0)) { retire(l, { fallback: 'an empty or backward interval' }); return false; }
    let checked;
    try { checked = checkOptions([0, jb.t1], n, { rtol: jb.rtol, atol: jb.atol }); } catch { retire(l, { fallback: 'options refused' }); return false; }
    const limits = stepLimits(jb);
    t[l] = 0; t1[l] = jb.t1; rtol[l] = jb.rtol; atol[l] = jb.atol;
    hMax[l] = Math.abs(jb.hMax ?? (jb.t1 - 0 || 1));
    facold[l] = 1e-4; pending[l] = 0; reject[l] = 0;
    nfev[l] = 0; naccept[l] = 0; nreject[l] = 0; nsteps[l] = 0;
    maxSteps[l] = limits.maxSteps; maxEvals[l] = limits.maxEvals;
    for (let i = 0; i < n; i++) Y[off + i] = jb.y0[i];
    const cost = jb.h0 !== undefined ? 1 : 2;
    if (cost > maxEvals[l]) { retire(l, { fallback: 'max-evals before the first step' }); return false; }
    const y = yView[l], k1 = dyView[l];
    jb.rhs(0, y, k1); nfev[l]++;
    if (!allFinite(k1)) { retire(l, { fallback: 'non-finite at t0' }); return false; }
    let h0: number;
    if (jb.h0 !== undefined) h0 = Math.abs(jb.h0);
    else {
      h0 = dopri5InitialStep(jb.rhs, 0, y, k1, scratchY1, scratchK2, checked.atol, checked.rtol, hMax[l], 1, 0, n);
      nfev[l]++;
    }
    h[l] = Math.min(Math.max(h0, 0), hMax[l]) * 1;
    return true;
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
    let live = 0;
    for (let q = 0; q < count; q++) {
      const l = active[q];
      if (pending[l]) {
        let hn = hNew[l];
        if (Math.abs(hn) > hMax[l]) hn = 1 * hMax[l];
        if (reject[l]) hn = 1 * Math.min(Math.abs(hn), Math.abs(h[l]));
        reject[l] = 0;
        h[l] = hn;
        pending[l] = 0;
      }
      if (nsteps[l] >= maxSteps[l]) { retire(l, { fallback: 'max-steps' }); continue; }
      if (nfev[l] + EVALS_PER_STEP > maxEvals[l]) { retire(l, { fallback: 'max-evals' }); continue; }
      // (runs set no hMin: only the rounding of t limits the step.)
      const hl = h[l], tl = t[l];
      if (0.1 * Math.abs(hl) <= Math.abs(tl) * UROUND) { retire(l, { fallback: 'step-too-small' }); continue; }
      last[l] = 0;
      if ((tl + 1.01 * hl - t1[l]) * 1 > 0) { h[l] = t1[l] - tl; last[l] = 1; }
      nsteps[l]++;
      const hh = h[l], off = l * n;
      for (let i = off; i < off + n; i++) HE[i] = hh;
      active[live++] = l;
    }
    if (live === 0) continue;

    stages(N, live, active, rhs, HE, Y, Y1, YS, K1, K2, K3, K4, K5, K6, K7);

    control(live, active, n, Y, Y1, YS, K1, K3, K4, K5, K6, K7, t, t1, h, hNew, rtol, atol, facold, pending, reject, last, nfev, naccept, nreject, verdict);
    for (let q = 0; q < live; q++) {
      const l = active[q];
      const v = verdict[l];
      if (v === REJECTED) continue;
      if (v === STIFF) { retire(l, { fallback: 'stiffness test positive' }); continue; }
      // integrate.ts after an accepted step: finiteness, the stop predicate, the end.
      if (!allFinite(dyView[l])) { retire(l, { fallback: 'non-finite right-hand side' }); continue; }
      if (job[l]!.stop(t[l], yView[l], dyView[l])) { finish(l, 'stopped'); continue; }
      if (last[l]) finish(l, 'done');
    }
  }
}

/**
 * One Dormand–Prince step's stages for every lane (a function of its own, on
 * arguments, so that V8 keeps the arrays in registers: the closures of
 * runEnsemble would otherwise hold them in a heap context).
 */
function stages(
  N: number, live: number, active: Int32Array, rhs: BatchRhs, HE: Float64Array, Y: Float64Array, Y1: Float64Array, YS: Float64Array,
  K1: Float64Array, K2: Float64Array, K3: Float64Array, K4: Float64Array, K5: Float64Array, K6: Float64Array, K7: Float64Array,
): void {
  // Imported bindings are loads with a hole check in every iteration: read them once.
  const { a21, a31, a32, a41, a42, a43, a51, a52, a53, a54, a61, a62, a63, a64, a65, a71, a73, a74, a75, a76 } = dp;
  // Over every lane's block: idle blocks compute what is never read.
  for (let i = 0; i < N; i++) Y1[i] = Y[i] + HE[i] * a21 * K1[i];
  rhs(live, active, Y1, K2);
  for (let i = 0; i < N; i++) Y1[i] = Y[i] + HE[i] * (a31 * K1[i] + a32 * K2[i]);
  rhs(live, active, Y1, K3);
  for (let i = 0; i < N; i++) Y1[i] = Y[i] + HE[i] * (a41 * K1[i] + a42 * K2[i] + a43 * K3[i]);
  rhs(live, active, Y1, K4);
  for (let i = 0; i < N; i++) Y1[i] = Y[i] + HE[i] * (a51 * K1[i] + a52 * K2[i] + a53 * K3[i] + a54 * K4[i]);
  rhs(live, active, Y1, K5);
  for (let i = 0; i < N; i++) YS[i] = Y[i] + HE[i] * (a61 * K1[i] + a62 * K2[i] + a63 * K3[i] + a64 * K4[i] + a65 * K5[i]);
  rhs(live, active, YS, K6);
  for (let i = 0; i < N; i++) Y1[i] = Y[i] + HE[i] * (a71 * K1[i] + a73 * K3[i] + a74 * K4[i] + a75 * K5[i] + a76 * K6[i]);
  rhs(live, active, Y1, K7); // first stage of the next step (FSAL)
}

const REJECTED = 0, ACCEPTED = 1, STIFF = 2;

/**
 * Dopri5Stepper.step after its stages, per lane: the error norm, the PI
 * controller, acceptance (the new state and FSAL stage become current) and
 * the stiffness test's schedule; verdict[lane] says which. A function of its
 * own on arguments, as stages().
 */
function control(
  live: number, active: Int32Array, n: number, Y: Float64Array, Y1: Float64Array, YS: Float64Array,
  K1: Float64Array, K3: Float64Array, K4: Float64Array, K5: Float64Array, K6: Float64Array, K7: Float64Array,
  t: Float64Array, t1: Float64Array, h: Float64Array, hNew: Float64Array, rtol: Float64Array, atol: Float64Array, facold: Float64Array,
  pending: Uint8Array, reject: Uint8Array, last: Uint8Array, nfev: Float64Array, naccept: Float64Array, nreject: Float64Array, verdict: Uint8Array,
): void {
  // Imported bindings are loads with a hole check in every iteration: read them once.
  const { e1, e3, e4, e5, e6, e7, EXPO1, BETA, FAC1, FAC2, SAFE, STIFF_BOUND, DEFAULT_STIFF_CHECK_EVERY: nstiff } = dp;
  for (let q = 0; q < live; q++) {
    const l = active[q];
    verdict[l] = REJECTED;
    const off = l * n, hl = h[l], tl = t[l], at = atol[l], rt = rtol[l];
    nfev[l] += 6;
    // Scaled RMS norm of the embedded error estimate (Hairer's II.4 (4.11)).
    let err = 0;
    for (let i = off; i < off + n; i++) {
      const e = hl * (e1 * K1[i] + e3 * K3[i] + e4 * K4[i] + e5 * K5[i] + e6 * K6[i] + e7 * K7[i]);
      const sk = at + rt * Math.max(Math.abs(Y[i]), Math.abs(Y1[i]));
      err += (e / sk) ** 2;
    }
    err = Math.sqrt(err / n);
    if (!Number.isFinite(err)) { h[l] = hl * FAC1; reject[l] = 1; nreject[l]++; continue; }
    // PI controller (Gustafsson; Hairer II.4 (4.13) with beta = 0.04).
    const fac11 = Math.pow(err, EXPO1);
    let fac = fac11 / Math.pow(facold[l], BETA);
    fac = Math.max(1 / FAC2, Math.min(1 / FAC1, fac / SAFE));
    const hn = hl / fac;
    if (err > 1) {
      h[l] = hl / Math.min(1 / FAC1, fac11 / SAFE);
      reject[l] = 1;
      if (naccept[l] >= 1) nreject[l]++;
      continue;
    }
    facold[l] = Math.max(err, 1e-4);
    naccept[l]++;
    // The stiffness test on Dopri5Stepper's schedule; a lane's counters start at zero, so a
    // positive test is where the one-at-a-time run starts counting towards a switch: rerun it there.
    if (stiffnessTestDue(naccept[l], nstiff, 0)) {
      const hlamb = stiffnessEstimate(hl, K7, K6, Y1, YS, off, n);
      if (hlamb !== -Infinity && hlamb > STIFF_BOUND) { verdict[l] = STIFF; continue; }
    }
    for (let i = off; i < off + n; i++) { Y[i] = Y1[i]; K1[i] = K7[i]; }
    t[l] = last[l] ? t1[l] : tl + hl;
    hNew[l] = hn;
    pending[l] = 1;
    verdict[l] = ACCEPTED;
  }
}
