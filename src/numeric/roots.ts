// Scalar root finding: Brent's method (Brent 1973, "Algorithms for
// Minimization without Derivatives", ch. 4) on a sign-changing bracket, a
// bracket search for increasing functions, and a safeguarded Newton method
// for monotone functions with a known derivative.

/** Same strict sign; unlike fa * fb > 0, it holds for values whose product underflows (|f| ~ 1e-300). */
function sameSign(x: number, y: number): boolean {
  return (x > 0 && y > 0) || (x < 0 && y < 0);
}

export function brent(f: (x: number) => number, a: number, b: number, tol = 0, maxIter = 300): number {
  let fa = f(a), fb = f(b);
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (sameSign(fa, fb)) throw new RangeError(`brent: no sign change on [${a}, ${b}] (f = ${fa}, ${fb})`);
  let c = a, fc = fa, d = b - a, e = d;
  for (let i = 0; i < maxIter; i++) {
    if (sameSign(fb, fc)) { c = a; fc = fa; d = b - a; e = d; }
    if (Math.abs(fc) < Math.abs(fb)) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa; }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number, q: number;
      if (a === c) { p = 2 * xm * s; q = 1 - s; } else {
        const qq = fa / fc, r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q; else p = -p;
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) { e = d; d = p / q; } else { d = xm; e = d; }
    } else { d = xm; e = d; }
    a = b; fa = fb;
    b += Math.abs(d) > tol1 ? d : xm > 0 ? tol1 : -tol1;
    fb = f(b);
  }
  return b;
}

/**
 * Root of an increasing function g on the open interval (lo, hi) (either end
 * may be infinite), starting the bracket search from x0. Returns NaN when g
 * keeps one sign on the whole interval.
 */
export function increasingRoot(g: (x: number) => number, lo: number, hi: number, x0: number): number {
  const g0 = g(x0);
  if (g0 === 0) return x0;
  const dir = g0 < 0 ? 1 : -1; // move right if g < 0
  const edge = dir > 0 ? hi : lo;
  let step = Math.max(1e-3, Math.abs(x0) * 0.1);
  let a = x0;
  for (let i = 0; i < 2000; i++) {
    let b = a + dir * step;
    if (Number.isFinite(edge) && (b - edge) * dir >= 0) b = a + 0.5 * (edge - a);
    if (b === a) return NaN;
    const gb = g(b);
    if (!Number.isFinite(gb)) { step *= 0.5; continue; }
    if (gb * g0 <= 0) return brent(g, Math.min(a, b), Math.max(a, b));
    a = b;
    step *= 2;
  }
  return NaN;
}

/**
 * Root of a monotone f, given with its derivative, on the real line
 * (increasing or not as stated: a probe cannot tell where f is flat to
 * rounding): a bracket expanded from x0 by doubling steps (step0, then 2,
 * 4, ... times it; NaN beyond |x| > maxAbs), then Newton steps kept inside
 * it, bisection otherwise. NaN when no sign change is found.
 */
export function monotoneRoot(fdf: (x: number) => [number, number], x0: number, increasing: boolean, step0 = 1, maxAbs = 2000): number {
  const [f0] = fdf(x0);
  if (f0 === 0) return x0;
  const dir = (f0 < 0) === increasing ? 1 : -1;
  let a = x0, fa = f0, step = step0, b = NaN, fb = NaN;
  for (let i = 0; i < 200; i++) {
    const x = a + dir * step;
    if (Math.abs(x) > maxAbs) return NaN;
    const [fx] = fdf(x);
    if (!Number.isFinite(fx)) { step *= 0.5; continue; }
    if (fx === 0) return x;
    if ((fx > 0) !== (fa > 0)) { b = x; fb = fx; break; }
    a = x; fa = fx; step *= 2;
  }
  if (Number.isNaN(b)) return NaN;
  let lo = Math.min(a, b), hi = Math.max(a, b);
  let flo = lo === a ? fa : fb;
  let x = lo + 0.5 * (hi - lo);
  for (let i = 0; i < 200; i++) {
    const [fx, dfx] = fdf(x);
    if (fx === 0) return x;
    if ((fx > 0) === (flo > 0)) { lo = x; flo = fx; } else hi = x;
    let nx = x - fx / dfx;
    if (!(nx > lo && nx < hi)) nx = lo + 0.5 * (hi - lo);
    if (Math.abs(nx - x) <= 2 * Number.EPSILON * Math.abs(x) + 1e-300 || hi - lo <= 2 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi))) return nx;
    x = nx;
  }
  return x;
}
