// The exact Hessian-vector products of the field kernels (hessianVector.ts)
// against central finite differences of each kernel's own rhs, for every
// kernel that loads here, depths 1 to 5, rectangular shapes and widths; and
// the symmetry of the Hessian, which Lanczos relies on.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blasField, buildProblem, nativeBlas, symmetricField, typescriptField, unrolledField, wasmField, wasmModule,
  type GradientField, type Problem,
} from '../src/index.js';
import { problemOf, problemShape } from './helpers/randomProblems.js';

type Make = (p: Problem) => GradientField;
const kernels: [string, Make | null][] = [
  ['typescript', typescriptField],
  ['unrolled', unrolledField],
  ['blas', nativeBlas ? (p) => blasField(p, nativeBlas!) : null],
  ['wasm', wasmModule ? (p) => wasmField(p, wasmModule!) : null],
];

function randomVector(len: number, seed: number): Float64Array {
  const v = new Float64Array(len);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) { s = (s * 1103515245 + 12345) >>> 0; v[i] = s / 2 ** 32 - 0.5; }
  return v;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((acc, x, i) => acc + x * b[i], 0);
const norm = (a: Float64Array) => Math.sqrt(dot(a, a));

/** |jvp - central difference| / |jvp| at y along v, with a fresh field for the differences. */
function fdError(field: GradientField, fresh: GradientField, y: Float64Array, v: Float64Array): number {
  const n = y.length;
  const jv = new Float64Array(n);
  field.jvp(0, y, v, jv);
  const eps = 1e-5 * Math.max(1, norm(y)) / norm(v);
  const yp = y.map((x, i) => x + eps * v[i]), ym = y.map((x, i) => x - eps * v[i]);
  const fp = new Float64Array(n), fm = new Float64Array(n);
  fresh.rhs(0, yp, fp);
  fresh.rhs(0, ym, fm);
  let num = 0;
  for (let i = 0; i < n; i++) num += (jv[i] - (fp[i] - fm[i]) / (2 * eps)) ** 2;
  return Math.sqrt(num) / Math.max(norm(jv), 1e-300);
}

describe('Hessian-vector products of the field kernels', () => {
  for (const [name, make] of kernels) {
    it.skipIf(!make)(`${name}: equal central finite differences of the field (depth 1-5, any shape and width)`, () => {
      fc.assert(fc.property(problemShape(9, 5, 0.1), (shape) => {
        const p = problemOf(shape), seed = shape.seed;
        const field = make!(p);
        const y = p.y0, v = randomVector(y.length, seed + 1);
        // Central differences err by O(eps^2) (about 1e-10 relative) plus rounding/eps (about 1e-11).
        expect(fdError(field, make!(p), y, v)).toBeLessThan(1e-6);
        // A second direction at the same point (the kept linearization) and one at a new point.
        expect(fdError(field, make!(p), y, randomVector(y.length, seed + 2))).toBeLessThan(1e-6);
        const y2 = y.map((x, i) => x + 0.3 * v[i]);
        expect(fdError(field, make!(p), y2, randomVector(y.length, seed + 3))).toBeLessThan(1e-6);
      }), { numRuns: 60, seed: 14 });
    });

    it.skipIf(!make)(`${name}: the Hessian is symmetric, <u, J v> = <J u, v> to rounding (30x20, depth 4)`, () => {
      const p = buildProblem({
        target: { kind: 'low-rank', size: [30, 20], rank: 2, seed: 1 }, observed: { kind: 'random', count: 200, seed: 2 },
        depth: 4, init: { kind: 'gaussian', std: 0.3, seed: 3 },
      });
      const f = make!(p);
      const u = randomVector(p.y0.length, 7), v = randomVector(p.y0.length, 8);
      const ju = new Float64Array(u.length), jv = new Float64Array(v.length);
      f.jvp(0, p.y0, u, ju);
      f.jvp(0, p.y0, v, jv);
      expect(Math.abs(dot(u, jv) - dot(ju, v))).toBeLessThan(1e-12 * norm(u) * norm(jv));
      expect(f.hessianProducts).toBe(2);
      expect(f.hessianLinearizations).toBe(1);
    });
  }

  it('every kernel gives the same product to rounding (40x30, depth 3)', () => {
    const p = buildProblem({
      target: { kind: 'low-rank', size: [40, 30], rank: 3, seed: 4 }, observed: { kind: 'random', count: 500, seed: 5 },
      depth: 3, init: { kind: 'gaussian', std: 0.2, seed: 6 },
    });
    const v = randomVector(p.y0.length, 9);
    const ref = new Float64Array(v.length);
    typescriptField(p).jvp(0, p.y0, v, ref);
    for (const [, make] of kernels) {
      if (!make) continue;
      const out = new Float64Array(v.length);
      make(p).jvp(0, p.y0, v, out);
      let num = 0;
      for (let i = 0; i < v.length; i++) num += (out[i] - ref[i]) ** 2;
      expect(Math.sqrt(num)).toBeLessThan(1e-13 * norm(ref));
    }
  });

  it('symmetric factorization U U^T: equals central finite differences', () => {
    const n = 7, r = 3;
    const p = buildProblem({ target: { kind: 'low-rank', size: [n, n], rank: 2, seed: 3 }, observed: { kind: 'random', count: 25, seed: 4 }, depth: 2, init: { kind: 'gaussian', std: 0.5, seed: 5 } });
    const sp = { n, rank: r, target: p.target, obsRows: p.obsRows, obsCols: p.obsCols };
    for (let seed = 1; seed <= 20; seed++) {
      const y = randomVector(n * r, seed), v = randomVector(n * r, seed + 100);
      expect(fdError(symmetricField(sp), symmetricField(sp), y, v)).toBeLessThan(1e-6);
    }
  });
});
