// An eigenspace (mode.ts) in doubles, with its clock by adaptive quadrature:
// per-layer scalars v_l with dv_l/du = prod_{k != l} v_k in the flow's own
// clock u, reduced by the pairwise invariants to x = the smallest layer:
// v_l = sqrt(x^2 + delta_l), and u(x) = int_{x0}^x dx' / prod_{k != min} v_k.
// Exact only at moderate scales and depths (the clock sits near the escape
// time at small ones): the E3 rates and trajectory, and the clock-root
// cross-check of the exact routes (crossCheck.ts).

import { integrate } from '../../src/numeric/quadrature.js';
import { increasingRoot } from '../../src/numeric/roots.js';
import type { Mode } from './mode.js';

export class QuadratureMode {
  readonly L: number;
  readonly min: number;
  readonly x0: number;
  readonly delta: number[];
  /** All layers equal: closed forms replace quadrature. */
  readonly balanced: boolean;
  /** x ranges over (lo, inf): 0 when two layers tie at the minimum, else -inf. */
  readonly lo: number;
  readonly v0: readonly number[];

  constructor(shape: Mode, forceQuadrature = false) {
    const v0 = shape.v0;
    this.v0 = v0;
    this.L = shape.L;
    this.min = shape.m;
    this.x0 = v0[this.min];
    this.delta = v0.map((v) => v * v - this.x0 * this.x0);
    const ties = this.delta.filter((dl, l) => l !== this.min && dl === 0).length;
    this.balanced = !forceQuadrature && ties === this.L - 1;
    this.lo = ties > 0 ? 0 : -Infinity;
  }

  /** 1 / prod_{k != min} v_k(x). */
  phi(x: number): number {
    let p = 1;
    for (let k = 0; k < this.L; k++) if (k !== this.min) p *= Math.sqrt(x * x + this.delta[k]);
    return 1 / p;
  }

  /** Antiderivative of x^(1-L), for the balanced closed forms. */
  private F(x: number): number {
    const L = this.L;
    return L === 1 ? x : L === 2 ? Math.log(x) : Math.pow(x, 2 - L) / (2 - L);
  }

  private Finv(v: number): number {
    const L = this.L;
    return L === 1 ? v : L === 2 ? Math.exp(v) : Math.pow((2 - L) * v, 1 / (2 - L));
  }

  /** The clock u at which the mode's parameter is x. */
  u(x: number): number {
    if (this.balanced) return this.F(x) - this.F(this.x0);
    return integrate((z) => this.phi(z), this.x0, x);
  }

  /** The clock's range (lo, hi): hi is finite for L >= 3 (finite-time escape in u). */
  uRange(): [number, number] {
    if (this.balanced) {
      const L = this.L;
      const hi = L >= 3 ? -this.F(this.x0) : Infinity;
      return [-Infinity, hi];
    }
    // A tie at the minimum makes phi ~ 1/x^k at 0 (not integrable); without
    // one, phi ~ |x|^(1-L) at -inf, integrable from L = 3 on.
    const lo = this.lo === 0 || this.L < 3 ? -Infinity : this.u(-Infinity);
    return [lo, this.L >= 3 ? this.u(Infinity) : Infinity];
  }

  /** x at clock u (inverse of u). */
  x(u: number): number {
    if (this.balanced) return this.Finv(this.F(this.x0) + u);
    if (u === 0) return this.x0;
    return increasingRoot((z) => this.u(z) - u, this.lo, Infinity, this.x0);
  }

  /** Per-layer values at parameter x. */
  values(x: number): number[] {
    return this.delta.map((dl, l) => (l === this.min ? x : Math.sqrt(x * x + dl)));
  }

  /** Product of the layers at parameter x. */
  product(x: number): number {
    return this.values(x).reduce((a, b) => a * b, 1);
  }
}
