// The engine-independent elementary functions (src/numeric/portableMath.ts)
// against 40-digit references (mathjs BigNumber, the argument converted
// exactly from its binary value), over their whole domains: subnormals to
// the overflow threshold, every quadrant of the turn, and the special values.

import fc from 'fast-check';
import { all, create, type BigNumber } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { portableExp, portableLog, portablePow, sinCosTurns } from '../src/numeric/portableMath.js';

const M = create(all, { number: 'BigNumber', precision: 60 });

/** The exact value of a double as a BigNumber (a decimal string of a double is rounded). */
function exact(x: number): BigNumber {
  let y = x, e = 0;
  while (!Number.isInteger(y)) { y *= 2; e++; } // doublings are exact
  return M.divide(M.bignumber(BigInt(y).toString()), M.pow(M.bignumber(2), e)) as BigNumber;
}

/**
 * |got - want| in units of the last place of want (a double's spacing at
 * want; the subnormal spacing below). A difference below 1e-45 counts as none:
 * it is the reference's own rounding (60 digits of 2 pi v for |v| up to 1e6,
 * where sin(2 pi v) is exactly 0 for integer v).
 */
function ulps(got: number, want: BigNumber): number {
  const w = Number(want);
  if (Object.is(got, w)) return 0;
  const diff = Math.abs(Number(M.subtract(exact(got), want)));
  if (diff < 1e-45) return 0;
  const a = Math.abs(w);
  const spacing = a < 2.2250738585072014e-308 ? 5e-324 : 2 ** (Math.floor(Math.log2(a)) - 52);
  return diff / spacing;
}

/** Doubles spread over the whole positive range by their exponent (subnormals included). */
const positive = fc.tuple(fc.double({ min: 1, max: 2, noNaN: true }), fc.integer({ min: -1074, max: 1023 }))
  .map(([m, e]) => m * 2 ** e)
  .filter((x) => x > 0 && Number.isFinite(x));

describe('portableMath', () => {
  it('log is within 2 ulp of ln x from the smallest subnormal to the largest double', () => {
    fc.assert(fc.property(positive, (x) => {
      expect(ulps(portableLog(x), M.log(exact(x)) as BigNumber)).toBeLessThanOrEqual(2);
    }), { numRuns: 400 });
  });

  it('exp is within 2 ulp of e^x over its whole finite range (to the subnormal results)', () => {
    fc.assert(fc.property(fc.double({ min: -708, max: 709.78, noNaN: true }), (x) => {
      expect(ulps(portableExp(x), M.exp(exact(x)) as BigNumber)).toBeLessThanOrEqual(2);
    }), { numRuns: 400 });
  });

  it('sin and cos of 2 pi v are within 2 ulp (of the result, near their zeros too)', () => {
    const twoPi = M.multiply(M.bignumber(2), M.pi) as unknown as BigNumber;
    const out = new Float64Array(2);
    fc.assert(fc.property(fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), (v) => {
      sinCosTurns(v, out);
      const x = M.multiply(twoPi, exact(v)) as BigNumber;
      expect(ulps(out[0], M.sin(x) as BigNumber)).toBeLessThanOrEqual(2);
      expect(ulps(out[1], M.cos(x) as BigNumber)).toBeLessThanOrEqual(2);
    }), { numRuns: 400 });
  });

  it('pow is within (3 + |y|) ulp of x^y', () => {
    fc.assert(fc.property(positive, fc.double({ min: -100, max: 100, noNaN: true }), (x, y) => {
      const want = M.pow(exact(x), exact(y)) as BigNumber;
      const w = Number(want);
      if (w === 0 || !Number.isFinite(w)) { expect(portablePow(x, y)).toBe(w); return; }
      expect(ulps(portablePow(x, y), want)).toBeLessThanOrEqual(3 + Math.abs(y));
    }), { numRuns: 400 });
  });

  it('special values as Math gives them', () => {
    expect(portableLog(0)).toBe(-Infinity);
    expect(portableLog(-1)).toBeNaN();
    expect(portableLog(NaN)).toBeNaN();
    expect(portableLog(Infinity)).toBe(Infinity);
    expect(portableLog(1)).toBe(0);
    expect(portableExp(0)).toBe(1);
    expect(portableExp(-Infinity)).toBe(0);
    expect(portableExp(Infinity)).toBe(Infinity);
    expect(portableExp(710)).toBe(Infinity);
    expect(portableExp(-746)).toBe(0);
    expect(portableExp(NaN)).toBeNaN();
    expect(portablePow(2.5, 0)).toBe(1);
    expect(portablePow(2.5, 1)).toBe(2.5);
    expect(portablePow(3, 2)).toBe(9);
    expect(portablePow(2, -3)).toBe(0.125);
    expect(portablePow(-2, 3)).toBe(-8);
    expect(portablePow(-2, 0.5)).toBeNaN();
    expect(portablePow(0, 0.2)).toBe(0);
    expect(portablePow(0, -0.2)).toBe(Infinity);
    expect(portablePow(Infinity, 0.2)).toBe(Infinity);
    expect(portablePow(Infinity, -0.2)).toBe(0);
    expect(portablePow(NaN, 0.2)).toBeNaN();
    const out = new Float64Array(2);
    for (const [v, s, c] of [[0, 0, 1], [0.25, 1, 0], [0.5, 0, -1], [0.75, -1, 0], [1, 0, 1]]) {
      sinCosTurns(v, out);
      expect([out[0] + 0, out[1] + 0]).toEqual([s, c]);
    }
  });
});
