// The two instance families the bench's ratios run on: its own instances
// (bench/workloads.ts, the ones earlier rounds were measured and tuned on) and
// a family generated from a seed given on the command line (`npm run bench --
// --seed k`), with the same parameters but instances nobody tuned on.

import { parseSweep, type Spec, type SweepSpec } from '../src/index.js';
import { fig1Sweep, largeSpecs } from './workloads.js';

/** A large run's spec, as `dmflow run` reads it. */
export type RunSpec = Spec & {
  init: { kind: 'gaussian'; std: number; seed: number };
  solver: { rtol: number; atol: number; lossTol: number };
};

export interface Family {
  name: string;
  /** How its instances were made, printed with the results. */
  recipe: string[];
  /** 50x50, rank 3, 600 observed, depth 3, Gaussian entries of std 0.05, rtol 1e-6, lossTol 1e-9. */
  run50: RunSpec;
  /** 100x100, rank 5, 2000 observed, depth 3, std 0.03, the same solver settings. */
  run100: RunSpec;
  /** The Fig. 1 sweep (2x2, diagonal observed, depths 2-4, three scales, 300 trials). */
  fig1: SweepSpec;
}

export const ownFamily: Family = {
  name: 'own (bench/workloads.ts)',
  recipe: ['the instances of bench/workloads.ts: target seed 1, mask seed 2, init seed 3; Fig. 1 sweep init seed 0 (+ trial)'],
  run50: largeSpecs['50x50 rank 3'],
  run100: largeSpecs['100x100 rank 5'],
  fig1: fig1Sweep,
};

/** The seed the bench uses when none is given: any instance but the bench's own (seed 1 reproduces those). */
export const DEFAULT_SEED = 29;

/** Trials of the Fig. 1 sweep: trial t adds t to every seed, so seeds 300 k .. 300 k + 299 are the generated sweep's. */
const FIG1_TRIALS = 300;

/**
 * The generated family of seed k: target {"kind":"low-rank","size":[n,n],"rank":r,"seed":k},
 * mask {"kind":"random","count":c,"seed":k+1}, init {"kind":"gaussian","std":s,"seed":k+2},
 * solver rtol 1e-6, atol 1e-9, lossTol 1e-9; the Fig. 1 sweep with init seed 300 k.
 */
export function generatedFamily(k: number): Family {
  if (!Number.isSafeInteger(k) || k < 0 || FIG1_TRIALS * k + FIG1_TRIALS > Number.MAX_SAFE_INTEGER) {
    throw new Error(`--seed: expected an integer >= 0 (and <= ${Math.floor(Number.MAX_SAFE_INTEGER / FIG1_TRIALS) - 1}), got ${k}`);
  }
  const solver = { rtol: 1e-6, atol: 1e-9, lossTol: 1e-9 } as const;
  const run = (n: number, rank: number, count: number, std: number): RunSpec => ({
    target: { kind: 'low-rank', size: [n, n], rank, seed: k },
    observed: { kind: 'random', count, seed: k + 1 },
    depth: 3,
    init: { kind: 'gaussian', std, seed: k + 2 },
    solver: { ...solver },
  });
  const base = fig1Sweep.base as Record<string, unknown> & { init: Record<string, unknown> };
  return {
    name: `generated, --seed ${k}`,
    recipe: [
      `50x50: target {"kind":"low-rank","size":[50,50],"rank":3,"seed":${k}}, observed {"kind":"random","count":600,"seed":${k + 1}}, depth 3, init {"kind":"gaussian","std":0.05,"seed":${k + 2}}, solver {"rtol":1e-6,"atol":1e-9,"lossTol":1e-9}`,
      `100x100: target {"kind":"low-rank","size":[100,100],"rank":5,"seed":${k}}, observed {"kind":"random","count":2000,"seed":${k + 1}}, depth 3, init {"kind":"gaussian","std":0.03,"seed":${k + 2}}, the same solver`,
      `Fig. 1 sweep: the bench's sweep with base init seed ${FIG1_TRIALS * k} (trial t: seed ${FIG1_TRIALS * k} + t)`,
    ],
    run50: run(50, 3, 600, 0.05),
    run100: run(100, 5, 2000, 0.03),
    fig1: parseSweep({ base: { ...base, init: { ...base.init, seed: FIG1_TRIALS * k } }, grid: fig1Sweep.grid, trials: FIG1_TRIALS }),
  };
}
