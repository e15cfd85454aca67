// The integration state as a value: an integration resumed from any state it
// wrote continues bit for bit as the uninterrupted one, evaluating f only for
// what is left.

import { describe, expect, it } from 'vitest';
import { arenstorf, solveIvp, type Rhs, type SolveResult, type SolveState } from '../src/index.js';

const stiffish: Rhs = (t, y, dy) => { dy[0] = -2000 * (y[0] - Math.cos(t)); dy[1] = y[2]; dy[2] = -y[1]; };
const stiffer: Rhs = (t, y, dy) => { dy[0] = -1e4 * (y[0] - Math.cos(t)); dy[1] = y[2]; dy[2] = -y[1]; };

function plain(r: SolveResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v, (x) => x.toString()) : v));
}

describe('resume from a saved state', () => {
  const { f, y0, period } = arenstorf();
  const problems: [string, Rhs, number[], [number, number], object][] = [
    ['arenstorf', f, y0, [0, period], { rtol: 1e-9, atol: 1e-9 }],
    ['stiff, backwards', stiffish, [1, 0, 1], [3, 0], { rtol: 1e-6, atol: 1e-9, stiffCheckEvery: 10 }],
    ['stiff, forwards', stiffer, [0, 0, 1], [0, 3], { rtol: 1e-6, atol: 1e-9, stiffCheckEvery: 10, onStiff: () => false }],
  ];
  for (const method of ['dopri5', 'rkc', 'auto'] as const) {
    it.each(problems)(`${method}: %s`, (_name, rhs, y, span, opts) => {
      const tEval = Array.from({ length: 40 }, (_, i) => span[0] + ((span[1] - span[0]) * i) / 39);
      const events = [{ g: (_t: number, yy: Float64Array) => yy[1] - 0.1 }, { g: (_t: number, yy: Float64Array) => yy[0] }];
      // Each method takes its own options: stiffCheckEvery is dopri5's and auto's, onStiff dopri5's.
      const { stiffCheckEvery, onStiff, ...shared } = opts as { stiffCheckEvery?: number; onStiff?: () => boolean };
      const own = method === 'dopri5' ? { stiffCheckEvery, onStiff } : method === 'auto' ? { stiffCheckEvery } : {};
      const options = { method, ...shared, ...own, tEval, events };
      const states: SolveState[] = [];
      let calls = 0;
      const counted: Rhs = (t, yy, dy) => { calls++; rhs(t, yy, dy); };
      const whole = solveIvp(counted, span, y, { ...options, checkpoint: { due: () => true, save: (s, final) => { if (!final) states.push(s); } } });
      expect(whole.nfev).toBe(calls);
      expect(states.length).toBeGreaterThan(10);
      if (method === 'auto' && _name !== 'arenstorf') expect(whole.message).toMatch(/then Runge–Kutta–Chebyshev/);
      // Resume from states all along (after auto's switch too, after rejected steps too).
      const stride = Math.ceil(states.length / 60);
      for (let k = 0; k < states.length; k += stride) {
        const state = structuredClone(states[k]);
        calls = 0;
        const resumed = solveIvp(counted, span, y, { ...options, resume: state });
        expect(plain(resumed)).toBe(plain(whole));
        const nfevAt = (states[k].stepper as { nfev?: number; dp?: { nfev: number }; rk?: { state: { nfev: number } } | null });
        const before = nfevAt.nfev ?? nfevAt.dp!.nfev + (nfevAt.rk?.state.nfev ?? 0);
        expect(calls).toBe(whole.nfev - before);
      }
    });
  }

  it('refuses a state of another method', () => {
    let state: SolveState | null = null;
    solveIvp(f, [0, 1], y0, { checkpoint: { due: () => true, save: (s) => { state = s; } } });
    expect(() => solveIvp(f, [0, 1], y0, { method: 'rkc', resume: state! })).toThrow(/cannot resume a "dopri5" state with method "rkc"/);
  });
});
