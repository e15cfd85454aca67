// The block limit in closed form (theorems/blockDiagonal.md, "Domain and exact
// numerics"): depth 1, and balanced layers at depth 2 and at depth >= 3, where
// the E1–E2 invariant is explicit.

import { brent } from '../../src/numeric/roots.js';
import { relDiff } from '../../src/numeric/accuracy.js';
import { logAddExp, softplus } from '../../src/numeric/logMath.js';
import { fitResidual, pack, packLog, type BlockContext } from './context.js';
import type { ExactBlockSolution } from './types.js';

/** Depth 1: lam - nu = d b is invariant, so nu = s q - d b / n = q (s - b), lam = q (s + (n - 1) b). */
export function solveDepth1(c: BlockContext): ExactBlockSolution {
  const { d, n, q, s } = c;
  const b = c.p.b[0];
  const nu = q * (s - b), lam = q * (s + (n - 1) * b);
  // The invariant checked as a sum of positive terms: nu + d b = lam, or lam - nu = d b when nu < 0.
  const e1e2 = nu >= 0 ? relDiff(nu + d * b, lam) : relDiff(lam - nu, d * b);
  return { ...pack('closed-form', [lam], [nu], fitResidual(c, lam, nu), 0, e1e2), LamMinusN: d * b };
}

/**
 * Balanced layers, depth L >= 3: nu^(2-L) = lam^(2-L) + K with
 * K = a^(2-L) (1 - (1 + d b / a)^(2-L)) > 0, in logs; the unknown is log lam.
 */
export function solveBalanced(c: BlockContext): ExactBlockSolution {
  const { d, n, L, sq } = c;
  const a = c.p.a[0], b = c.p.b[0];
  if (b === 0) {
    // E1 and E2 start equal and obey the same equation: Lam = N = s q.
    const l = Math.log(sq) / L;
    return { ...packLog(c, 'closed-form', new Array(L).fill(l), new Array(L).fill(l), fitResidual(c, sq, sq), 0, 0), Lam: sq, N: sq, LamMinusN: 0 };
  }
  const logK = (2 - L) * Math.log(a) + Math.log(-Math.expm1((2 - L) * Math.log1p((d * b) / a)));
  const F = (ll: number) => balancedFit(c, logK, ll);
  // Lam in [s q, n s q]: N <= Lam puts the root in this bracket.
  const lo = Math.log(sq) / L, hi = Math.log(n * sq) / L;
  // At either end F may miss its sign by a rounding (N negligible, or N = Lam): the end is then the root.
  const flo = F(lo), fhi = F(hi);
  const ll = lo === hi || flo >= 0 ? lo : fhi <= 0 ? hi : brent(F, lo, hi, 1e-300);
  const ln = balancedLogNu(L, logK, ll);
  const e1e2 = Math.abs(Math.expm1(logAddExp(logK, (2 - L) * ll) - (2 - L) * ln));
  const sol = packLog(c, 'closed-form', new Array(L).fill(ll), new Array(L).fill(ln), 0, 0, e1e2);
  // (lam/nu)^(L-2) = 1 + K lam^(L-2): log(lam/nu) without subtracting logs.
  const logRatio = softplus(logK + (L - 2) * ll) / (L - 2);
  sol.LamMinusN = sol.N * Math.expm1(L * logRatio);
  // The fit at the layers' own product (sol.Lam is taken from the fit itself).
  sol.residuals.fit = fitResidual(c, Math.exp(sol.logLam), sol.N);
  return sol;
}

/** log nu at log lam = ll from nu^(2-L) = lam^(2-L) + K (a sum of positive terms). */
function balancedLogNu(L: number, logK: number, ll: number): number {
  return logAddExp(logK, (2 - L) * ll) / (2 - L);
}

/** The fit at log lam = ll (increasing in ll). */
function balancedFit(c: BlockContext, logK: number, ll: number): number {
  const { n, L, w2, sq } = c;
  return Math.exp(L * ll) / n + w2 * Math.exp(L * balancedLogNu(L, logK, ll)) - sq;
}

/** Balanced layers, depth 2: lam / nu = r = 1 + d b / a is invariant, so N = n s q / (r^2 + n - 1), Lam = r^2 N. */
export function solveBalancedDepth2(c: BlockContext): ExactBlockSolution {
  const { d, n, sq } = c;
  const rm1 = (d * c.p.b[0]) / c.p.a[0], r = 1 + rm1; // r - 1 from d b / a itself (1 + x - 1 loses x's digits)
  const N = (n * sq) / (r * r + n - 1), nu = Math.sqrt(N), lam = r * nu;
  const sol = pack('closed-form', [lam, lam], [nu, nu], fitResidual(c, lam * lam, N), 0, relDiff(lam, r * nu));
  return { ...sol, Lam: r * r * N, N, LamMinusN: N * rm1 * (rm1 + 2) };
}
