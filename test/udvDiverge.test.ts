// The UDV^T model's divergence verdict against the run without it. d carries
// the target's scale (src/experiments/factorRun.ts, factorDivergeLimits): a
// run whose uncut twin (divergeAt 1e300) does not blow up must end exactly as
// that twin, at every target scale; a run whose step size makes d oscillate
// with growing amplitude (lr past 2 / (u.v)^2) must still end `diverged`, and
// its uncut twin must end past the same limit (1e8 times the scale, radius 1)
// after 20000 steps: the cut run stopped at no passing overshoot. Over the
// whole range of scales (1e-120 to 1e150) and step sizes, every run ends as
// its twin or diverged where its twin ends past the limit.

import { describe, expect, it } from 'vitest';
import { runFactor, type FactorSpec } from '../src/index.js';

const spec = (scale: number, seed: number, lr: number, divergeAt?: number): FactorSpec => ({
  model: { kind: 'udv', rank: 1, ball: 'frobenius', radius: 1 },
  target: { kind: 'ones', size: [2, 2], scale },
  observed: { kind: 'all' },
  init: { kind: 'gaussian', std: 0.5, seed },
  solver: { method: 'gd', lr, maxSteps: 20000, ...(divergeAt === undefined ? {} : { divergeAt }) },
} as FactorSpec);

/** Non-finite factors, or a d past the default limit divergeAt * max(1, a / r^2) = 1e8 * max(1, scale) at radius 1. */
const pastLimit = (r: { factors: { U: number[][]; d: number[]; V: number[][] | null } }, scale: number) =>
  [...r.factors.U.flat(), ...(r.factors.V ?? []).flat()].some((v) => !Number.isFinite(v)) || r.factors.d.some((v) => !(Math.abs(v) <= 1e8 * Math.max(1, scale)));

describe('the UDV^T divergence verdict, at target scales 1 to 1e60', () => {
  const scales = Array.from({ length: 11 }, (_, i) => 10 ** (6 * i));
  it('a stable run ends as its uncut twin (the verdict never cuts a run that does not blow up)', () => {
    let compared = 0;
    for (const scale of [...scales, 6e7, 3e9]) {
      for (let seed = 1; seed <= 4; seed++) {
        const cut = runFactor(spec(scale, seed, 0.01));
        const uncut = runFactor(spec(scale, seed, 0.01, 1e300));
        expect(uncut.status).not.toBe('diverged');
        expect(pastLimit(uncut, scale)).toBe(false);
        expect([scale, seed, cut.status, cut.t, cut.loss]).toEqual([scale, seed, uncut.status, uncut.t, uncut.loss]);
        compared++;
      }
    }
    expect(compared).toBe(52);
  });

  it('a run whose step size is unstable for d is diverged, and so is its uncut twin', () => {
    for (const scale of scales) {
      for (const lr of [3, 10]) {
        const cut = runFactor(spec(scale, 1, lr));
        expect([scale, lr, cut.status]).toEqual([scale, lr, 'diverged']);
        const uncut = runFactor(spec(scale, 1, lr, 1e300));
        expect([scale, lr, pastLimit(uncut, scale)]).toEqual([scale, lr, true]);
      }
    }
  });
});

describe('the UDV^T divergence verdict over the whole range of target scales (1e-120 to 1e150)', () => {
  it('every run ends as its uncut twin, or diverged where its twin ends past the same limit', () => {
    // Below 1e-120 the relative loss tolerance underflows and the spec is refused; above 1e150
    // the target energy overflows. Step sizes from stable (0.01) to unstable for d (3, 10).
    let same = 0, diverged = 0;
    for (let e = -120; e <= 150; e += 15) {
      const scale = 10 ** e;
      for (const lr of [0.01, 0.3, 3, 10]) {
        for (let seed = 1; seed <= 2; seed++) {
          const cut = runFactor(spec(scale, seed, lr));
          const uncut = runFactor(spec(scale, seed, lr, 1e300));
          if (cut.status === 'diverged') {
            expect([e, lr, seed, pastLimit(uncut, scale)]).toEqual([e, lr, seed, true]);
            diverged++;
          } else {
            expect([e, lr, seed, cut.status, cut.t, cut.loss]).toEqual([e, lr, seed, uncut.status, uncut.t, uncut.loss]);
            same++;
          }
        }
      }
    }
    expect(same + diverged).toBe(19 * 4 * 2);
    expect(diverged).toBeGreaterThan(0);
    expect(same).toBeGreaterThan(0);
  });
});
