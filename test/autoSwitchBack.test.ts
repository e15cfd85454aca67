// Method "auto" switches back: once RKC's steps are sized by accuracy well
// inside Dormand–Prince's stability region (src/ode/auto.ts, AUTO_TUNING) it
// hands back to Dormand–Prince, whose stiffness test may switch again. On a
// flow stiff, then not, then stiff again, it goes back and forth; its end
// state agrees with a tight reference at the tolerance scale; a run resumed
// from any state it wrote continues bit for bit; maxEvals and maxSteps bound
// all its phases together.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTO_TUNING, autoSwitch } from '../src/ode/auto.js';
import { buildProblem, parseSpec, runProblem, solveIvp, type Rhs, type SolveResult, type SolveState } from '../src/index.js';

/**
 * y0' = -(1 + big s(t)) (y0 - cos t), s(t) = ((1 + cos(2 pi t / period)) / 2)^4, and an oscillator
 * (y1, y2): stiff near t = 0, period, 2 period..., not stiff half a period later; the oscillator keeps
 * the steps sized by accuracy there.
 */
function pulsed(big: number, period: number): Rhs {
  return (t, y, dy) => {
    const s = ((1 + Math.cos((2 * Math.PI * t) / period)) / 2) ** 4;
    dy[0] = -(1 + big * s) * (y[0] - Math.cos(t));
    dy[1] = y[2];
    dy[2] = -y[1];
  };
}

const TOL = { rtol: 1e-6, atol: 1e-9 };
const Y0 = [0, 0, 1];

function plain(r: SolveResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v, (x) => x.toString()) : v));
}

/** A seeded population over the whole stated range: peak stiffness 1e4..3e5 (at 1e3 Dormand–Prince is stiff too briefly to switch), period 2..10, span 1.3..2 periods. */
const instance = fc.record({
  logBig: fc.double({ min: 4, max: 5.5, noNaN: true }),
  period: fc.double({ min: 2, max: 10, noNaN: true }),
  periods: fc.double({ min: 1.3, max: 2, noNaN: true }),
});

describe('auto switches back to Dormand–Prince', () => {
  it('goes back and forth on a flow stiff, then not, then stiff again; its end state agrees with a tight reference', () => {
    fc.assert(fc.property(instance, ({ logBig, period, periods }) => {
      const f = pulsed(10 ** logBig, period);
      const span: [number, number] = [0, periods * period];
      const switches: [number, string][] = [];
      let calls = 0;
      const counted: Rhs = (t, y, dy) => { calls++; f(t, y, dy); };
      const r = solveIvp(counted, span, Y0, { method: 'auto', ...TOL, onSwitch: (t, m) => { switches.push([t, m]); } });
      expect(r.status).toBe('done');
      expect(r.nfev).toBe(calls);
      // Stiff at 0, not stiff at period / 2, stiff again at period: rkc, dopri5, rkc at least, alternating, in time order.
      expect(switches.length).toBeGreaterThanOrEqual(3);
      switches.forEach(([t, m], i) => {
        expect(m).toBe(i % 2 === 0 ? 'rkc' : 'dopri5');
        if (i > 0) expect(t).toBeGreaterThan(switches[i - 1][0]);
      });
      // The back-switch happens where the flow is not stiff (1 + big s(t) small against 1 / h).
      expect(Math.abs(((switches[1][0] / period) % 1) - 0.5)).toBeLessThan(0.35);
      const last = switches[switches.length - 1][1] === 'rkc' ? 'Runge–Kutta–Chebyshev' : 'Dormand–Prince';
      expect(r.message).toMatch(new RegExp(`^reached the end of the interval \\(Dormand–Prince to t = [^,]+, Runge–Kutta–Chebyshev to t = .*, then ${last}\\)$`));
      expect(r.stiffDetections).toBe(switches.filter(([, m]) => m === 'rkc').length);
      const ref = solveIvp(f, span, Y0, { method: 'dopri5', rtol: 1e-11, atol: 1e-14, onStiff: () => false });
      // Global error at the tolerance scale: a few hundred rtol over these spans (rkc alone: the same scale).
      for (let i = 0; i < 3; i++) expect(Math.abs(r.y[i] - ref.y[i])).toBeLessThan(300 * TOL.rtol * Math.max(1, Math.abs(ref.y[i])));
    }), { numRuns: 12, seed: 29 });
  });

  it('with switching back off (backPatience Infinity) it stays on RKC after the first switch, as before', () => {
    const f = pulsed(1e4, 4);
    const methods: string[] = [];
    const r = autoSwitch(f, [0, 7], Y0, { ...TOL, onSwitch: (_t, m) => { methods.push(m); } }, { ...AUTO_TUNING, backPatience: Infinity });
    expect(r.status).toBe('done');
    expect(methods).toEqual(['rkc']);
    expect(r.message).toMatch(/^reached the end of the interval \(Dormand–Prince to t = [^,]+, then Runge–Kutta–Chebyshev\)$/);
  });

  it('a run resumed from any state it wrote, in any phase, continues bit for bit and evaluates f only for what is left', () => {
    const f = pulsed(1e4, 4);
    const span: [number, number] = [0, 7];
    const tEval = Array.from({ length: 30 }, (_, i) => (7 * i) / 29);
    const events = [{ g: (_t: number, y: Float64Array) => y[1] - 0.1 }];
    const options = { method: 'auto' as const, ...TOL, tEval, events };
    const states: SolveState[] = [];
    let calls = 0;
    const counted: Rhs = (t, y, dy) => { calls++; f(t, y, dy); };
    const methods: string[] = [];
    const whole = solveIvp(counted, span, Y0, {
      ...options, onSwitch: (_t, m) => { methods.push(m); }, checkpoint: { due: () => true, save: (s, final) => { if (!final) states.push(s); } },
    });
    expect(methods.length).toBeGreaterThanOrEqual(3);
    const phases = new Set(states.map((s) => ((s.stepper as { switches: unknown[] }).switches.length)));
    // States from every phase, the last one included.
    for (let k = 0; k <= methods.length; k++) expect(phases.has(k)).toBe(true);
    const stride = Math.ceil(states.length / 80);
    for (let k = 0; k < states.length; k += stride) {
      const state = structuredClone(states[k]);
      calls = 0;
      const resumedMethods: string[] = [];
      const resumed = solveIvp(counted, span, Y0, { ...options, onSwitch: (_t, m) => { resumedMethods.push(m); }, resume: state });
      expect(plain(resumed)).toBe(plain(whole));
      expect(calls).toBe(whole.nfev - (states[k].stepper as { nfev: number }).nfev);
      // The switches still ahead of the state are reported again, and only those.
      expect(resumedMethods).toEqual(methods.slice((states[k].stepper as { switches: unknown[] }).switches.length));
    }
  });

  it('maxEvals and maxSteps bound all phases together; a budget the run does not reach changes nothing', () => {
    const f = pulsed(1e4, 4);
    const span: [number, number] = [0, 7];
    const full = solveIvp(f, span, Y0, { method: 'auto', ...TOL });
    fc.assert(fc.property(fc.integer({ min: 1, max: full.nfev + 50 }), fc.integer({ min: 1, max: full.naccept + full.nreject + 20 }), (maxEvals, maxSteps) => {
      let calls = 0;
      const counted: Rhs = (t, y, dy) => { calls++; f(t, y, dy); };
      const r = solveIvp(counted, span, Y0, { method: 'auto', ...TOL, maxEvals, maxSteps });
      expect(r.nfev).toBe(calls);
      expect(calls).toBeLessThanOrEqual(maxEvals);
      expect(r.naccept + r.nreject).toBeLessThanOrEqual(maxSteps);
      if (r.status === 'done') {
        expect(plain({ ...r, message: '' })).toBe(plain({ ...full, message: '' }));
        expect(r.message).toBe(full.message);
      } else {
        expect(['max-evals', 'max-steps']).toContain(r.status);
        expect(r.message).toMatch(r.status === 'max-evals' ? /maxEvals = \d+/ : /stopped after \d+ steps/);
        expect(r.t).toBeLessThan(span[1]);
      }
    }), { numRuns: 60, seed: 7 });
  });

  it('a run\'s phase follows every switch: its progress names the method taking each step', () => {
    // Small-init depth 4 (bench/autoSwitch.ts --family saddle, seed 2): stiff on a saddle, not on the way off it, stiff at the minimum.
    const spec = parseSpec({
      target: { kind: 'low-rank', size: [11, 11], rank: 3, seed: 2 }, observed: { kind: 'random', count: 48, seed: 3 }, depth: 4,
      init: { kind: 'gaussian', std: 0.016, seed: 4 }, solver: { rtol: 1e-6, atol: 1e-9, lossTol: 1e-9 },
    });
    const labels: string[] = [];
    const r = runProblem(buildProblem(spec), { onProgress: (p) => { if (labels[labels.length - 1] !== p.method) labels.push(p.method); } });
    expect(r.status).toBe('converged');
    expect(labels.length).toBeGreaterThanOrEqual(4);
    labels.forEach((l, i) => expect(l).toBe(i % 2 === 0 ? 'auto (dopri5)' : 'auto (rkc)'));
  });

  it('a state written before auto switched back (dp, rk, switchDue) still resumes bit for bit', () => {
    // Such a state held the first Dormand–Prince phase's state, and RKC's once it had switched (for good).
    const f = pulsed(1e4, 4);
    const span: [number, number] = [0, 1];
    const options = { method: 'auto' as const, ...TOL };
    const states: SolveState[] = [];
    const whole = solveIvp(f, span, Y0, { ...options, checkpoint: { due: () => true, save: (s, final) => { if (!final) states.push(s); } } });
    expect(whole.message).toMatch(/then Runge–Kutta–Chebyshev\)$/);
    type New = { dp: Record<string, unknown> | null; rk: unknown; switchDue: boolean; done: Record<string, number>; switches: unknown[] };
    const lastDp = states.filter((s) => (s.stepper as New).switches.length === 0).pop()!;
    let checked = 0;
    for (const state of states) {
      const st = state.stepper as New;
      if (st.switches.length > 1) continue;
      // The first phase's state; in the RKC phase its counts are what the first phase spent.
      const dp = st.dp ?? { ...(lastDp.stepper as New).dp!, ...st.done };
      const legacy = { ...structuredClone(state), stepper: { dp: structuredClone(dp), rk: structuredClone(st.rk), switchDue: st.switchDue } };
      expect(plain(solveIvp(f, span, Y0, { ...options, resume: legacy }))).toBe(plain(whole));
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('switches back and forth backwards in time too (h negative in every phase)', () => {
    // The pulsed flow with time reversed: y0' = +(1 + big s(t)) (y0 - cos t) decays as t decreases.
    const f: Rhs = (t, y, dy) => {
      const s = ((1 + Math.cos((2 * Math.PI * t) / 4)) / 2) ** 4;
      dy[0] = (1 + 1e4 * s) * (y[0] - Math.cos(t));
      dy[1] = y[2];
      dy[2] = -y[1];
    };
    const switches: [number, string][] = [];
    const r = solveIvp(f, [7, 0], Y0, { method: 'auto', ...TOL, onSwitch: (t, m) => { switches.push([t, m]); } });
    expect(r.status).toBe('done');
    expect(r.t).toBe(0);
    expect(r.h).toBeLessThan(0);
    expect(switches.map(([, m]) => m)).toEqual(['rkc', 'dopri5', 'rkc']);
    for (let i = 1; i < switches.length; i++) expect(switches[i][0]).toBeLessThan(switches[i - 1][0]);
    const ref = solveIvp(f, [7, 0], Y0, { method: 'dopri5', rtol: 1e-11, atol: 1e-14, onStiff: () => false });
    for (let i = 0; i < 3; i++) expect(Math.abs(r.y[i] - ref.y[i])).toBeLessThan(300 * TOL.rtol * Math.max(1, Math.abs(ref.y[i])));
  });
});
