// The problem spec: what a user writes in JSON. Validated with zod (strict
// objects: unknown keys are errors), then checked for consistency of shapes
// in problem.ts. Every failure becomes one InputError line.

import * as z from 'zod';
import { InputError } from './errors.js';
import { parseWith } from './issues.js';

export { toInputError, describeValue, parseWith } from './issues.js';

const finite = z.number().finite();
const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const seed = z.number().int();
const size = z.tuple([posInt, posInt]);
const rows = z.array(z.array(finite).min(1)).min(1);

export const targetSchema = z.union(
  [
    rows,
    z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('ones'), size, scale: finite.default(1) }),
      z.strictObject({ kind: z.literal('low-rank'), size, rank: posInt, seed: seed.default(0) }),
    ]),
  ],
  { error: 'expected rows of numbers or {"kind": "ones" | "low-rank", ...}' },
);

export const observedSchema = z.union(
  [
    z.array(z.array(z.union([z.literal(0), z.literal(1)])).min(1)).min(1),
    z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('all') }),
      z.strictObject({ kind: z.literal('entries'), entries: z.array(z.tuple([nonNegInt, nonNegInt])) }),
      z.strictObject({ kind: z.literal('block-diagonal'), blocks: z.array(posInt).min(1) }),
      z.strictObject({ kind: z.literal('random'), count: posInt, seed: seed.default(0) }),
    ]),
  ],
  { error: 'expected a 0/1 mask or {"kind": "all" | "entries" | "block-diagonal" | "random", ...}' },
);

const perLayer = z.union([finite, z.array(finite).min(1)], { error: 'expected a number or one number per layer' });

export const initSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('gaussian'),
      std: finite.positive().optional(),
      productScale: finite.positive().optional(),
      seed: seed.default(0),
    })
    .refine((g) => (g.std === undefined) !== (g.productScale === undefined), {
      error: 'expected exactly one of "std" (entry standard deviation) or "productScale" (RMS entry of the initial product W_L...W_1)',
    }),
  z.strictObject({ kind: z.literal('identity-plus-ones'), a: perLayer, b: perLayer.default(0) }),
  z.strictObject({ kind: z.literal('layers'), layers: z.array(rows).min(1) }),
  z.strictObject({ kind: z.literal('from-result'), path: z.string().min(1) }),
]);

export const METHODS = ['dopri5', 'odex', 'gd', 'rkc', 'auto'] as const;
export type MethodName = (typeof METHODS)[number];

/** Solver fields shared by every model (the factored models add their own). */
export const solverFields = {
  method: z.enum(METHODS).default('auto'),
  rtol: finite.positive().default(1e-8),
  atol: finite.positive().default(1e-10),
  tMax: finite.positive().default(1e6),
  /** Absolute loss tolerance; when absent the run stops at lossRelTol times the problem's loss scale (src/experiments/stopRules.ts). */
  lossTol: finite.nonnegative().optional(),
  /** Loss tolerance relative to the observed target energy 1/2 ||P_Omega(W*)||^2 (docs/runs.md, "Stop rules"). */
  lossRelTol: finite.nonnegative().optional(),
  gradTol: finite.positive().optional(),
  maxSteps: posInt.default(1_000_000),
  /** Vector-field evaluations, every stage of every method included (rkc's many stages too). */
  maxEvals: posInt.default(10_000_000),
  h0: finite.positive().optional(),
  hMax: finite.positive().optional(),
  /** Learning rate, for method "gd" (reported time t = k lr). */
  lr: finite.positive().optional(),
  /** Largest absolute factor entry before the run counts as diverged. */
  divergeAt: finite.positive().default(1e8),
};

/** Fields of the deep model's runs only: the run-level stop rules (src/experiments/stopRules.ts). */
export const runStopFields = {
  /** Wall-clock budget in seconds: the run ends with status "time-limit" and reports its state. */
  maxWallTime: finite.positive().optional(),
  /**
   * End runs on the plateau rules (integration floor, saddle, stiffness limit,
   * and minima of a width-limited model); false leaves only lossTol, gradTol
   * and the hard budgets (tMax, maxSteps, maxEvals, the wall clock).
   */
  plateauStop: z.boolean().default(true),
  /**
   * Rules whose warnings also end the run (opt-in): the pattern without the
   * evidence the default requires (docs/runs.md, "Stop rules").
   */
  stopOn: z.array(z.enum(['saddle', 'slow-decay', 'integration-floor', 'stiff'])).optional(),
};

/** How rkc and auto's RKC phase estimate the spectral radius (deep model's runs only). */
export const SPECTRAL_ESTIMATES = ['power', 'lanczos'] as const;
export const spectralFields = {
  /**
   * "power" (default): power iteration on finite-difference Jacobian-vector
   * products; "lanczos": a few Lanczos steps on exact Hessian-vector products
   * of the loss (src/model/field/hessianVector.ts, src/ode/lanczos.ts).
   */
  spectralEstimate: z.enum(SPECTRAL_ESTIMATES).default('power'),
};

export const needsLearningRate = (s: { method: string; lr?: number }) => s.method !== 'gd' || s.lr !== undefined;
export const learningRateError = { error: 'expected a learning rate "lr" > 0 for method "gd"', path: ['lr'] };

/** spectralEstimate "lanczos" is an option of the methods that estimate a spectral radius (src/experiments/solveOptions.ts). */
export const spectralEstimateApplies = (s: { method: string; spectralEstimate: string }) => s.spectralEstimate === 'power' || s.method === 'rkc' || s.method === 'auto';
export const spectralEstimateError = {
  error: (issue: { input?: unknown }) => `expected method "rkc" or "auto" (the methods that estimate a spectral radius) with spectralEstimate "lanczos", got method "${(issue.input as { method?: string } | undefined)?.method}"`,
  path: ['spectralEstimate'],
};

export const solverSchema = z.strictObject({ ...solverFields, ...runStopFields, ...spectralFields }).refine(needsLearningRate, learningRateError).refine(spectralEstimateApplies, spectralEstimateError);

/**
 * GLRL's solver: every stage ends at a critical point of its rank-r loss, where
 * the flow is stiff and an explicit method's step-size controller keeps the
 * stiff modes at the tolerance level, so the gradient norm stalls near
 * rtol x (largest Hessian eigenvalue) instead of reaching stageGradTol. Its
 * default method is therefore "auto" (Dormand–Prince, then RKC once stiff).
 */
export const glrlSolverSchema = z.strictObject({ ...solverFields, method: z.enum(METHODS).default('auto') }).refine(needsLearningRate, learningRateError);

export const saveSchema = z.strictObject({
  times: z.array(finite.nonnegative()).default([]),
  layers: z.boolean().default(false),
  /** Number of log-spaced analysis samples along the run (0: none). */
  samples: nonNegInt.default(0),
});

/** The deep factorization W = W_L...W_1 (the default model). */
export const deepModelSchema = z.strictObject({ kind: z.literal('deep') });

export const specSchema = z.strictObject({
  /** Omitted or {"kind": "deep"}; the factored UDV^T / UDU^T models have their own schema (src/model/udv/spec.ts). */
  model: deepModelSchema.optional(),
  target: targetSchema,
  observed: observedSchema,
  depth: posInt,
  width: posInt.optional(),
  init: initSchema,
  solver: solverSchema.prefault({}),
  save: saveSchema.prefault({}),
  /** A partition of the observed entries for the coupling index (default: components of the observation graph). */
  groups: z.array(z.array(z.tuple([nonNegInt, nonNegInt])).min(1)).min(1).optional(),
});

/** GLRL options (Li, Luo & Lyu 2021): see src/experiments/glrl.ts. */
export const glrlOptionsSchema = z.strictObject({
  /** "asymmetric": W = U V^T; "symmetric": W = U U^T (square, symmetric target and mask). */
  variant: z.enum(['asymmetric', 'symmetric']).default('asymmetric'),
  /** Each stage adds epsilon u v^T to W (factor columns of size sqrt(epsilon)). */
  epsilon: finite.positive().max(1).default(1e-8),
  /** Largest rank (default min(m, n)). */
  maxRank: posInt.optional(),
  /** A stage has converged when the gradient norm of its factorization falls to this (default 1e-10). */
  stageGradTol: finite.positive().default(1e-10),
});

/**
 * A GLRL spec: a run spec whose depth, width, init, save and groups are
 * optional (GLRL ignores them, so one file serves both), plus "glrl" options.
 */
export const glrlSpecSchema = specSchema.partial({ depth: true, init: true }).extend({ solver: glrlSolverSchema.prefault({}), glrl: glrlOptionsSchema.prefault({}) });

/**
 * T with every object and array (tuples too) readonly: the spec types accept
 * specs written `as const` (nothing in dmflow writes to a spec it is given).
 */
export type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** A GLRL spec as a user writes it (defaults may be left out). */
export type GlrlSpec = DeepReadonly<z.input<typeof glrlSpecSchema>>;
/** A validated GLRL spec, defaults filled in. */
export type ParsedGlrlSpec = z.output<typeof glrlSpecSchema>;
export type GlrlOptions = ParsedGlrlSpec['glrl'];

/** Validate a GLRL spec; throws InputError on the first problem. */
export function parseGlrlSpec(value: unknown, root = 'spec'): ParsedGlrlSpec {
  return parseWith(glrlSpecSchema, value, root);
}

/**
 * A run spec as a user writes it: what `dmflow run` reads and `run()` takes.
 * Keys with defaults may be left out; a misspelled key is a type error.
 */
export type Spec = DeepReadonly<z.input<typeof specSchema>>;
/** The same, under its earlier name. */
export type SpecInput = Spec;
/** A validated spec, defaults filled in (Problem.spec). */
export type ParsedSpec = z.output<typeof specSchema>;
export type TargetSpec = ParsedSpec['target'];
export type ObservedSpec = ParsedSpec['observed'];
export type InitSpec = ParsedSpec['init'];
export type SolverSpec = ParsedSpec['solver'];

/** Validate a parsed JSON value as a spec; throws InputError on the first problem. */
export function parseSpec(value: unknown, root = 'spec'): ParsedSpec {
  return parseWith(specSchema, value, root);
}

/** Parse spec text (JSON). */
export function parseSpecText(text: string, root = 'spec'): ParsedSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(root, `not valid JSON (${(e as Error).message}); NaN and Infinity are not JSON numbers`);
  }
  return parseSpec(value, root);
}
