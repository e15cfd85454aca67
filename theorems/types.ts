// What every theorem family exposes: a hypothesis check that names the
// hypothesis a spec fails, and the limit (and, where known, W(t)).

import type { Problem } from '../src/model/problem.js';

export type Applicability<P> = { ok: true; params: P } | { ok: false; reason: string };

export interface TheoremLimit {
  theorem: string;
  /** W(inf), as rows. */
  matrix: number[][];
  /** Singular values of W(inf), descending. */
  singularValues: number[];
  /** Whether the flow reaches zero loss (false: it stalls at a saddle). */
  zeroLoss: boolean;
  details: Record<string, unknown>;
}

export interface TheoremFamily<P> {
  name: string;
  /** Check the hypotheses on a built problem. */
  applies(problem: Problem): Applicability<P>;
  /** The predicted limit t -> infinity. */
  limit(params: P): TheoremLimit;
  /** The predicted W(t), where the family has closed-form trajectories. */
  at?(params: P, t: number): number[][];
  /**
   * Compare an integrated W at time t where only part of the limit is reached
   * by then (a slowly converging eigenspace with a known trajectory).
   */
  compareAt?(params: P, W: ArrayLike<number>, t: number): { diff: number; details: Record<string, unknown> };
}
