// One invariant eigenspace of the block-diagonal flow (E1, E2 or E3 of
// theorems/blockDiagonal.md), as every route of the solver describes it: the
// per-layer initial values v0_l > 0 and the layer that starts smallest. The
// pairwise invariants v_l^2 - v_m^2 make the eigenspace one scalar, that
// smallest layer x (v_l^2 = x^2 + D_l); each route evaluates it in its own
// arithmetic from this one description (QuadratureMode: doubles, LogMode:
// logarithms, DecimalMode: 45-digit decimals).

export interface Mode {
  /** Initial layer values: high parts, and low parts (0 unless given as double-doubles, E1's a_l + d b_l). */
  readonly v0: readonly number[];
  readonly lo: readonly number[];
  readonly L: number;
  /** Index of the layer that starts smallest (equal high parts: the smaller low part, then the first). */
  readonly m: number;
}

export function mode(v0: readonly number[], lo?: readonly number[]): Mode {
  const low = lo ?? v0.map(() => 0);
  let m = 0;
  for (let l = 1; l < v0.length; l++) if (v0[l] < v0[m] || (v0[l] === v0[m] && low[l] < low[m])) m = l;
  return { v0, lo: low, L: v0.length, m };
}
