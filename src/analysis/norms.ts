// Euclidean norms formed on values divided by the largest magnitude, so that
// no square overflows (entries up to the largest double) or underflows
// (subnormal entries): the idea of LAPACK's dnrm2. Used for the norms and
// relative errors reported in results, which must be finite for every finite
// input whose exact value is a double.

/** [top, ssq] with ||x||_2 = top sqrt(ssq): top = max |x_i| (NaN if a value is NaN), ssq in [1, len] when top > 0. */
function scaledSquares(len: number, at: (i: number) => number): [number, number] {
  let top = 0;
  for (let i = 0; i < len; i++) {
    const a = Math.abs(at(i));
    if (!(a <= top)) top = a; // a NaN is kept: it propagates to the result
  }
  if (top === 0 || !Number.isFinite(top)) return [top, 1];
  let s = 0;
  for (let i = 0; i < len; i++) {
    const q = at(i) / top;
    s += q * q;
  }
  return [top, s];
}

/** ||(at(0), ..., at(len - 1))||_2; NaN when a value is NaN. */
export function scaledNorm(len: number, at: (i: number) => number): number {
  const [top, s] = scaledSquares(len, at);
  return top === 0 || !Number.isFinite(top) ? top : top * Math.sqrt(s);
}

/**
 * ||a||_2 / ||b||_2 over indices 0..len-1, as (top_a / top_b) sqrt(ssq_a / ssq_b):
 * accurate also where a norm is subnormal (its own rounding would cost digits).
 * ||b|| = 0 gives Infinity, or NaN when ||a|| = 0 too: callers decide that case.
 */
export function normRatio(len: number, a: (i: number) => number, b: (i: number) => number): number {
  const [ta, sa] = scaledSquares(len, a), [tb, sb] = scaledSquares(len, b);
  return ta === 0 && tb > 0 ? 0 : (ta / tb) * Math.sqrt(sa / sb);
}
