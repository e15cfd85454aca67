// Arithmetic on logarithms for the theorem module: sums of positive numbers
// whose sizes span hundreds of decades, and integrals of exp(f) over the real
// line whose mass sits anywhere between e^-700 and e^700.

import { WGK, XGK } from '../src/numeric/quadrature.js';

/** log(e^a + e^b), without overflow or loss for either order of magnitude. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(1 + e^z). */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

const PANEL = 2;
const nodes: number[] = [], weights: number[] = [];
for (let j = 0; j < 8; j++) {
  nodes.push(-XGK[j]); weights.push(WGK[j]);
  if (j < 7) { nodes.unshift(XGK[j]); weights.unshift(WGK[j]); }
}
let buffer = new Float64Array(0);

/**
 * log of int_lo^hi exp(logf(r)) dr for a logf analytic in a strip of
 * half-width pi around the real axis (the case for sums of log(B + e^r)):
 * composite 15-point Kronrod rule on panels of width 2, whose error there is
 * below 1e-18 of each panel's mass. The sum is taken relative to the largest
 * node value, so the integral may be far outside the double range.
 */
export function logIntegralExp(logf: (r: number) => number, lo: number, hi: number): number {
  const panels = Math.max(1, Math.ceil((hi - lo) / PANEL));
  const h = (hi - lo) / panels;
  const count = panels * 15;
  if (buffer.length < count) buffer = new Float64Array(count);
  let max = -Infinity;
  for (let p = 0, k = 0; p < panels; p++) {
    const c = lo + (p + 0.5) * h;
    for (let j = 0; j < 15; j++, k++) {
      const v = logf(c + 0.5 * h * nodes[j]);
      buffer[k] = v;
      if (v > max) max = v;
    }
  }
  let sum = 0;
  for (let k = 0; k < count; k++) sum += weights[k % 15] * Math.exp(buffer[k] - max);
  return max + Math.log(0.5 * h * sum);
}
