// Decimal arithmetic for extended-precision solves (the theorem module's
// routes for the values doubles cannot pin): a mathjs BigNumber (decimal.js)
// context per precision, doubles converted exactly, Gauss–Legendre rules at
// that precision, and a safeguarded Newton method. Built on first use: only
// the callers that need decimals pay for them.

import { bignumberDependencies, create, type BigNumber } from 'mathjs';

export type Decimal = BigNumber;
/** A double as its exact binary value m 2^e, rounded to the context's precision. */
export type ToDecimal = (x: number) => Decimal;

const contexts = new Map<number, ToDecimal>();

/** The converter of a precision-P context (digits). */
export function decimalContext(P: number): ToDecimal {
  let big = contexts.get(P);
  if (!big) {
    const math = create({ bignumberDependencies }, { precision: P });
    const raw = (x: number) => math.bignumber(x) as Decimal;
    const two = raw(2);
    big = (x: number): Decimal => {
      if (x === 0) return raw(0);
      // x = m 2^e with m an integer below 2^53, which bignumber reads exactly.
      let m = Math.abs(x), e = 0;
      while (m >= 2 ** 53) { m /= 2; e++; }
      while (!Number.isInteger(m)) { m *= 2; e--; }
      const v = e === 0 ? raw(m) : raw(m).times(two.pow(e));
      return x < 0 ? v.neg() : v;
    };
    contexts.set(P, big);
  }
  return big;
}

const rules = new Map<string, { x: Decimal[]; w: Decimal[] }>();

/**
 * The n-point Gauss–Legendre rule on [-1, 1] at precision P: nodes by
 * Newton's method on P_n from Tricomi's estimate, first in doubles (to
 * ~1e-15), then in decimals (quadratic: ceil(log2(P / 15)) + 1 steps);
 * weights 2 / ((1 - x^2) P_n'(x)^2).
 */
export function gaussLegendreDecimal(P: number, n: number): { x: Decimal[]; w: Decimal[] } {
  const key = `${P}:${n}`;
  let rule = rules.get(key);
  if (rule) return rule;
  const big = decimalContext(P), one = big(1), two = big(2);
  // P_n and P_n'(x) = n (x P_n - P_{n-1}) / (x^2 - 1).
  const legendre = (x: Decimal): [Decimal, Decimal] => {
    let p0 = one, p1 = x;
    for (let k = 2; k <= n; k++) { const p2 = x.times(p1).times(2 * k - 1).minus(p0.times(k - 1)).div(k); p0 = p1; p1 = p2; }
    return [p1, x.times(p1).minus(p0).times(n).div(x.times(x).minus(one))];
  };
  const x: Decimal[] = [], w: Decimal[] = [];
  for (let i = 1; i <= n; i++) {
    let xd = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    for (let it = 0; it < 8; it++) {
      let p0 = 1, p1 = xd;
      for (let k = 2; k <= n; k++) { const p2 = ((2 * k - 1) * xd * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
      xd -= p1 / ((n * (xd * p1 - p0)) / (xd * xd - 1));
    }
    let xi = big(xd);
    for (let it = 0; it <= Math.ceil(Math.log2(P / 15)); it++) { const [p, dp] = legendre(xi); xi = xi.minus(p.div(dp)); }
    const dp = legendre(xi)[1];
    x.push(xi);
    w.push(two.div(one.minus(xi.times(xi)).times(dp.times(dp))));
  }
  rule = { x, w };
  rules.set(key, rule);
  return rule;
}

/**
 * Root of a monotone F (increasing or not, as stated), with its derivative,
 * inside the bracket [lo, hi]: Newton steps kept inside the bracket (which
 * shrinks with every step's sign), bisection otherwise, from the guess (or
 * the midpoint), until a step or the bracket is below tol relative to
 * |x| + 1. Null after 400 steps.
 */
export function bracketedNewton(F: (x: Decimal) => [Decimal, Decimal], lo: Decimal, hi: Decimal, increasing: boolean, tol: Decimal, guess?: Decimal): Decimal | null {
  let x = guess && guess.gt(lo) && guess.lt(hi) ? guess : lo.plus(hi).div(2);
  for (let i = 0; i < 400; i++) {
    const [f, df] = F(x);
    if (f.isZero()) return x;
    if (f.isPositive() === increasing) hi = x; else lo = x;
    let nx = x.minus(f.div(df));
    if (!(nx.gt(lo) && nx.lt(hi))) nx = lo.plus(hi).div(2);
    if (nx.minus(x).abs().lte(tol.times(x.abs().plus(1))) || hi.minus(lo).lte(tol.times(hi.abs().plus(1)))) return nx;
    x = nx;
  }
  return null;
}
