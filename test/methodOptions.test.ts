// Options belong to their method: each method takes the shared options and
// its own (src/ode/options.ts, METHOD_OPTIONS); an option of another method,
// or one no method has, is refused in one line with SolverOptionError, by
// solveIvp and by each method's own entry. A spec's solver maps to exactly
// its method's options (solveOptionsFromSpec), and through the command a
// spec option of the wrong method is a one-line exit-2 error. The step size h
// has one meaning: signed, as in Hairer's codes, for every stepper.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  autoSwitch, dopri5, ensembleJob, gradientDescent, odex, parseSpec, rkc, solveIvp, solveOptionsFromSpec, SolverOptionError,
  type Rhs, type SolveIvpOptions,
} from '../src/index.js';
import { METHOD_OPTIONS } from '../src/ode/options.js';
import { cli } from './helpers/cli.js';

const METHODS = ['dopri5', 'rkc', 'auto', 'odex', 'gd'] as const;
type Method = (typeof METHODS)[number];
const decay: Rhs = (_t, y, dy) => { for (let i = 0; i < y.length; i++) dy[i] = -(i + 1) * y[i]; };
const entries = { dopri5, rkc, auto: autoSwitch, odex, gd: gradientDescent } as const;

/** A value of the right kind for each method option. */
const VALUES: Record<string, unknown> = {
  stiffCheckEvery: 7, stiffPatience: 3, onStiff: () => false, onSwitch: () => {}, jvp: () => {}, lr: 0.01, project: () => {}, arithmetic: 'js',
};
const ALL_OWN: string[] = [...new Set<string>(Object.values(METHOD_OPTIONS).flat())];
/** What a method needs to run at all (gd: its learning rate). */
const base = (m: Method): Record<string, unknown> => (m === 'gd' ? { lr: 0.01 } : {});

function refusal(run: () => unknown): SolverOptionError {
  try { run(); } catch (e) {
    expect(e).toBeInstanceOf(SolverOptionError);
    expect(e).toBeInstanceOf(RangeError);
    return e as SolverOptionError;
  }
  throw new Error('expected a SolverOptionError, nothing was thrown');
}

describe('options by method', () => {
  it('every method option is one method\'s or several\'s, and names its owners when refused', () => {
    for (const m of METHODS) {
      for (const key of ALL_OWN) {
        const mine = (METHOD_OPTIONS[m] as readonly string[]).includes(key);
        const options = { ...base(m), [key]: VALUES[key] };
        if (mine) {
          // Accepted: the integration runs (its own options change nothing here but are read).
          expect(solveIvp(decay, [0, 0.1], [1, 1], { method: m, ...options } as SolveIvpOptions).status).toBe('done');
          continue;
        }
        const owners = METHODS.filter((o) => (METHOD_OPTIONS[o] as readonly string[]).includes(key));
        for (const call of [
          () => solveIvp(decay, [0, 1], [1, 1], { method: m, ...options } as SolveIvpOptions),
          () => entries[m](decay, [0, 1], [1, 1], options as never),
        ]) {
          const e = refusal(call);
          expect(e.option).toBe(key);
          expect(e.message).toBe(`solveIvp: option "${key}" is not used by method "${m}": it is an option of ${owners.join(', ')}`);
        }
      }
    }
  });

  it('a random set of options is refused exactly when it holds another method\'s option, naming the first such', () => {
    fc.assert(fc.property(
      fc.constantFrom(...METHODS), fc.subarray(ALL_OWN), fc.subarray(['rtol', 'atol', 'maxSteps', 'h0', 'hMax']),
      (m, own, shared) => {
        const options: Record<string, unknown> = { ...base(m) };
        for (const k of shared) options[k] = k === 'maxSteps' ? 1e6 : k === 'h0' ? 1e-3 : k === 'hMax' ? 0.5 : 1e-6;
        for (const k of own) options[k] = VALUES[k];
        const foreign = Object.keys(options).filter((k) => ALL_OWN.includes(k) && !(METHOD_OPTIONS[m] as readonly string[]).includes(k));
        const call = () => solveIvp(decay, [0, 0.1], [1, 1], { method: m, ...options } as SolveIvpOptions);
        if (foreign.length === 0) expect(call().status).toBe('done');
        else expect(refusal(call).option).toBe(foreign[0]);
      },
    ), { numRuns: 200 });
  });

  it('an option set to undefined counts as not given; an unknown option is refused', () => {
    for (const m of METHODS) {
      const given = Object.fromEntries(ALL_OWN.map((k) => [k, undefined]));
      expect(solveIvp(decay, [0, 0.1], [1], { method: m, ...given, ...base(m) } as SolveIvpOptions).status).toBe('done');
      const e = refusal(() => solveIvp(decay, [0, 0.1], [1], { method: m, ...base(m), rtl: 1e-3 } as SolveIvpOptions));
      expect(e.option).toBe('rtl');
      expect(e.message).toMatch(new RegExp(`^solveIvp: unknown option "rtl" for method "${m}", expected one of rtol, atol, `));
    }
  });

  it('every refusal of the integrators is a SolverOptionError naming the option', () => {
    const cases: [SolveIvpOptions, string][] = [
      [{ rtol: -1 }, 'rtol'], [{ atol: [1, 2, 3] }, 'atol'], [{ tEval: [2] }, 'tEval'], [{ maxEvals: 0 }, 'maxEvals'],
      [{ method: 'gd' }, 'lr'], [{ method: 'odex', events: [{ g: (_t, y) => y[0] }] }, 'events'],
      [{ method: 'nope' } as unknown as SolveIvpOptions, 'method'], [{ method: 'toString' } as unknown as SolveIvpOptions, 'method'],
    ];
    for (const [options, option] of cases) expect(refusal(() => solveIvp(decay, [0, 1], [1], options)).option).toBe(option);
  });
});

describe('one meaning of h: signed, as in Hairer', () => {
  it('dopri5, rkc and auto report h with the sign of t1 - t0; backwards dopri5 mirrors forwards bit for bit', () => {
    fc.assert(fc.property(
      fc.constantFrom('dopri5', 'rkc', 'auto') , fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.integer({ min: 1, max: 4 }),
      (method, logT, logRate, n) => {
        const T = 10 ** logT, rate = 10 ** logRate;
        const y0 = Array.from({ length: n }, (_, i) => 1 + i);
        // Decaying in the direction of integration either way: y' = -rate y forwards, y' = rate y backwards.
        const fwd: Rhs = (_t, y, dy) => { for (let i = 0; i < n; i++) dy[i] = -rate * (i + 1) * y[i]; };
        const bwd: Rhs = (_t, y, dy) => { for (let i = 0; i < n; i++) dy[i] = rate * (i + 1) * y[i]; };
        const a = solveIvp(fwd, [0, T], y0, { method, rtol: 1e-8, atol: 1e-12 });
        const b = solveIvp(bwd, [0, -T], y0, { method, rtol: 1e-8, atol: 1e-12 });
        // dopri5 ends "stiff" on the fastest decays (its stiffness test, Hairer's NSTIFF); the mirror ends the same way.
        expect(['done', 'stiff']).toContain(a.status);
        expect(b.status).toBe(a.status);
        expect(a.h).toBeGreaterThan(0);
        expect(b.h).toBeLessThan(0);
        if (method === 'dopri5') {
          // Time reversal: z(s) = y(-s) solves z' = -f(z); every product h f is the same number.
          expect(b.h).toBe(-a.h);
          expect(Array.from(b.y)).toEqual(Array.from(a.y));
          expect([b.nfev, b.naccept, b.nreject]).toEqual([a.nfev, a.naccept, a.nreject]);
        }
      },
    ), { numRuns: 60 });
  });
});

describe('solveOptionsFromSpec', () => {
  const hooks = { stop: () => false, onStiff: () => false, onSwitch: () => {}, jvp: () => {}, tEval: [0.5] };

  it('gives each method its own options only, so solveIvp never refuses a parsed spec\'s', () => {
    fc.assert(fc.property(
      fc.constantFrom(...METHODS), fc.constantFrom('power', 'lanczos'), fc.option(fc.double({ min: 1e-4, max: 0.1, noNaN: true }), { nil: undefined }),
      fc.option(fc.double({ min: 1e-6, max: 1, noNaN: true }), { nil: undefined }),
      (method, spectralEstimate, lr, h0) => {
        const solver = { method, spectralEstimate, lr: method === 'gd' ? (lr ?? 0.01) : lr, h0, tMax: 1 };
        const spec = { target: [[1]], observed: [[1]], depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 0 }, solver };
        const estimates = method === 'rkc' || method === 'auto';
        if (spectralEstimate === 'lanczos' && !estimates) {
          expect(() => parseSpec(spec)).toThrow(/^spec\.solver\.spectralEstimate: expected method "rkc" or "auto" .*got method "/);
          return;
        }
        const s = parseSpec(spec).solver;
        const o = solveOptionsFromSpec(s, hooks) as Record<string, unknown>;
        expect(o.method).toBe(method);
        for (const k of ['rtol', 'atol', 'maxSteps', 'maxEvals', 'h0', 'hMax', 'stop', 'tEval']) expect(o[k], k).toBe(k in hooks ? hooks[k as keyof typeof hooks] : s[k as keyof typeof s]);
        const own = Object.keys(o).filter((k) => o[k] !== undefined && ALL_OWN.includes(k)).sort();
        const expected = { dopri5: ['onStiff'], auto: ['onSwitch'], rkc: [], odex: [], gd: ['lr'] }[method];
        expect(own).toEqual([...expected, ...(estimates && spectralEstimate === 'lanczos' ? ['jvp'] : [])].sort());
        if (method === 'gd') expect(o.lr).toBe(s.lr);
        // And solveIvp takes them (a tiny problem, to the end or the stop rule).
        const r = solveIvp(decay, [0, 1], [1], solveOptionsFromSpec(s, { ...hooks, jvp: (_t, _y, v, out) => { out[0] = -v[0]; } }));
        expect(r.status).toBe('done');
      },
    ), { numRuns: 100 });
  });

  it('the ensemble lanes mirror dopri5 and auto runs of a spec, and say why not otherwise', () => {
    for (const method of METHODS) {
      const s = parseSpec({ target: [[1]], observed: [[1]], depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 0 }, solver: { method, lr: 0.01 } }).solver;
      const job = ensembleJob(decay, [1], 1, solveOptionsFromSpec(s, hooks));
      if (method === 'dopri5' || method === 'auto') {
        // The output times of the hooks are not mirrored; without them the job is the spec's.
        expect(job).toBe('option "tEval"');
        const j = ensembleJob(decay, [1], 1, solveOptionsFromSpec(s, { ...hooks, tEval: [] }));
        expect(typeof j).toBe('object');
        if (typeof j === 'object') {
          expect([j.rtol, j.atol, j.maxSteps, j.maxEvals, j.h0, j.hMax]).toEqual([s.rtol, s.atol, s.maxSteps, s.maxEvals, s.h0, s.hMax]);
          expect(j.stiffCheckEvery).toBe(method === 'auto' ? 1 : 1000);
        }
      } else expect(job).toBe(`method "${method}"`);
    }
  });
});

describe('through the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-method-options-'));
  const spec = (solver: object) => {
    const path = join(dir, `${JSON.stringify(solver).replace(/\W+/g, '_')}.json`);
    writeFileSync(path, JSON.stringify({ target: [[1, 0], [0, 1]], observed: { kind: 'all' }, depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 1 }, solver }));
    return path;
  };

  it('a spec option of another method is one line, exit 2, naming the field, what was expected and the method given', () => {
    for (const method of ['dopri5', 'odex', 'gd']) {
      const r = cli(['run', spec({ method, lr: 0.01, spectralEstimate: 'lanczos' })]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`dmflow: spec.solver.spectralEstimate: expected method "rkc" or "auto" (the methods that estimate a spectral radius) with spectralEstimate "lanczos", got method "${method}"\n`);
    }
    for (const method of ['rkc', 'auto']) expect(cli(['run', spec({ method, spectralEstimate: 'lanczos', tMax: 1 })]).status).toBe(0);
    // In a sweep the cell is named before any work.
    const sweep = join(dir, 'sweep.json');
    writeFileSync(sweep, JSON.stringify({ base: JSON.parse(JSON.stringify({ target: [[1]], observed: [[1]], depth: 2, init: { kind: 'gaussian', std: 0.1, seed: 1 }, solver: { spectralEstimate: 'lanczos' } })), grid: { 'solver.method': ['auto', 'dopri5'] } }));
    const s = cli(['sweep', sweep, '--out', join(dir, 'out.jsonl')]);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/^dmflow: sweep cell .*"solver\.method":"dopri5".*spec\.solver\.spectralEstimate: expected method "rkc" or "auto" .*got method "dopri5"\n$/);
  });

  it('analyze --kernel, the flag\'s name before 0.2.0, is refused with a pointer to --tangent-kernel', () => {
    const r = cli(['analyze', spec({}), '--kernel', join(dir, 'k.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dmflow: --kernel: expected --tangent-kernel <file> (the name of this flag since 0.2.0; "kernel" names the compute back-end), got --kernel\n');
    expect(cli(['analyze', spec({}), '--tangent-kernel', join(dir, 'k.json')]).status).toBe(0);
  });
});
