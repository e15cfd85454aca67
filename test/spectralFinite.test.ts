// Every quantity a result derives from singular values or from entries is
// finite for every finite input: exact zeros, subnormals, values up to 1e300
// and spans of 600 decades in one array. Checked against a 40-digit decimal
// evaluation of the textbook formulas (no underflow or overflow there), and
// the docs/udv.md example, whose spectrum is [11.4, 8.3, 6.6e-318, 1e-323,
// 0, ...], through the bin.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalContext, type Decimal } from '../src/numeric/decimal.js';
import { effectiveRank, nuclearNorm } from '../src/analysis/spectrum.js';
import { scaledNorm } from '../src/analysis/norms.js';
import { reconstructionError } from '../src/analysis/snapshot.js';
import { invariantDrift } from '../src/analysis/invariants.js';
import { relerr } from '../src/experiments/conjectureExpr.js';
import { summarize } from '../src/experiments/summarize.js';
import { factorSingularValues } from '../src/model/udv/spectrum.js';
import { cli } from './helpers/cli.js';

const big = decimalContext(40);
/** A result in the subnormal range is on a grid of 2^-1074: a few of its units are rounding, not error. */
const SUBNORMAL_SLACK = 4 * Number.MIN_VALUE;
const sumD = (xs: Decimal[]) => xs.reduce((a, b) => a.plus(b), big(0));

/** exp(-sum p ln p), p = s / sum s, in 40-digit decimals. */
function effectiveRankReference(sigma: readonly number[]): number {
  const s = sigma.filter((v) => v > 0).map(big);
  if (s.length === 0) return 0;
  const total = sumD(s);
  const h = sumD(s.map((v) => { const p = v.div(total); return p.times(p.ln()).neg(); }));
  return h.exp().toNumber();
}

/** ||x||_2 in decimals. */
const normReference = (xs: readonly number[]): Decimal => sumD(xs.map((v) => big(v).times(big(v)))).sqrt();

// Magnitudes over the whole range: exact 0, subnormals (k * 2^-1074), and m 10^e for e in [-320, 299].
const magnitude = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 2 ** 52 - 1 }).map((k) => k * 5e-324),
  fc.tuple(fc.double({ min: 1, max: 9.99, noNaN: true }), fc.integer({ min: -320, max: 299 })).map(([m, e]) => m * 10 ** e),
  fc.constantFrom(Number.MIN_VALUE, 2.2250738585072014e-308, 1e300),
  fc.double({ min: 0, max: 1e300, noNaN: true }),
);
const spectrum = fc.array(magnitude, { minLength: 1, maxLength: 40 });

describe('effective rank and nuclear norm', () => {
  it('are finite for every finite spectrum, in [1, #nonzero] for effective rank, and agree with the 40-digit evaluation to 1e-13', () => {
    fc.assert(fc.property(spectrum, fc.boolean(), (values, sorted) => {
      const sigma = sorted ? [...values].sort((a, b) => b - a) : values;
      const e = effectiveRank(sigma);
      expect(Number.isFinite(e)).toBe(true);
      const positive = sigma.filter((v) => v > 0).length;
      if (positive === 0) expect(e).toBe(0);
      else {
        expect(e).toBeGreaterThanOrEqual(1 - 1e-14);
        expect(e).toBeLessThanOrEqual(positive * (1 + 1e-14));
        const ref = effectiveRankReference(sigma);
        expect(Math.abs(e - ref) / ref).toBeLessThanOrEqual(1e-13);
      }
      const nn = nuclearNorm(sigma);
      expect(Number.isFinite(nn)).toBe(true);
      const nnRef = sumD(sigma.map(big)).toNumber();
      expect(Math.abs(nn - nnRef)).toBeLessThanOrEqual(1e-14 * nnRef + SUBNORMAL_SLACK);
    }), { numRuns: 3000, seed: 11 });
  });

  it('the docs/udv.md spectrum, all zeros, one value, n equal values, NaN', () => {
    const udv = [11.361558459597168, 8.282934221465204, 6.640593e-318, 1e-323, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(effectiveRank(udv)).toBeCloseTo(effectiveRankReference(udv), 13);
    expect(effectiveRank([0, 0, 0])).toBe(0);
    expect(effectiveRank([5e-324])).toBe(1);
    expect(effectiveRank([1e300, 1e300, 1e300, 1e300])).toBe(4);
    expect(effectiveRank([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(2);
    expect(effectiveRank([1, Number.NaN])).toBeNaN();
  });

  it('does not change on ordinary spectra beyond rounding (against the textbook form p = s / sum s)', () => {
    const textbook = (sigma: number[]) => {
      const total = sigma.reduce((a, b) => a + b, 0);
      let h = 0;
      for (const s of sigma) if (s > 0) h -= (s / total) * Math.log(s / total);
      return Math.exp(h);
    };
    let worst = 0;
    // Spectra of 1 to 100 values between 1e-8 and 1e4 (some exact zeros): no underflow in s / total there.
    const ordinary = fc.array(fc.oneof(fc.constant(0), fc.double({ min: -8, max: 4, noNaN: true }).map((e) => 10 ** e)), { minLength: 1, maxLength: 100 })
      .filter((s) => s.some((v) => v > 0));
    fc.assert(fc.property(ordinary, (sigma) => {
      const a = effectiveRank(sigma), b = textbook(sigma);
      worst = Math.max(worst, Math.abs(a - b) / b);
    }), { numRuns: 10000, seed: 5 });
    console.log(`effective rank, 10000 ordinary spectra: largest relative change against the textbook form ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-14);
  });
});

describe('UDV^T singular values from the factors', () => {
  it('are finite for factors over the whole range whose components |d_c| ||u_c|| ||v_c|| are doubles', () => {
    const signed = magnitude.chain((v) => fc.boolean().map((neg) => (neg ? -v : v)));
    const lg = (v: number) => (v === 0 ? -Infinity : Math.log10(Math.abs(v)));
    let checked = 0;
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.infiniteStream(signed), (m, n, k, stream) => {
      const draws = stream[Symbol.iterator]();
      const x = Array.from({ length: m * k + k + n * k }, () => draws.next().value as number);
      const offD = m * k, offV = m * k + k;
      // X = sum_c d_c u_c v_c^T has singular values up to sum_c |d_c| ||u_c|| ||v_c||: keep those below 1e300.
      for (let c = 0; c < k; c++) {
        let u = -Infinity, v = -Infinity;
        for (let i = 0; i < m; i++) u = Math.max(u, lg(x[i * k + c]));
        for (let i = 0; i < n; i++) v = Math.max(v, lg(x[offV + i * k + c]));
        if (lg(x[offD + c]) + u + v + Math.log10(k * m * n) > 300) return;
      }
      checked++;
      const sigma = factorSingularValues({ m, n, k, offU: 0, offD, offV }, x);
      expect(sigma.every(Number.isFinite), JSON.stringify({ m, n, k, x })).toBe(true);
      expect(Number.isFinite(effectiveRank(sigma))).toBe(true);
    }), { numRuns: 3000, seed: 14 });
    expect(checked).toBeGreaterThan(1000);
  });
});

describe('relative errors formed on scaled values', () => {
  // Pairs of arrays of the same length with entries of either sign over the whole range.
  const signed = magnitude.chain((v) => fc.boolean().map((neg) => (neg ? -v : v)));
  const pair = fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(fc.array(signed, { minLength: n, maxLength: n }), fc.array(signed, { minLength: n, maxLength: n })));

  it('scaledNorm, reconstructionError, relerr and invariantDrift are finite and agree with 40 digits wherever the exact value is a double', () => {
    fc.assert(fc.property(pair, fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), ([w, target], maskBits) => {
      const n = w.length;
      const nrm = scaledNorm(n, (i) => w[i]);
      const nrmRef = normReference(w).toNumber();
      expect(Math.abs(nrm - nrmRef)).toBeLessThanOrEqual(1e-14 * nrmRef + SUBNORMAL_SLACK);

      const mask = Uint8Array.from({ length: n }, (_, i) => (maskBits[i] ? 1 : 0));
      const free = (xs: number[]) => xs.filter((_, i) => !mask[i]);
      const den = normReference(free(target));
      const re = reconstructionError({ mask, target: Float64Array.from(target) }, w);
      if (den.isZero()) expect(re).toBeNull();
      else {
        const ref = normReference(free(w).map((v, i) => v - free(target)[i])).div(den).toNumber();
        // A difference of two entries rounds (|w - t| <= 2e300: no overflow); the ratio is exact when representable.
        if (Number.isFinite(ref) && ref > 1e-290) {
          expect(Number.isFinite(re)).toBe(true);
          expect(Math.abs((re as number) - ref)).toBeLessThanOrEqual(1e-13 * ref);
        }
      }
      const r = relerr(w, target);
      const rRef = normReference(w.map((v, i) => v - target[i])).div(target.some((v) => v !== 0) ? normReference(target) : big(1)).toNumber();
      if (Number.isFinite(rRef) && rRef > 1e-290) expect(Math.abs(r - rRef)).toBeLessThanOrEqual(1e-13 * rRef);
      const drift = invariantDrift([Float64Array.from(target)], [Float64Array.from(w)]);
      const dRef = normReference(w.map((v, i) => v - target[i])).div(big(Math.max(1, normReference(target).toNumber()))).toNumber();
      if (Number.isFinite(dRef)) {
        expect(Number.isFinite(drift)).toBe(true);
        expect(Math.abs(drift - dRef)).toBeLessThanOrEqual(1e-13 * dRef);
      }
    }), { numRuns: 3000, seed: 12 });
  });

  it('sweep summaries: mean and standard deviation stay finite for metrics up to 1e300', () => {
    fc.assert(fc.property(fc.array(magnitude, { minLength: 2, maxLength: 30 }), (values) => {
      const lines = values.map((v, trial) => ({ cell: { trial }, result: { status: 'converged', effectiveRank: 1, loss: v, t: 1, nfev: 1, singularValues: [1] } }));
      const [mean, std] = summarize(lines, [])[0].metrics.loss!;
      const xs = values.map(big);
      const meanRef = sumD(xs).div(values.length);
      const stdRef = sumD(xs.map((x) => x.minus(meanRef).pow(2))).div(values.length - 1).sqrt();
      expect(Number.isFinite(mean) && Number.isFinite(std)).toBe(true);
      expect(Math.abs(mean - meanRef.toNumber())).toBeLessThanOrEqual(1e-13 * Math.max(...values) + SUBNORMAL_SLACK);
      expect(Math.abs(std - stdRef.toNumber())).toBeLessThanOrEqual(1e-12 * Math.max(...values) + SUBNORMAL_SLACK);
    }), { numRuns: 2000, seed: 13 });
  });
});

describe('through the bin', () => {
  it('the docs/udv.md example prints a finite effective rank (its spectrum reaches 1e-323 and 0)', () => {
    const doc = readFileSync(new URL('../docs/udv.md', import.meta.url), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'dmflow-spectral-'));
    const path = join(dir, 'udv.json');
    writeFileSync(path, block![1]);
    const r = cli(['run', path]);
    expect(r.stdout, r.stderr).not.toBe('');
    const out = JSON.parse(r.stdout) as { effectiveRank: unknown; singularValues: number[]; reconstructionError: unknown };
    expect(typeof out.effectiveRank).toBe('number');
    expect(out.effectiveRank as number).toBeCloseTo(effectiveRankReference(out.singularValues), 12);
    expect(typeof out.reconstructionError).toBe('number');
  }, 300_000);
});
