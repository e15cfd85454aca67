// Dormand–Prince 5(4) with FSAL, PI step control, automatic initial step,
// 4th-order dense output and stiffness detection.
// Coefficients, error norm, step control and stiffness test follow Hairer,
// Nørsett & Wanner, "Solving Ordinary Differential Equations I", 2nd ed.,
// section II.5 and II.4, and Hairer's Fortran code DOPRI5 (Dormand & Prince 1980).

import { checkOptions } from './options.js';
import type { Rhs, SolveOptions, SolveResult, SolveStatus } from './types.js';

const c2 = 0.2, c3 = 0.3, c4 = 0.8, c5 = 8 / 9;
const a21 = 0.2;
const a31 = 3 / 40, a32 = 9 / 40;
const a41 = 44 / 45, a42 = -56 / 15, a43 = 32 / 9;
const a51 = 19372 / 6561, a52 = -25360 / 2187, a53 = 64448 / 6561, a54 = -212 / 729;
const a61 = 9017 / 3168, a62 = -355 / 33, a63 = 46732 / 5247, a64 = 49 / 176, a65 = -5103 / 18656;
const a71 = 35 / 384, a73 = 500 / 1113, a74 = 125 / 192, a75 = -2187 / 6784, a76 = 11 / 84;
// Error coefficients: 5th-order minus embedded 4th-order weights.
const e1 = 71 / 57600, e3 = -71 / 16695, e4 = 71 / 1920, e5 = -17253 / 339200, e6 = 22 / 525, e7 = -1 / 40;
// Dense output (Shampine's 4th-order interpolant as coded in DOPRI5's CONTD5).
const d1 = -12715105075 / 11282082432, d3 = 87487479700 / 32700410799, d4 = -10690763975 / 1880347072;
const d5 = 701980252875 / 199316789632, d6 = -1453857185 / 822651844, d7 = 69997945 / 29380423;

const UROUND = 2.3e-16;
const SAFE = 0.9;
const FAC1 = 0.2; // smallest step ratio hnew/h
const FAC2 = 10; // largest step ratio hnew/h
const BETA = 0.04; // PI (Lund) stabilization
const EXPO1 = 0.2 - BETA * 0.75;
/** h * |lambda| beyond which the stiffness test fires: DOPRI5's stability boundary ~3.3. */
const STIFF_BOUND = 3.25;

/**
 * Integrate y' = f(t, y) from span[0] to span[1] (forwards or backwards).
 * The right-hand side writes into its third argument and must not allocate.
 */
export function dopri5(
  f: Rhs,
  span: readonly [number, number],
  y0In: ArrayLike<number>,
  options: SolveOptions = {},
): SolveResult {
  const [t0, t1] = span;
  const n = y0In.length;
  const { rtol, atol, tEval, dir } = checkOptions(span, n, options);
  const maxSteps = options.maxSteps ?? 1_000_000;
  const hMin = options.hMin ?? 0;
  const nstiff = options.stiffCheckEvery ?? 1000;
  const stiffPatience = options.stiffPatience ?? 15;
  const hMax = Math.abs(options.hMax ?? (t1 - t0 || 1));

  const y = Float64Array.from(y0In);
  const y1 = new Float64Array(n);
  const ysti = new Float64Array(n);
  const k1 = new Float64Array(n), k2 = new Float64Array(n), k3 = new Float64Array(n);
  const k4 = new Float64Array(n), k5 = new Float64Array(n), k6 = new Float64Array(n);
  const r1 = new Float64Array(n), r2 = new Float64Array(n), r3 = new Float64Array(n);
  const r4 = new Float64Array(n), r5 = new Float64Array(n);
  const outT: number[] = [];
  const outY: Float64Array[] = [];
  let nextEval = 0;

  let nfev = 0, naccept = 0, nreject = 0, nsteps = 0;
  let t = t0;
  let status: SolveStatus = 'done';
  let message = 'reached the end of the interval';
  let stiffDetections = 0;

  const finish = (h: number): SolveResult => ({
    status, t, y: Float64Array.from(y), nfev, naccept, nreject, message,
    tEval: outT, yEval: outY, stiffDetections, h,
  });

  // Points at t0 itself.
  while (nextEval < tEval.length && tEval[nextEval] === t0) {
    outT.push(t0); outY.push(Float64Array.from(y)); nextEval++;
  }
  if (t0 === t1) return finish(0);

  f(t, y, k1); nfev++;
  if (!allFinite(k1)) {
    status = 'non-finite'; message = `right-hand side is not finite at t = ${t}`;
    return finish(0);
  }

  let h = options.h0 !== undefined ? Math.abs(options.h0) : initialStep();
  h = Math.min(Math.max(h, hMin), hMax) * dir;

  function initialStep(): number {
    // Hairer's HINIT: make h * f of unit size relative to the tolerance scale,
    // then correct with an estimate of the second derivative.
    let dnf = 0, dny = 0;
    for (let i = 0; i < n; i++) {
      const sk = atol[i] + rtol * Math.abs(y[i]);
      dnf += (k1[i] / sk) ** 2; dny += (y[i] / sk) ** 2;
    }
    let h0 = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : Math.sqrt(dny / dnf) * 0.01;
    h0 = Math.min(h0, hMax);
    for (let i = 0; i < n; i++) y1[i] = y[i] + dir * h0 * k1[i];
    f(t + dir * h0, y1, k2); nfev++;
    let der2 = 0;
    for (let i = 0; i < n; i++) {
      const sk = atol[i] + rtol * Math.abs(y[i]);
      der2 += ((k2[i] - k1[i]) / sk) ** 2;
    }
    der2 = Math.sqrt(der2) / h0;
    const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf));
    const h1 = der12 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / der12, 1 / 5);
    const h = Math.min(100 * h0, h1, hMax);
    return Number.isFinite(h) && h > 0 ? h : 1e-6;
  }

  let facold = 1e-4;
  let reject = false;
  let last = false;
  let iasti = 0, nonsti = 0;

  for (;;) {
    if (nsteps >= maxSteps) {
      status = 'max-steps'; message = `stopped after ${maxSteps} steps at t = ${t}`;
      break;
    }
    if (Math.abs(h) < hMin || 0.1 * Math.abs(h) <= Math.abs(t) * UROUND) {
      status = 'step-too-small'; message = `step size ${Math.abs(h)} too small at t = ${t}`;
      break;
    }
    if ((t + 1.01 * h - t1) * dir > 0) { h = t1 - t; last = true; }
    nsteps++;

    for (let i = 0; i < n; i++) y1[i] = y[i] + h * a21 * k1[i];
    f(t + c2 * h, y1, k2);
    for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
    f(t + c3 * h, y1, k3);
    for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    f(t + c4 * h, y1, k4);
    for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    f(t + c5 * h, y1, k5);
    for (let i = 0; i < n; i++) ysti[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    const tph = t + h;
    f(tph, ysti, k6);
    for (let i = 0; i < n; i++) y1[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
    f(tph, y1, k2); // k7, first stage of the next step (FSAL)
    nfev += 6;

    // Scaled RMS norm of the embedded error estimate (Hairer's II.4 (4.11)).
    let err = 0;
    for (let i = 0; i < n; i++) {
      const e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k2[i]);
      const sk = atol[i] + rtol * Math.max(Math.abs(y[i]), Math.abs(y1[i]));
      err += (e / sk) ** 2;
    }
    err = Math.sqrt(err / n);

    if (!Number.isFinite(err)) {
      // A stage blew up: retreat hard, as for a large error.
      h *= FAC1; reject = true; last = false; nreject++;
      continue;
    }

    // PI controller (Gustafsson; Hairer II.4 (4.13) with beta = 0.04).
    const fac11 = Math.pow(err, EXPO1);
    let fac = fac11 / Math.pow(facold, BETA);
    fac = Math.max(1 / FAC2, Math.min(1 / FAC1, fac / SAFE));
    let hnew = h / fac;

    if (err <= 1) {
      facold = Math.max(err, 1e-4);
      naccept++;

      // Stiffness test (Hairer II.10 / DOPRI5): estimate h*|lambda| from the
      // last two stages, both evaluated at t + h.
      if (naccept % nstiff === 0 || iasti > 0) {
        let stnum = 0, stden = 0;
        for (let i = 0; i < n; i++) {
          stnum += (k2[i] - k6[i]) ** 2;
          stden += (y1[i] - ysti[i]) ** 2;
        }
        if (stden > 0) {
          const hlamb = Math.abs(h) * Math.sqrt(stnum / stden);
          if (hlamb > STIFF_BOUND) {
            nonsti = 0; iasti++;
            if (iasti === stiffPatience) {
              stiffDetections++;
              iasti = 0;
              const stopNow = options.onStiff ? options.onStiff(tph, y1) : true;
              if (stopNow) {
                acceptInto(h);
                status = 'stiff';
                message = `problem seems stiff at t = ${t}: the step is limited by stability, not accuracy`;
                break;
              }
            }
          } else {
            nonsti++;
            if (nonsti === 6) iasti = 0;
          }
        }
      }

      acceptInto(h);

      if (!allFinite(k1)) {
        status = 'non-finite'; message = `right-hand side is not finite at t = ${t}`;
        break;
      }
      if (options.stop && options.stop(t, y, k1)) {
        status = 'stopped'; message = `stopped by the predicate at t = ${t}`;
        break;
      }
      if (last) {
        t = t1; // exact end point
        break;
      }
      if (Math.abs(hnew) > hMax) hnew = dir * hMax;
      if (reject) hnew = dir * Math.min(Math.abs(hnew), Math.abs(h));
      reject = false;
    } else {
      hnew = h / Math.min(1 / FAC1, fac11 / SAFE);
      reject = true;
      if (naccept >= 1) nreject++;
      last = false;
    }
    h = hnew;
  }

  return finish(h);

  /** Accept the step of size hh: dense-output coefficients, tEval, state update. */
  function acceptInto(hh: number): void {
    if (nextEval < tEval.length && (tEval[nextEval] - (t + hh)) * dir <= 0) {
      for (let i = 0; i < n; i++) {
        const ydiff = y1[i] - y[i];
        const bspl = hh * k1[i] - ydiff;
        r1[i] = y[i];
        r2[i] = ydiff;
        r3[i] = bspl;
        r4[i] = ydiff - hh * k2[i] - bspl;
        r5[i] = hh * (d1 * k1[i] + d3 * k3[i] + d4 * k4[i] + d5 * k5[i] + d6 * k6[i] + d7 * k2[i]);
      }
      const told = t;
      while (nextEval < tEval.length && (tEval[nextEval] - (told + hh)) * dir <= 0) {
        const s = (tEval[nextEval] - told) / hh;
        const s1 = 1 - s;
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = r1[i] + s * (r2[i] + s1 * (r3[i] + s * (r4[i] + s1 * r5[i])));
        outT.push(tEval[nextEval]); outY.push(out); nextEval++;
      }
    }
    k1.set(k2);
    y.set(y1);
    t = t + hh;
  }
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}
