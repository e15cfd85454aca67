import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solveIvp, type EventSpec, type Rhs } from '../src/index.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 30);

const METHODS = ['dopri5', 'rkc', 'auto'] as const;
const unitSpeed: Rhs = (_t, _y, dy) => { dy[0] = 1; };
const oscillator: Rhs = (_t, y, dy) => { dy[0] = y[1]; dy[1] = -y[0]; };

describe('events: zeros of g(t, y) located on the dense output', () => {
  it.each(METHODS)('%s: y\' = 1, g = y - c gives t = c to machine precision', (method) => {
    for (const [c, T] of [[1e-3, 10], [0.1, 10], [1 / 3, 10], [0.7, 10], [2.5, 10], [7.123456789, 10], [3e-13, 1e-12], [1e-300, 1e-299], [3e11, 1e12], [1e300, 1.5e300]]) {
      // atol follows the scale, short of subnormal (1 / atol must stay finite for rkc's first step).
      const r = solveIvp(unitSpeed, [0, T], [0], { method, rtol: 1e-8, atol: Math.max(1e-12 * T, 1e-300), events: [{ g: (_t, y) => y[0] - c }] });
      expect(r.status).toBe('done');
      expect(r.tEvents![0]).toHaveLength(1);
      expect(Math.abs(r.tEvents![0][0] - c)).toBeLessThanOrEqual(4 * Number.EPSILON * c);
      expect(Math.abs(r.yEvents![0][0][0] - c)).toBeLessThanOrEqual(4 * Number.EPSILON * c);
    }
  });

  it.each(METHODS)('%s: a bouncing ball restarted at each terminal event bounces at the closed-form times', (method) => {
    // h' = v, v' = -G; at h = 0 falling, v -> -E v. From rest at height H the first
    // impact is at sqrt(2H/G) with speed v1 = sqrt(2GH); flight k lasts 2 E^k v1 / G.
    const G = 9.81, E = 0.8, H = 1;
    const ball: Rhs = (_t, y, dy) => { dy[0] = y[1]; dy[1] = -G; };
    const ground: EventSpec = { g: (_t, y) => y[0], terminal: true, direction: -1 };
    const v1 = Math.sqrt(2 * G * H);
    const exact: number[] = [Math.sqrt((2 * H) / G)];
    for (let k = 1; k < 8; k++) exact.push(exact[k - 1] + (2 * E ** k * v1) / G);
    let t = 0;
    let y = [H, 0];
    const bounces: number[] = [];
    while (bounces.length < exact.length) {
      const r = solveIvp(ball, [t, 100], y, { method, rtol: 1e-10, atol: 1e-12, events: [ground] });
      expect(r.status).toBe('event');
      expect(r.tEvents![0]).toEqual([r.t]);
      expect(Math.abs(r.y[0])).toBeLessThan(1e-12);
      bounces.push(r.t);
      t = r.t;
      y = [0, -E * r.y[1]];
    }
    // The flight is a parabola, which every method's dense output reproduces up to rounding.
    bounces.forEach((tb, k) => expect(Math.abs(tb - exact[k])).toBeLessThan(1e-12 * (k + 1)));
  });

  it('filters by direction: sin t rises through 0 at 2 pi, 4 pi and falls at pi, 3 pi', () => {
    const opts = { rtol: 1e-12, atol: 1e-14 };
    const dirs = [1, -1, 0] as const;
    const r = solveIvp(oscillator, [0, 13], [0, 1], { ...opts, events: dirs.map((direction) => ({ g: (_t: number, y: Float64Array) => y[0], direction })) });
    const PI = Math.PI;
    const expected = [[2 * PI, 4 * PI], [PI, 3 * PI], [PI, 2 * PI, 3 * PI, 4 * PI]];
    expected.forEach((ts, k) => {
      expect(r.tEvents![k]).toHaveLength(ts.length); // the zero at t = 0, the start, is not an event
      ts.forEach((te, j) => expect(Math.abs(r.tEvents![k][j] - te)).toBeLessThan(1e-10));
    });
    // The same zeros integrating backwards from 13: direction is that of g along the integration.
    const back = solveIvp(oscillator, [13, -1], [Math.sin(13), Math.cos(13)], { ...opts, events: [{ g: (_t, y) => y[0], direction: -1 }] });
    // Backwards in time sin falls through 0 at 4 pi, 2 pi and 0.
    expect(back.tEvents![0].map((x) => x / PI)).toEqual([expect.closeTo(4, 9), expect.closeTo(2, 9), expect.closeTo(0, 9)]);
  });

  it('finds several events inside one step, in order, and a terminal one cuts off those after it', () => {
    const cs = [0.3, 0.1, 0.2];
    const opts = { h0: 1, hMax: 1, rtol: 1e-6, atol: 1e-9 };
    const all = solveIvp(unitSpeed, [0, 1], [0], { ...opts, events: cs.map((c) => ({ g: (_t: number, y: Float64Array) => y[0] - c })) });
    expect(all.naccept).toBe(1);
    cs.forEach((c, k) => expect(Math.abs(all.tEvents![k][0] - c)).toBeLessThanOrEqual(2 * Number.EPSILON));
    const cut = solveIvp(unitSpeed, [0, 1], [0], {
      ...opts,
      tEval: [0.05, 0.14, 0.16, 0.5],
      events: [...cs.map((c) => ({ g: (_t: number, y: Float64Array) => y[0] - c })), { g: (_t, y) => y[0] - 0.15, terminal: true }],
    });
    expect(cut.status).toBe('event');
    expect(cut.t).toBeCloseTo(0.15, 15);
    expect(cut.y[0]).toBeCloseTo(0.15, 15);
    expect(cut.tEvents!.map((l) => l.length)).toEqual([0, 1, 0, 1]); // 0.1 before the stop; 0.2 and 0.3 after it
    expect(cut.tEval).toEqual([0.05, 0.14]); // output times up to the event only
  });

  it('counts a zero reached exactly at a step end once, and one at the start not at all', () => {
    // Steps of exactly 0.25 end at t = 0.5, where g = t - 0.5 is exactly 0.
    const r = solveIvp(unitSpeed, [0, 1], [0], { h0: 0.25, hMax: 0.25, events: [{ g: (t) => t - 0.5 }, { g: (t) => t }] });
    expect(r.naccept).toBe(4);
    expect(r.tEvents).toEqual([[0.5], []]);
  });

  it('terminal event on a later step: t, y and the stop are those of the event', () => {
    const r = solveIvp(oscillator, [0, 10], [1, 0], { rtol: 1e-10, atol: 1e-12, events: [{ g: (_t, y) => y[0] - 0.5, terminal: true, direction: -1 }] });
    expect(r.status).toBe('event');
    expect(r.t).toBeCloseTo(Math.PI / 3, 9);
    expect(r.y[0]).toBeCloseTo(0.5, 12);
    expect(r.y[1]).toBeCloseTo(-Math.sin(Math.PI / 3), 9);
  });

  it('gd and odex have no dense output and refuse events', () => {
    for (const method of ['gd', 'odex'] as const) {
      expect(() => solveIvp(unitSpeed, [0, 1], [0], { method, lr: 0.1, events: [{ g: (_t, y) => y[0] - 0.5 }] })).toThrow(/events need dense output/);
    }
  });

  it.each(METHODS)('%s: on y\' = lambda y, the event y = c is where the dense output equals c, and as accurate as it', (method) => {
    // Any rate (decay or growth, 1e-3 to 1e3), any y0 sign and size, c anywhere along the
    // solution. The root finder must put the event where the numerical solution equals c
    // (to rounding), so its distance to the exact time log(c / y0) / lambda is the
    // solution's own error there over |y'|: |lambda| |te - exact| = |y_num(exact) / c - 1|
    // to first order, whatever the method's accuracy.
    const EPS = Number.EPSILON;
    fc.assert(fc.property(
      fc.double({ min: -3, max: 3, noNaN: true }), fc.boolean(), fc.double({ min: -6, max: 6, noNaN: true }), fc.boolean(),
      fc.double({ min: 0.5, max: 5, noNaN: true }), fc.double({ min: 0.02, max: 0.98, noNaN: true }),
      (logRate, grows, logY0, negative, efolds, q) => {
        const lambda = (grows ? 1 : -1) * 10 ** logRate;
        const y0 = (negative ? -1 : 1) * 10 ** logY0;
        const T = efolds / Math.abs(lambda);
        const exact = q * T;
        const c = y0 * Math.exp(lambda * exact);
        const r = solveIvp((_t, y, dy) => { dy[0] = lambda * y[0]; }, [0, T], [y0], { method, rtol: 1e-8, atol: 1e-300, tEval: [exact], events: [{ g: (_t, y) => y[0] - c }] });
        expect(r.status).toBe('done');
        expect(r.tEvents![0]).toHaveLength(1);
        const te = r.tEvents![0][0];
        expect(Math.abs(r.yEvents![0][0][0] - c)).toBeLessThanOrEqual(32 * EPS * Math.abs(c) * Math.max(1, Math.abs(lambda) * te));
        const solutionError = Math.abs(r.yEval[0][0] / c - 1);
        expect(Math.abs(Math.abs(lambda) * Math.abs(te - exact) - solutionError)).toBeLessThanOrEqual(1e-3 * solutionError + 64 * EPS * Math.max(1, Math.abs(lambda) * te));
      },
    ), { numRuns: RUNS });
  });
});
