// The spec of the factored models of Hou, Sra & Yurtsever (2025, arXiv
// 2501.16322): X = U diag(d) V^T with U, V in norm balls ("udv"), or
// X = U diag(d) U^T with d >= 0 for symmetric targets ("udu"). Same target,
// observed, solver and save fields as the deep model; its own "model" and
// "init"; "depth" and "width" are refused (the shape is model.rank).

import * as z from 'zod';
import { InputError } from '../errors.js';
import { type DeepReadonly, learningRateError, needsLearningRate, observedSchema, parseWith, saveSchema, solverFields, targetSchema } from '../spec.js';

const finite = z.number().finite();
const posInt = z.number().int().positive();
const rows = z.array(z.array(finite).min(1)).min(1);

export const FACTOR_MODELS = ['udv', 'udu'] as const;
export type FactorModelKind = (typeof FACTOR_MODELS)[number];

export const factorModelSchema = z.strictObject({
  kind: z.enum(FACTOR_MODELS),
  /** Number of columns of U and V (default min(m, n)). */
  rank: posInt.optional(),
  /** "frobenius": ||U||_F <= radius and ||V||_F <= radius; "columns": every column of U and V in the ball. */
  ball: z.enum(['frobenius', 'columns']).default('frobenius'),
  radius: finite.positive().default(1),
});

export const factorInitSchema = z.discriminatedUnion('kind', [
  /** U, then d, then V with i.i.d. N(0, std^2) entries (udu: |N(0, std^2)| for d), then projected on the constraint set. */
  z.strictObject({ kind: z.literal('gaussian'), std: finite.positive(), seed: z.number().int().default(0) }),
  /** [U (m x k), d (k numbers), V (n x k)]; udu: [U (n x k), d]. Must lie in the constraint set. */
  z.strictObject({ kind: z.literal('layers'), layers: z.array(z.union([rows, z.array(finite).min(1)])).min(2).max(3) }),
]);

/** Methods for the factored models: the switched flow needs dense output and events (dopri5); gd is projected GD. */
export const FACTOR_METHODS = ['dopri5', 'gd'] as const;

export const factorSolverSchema = z.strictObject({
  ...solverFields,
  method: z.enum(FACTOR_METHODS, { error: 'expected "dopri5" (the projected flow, integrated between located switches) or "gd" (projected gradient descent) for the udv/udu models' }).default('dopri5'),
  /** Largest number of located switches (constraint activations and releases) before the run stops. */
  maxSwitches: posInt.default(100_000),
}).refine(needsLearningRate, learningRateError);

export const factorSpecSchema = z.strictObject({
  model: factorModelSchema,
  target: targetSchema,
  observed: observedSchema,
  init: factorInitSchema,
  solver: factorSolverSchema.prefault({}),
  save: saveSchema.prefault({}),
});

/** A udv/udu spec as a user writes it (defaults may be left out). */
export type FactorSpec = DeepReadonly<z.input<typeof factorSpecSchema>>;
/** A validated udv/udu spec, defaults filled in. */
export type ParsedFactorSpec = z.output<typeof factorSpecSchema>;
export type FactorModel = ParsedFactorSpec['model'];
export type FactorInit = ParsedFactorSpec['init'];

/** The model kind a raw spec asks for: "deep" when "model" is absent or not an object with a factored kind. */
export function modelKind(value: unknown): 'deep' | FactorModelKind {
  const model = (value as { model?: { kind?: unknown } } | null)?.model;
  const kind = model?.kind;
  return typeof kind === 'string' && (FACTOR_MODELS as readonly string[]).includes(kind) ? (kind as FactorModelKind) : 'deep';
}

/** Validate a udv/udu spec; throws InputError on the first problem. */
export function parseFactorSpec(value: unknown, root = 'spec'): ParsedFactorSpec {
  const kind = modelKind(value);
  for (const key of ['depth', 'width', 'groups'] as const) {
    if (value !== null && typeof value === 'object' && key in value) {
      throw new InputError(`${root}.${key}`, `not used by the ${kind} model (its shape is model.rank); remove "${key}"`);
    }
  }
  return parseWith(factorSpecSchema, value, root);
}

/**
 * Refuse a factored-model spec where only the deep model is covered, saying so
 * plainly; `what` ends in a verb, e.g. "the theorem families cover" (the theorem families, the coupling kernel and the symbolic ODE are
 * derived for W = W_L...W_1).
 */
export function requireDeepModel(value: unknown, what: string): void {
  const kind = modelKind(value);
  if (kind !== 'deep') throw new InputError('spec.model', `${what} the deep model only (W = W_L...W_1), got model.kind "${kind}"; dmflow run integrates it`);
}
