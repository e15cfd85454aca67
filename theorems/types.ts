// What every theorem family exposes: a hypothesis check that names the
// hypothesis a spec fails, and the limit (and, where known, W(t)).

import type { Problem } from '../src/model/problem.js';

export type Applicability<P> = { ok: true; params: P } | { ok: false; reason: string };

export interface TheoremLimit {
  theorem: string;
  /**
   * 'exact': the defining equations hold at the returned values to 1e-12
   * relative (self-check in details); 'inexact': they do not, and the numbers
   * must not be trusted to that accuracy.
   */
  status: 'exact' | 'inexact';
  /** W(inf), as rows. */
  matrix: number[][];
  /** Singular values of W(inf), descending. */
  singularValues: number[];
  /** Whether the flow reaches zero loss (false: it stalls at a saddle). */
  zeroLoss: boolean;
  details: Record<string, unknown>;
}

export interface TheoremAt {
  /** W(t), as rows. */
  matrix: number[][];
  /** 'inexact': the double inputs do not fix W(t) to 1e-12 (see details). */
  status: 'exact' | 'inexact';
  details?: Record<string, unknown>;
}

export interface TheoremFamily<P> {
  name: string;
  /** Check the hypotheses on a built problem. */
  applies(problem: Problem): Applicability<P>;
  /** The predicted limit t -> infinity. */
  limit(params: P): TheoremLimit;
  /** The predicted W(t), where the family has closed-form trajectories. */
  at?(params: P, t: number): TheoremAt;
  /**
   * Compare an integrated W at time t where only part of the limit is reached
   * by then (a slowly converging eigenspace with a known trajectory).
   */
  compareAt?(params: P, W: ArrayLike<number>, t: number): { diff: number; details: Record<string, unknown> };
}
