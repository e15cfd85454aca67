// Types of the block-diagonal family's solver (family A, theorems/blockDiagonal.md):
// its parameters, the solution on E1 and E2 that each route returns, and the
// limit with its rates.

export interface BlockParams {
  /** Side d = n q. */
  d: number;
  /** Number of blocks. */
  n: number;
  /** Block size. */
  q: number;
  /** Target scale: W* = s 1 1^T. */
  s: number;
  /** W_l(0) = a_l I + b_l J, l = 1..L. */
  a: number[];
  b: number[];
}

/** What the solver reads of BlockParams. */
export interface BlockInput {
  d: number; n: number; q: number; s: number;
  a: readonly number[]; b: readonly number[];
}

/** The route that produced a solution (details.method). */
export type BlockMethod = 'closed-form' | 'product-root' | 'tail-integral' | 'signed-tail' | 'clock-integral' | 'extended-precision';

export interface ExactBlockSolution {
  /**
   * Route: 'closed-form' (balanced or L <= 2), 'product-root' (one block,
   * per-layer), 'tail-integral' (per-layer, L >= 3), 'signed-tail' (per-layer,
   * L >= 3, a mode crossing zero), 'clock-integral' (per-layer, L >= 3, a
   * minor mode read from the elapsed clock), 'extended-precision' (any
   * per-layer route solved again in decimals).
   */
  method: BlockMethod;
  /** Estimated relative error of the derived mode's product (per-layer routes): above EXACT_REL_TOL the status is 'inexact'. */
  conditioning?: number;
  /** Natural logarithms of the per-layer limits lam_l (E1) and nu_l (E2), and of their products. */
  logLam: number; logN: number;
  logLamLayers: number[]; logNuLayers: number[];
  /** Signed per-layer values (a layer may cross zero); NaN for E2 with one block (n = 1: no E2). */
  lamLayers: number[]; nuLayers: number[];
  Lam: number; N: number;
  /** Lam - N without cancellation where a closed form gives it (balanced layers), else formed from the logs. */
  LamMinusN: number;
  /** Residuals of the defining equations at the returned values (relative, cancellation-free). */
  residuals: { fit: number; pairwise: number; e1e2: number };
}

export interface BlockSolution {
  params: BlockParams;
  /** Limits of prod lam_l (E1) and prod nu_l (E2; NaN with one block, n = 1: E2 has dimension 0). */
  Lam: number;
  N: number;
  lam: number[];
  nu: number[];
  /** Limit of the E3 layers (their product tends to 0). */
  mu: number[];
  /** The clock u at the limit (E1 and E2 share it); NaN on the exact routes, which have no use for it. */
  u: number;
  /** The exact routes' solution (logs, residuals); absent on the clock-root cross-check. */
  exact?: ExactBlockSolution;
  /** E1/E2 residual g decays like exp(-rate t). */
  rateE1E2: number;
  /** E3: M(t) ~ exp(-rate t) or ~ t^(-power). */
  e3: { kind: 'exponential'; rate: number } | { kind: 'polynomial'; power: number } | { kind: 'absent' };
}

export interface BlockSelfCheck {
  status: 'exact' | 'inexact';
  selfCheck: { fit: number; pairwise: number; e1e2: number; conditioning?: number; max: number; tolerance: number };
  /** Quantities outside the double range (their log10 is still in the details). */
  unrepresentable: string[];
}
