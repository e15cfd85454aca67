// The factored model's pieces without integration: gradient, tangent-cone
// projection, projected GD's constraint, singular values from the factors.

import fc from 'fast-check';
import { Matrix, SVD } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { ballNorm2, buildFactorProblem, constraintExcess, factorGradient, factorMatrix, factorSingularValues, projectOnConstraints, runFactor, tangentConeProject, Rng, type FactorProblem, type FactorSpec } from '../src/index.js';

function problemOf(kind: 'udv' | 'udu', ball: 'frobenius' | 'columns', m: number, n: number, k: number, seed: number, radius = 1): FactorProblem {
  return buildFactorProblem({
    model: { kind, rank: k, ball, radius },
    target: kind === 'udu' ? symmetric(n, seed) : { kind: 'low-rank', size: [m, n], rank: 1, seed },
    observed: kind === 'udu' ? { kind: 'all' } : { kind: 'random', count: Math.ceil((m * n) / 2), seed },
    init: { kind: 'gaussian', std: 0.7, seed },
  });
}

function symmetric(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const A = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  return A.map((row, i) => row.map((_, j) => A[i][j] + A[j][i]));
}

const lossAt = (p: FactorProblem, x: Float64Array) => factorGradient(p)(x, new Float64Array(p.size));

describe('factor gradient', () => {
  for (const kind of ['udv', 'udu'] as const) {
    it(`${kind}: matches central finite differences of the loss`, () => {
      const p = problemOf(kind, 'frobenius', 4, 4, 3, 3);
      const x = Float64Array.from(p.y0);
      const g = new Float64Array(p.size);
      factorGradient(p)(x, g);
      const h = 1e-6;
      for (let i = 0; i < p.size; i++) {
        const xp = Float64Array.from(x), xm = Float64Array.from(x);
        xp[i] += h; xm[i] -= h;
        const fd = (lossAt(p, xp) - lossAt(p, xm)) / (2 * h);
        expect(Math.abs(fd - g[i])).toBeLessThan(1e-7 * (1 + Math.abs(g[i])));
      }
    });
  }

  it('the loss is 1/2 the squared residual on the observed entries of U diag(d) V^T', () => {
    const p = problemOf('udv', 'columns', 3, 5, 2, 4);
    const X = factorMatrix(p, p.y0);
    let s = 0;
    for (let i = 0; i < X.length; i++) if (p.mask[i]) s += (X[i] - p.target[i]) ** 2;
    expect(lossAt(p, p.y0)).toBeCloseTo(0.5 * s, 12);
  });
});

describe('tangent-cone projection', () => {
  // The projected field is the derivative of projected GD at lr -> 0:
  // P_T(v) = lim (Pi(x + eps v) - x) / eps (Zarantonello 1971). Checked on the
  // sphere with the field pointing out and in, per column, and on d_c = 0.
  const cases = [['udv', 'frobenius'], ['udv', 'columns'], ['udu', 'frobenius'], ['udu', 'columns']] as const;
  for (const [kind, ball] of cases) {
    it(`${kind}/${ball}: equals the finite-difference derivative of the projection`, () => {
      const p = problemOf(kind, ball, 4, 3, 3, 7);
      const rng = new Rng(11);
      for (let trial = 0; trial < 20; trial++) {
        const x = new Float64Array(p.size);
        for (let i = 0; i < x.length; i++) x[i] = rng.normal();
        // Put every ball on its sphere, and (udu) one d_c on its face.
        for (const b of p.balls) {
          const s = p.radius / Math.sqrt(ballNorm2(x, b));
          for (let i = 0, q = b.start; i < b.count; i++, q += b.stride) x[q] *= s;
        }
        if (kind === 'udu') { for (let c = 0; c < p.k; c++) x[p.offD + c] = Math.abs(x[p.offD + c]); x[p.offD] = 0; }
        const v = new Float64Array(p.size);
        for (let i = 0; i < v.length; i++) v[i] = rng.normal();
        const P = Float64Array.from(v);
        tangentConeProject(p, x, P, 1e-12);
        const fd = (eps: number) => {
          const y = Float64Array.from(x, (xi, i) => xi + eps * v[i]);
          projectOnConstraints(p, y);
          return Float64Array.from(y, (yi, i) => (yi - x[i]) / eps);
        };
        // The error of the one-sided difference is O(eps): it must shrink tenfold with eps.
        const err = (eps: number) => Math.max(...fd(eps).map((d, i) => Math.abs(d - P[i])));
        const e1 = err(1e-4), e2 = err(1e-5);
        expect(e1).toBeLessThan(1e-2);
        expect(e2).toBeLessThan(e1 / 5 + 1e-9);
      }
    });
  }

  it('is the identity in the interior', () => {
    const p = problemOf('udv', 'frobenius', 3, 3, 2, 1, 100);
    const v = Float64Array.from({ length: p.size }, (_, i) => Math.sin(i + 1));
    const P = Float64Array.from(v);
    tangentConeProject(p, p.y0, P);
    expect(Array.from(P)).toEqual(Array.from(v));
  });
});

describe('projected gradient descent keeps the constraint', () => {
  it('no iterate leaves the set by more than 1e-12, over random instances (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom('udv' as const, 'udu' as const),
          ball: fc.constantFrom('frobenius' as const, 'columns' as const),
          m: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 6 }),
          radius: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
          std: fc.double({ min: 1e-4, max: 10, noNaN: true }),
          lr: fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ kind, ball, m, n, k, radius, std, lr, seed }) => {
          const side = kind === 'udu' ? m : n;
          const spec = {
            model: { kind, rank: k, ball, radius },
            target: kind === 'udu' ? symmetric(m, seed) : { kind: 'low-rank', size: [m, side], rank: 1, seed },
            observed: { kind: 'all' },
            init: { kind: 'gaussian', std, seed },
            solver: { method: 'gd', lr, tMax: 200 * lr, lossTol: 0, divergeAt: 1e300 },
            save: { times: [50 * lr, 100 * lr, 150 * lr] },
          } satisfies FactorSpec;
          const r = runFactor(spec);
          // A diverged run still must not have left the set; the radius scales the tolerance.
          expect(r.constraint.violation).toBeLessThanOrEqual(1e-12 * Math.max(1, radius));
          const p = buildFactorProblem(spec);
          const x = Float64Array.from([...r.factors.U.flat(), ...r.factors.d, ...(r.factors.V?.flat() ?? [])]);
          if (Number.isFinite(r.loss)) expect(constraintExcess(p, x)).toBeLessThanOrEqual(1e-12 * Math.max(1, radius));
        },
      ),
      { numRuns: Math.max(60, Number(process.env.PROPERTY_RUNS ?? 60)), seed: 20261127 },
    );
  });
});

describe('singular values from the factors', () => {
  it('agree with an SVD of the assembled matrix to rounding of sigma_1', () => {
    for (const seed of [1, 2, 3]) {
      const p = problemOf('udv', 'frobenius', 5, 4, 3, seed);
      const X = factorMatrix(p, p.y0);
      const svd = new SVD(Matrix.from1DArray(5, 4, X), { autoTranspose: true });
      const ref = Array.from(svd.diagonal).sort((a, b) => b - a);
      const s = factorSingularValues(p, p.y0);
      s.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-13 * ref[0]));
    }
  });

  it('resolve graded components far below rounding of sigma_1, and show dropped ones as exact zeros', () => {
    // U, V with orthonormal columns (scaled): X has singular values |d_c| ||u_c|| ||v_c|| exactly.
    const m = 4, n = 4, k = 4;
    const p = { m, n, k, offU: 0, offD: m * k, offV: m * k + k };
    const rng = new Rng(5);
    const Q = (rows: number) => {
      const A = Matrix.from1DArray(rows, k, Array.from({ length: rows * k }, () => rng.normal()));
      return new SVD(A).leftSingularVectors;
    };
    const QU = Q(m), QV = Q(n);
    const d = [1, -1e-20, 3e-45, 0];
    const colScale = [0.5, 2, 1e-100, 1], colScaleV = [1, 1, 1e-150, 1];
    const x = new Float64Array(m * k + k + n * k);
    for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) x[i * k + c] = QU.get(i, c) * colScale[c];
    for (let c = 0; c < k; c++) x[m * k + c] = d[c];
    for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) x[m * k + k + j * k + c] = QV.get(j, c) * colScaleV[c];
    // Down to 3e-295: squares of such entries underflow, so every norm must be formed on scaled values.
    const want = d.map((dc, c) => Math.abs(dc) * colScale[c] * colScaleV[c]).sort((a, b) => b - a);
    const s = factorSingularValues(p, x);
    s.forEach((v, i) => {
      if (want[i] === 0) expect(v).toBe(0);
      else expect(Math.abs(v - want[i]) / want[i]).toBeLessThan(1e-12);
    });
  });
});
