// Theorem family A (statement and derivation: blockDiagonal.md): equal
// contiguous diagonal blocks observed, target s 1 1^T, init a_l I + b_l 1 1^T.
// The hypotheses, the limit as the family reports it, and the comparison of an
// integrated W(t) on the eigenspaces; the solver is in block/ (block/solve.ts).

import type { Problem } from '../src/model/problem.js';
import { solveBlockLimit } from './block/solve.js';
import { e3Product } from './block/rates.js';
import { blockSelfCheck } from './block/selfCheck.js';
import type { BlockParams } from './block/types.js';
import type { Applicability, TheoremFamily, TheoremLimit } from './types.js';

/** How far two init entries may differ and still count as equal: rounding, relative to the layer's scale. */
const REL = 1e-13;

/** Equal up to rounding relative to the layer's own scale (absolute tolerances would accept any tiny layer). */
function close(x: number, y: number, scale: number): boolean {
  return Math.abs(x - y) <= REL * Math.abs(scale);
}

/** Block size q if the mask is the union of equal contiguous diagonal q x q blocks, else 0. */
export function equalBlockSize(mask: Uint8Array, d: number): number {
  let q = 0;
  while (q < d && mask[q] === 1) q++;
  if (q === 0 || d % q !== 0) return 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const inBlock = Math.floor(i / q) === Math.floor(j / q);
      if ((mask[i * d + j] === 1) !== inBlock) return 0;
    }
  }
  return q;
}

/** (a, b) with W = a I + b J, or null when the d x d layer is not of that form. */
export function identityPlusOnes(y: Float64Array, offset: number, d: number): { a: number; b: number } | null {
  if (d === 1) return { a: y[offset], b: 0 };
  const b = y[offset + 1];
  const a = y[offset] - b;
  const scale = Math.abs(a) + Math.abs(b);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (!close(y[offset + i * d + j], b + (i === j ? a : 0), scale)) return null;
    }
  }
  return { a, b };
}

export function blockApplies(p: Problem): Applicability<BlockParams> {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (p.m !== p.n) return fail(`target must be square (d x d), got ${p.m}x${p.n}`);
  const d = p.n;
  const s = p.target[0];
  if (!p.target.every((v) => v === s)) return fail('target must be s 1 1^T (all entries equal)');
  if (!(s > 0)) return fail(`target scale s must be > 0, got ${s}`);
  const q = equalBlockSize(p.mask, d);
  if (q === 0) return fail('observed set must be equal contiguous diagonal blocks');
  if (p.dims.some((w) => w !== d)) return fail(`every factor must be d x d (hidden width ${d}), got widths ${p.dims.join(', ')}`);
  const a: number[] = [], b: number[] = [];
  for (let l = 1; l <= p.depth; l++) {
    const ab = identityPlusOnes(p.y0, p.offsets[l - 1], d);
    if (!ab) return fail(`init W_${l} must be a I + b 1 1^T`);
    if (!(ab.a > 0)) return fail(`init needs a_l > 0, got a_${l} = ${ab.a}`);
    if (!(ab.b >= 0)) return fail(`init needs b_l >= 0, got b_${l} = ${ab.b}`);
    a.push(ab.a); b.push(ab.b);
  }
  // The matrix holds a + b on the diagonal, rounded: with b >> a that loses
  // a's low bits (and at d = 1 it is all there is). The spec's own a_l, b_l
  // are exact; use them when given.
  const init = p.spec.init;
  if (init.kind === 'identity-plus-ones') {
    const perLayer = (v: number | number[]) => (Array.isArray(v) ? v.slice() : new Array<number>(p.depth).fill(v));
    const sa = perLayer(init.a), sb = perLayer(init.b);
    const same = d > 1
      ? sa.every((v, l) => close(v, a[l], v + Math.abs(sb[l]))) && sb.every((v, l) => close(v, b[l], v + sa[l]))
      : sa.every((v, l) => v > 0 && sb[l] >= 0 && close(v + sb[l], a[l], v + sb[l]));
    if (same) return { ok: true, params: { d, n: d / q, q, s, a: sa, b: sb } };
  }
  return { ok: true, params: { d, n: d / q, q, s, a, b } };
}

/**
 * W = Lam P1 + N P2 (+ M P3) on the block structure. Entries are written as
 * (Lam - N)/d off the blocks and (Lam - N)/d + N/q on them (or onBlock when
 * given), with Lam - N passed in when known without cancellation (c -> 0
 * makes Lam and N close).
 */
export function blockMatrix(params: BlockParams, Lam: number, N: number, M = 0, LamMinusN = Lam - N, onBlock = LamMinusN / params.d + N / params.q): number[][] {
  const { d, q } = params;
  const rows: number[][] = [];
  for (let i = 0; i < d; i++) {
    const row: number[] = [];
    for (let j = 0; j < d; j++) {
      const same = Math.floor(i / q) === Math.floor(j / q);
      const p3 = (i === j ? 1 : 0) - (same ? 1 / q : 0);
      row.push((same ? onBlock : LamMinusN / d) + (M === 0 ? 0 : M * p3));
    }
    rows.push(row);
  }
  return rows;
}

/** Components (Lam, N, M) of a d x d matrix on E1, E2, E3 (traces of P_k W over dims). */
export function blockComponents(params: BlockParams, W: ArrayLike<number>): { Lam: number; N: number; M: number } {
  const { d, n, q } = params;
  let total = 0, blocks = 0, diag = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const w = W[i * d + j];
      total += w;
      if (Math.floor(i / q) === Math.floor(j / q)) blocks += w;
      if (i === j) diag += w;
    }
  }
  const tr1 = total / d; // trace(P1 W)
  const trB = blocks / q; // trace((1/q) sum_k J_k W)
  return {
    Lam: tr1,
    N: n > 1 ? (trB - tr1) / (n - 1) : NaN,
    M: d > n ? (diag - trB) / (d - n) : NaN,
  };
}

export function blockLimit(params: BlockParams): TheoremLimit {
  const sol = solveBlockLimit(params);
  const { d, n, q } = params;
  const L = params.a.length;
  const sv = [sol.Lam, ...new Array(n - 1).fill(sol.N), ...new Array(d - n).fill(0)].map(Math.abs).sort((x, y) => y - x);
  const balanced = params.a.every((v) => v === params.a[0]) && params.b.every((v) => v === params.b[0]);
  const lam0 = params.a.map((al, l) => al + d * params.b[l]);
  let e1e2Invariant: Record<string, unknown>;
  if (balanced) {
    const [l0, n0] = [lam0[0], params.a[0]];
    e1e2Invariant = L === 1 ? { form: 'lam - nu', value: l0 - n0 }
      : L === 2 ? { form: 'lam / nu', value: l0 / n0 }
      : { form: 'nu^(2-L) - lam^(2-L)', value: Math.pow(n0, 2 - L) - Math.pow(l0, 2 - L) };
  } else {
    e1e2Invariant = { form: 'T_nu(nu) = T_lam(lam) + C, T(v) = int_0^inf dw / (2 prod_l sqrt(v_l^2 + w)), C from one integral at the init (blockDiagonal.md)' };
  }
  const check = blockSelfCheck(sol);
  // One block (n = 1): E2 has dimension 0, so N, the E2 layers and the E1–E2 invariant do not exist.
  const hasE2 = n > 1;
  return {
    theorem: 'block-diagonal',
    status: check.status,
    // The observed (on-block) entries are fitted exactly at the limit: (Lam/n + (1 - 1/n) N)/q = s,
    // which selfCheck.fit bounds; written as s, they escape the cancellation of
    // (Lam - N)/d + N/q (n = 1, or N < 0 at depth 1).
    matrix: blockMatrix(params, sol.Lam, sol.N, 0, sol.exact ? sol.exact.LamMinusN : sol.Lam - sol.N, Number.isFinite(sol.Lam) ? params.s : NaN),
    singularValues: sv,
    zeroLoss: true,
    details: {
      d, n, q, s: params.s, depth: L, balanced,
      Lam: sol.Lam,
      ...(hasE2 ? { N: sol.N } : { E2: { kind: 'absent', note: 'n = 1: no E2 (one block), so no N' } }),
      // Decimal logs stay exact where Lam or N leave the double range.
      log10Lam: sol.exact ? sol.exact.logLam / Math.LN10 : Math.log10(Math.abs(sol.Lam)),
      ...(hasE2 ? { log10N: sol.exact ? sol.exact.logN / Math.LN10 : Math.log10(Math.abs(sol.N)) } : {}),
      status: check.status,
      method: sol.exact ? sol.exact.method : 'clock-root',
      selfCheck: check.selfCheck,
      ...(check.unrepresentable.length ? { unrepresentable: check.unrepresentable } : {}),
      layers: hasE2 ? { lam: sol.lam, nu: sol.nu, mu: sol.mu } : { lam: sol.lam, mu: sol.mu },
      invariants: {
        pairwise: {
          lam: lam0.map((v) => v * v - lam0[0] * lam0[0]),
          ...(hasE2 ? { nu: params.a.map((v) => v * v - params.a[0] * params.a[0]) } : {}),
          mu: params.a.map((v) => v * v - params.a[0] * params.a[0]),
        },
        ...(hasE2 ? { e1e2: e1e2Invariant } : {}),
      },
      rates: {
        E1E2: { kind: 'exponential', rate: sol.rateE1E2, note: 'residual g ~ exp(-rate t); loss on E1+E2 ~ exp(-2 rate t)' },
        E3: sol.e3.kind === 'absent' ? { kind: 'absent', note: 'q = 1: no E3' }
          : sol.e3.kind === 'exponential' ? { ...sol.e3, note: 'M ~ exp(-rate t)' }
          : { ...sol.e3, note: 'M ~ t^(-power): the loss creeps to zero' },
      },
    },
  };
}

/**
 * Compare an integrated W(t) on the eigenspaces: E1 and E2 against their
 * limits (converged exponentially), E3 against its exact trajectory M(t).
 */
export function blockCompareAt(params: BlockParams, W: ArrayLike<number>, t: number): { diff: number; details: Record<string, unknown> } {
  const sol = solveBlockLimit(params);
  const got = blockComponents(params, W);
  const Mt = params.d > params.n ? e3Product(params, t) : NaN;
  const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(y), Number.MIN_VALUE);
  const dLam = rel(got.Lam, sol.Lam);
  const dN = params.n > 1 ? rel(got.N, sol.N) : 0;
  // E3: absolute, against the scale of the limit.
  const dM = params.d > params.n ? Math.abs(got.M - Mt) / sol.Lam : 0;
  return {
    diff: Math.max(dLam, dN, dM),
    details: { Lam: { run: got.Lam, theorem: sol.Lam, rel: dLam }, ...(params.n > 1 ? { N: { run: got.N, theorem: sol.N, rel: dN } } : {}), M: { run: got.M, theoremAtT: Mt, relToLam: dM } },
  };
}

/** A spec of the family for given parameters (identity-plus-ones init, one solver section). */
export function blockSpec(p: BlockParams, solver: Record<string, unknown> = {}) {
  return {
    target: { kind: 'ones' as const, size: [p.d, p.d] as [number, number], scale: p.s },
    observed: { kind: 'block-diagonal' as const, blocks: new Array<number>(p.n).fill(p.q) },
    depth: p.a.length,
    init: { kind: 'identity-plus-ones' as const, a: p.a, b: p.b },
    solver,
  };
}

export const blockDiagonal: TheoremFamily<BlockParams> = {
  name: 'block-diagonal',
  applies: blockApplies,
  limit: blockLimit,
  compareAt: blockCompareAt,
};
