// The projected gradient flow x' = P_{T_C(x)}(-grad f(x)) as a switched ODE
// (docs/udv.md, "What is integrated"). A mode says which constraints hold with equality: a ball
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

type BallBlock = FactorProblem['balls'][number];

/** Which constraints hold with equality: balls whose sphere the flow rides, d_c pinned at 0. */
interface Mode {
  ballActive: Uint8Array;
  dActive: Uint8Array;
}

/** The factors x of an integrator state y: y itself, with each active ball's direction z_b scaled to radius r. */
function physicalState(p: FactorProblem, mode: Mode, y: Float64Array, out: Float64Array): void {
  const { balls, radius: r } = p;
  if (out !== y) out.set(y);
  for (let b = 0; b < balls.length; b++) {
    if (!mode.ballActive[b]) continue;
    const B = balls[b];
    const s = r / Math.sqrt(ballNorm2(y, B));
    for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) out[q] = y[q] * s;
  }
}

/**
 * The field within a mode: -grad f with the radial part removed on active
 * spheres and d_c' = 0 on active faces, then z_b' = (||z_b|| / r) T_b on
 * active spheres. Keeps the loss and the projected field's norm of its last call.
 */
function projectedField(p: FactorProblem, mode: Mode, grad: (x: Float64Array, g: Float64Array) => number) {
  const { balls, radius: r, offD, size } = p;
  const r2 = r * r;
  const x = new Float64Array(size);
  const g = new Float64Array(size);
  const last = { loss: NaN, fieldNorm: NaN };
  const rhs = (_t: number, y: Float64Array, dy: Float64Array) => {
    physicalState(p, mode, y, x);
    last.loss = grad(x, g);
    for (let i = 0; i < size; i++) dy[i] = -g[i];
    for (let b = 0; b < balls.length; b++) {
      if (!mode.ballActive[b]) continue;
      const B = balls[b];
      let radial = 0;
      for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) radial += dy[q] * x[q];
      const s = radial / r2;
      for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) dy[q] -= s * x[q];
    }
    for (let c = 0; c < mode.dActive.length; c++) if (mode.dActive[c]) dy[offD + c] = 0;
    let nrm = 0;
    for (let i = 0; i < size; i++) nrm += dy[i] * dy[i];
    last.fieldNorm = Math.sqrt(nrm);
    for (let b = 0; b < balls.length; b++) {
      if (!mode.ballActive[b]) continue;
      const B = balls[b];
      const s = Math.sqrt(ballNorm2(y, B)) / r;
      for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) dy[q] *= s;
    }
  };
  return { rhs, last };
}

/**
 * The gradient at an event state, shared by the event functions: evaluated
 * once per state (compared by content) until invalidated by a switch.
 */
class EventGradient {
  readonly x: Float64Array;
  readonly g: Float64Array;
  private readonly y: Float64Array;
  private cached = false;
  /** Gradient evaluations made (not counted in the integrator's nfev). */
  count = 0;

  constructor(private readonly p: FactorProblem, private readonly mode: Mode, private readonly grad: (x: Float64Array, g: Float64Array) => number) {
    this.x = new Float64Array(p.size);
    this.g = new Float64Array(p.size);
    this.y = new Float64Array(p.size);
  }

  at(y: Float64Array): void {
    if (this.cached) {
      let same = true;
      for (let i = 0; i < this.p.size; i++) if (this.y[i] !== y[i]) { same = false; break; }
      if (same) return;
    }
    this.y.set(y);
    physicalState(this.p, this.mode, y, this.x);
    this.grad(this.x, this.g);
    this.count++;
    this.cached = true;
  }

  invalidate(): void {
    this.cached = false;
  }

  /** The outward radial component <-grad_b f, x_b> of a ball at the event state. */
  radialOut(B: BallBlock): number {
    let s = 0;
    for (let i = 0, q = B.start; i < B.count; i++, q += B.stride) s -= this.g[q] * this.x[q];
    return s;
  }
}

// The integrator counts a zero only when g leaves a strictly positive value
// (falling events), and Brent's root may sit on either side of the true
// switch; so a free constraint starts strictly inside: a ball scaled to
// (1 - NUDGE) r, a free d_c at the smallest positive number. Without this, a
// release located a hair early lets the flow leave the set unseen.
const NUDGE = 1e-14;

export function factorFlow(p: FactorProblem): FactorFlow {
  const grad = factorGradient(p);
  const { balls, radius: r, offD, k, size } = p;
  const r2 = r * r;
  const mode: Mode = { ballActive: new Uint8Array(balls.length), dActive: new Uint8Array(p.nonnegativeD ? k : 0) };
  const { ballActive, dActive } = mode;
  const physical = (y: Float64Array, out: Float64Array) => physicalState(p, mode, y, out);
  const field = projectedField(p, mode, grad);
  const eg = new EventGradient(p, mode, grad);

  const events = (): EventSpec[] => {
    const list: EventSpec[] = [];
    balls.forEach((B, b) => {
      if (ballActive[b]) list.push({ direction: -1, g: (_t, y) => { eg.at(y); return eg.radialOut(B); } });
      else list.push({ direction: -1, g: (_t, y) => r2 - ballNorm2(y, B) });
    });
    for (let c = 0; c < dActive.length; c++) {
      if (dActive[c]) list.push({ direction: 1, g: (_t, y) => { eg.at(y); return -eg.g[offD + c]; } });
      else list.push({ direction: -1, g: (_t, y) => y[offD + c] });
    }
    return list;
  };

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
        eg.invalidate();
        eg.at(y);
        if (eg.radialOut(B) > 0) ballActive[which] = 1;
        else freeBall(y, which);
      }
    } else {
      const c = which - balls.length;
      if (dActive[c]) { dActive[c] = 0; freeD(y, c); }
      else {
        eg.invalidate();
        eg.at(y);
        if (eg.g[offD + c] > 0) { y[offD + c] = 0; dActive[c] = 1; } else freeD(y, c);
      }
    }
    eg.invalidate();
  };

  const start = (y: Float64Array) => {
    ballActive.fill(0); dActive.fill(0);
    eg.invalidate();
    eg.at(y);
    balls.forEach((B, b) => {
      if (ballNorm2(y, B) >= r2 * (1 - 1e-12) && eg.radialOut(B) > 0) ballActive[b] = 1;
      else freeBall(y, b);
    });
    for (let c = 0; c < dActive.length; c++) {
      if (y[offD + c] <= 0 && eg.g[offD + c] > 0) { y[offD + c] = 0; dActive[c] = 1; } else freeD(y, c);
    }
    eg.invalidate();
  };

  const output = (y: Float64Array) => {
    const out = new Float64Array(size);
    physical(y, out);
    return out;
  };

  return {
    rhs: field.rhs, events, switchAt, physical, start, output,
    get lastLoss() { return field.last.loss; },
    get lastFieldNorm() { return field.last.fieldNorm; },
    get eventGradients() { return eg.count; },
    activeCount: () => ({ balls: ballActive.reduce((a, v) => a + v, 0), d: dActive.reduce((a, v) => a + v, 0) }),
  };
}
