// The projected gradient flow x' = P_{T_C(x)}(-grad f(x)) as a switched ODE
// (design/UDV.md). A mode says which constraints hold with equality: a ball
// whose sphere the flow rides, a d_c pinned at 0 (udu). Within a mode the
// field is smooth: the plain negative gradient, with the radial part removed
// on the active spheres and d_c' = 0 on the active faces. A mode ends where
//   - an inactive ball's norm reaches the radius (r^2 - ||x_b||^2 falls to 0),
//   - an active ball's outward radial component <-grad_b f, x_b> falls to 0
//     (the free flow would now point inward: leave the sphere),
//   - an inactive d_c falls to 0, or an active one's free velocity -df/dd_c rises to 0.
// On an active sphere the state holds an unnormalized direction z_b and the
// factor is x_b = r z_b / ||z_b||, with z_b' = (||z_b|| / r) T_b for the
// tangent field T_b, so that x_b' = T_b and ||x_b|| = r to rounding however
// long the segment (an explicit Runge–Kutta method would otherwise drift off
// the sphere by the local error).

import type { SwitchedSystem } from '../../ode/switched.js';
import type { EventSpec } from '../../ode/types.js';
import { factorGradient } from './field.js';
import { ballNorm2, type FactorProblem } from './problem.js';

export interface FactorFlow extends SwitchedSystem {
  /** The factors x (physical state) of an integrator state y in the current mode. */
  physical(y: Float64Array, x: Float64Array): void;
  /** Loss at the state of the last rhs call. */
  readonly lastLoss: number;
  /** Norm of the projected field at the state of the last rhs call. */
  readonly lastFieldNorm: number;
  /** Number of active balls and pinned d_c. */
  activeCount(): { balls: number; d: number };
  /** Gradient evaluations made for event functions (not counted in the integrator's nfev). */
  readonly eventGradients: number;
  /** Set the mode at a starting point of the constraint set: balls on their sphere (to 1e-12) with the flow pointing out, d_c = 0 with d_c' < 0. */
  start(y: Float64Array): void;
}

export function factorFlow(p: FactorProblem): FactorFlow {
  const grad = factorGradient(p);
  const { balls, radius: r, offD, k, size } = p;
  const r2 = r * r;
  const ballActive = new Uint8Array(balls.length);
  const dActive = new Uint8Array(p.nonnegativeD ? k : 0);
  const x = new Float64Array(size);
  const g = new Float64Array(size);
  let lastLoss = NaN;
  let lastFieldNorm = NaN;

  const physical = (y: Float64Array, out: Float64Array) => {
    if (out !== y) out.set(y);
    for (let b = 0; b < balls.length; b++) {
      if (!ballActive[b]) continue;
      const B = balls[b];
      const s = r / Math.sqrt(ballNorm2(y, B));
      for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) out[q] = y[q] * s;
    }
  };

  const rhs = (_t: number, y: Float64Array, dy: Float64Array) => {
    physical(y, x);
    lastLoss = grad(x, g);
    for (let i = 0; i < size; i++) dy[i] = -g[i];
    for (let b = 0; b < balls.length; b++) {
      if (!ballActive[b]) continue;
      const B = balls[b];
      let radial = 0;
      for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) radial += dy[q] * x[q];
      const s = radial / r2;
      for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) dy[q] -= s * x[q];
    }
    for (let c = 0; c < dActive.length; c++) if (dActive[c]) dy[offD + c] = 0;
    let nrm = 0;
    for (let i = 0; i < size; i++) nrm += dy[i] * dy[i];
    lastFieldNorm = Math.sqrt(nrm);
    // z_b' = (||z_b|| / r) T_b on active spheres.
    for (let b = 0; b < balls.length; b++) {
      if (!ballActive[b]) continue;
      const B = balls[b];
      const s = Math.sqrt(ballNorm2(y, B)) / r;
      for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) dy[q] *= s;
    }
  };

  // Event functions share one gradient evaluation per state (compared by content).
  const ex = new Float64Array(size), eg = new Float64Array(size), ey = new Float64Array(size);
  let cached = false;
  let eventGradients = 0;
  const gradientAt = (y: Float64Array) => {
    if (cached) {
      let same = true;
      for (let i = 0; i < size; i++) if (ey[i] !== y[i]) { same = false; break; }
      if (same) return;
    }
    ey.set(y);
    physical(y, ex);
    grad(ex, eg);
    eventGradients++;
    cached = true;
  };
  const radialOut = (B: FactorProblem['balls'][number]) => {
    let s = 0;
    for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) s -= eg[q] * ex[q];
    return s;
  };

  const events = (): EventSpec[] => {
    const list: EventSpec[] = [];
    balls.forEach((B, b) => {
      if (ballActive[b]) list.push({ direction: -1, g: (_t, y) => { gradientAt(y); return radialOut(B); } });
      else list.push({ direction: -1, g: (_t, y) => r2 - ballNorm2(y, B) });
    });
    for (let c = 0; c < dActive.length; c++) {
      if (dActive[c]) list.push({ direction: 1, g: (_t, y) => { gradientAt(y); return -eg[offD + c]; } });
      else list.push({ direction: -1, g: (_t, y) => y[offD + c] });
    }
    return list;
  };

  // The integrator counts a zero only when g leaves a strictly positive value
  // (falling events), and Brent's root may sit on either side of the true
  // switch; so a free constraint starts strictly inside: a ball scaled to
  // (1 - NUDGE) r, a free d_c at the smallest positive number. Without this, a
  // release located a hair early lets the flow leave the set unseen.
  const NUDGE = 1e-14;
  const freeBall = (y: Float64Array, b: number) => {
    const B = balls[b];
    const norm = Math.sqrt(ballNorm2(y, B));
    if (norm <= r * (1 - NUDGE)) return;
    const s = (r * (1 - NUDGE)) / norm;
    for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) y[q] *= s;
  };
  const freeD = (y: Float64Array, c: number) => { if (y[offD + c] < Number.MIN_VALUE) y[offD + c] = Number.MIN_VALUE; };

  const switchAt = (_t: number, y: Float64Array, which: number) => {
    if (which < balls.length) {
      const B = balls[which];
      if (ballActive[which]) {
        // Leave the sphere from its exact point (the free state is x_b itself).
        physical(y, y);
        ballActive[which] = 0;
        freeBall(y, which);
      } else {
        // Reached the sphere: ride it only if the free flow points outward (not a grazing touch).
        cached = false;
        gradientAt(y);
        if (radialOut(B) > 0) ballActive[which] = 1;
        else freeBall(y, which);
      }
    } else {
      const c = which - balls.length;
      if (dActive[c]) { dActive[c] = 0; freeD(y, c); }
      else {
        cached = false;
        gradientAt(y);
        if (eg[offD + c] > 0) { y[offD + c] = 0; dActive[c] = 1; } else freeD(y, c);
      }
    }
    cached = false;
  };

  const start = (y: Float64Array) => {
    ballActive.fill(0); dActive.fill(0);
    cached = false;
    gradientAt(y);
    balls.forEach((B, b) => {
      if (ballNorm2(y, B) >= r2 * (1 - 1e-12) && radialOut(B) > 0) ballActive[b] = 1;
      else freeBall(y, b);
    });
    for (let c = 0; c < dActive.length; c++) {
      if (y[offD + c] <= 0 && eg[offD + c] > 0) { y[offD + c] = 0; dActive[c] = 1; } else freeD(y, c);
    }
    cached = false;
  };

  const output = (y: Float64Array) => {
    const out = new Float64Array(size);
    physical(y, out);
    return out;
  };

  return {
    rhs, events, switchAt, physical, start, output,
    get lastLoss() { return lastLoss; },
    get lastFieldNorm() { return lastFieldNorm; },
    get eventGradients() { return eventGradients; },
    activeCount: () => ({ balls: ballActive.reduce((a, v) => a + v, 0), d: dActive.reduce((a, v) => a + v, 0) }),
  };
}
