// Runge–Kutta–Chebyshev, second order, damped (Sommeijer, Shampine & Verwer
// 1997, "RKC: an explicit solver for parabolic PDEs"; Verwer, Sommeijer &
// Hundsdorfer 2004). An explicit method whose stability interval grows like
// 0.65 s^2 with the number of stages s, for problems whose Jacobian has a real
// (or nearly real) spectrum. A gradient flow's Jacobian is minus the Hessian
// of the loss: symmetric, so its spectrum is real, and near a minimum the flow
// is stiff. The spectral radius comes from a power iteration on finite-
// difference Jacobian-vector products, warm-started from the last estimate.

import { checkOptions } from './options.js';
import type { Rhs, SolveOptions, SolveResult, SolveStatus } from './types.js';

const DAMPING = 2 / 13;
const MAX_STAGES = 2000;
const UROUND = 2.3e-16;

interface Coefficients {
  s: number;
  mu: Float64Array; nu: Float64Array; muT: Float64Array; gammaT: Float64Array; c: Float64Array;
}

const cache = new Map<number, Coefficients>();

/** Stage coefficients of the damped s-stage RKC2 method (Verwer et al. 2004, (2.7)–(2.9)). */
function coefficients(s: number): Coefficients {
  const hit = cache.get(s);
  if (hit) return hit;
  const w0 = 1 + DAMPING / (s * s);
  const T = new Float64Array(s + 1), dT = new Float64Array(s + 1), ddT = new Float64Array(s + 1);
  T[0] = 1; T[1] = w0; dT[1] = 1;
  for (let j = 2; j <= s; j++) {
    T[j] = 2 * w0 * T[j - 1] - T[j - 2];
    dT[j] = 2 * T[j - 1] + 2 * w0 * dT[j - 1] - dT[j - 2];
    ddT[j] = 4 * dT[j - 1] + 2 * w0 * ddT[j - 1] - ddT[j - 2];
  }
  const w1 = dT[s] / ddT[s];
  const b = new Float64Array(s + 1);
  for (let j = 2; j <= s; j++) b[j] = ddT[j] / (dT[j] * dT[j]);
  b[0] = b[1] = b[2];
  const mu = new Float64Array(s + 1), nu = new Float64Array(s + 1), muT = new Float64Array(s + 1), gammaT = new Float64Array(s + 1), c = new Float64Array(s + 1);
  muT[1] = b[1] * w1;
  c[1] = muT[1];
  for (let j = 2; j <= s; j++) {
    mu[j] = (2 * b[j] * w0) / b[j - 1];
    nu[j] = -b[j] / b[j - 2];
    muT[j] = (2 * b[j] * w1) / b[j - 1];
    gammaT[j] = -(1 - b[j - 1] * T[j - 1]) * muT[j];
    c[j] = mu[j] * c[j - 1] + nu[j] * c[j - 2] + muT[j] + gammaT[j];
  }
  const out = { s, mu, nu, muT, gammaT, c };
  cache.set(s, out);
  return out;
}

/** Stages needed for stability at h * rho (damped RKC2: h rho <= 0.653 s^2 about). */
export function stagesFor(hRho: number): number {
  return Math.max(2, Math.ceil(1 + Math.sqrt(1 + 1.54 * hRho)));
}

export function rkc(f: Rhs, span: readonly [number, number], y0In: ArrayLike<number>, options: SolveOptions = {}): SolveResult {
  const [t0, t1] = span;
  const n = y0In.length;
  const { rtol, atol, tEval, dir } = checkOptions(span, n, options);
  const maxSteps = options.maxSteps ?? 1_000_000;
  const hMax = Math.abs(options.hMax ?? (t1 - t0 || 1));

  const y = Float64Array.from(y0In);
  const yNew = new Float64Array(n);
  const F0 = new Float64Array(n), F1 = new Float64Array(n);
  let Yjm2 = new Float64Array(n), Yjm1 = new Float64Array(n), Yj = new Float64Array(n);
  const Fj = new Float64Array(n);
  const v = new Float64Array(n), fv = new Float64Array(n);
  const outT: number[] = [], outY: Float64Array[] = [];
  let next = 0;
  let nfev = 0, naccept = 0, nreject = 0, steps = 0;
  let t = t0;
  let status: SolveStatus = 'done';
  let message = 'reached the end of the interval';

  while (next < tEval.length && tEval[next] === t0) { outT.push(t0); outY.push(Float64Array.from(y)); next++; }
  const finish = (h: number): SolveResult => ({ status, t, y: Float64Array.from(y), nfev, naccept, nreject, message, tEval: outT, yEval: outY, stiffDetections: 0, h });
  if (t0 === t1) return finish(0);
  f(t, y, F0); nfev++;

  // Power iteration for the spectral radius of the Jacobian at (t, y).
  let haveVector = false;
  const spectralRadius = (): number => {
    let ynorm = 0;
    for (let i = 0; i < n; i++) ynorm += y[i] * y[i];
    ynorm = Math.sqrt(ynorm);
    if (!haveVector) {
      // Start along f itself, with a little of every component, as rkc.f does.
      for (let i = 0; i < n; i++) v[i] = F0[i] + 1e-3 * (1 + (i % 7)) * (ynorm > 0 ? ynorm / Math.sqrt(n) : 1);
      haveVector = true;
    }
    let vnorm = 0;
    for (let i = 0; i < n; i++) vnorm += v[i] * v[i];
    vnorm = Math.sqrt(vnorm) || 1;
    const delta = Math.sqrt(UROUND) * Math.max(ynorm, 1);
    let rho = 0;
    for (let iter = 0; iter < 50; iter++) {
      for (let i = 0; i < n; i++) yNew[i] = y[i] + (delta / vnorm) * v[i];
      f(t, yNew, fv); nfev++;
      let s2 = 0;
      for (let i = 0; i < n; i++) { v[i] = fv[i] - F0[i]; s2 += v[i] * v[i]; }
      const est = Math.sqrt(s2) / delta;
      vnorm = Math.sqrt(s2) || 1;
      const converged = iter > 0 && Math.abs(est - rho) <= 0.01 * est;
      rho = est;
      if (converged) break;
    }
    return 1.2 * rho;
  };

  let rho = spectralRadius();
  let h = options.h0 ?? Math.min(hMax, Math.abs(t1 - t0), 1 / Math.max(rho, 1e-300));
  // A first step from the tolerance scale, as for Dormand–Prince.
  if (options.h0 === undefined) {
    let dnf = 0;
    for (let i = 0; i < n; i++) dnf += (F0[i] / (atol[i] + rtol * Math.abs(y[i]))) ** 2;
    dnf = Math.sqrt(dnf / n);
    if (dnf > 0) h = Math.min(h * 100, 0.1 / dnf, hMax);
  }
  let sinceRho = 0;
  let reject = false;

  for (;;) {
    if (steps >= maxSteps) { status = 'max-steps'; message = `stopped after ${maxSteps} steps at t = ${t}`; break; }
    if (0.1 * h <= Math.abs(t) * UROUND) { status = 'step-too-small'; message = `step size ${h} too small at t = ${t}`; break; }
    let last = false;
    if ((t + dir * 1.01 * h - t1) * dir > 0) { h = Math.abs(t1 - t); last = true; }
    if (sinceRho >= 25 || reject) { rho = spectralRadius(); sinceRho = 0; }
    let s = stagesFor(h * rho);
    if (s > MAX_STAGES) { s = MAX_STAGES; h = Math.min(h, (0.653 * s * s) / rho); last = false; }
    const co = coefficients(s);
    const hs = dir * h;
    steps++;
    // Y_0 = y, Y_1 = y + muT_1 h F0, Y_j = (1 - mu_j - nu_j) y + mu_j Y_{j-1} + nu_j Y_{j-2} + muT_j h F(Y_{j-1}) + gammaT_j h F0.
    Yjm2.set(y);
    for (let i = 0; i < n; i++) Yjm1[i] = y[i] + co.muT[1] * hs * F0[i];
    for (let j = 2; j <= s; j++) {
      f(t + co.c[j - 1] * hs, Yjm1, Fj); nfev++;
      const a = 1 - co.mu[j] - co.nu[j], mu = co.mu[j], nu = co.nu[j], mt = co.muT[j] * hs, gt = co.gammaT[j] * hs;
      for (let i = 0; i < n; i++) Yj[i] = a * y[i] + mu * Yjm1[i] + nu * Yjm2[i] + mt * Fj[i] + gt * F0[i];
      const tmp = Yjm2; Yjm2 = Yjm1; Yjm1 = Yj; Yj = tmp;
    }
    yNew.set(Yjm1);
    f(t + hs, yNew, F1); nfev++;
    // Local error estimate of rkc.f: 0.8 (y_n - y_{n+1}) + 0.4 h (F_n + F_{n+1}).
    let err = 0;
    for (let i = 0; i < n; i++) {
      const e = 0.8 * (y[i] - yNew[i]) + 0.4 * hs * (F0[i] + F1[i]);
      const sk = atol[i] + rtol * Math.max(Math.abs(y[i]), Math.abs(yNew[i]));
      err += (e / sk) ** 2;
    }
    err = Math.sqrt(err / n);
    const fac = !Number.isFinite(err) ? 0.1 : err === 0 ? 10 : Math.min(10, Math.max(0.1, 0.8 * Math.pow(err, -1 / 3)));
    if (err <= 1) {
      naccept++; sinceRho++;
      // Dense output: cubic Hermite on (y, F0) and (yNew, F1).
      while (next < tEval.length && (tEval[next] - (t + hs)) * dir <= 0) {
        const th = (tEval[next] - t) / hs, th1 = 1 - th;
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          out[i] = th1 * th1 * (1 + 2 * th) * y[i] + th * th * (3 - 2 * th) * yNew[i] + hs * th * th1 * (th1 * F0[i] - th * F1[i]);
        }
        outT.push(tEval[next]); outY.push(out); next++;
      }
      y.set(yNew); F0.set(F1);
      t = last ? t1 : t + hs;
      let finite = true;
      for (let i = 0; i < n; i++) if (!Number.isFinite(F0[i])) { finite = false; break; }
      if (!finite) { status = 'non-finite'; message = `right-hand side is not finite at t = ${t}`; break; }
      if (options.stop && options.stop(t, y, F0)) { status = 'stopped'; message = `stopped by the predicate at t = ${t}`; break; }
      if (last) break;
      h = Math.min(hMax, h * (reject ? Math.min(1, fac) : fac));
      reject = false;
    } else {
      nreject++;
      reject = true;
      h *= fac;
    }
  }
  return finish(h);
}
