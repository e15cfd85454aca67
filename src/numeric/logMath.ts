// Arithmetic on logarithms: sums of positive numbers whose sizes span
// hundreds of decades, and integrals of exp(f) over the real line whose mass
// sits anywhere between e^-700 and e^700; and double-double sums and products
// (Knuth's two-sum, Dekker's two-product) for differences that must not cancel.

import { WGK, XGK } from './quadrature.js';

/** log(e^a + e^b), without overflow or loss for either order of magnitude. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(e^a - e^b) for a >= b (NaN when b > a). */
export function logSubExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  return b > a ? NaN : a + Math.log(-Math.expm1(b - a));
}

/** log(1 + e^z). */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Panel width next to a breakpoint; away from all of them panels grow (see meshEdges). */
const PANEL = 2;
const nodes: number[] = [], weights: number[] = [];
for (let j = 0; j < 8; j++) {
  nodes.push(-XGK[j]); weights.push(WGK[j]);
  if (j < 7) { nodes.unshift(XGK[j]); weights.unshift(WGK[j]); }
}
let buffer = new Float64Array(0);

/**
 * Panel edges on [lo, hi], graded away from the breakpoints (where logf's
 * singularities sit, at distance pi off the real axis): width PANEL next to a
 * breakpoint, and at distance delta from the nearest one at most
 * max(PANEL, delta / 2), so every singularity stays at least two panel widths
 * (or pi) away from the panel and the 15-point Kronrod rule keeps its error
 * below ~1e-20 of the panel's mass. A flat stretch of width R (a log
 * divergence cut off 1e7 decades away) costs O(log R) panels, not R / 2.
 */
function meshEdges(lo: number, hi: number, breaks: readonly number[], panel = PANEL): number[] {
  const pts = [lo, ...breaks.filter((b) => b > lo && b < hi && Number.isFinite(b)), hi].sort((x, y) => x - y);
  const edges: number[] = [lo];
  for (let i = 0; i + 1 < pts.length; i++) {
    const p = pts[i], q = pts[i + 1];
    if (q - p <= 0) continue;
    // Grow from both ends toward the middle.
    const left: number[] = [], right: number[] = [];
    let e = p, f = q;
    for (;;) {
      const wl = Math.max(panel, (e - p) / 2), wr = Math.max(panel, (q - f) / 2);
      // (Also stop when the widths no longer move the edges: |r| beyond 2^53 PANEL.)
      if (f - e <= wl + wr || e + wl === e || f - wr === f) break;
      e += wl; left.push(e);
      f -= wr; right.push(f);
    }
    // The middle piece [e, f] is at most wl + wr wide: split it once if wider than the allowed width.
    const mid = 0.5 * (e + f);
    if (f - e > Math.max(panel, Math.min(e - p, q - f) / 2)) left.push(mid);
    edges.push(...left, ...right.reverse(), q);
  }
  return edges;
}

/**
 * log of int_lo^hi exp(logf(r)) dr for a logf analytic in a strip of
 * half-width pi around the real axis save near the given breakpoints (the
 * case for sums of log(B + e^r), breakpoints log B): composite 15-point
 * Kronrod rule on panels graded away from the breakpoints (meshEdges). The sum
 * is taken relative to the largest node value, so the integral may be far
 * outside the double range.
 */
export function logIntegralExp(logf: (r: number) => number, lo: number, hi: number, breaks: readonly number[] = [], panel = PANEL): number {
  const edges = meshEdges(lo, hi, breaks, panel);
  const panels = edges.length - 1;
  const count = panels * 15;
  if (buffer.length < count) buffer = new Float64Array(count);
  let max = -Infinity;
  for (let p = 0, k = 0; p < panels; p++) {
    const c = 0.5 * (edges[p] + edges[p + 1]), h = edges[p + 1] - edges[p];
    for (let j = 0; j < 15; j++, k++) {
      const v = logf(c + 0.5 * h * nodes[j]);
      buffer[k] = v;
      if (v > max) max = v;
    }
  }
  let sum = 0;
  for (let p = 0, k = 0; p < panels; p++) {
    const h = edges[p + 1] - edges[p];
    let ps = 0;
    for (let j = 0; j < 15; j++, k++) ps += weights[j] * Math.exp(buffer[k] - max);
    sum += 0.5 * h * ps;
  }
  return max + Math.log(sum);
}

/** Double-double helpers (Knuth's sum, Dekker's product): [hi, lo]. */
export type DD = [number, number];
/** Dekker's split of a double into two halves of 26 bits. */
function split(x: number): DD {
  const c = 134217729 * x;
  const h = c - (c - x);
  return [h, x - h];
}
export function twoSum(a: number, b: number): DD {
  const s = a + b, bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}
export function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a), [bh, bl] = split(b);
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

/**
 * a + d b as a double-double [hi, lo] (Dekker's product and Knuth's sum):
 * values of that form (a layer's a_l + d b_l) enter only through their
 * differences, which rounding each of them to a double would spoil when they
 * are close.
 */
export function sumProduct(a: number, d: number, b: number): DD {
  const [p, ep] = twoProd(d, b);
  const [s, es] = twoSum(a, p);
  const lo = es + ep;
  const hi = s + lo;
  return [hi, lo - (hi - s)];
}

/** (x_hi + x_lo) - (y_hi + y_lo) rounded once (exact when the highs are close). */
export function ddDiff(xh: number, xl: number, yh: number, yl: number): number {
  return (xh - yh) + (xl - yl);
}

export function ddAdd(x: DD, y: DD): DD {
  const [s, e] = twoSum(x[0], y[0]);
  const lo = e + x[1] + y[1];
  const hi = s + lo;
  return [hi, lo - (hi - s)];
}
export function ddMul(x: DD, y: DD): DD {
  const [p, e] = twoProd(x[0], y[0]);
  const lo = e + x[0] * y[1] + x[1] * y[0];
  const hi = p + lo;
  return [hi, lo - (hi - p)];
}
