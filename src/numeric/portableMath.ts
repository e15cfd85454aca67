// Elementary functions built from IEEE-754 basic operations only (+, -, *, /,
// exact scaling by powers of two, rounding to an integer), so that every
// JavaScript engine returns the same bits for them. Math.pow, Math.log,
// Math.exp, Math.sin and Math.cos are not specified to the last bit, and two
// V8 versions (Node's and a browser's) round Math.pow differently; a step-size
// controller or a Gaussian draw that calls them makes the same spec take
// different steps in the explorer page and in the CLI (docs/explorer.md).
// They are used wherever a value feeds a trajectory: the step controllers,
// the first step, the product-scale init and the normal deviates. Accuracy:
// log, exp, and the sine and cosine of 2 pi v within 2 ulp of the exact
// value; pow(x, y) within (3 + |y|) ulp (test/portableMath.test.ts
// checks them against mathjs BigNumber).

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian on every platform Node and the browsers run on: word 1 holds sign and exponent.
const HI = 1;
const LO = 0;

/** 2^k exactly, for integer k in [-1022, 1023]. */
function twoTo(k: number): number {
  u32[HI] = (k + 1023) << 20;
  u32[LO] = 0;
  return f64[0];
}

/** x * 2^k for integer k, in exact steps (one rounding at most, when the result is subnormal). */
function scaleByTwoTo(x: number, k: number): number {
  while (k > 1023) { x *= twoTo(1023); k -= 1023; }
  while (k < -1022) { x *= twoTo(-1022); k += 1022; if (x === 0) return x; }
  return x * twoTo(k);
}

// ln 2 split so that k * LN2_HI is exact for |k| < 2^20 (Cody and Waite; the fdlibm constants).
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
const SQRT2 = 1.4142135623730951;

/** The binary exponent e of the last logParts argument: x = 2^e m. */
let logExponent = 0;

/**
 * ln m for x = 2^e m with m in (sqrt(2)/2, sqrt(2)]; e is left in logExponent.
 * For finite x > 0 only.
 */
function logParts(x: number): number {
  let e = 0;
  if (x < 2.2250738585072014e-308) { x *= 18014398509481984; e = -54; } // subnormal: scale by 2^54
  f64[0] = x;
  const hi = u32[HI];
  e += ((hi >>> 20) & 0x7ff) - 1023;
  u32[HI] = (hi & 0x000fffff) | 0x3ff00000;
  let m = f64[0]; // in [1, 2)
  if (m > SQRT2) { m /= 2; e += 1; }
  logExponent = e;
  // ln m = 2 atanh(s) with s = (m - 1)/(m + 1), |s| < 0.172: m - 1 is exact (Sterbenz).
  const f = m - 1;
  const s = f / (m + 1);
  const s2 = s * s;
  // 2 s (1 + s^2/3 + s^4/5 + ...): the terms past s^24 are below 2^-60 of the first.
  let p = 1 / 27;
  for (let k = 25; k >= 3; k -= 2) p = 1 / k + s2 * p;
  return 2 * s + 2 * s * (s2 * p);
}

/** Natural logarithm. */
export function portableLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  const lnm = logParts(x);
  const e = logExponent;
  return e * LN2_HI + (lnm + e * LN2_LO);
}

// 1/k! for k = 0..14: the Taylor polynomial of e^r on |r| <= ln(2)/2 to below 2^-60.
const INV_FACT = (() => {
  const c: number[] = [1];
  for (let k = 1; k <= 14; k++) c.push(c[k - 1] / k);
  return c;
})();

/** e^x. */
export function portableExp(x: number): number {
  return expParts(x, 0);
}

/** e^(hi + lo) for |lo| much below ulp(hi)'s scale: the low part joins the reduced argument. */
function expParts(hi: number, lo: number): number {
  if (hi !== hi || lo !== lo) return NaN;
  const x = hi + lo;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  // x = k ln 2 + r, |r| <= ln(2)/2; k ln 2 subtracted in two parts (k LN2_HI and hi - k LN2_HI exact).
  const k = Math.round(x * INV_LN2);
  const r = ((hi - k * LN2_HI) + lo) - k * LN2_LO;
  let p = INV_FACT[14];
  for (let j = 13; j >= 1; j--) p = INV_FACT[j] + r * p;
  return scaleByTwoTo(1 + r * p, k);
}

// Dekker's splitting constant 2^27 + 1: a = aHi + aLo with 26-bit halves.
const SPLIT = 134217729;

/** The rounding error of the product a b (= a b - fl(a b) exactly; Dekker), for |a|, |b| below 2^995. */
function productError(a: number, b: number, ab: number): number {
  const ca = SPLIT * a, aHi = ca - (ca - a), aLo = a - aHi;
  const cb = SPLIT * b, bHi = cb - (cb - b), bLo = b - bHi;
  return ((aHi * bHi - ab) + aHi * bLo + aLo * bHi) + aLo * bLo;
}

/**
 * x^y for x >= 0 (NaN for x < 0 unless y is an integer of magnitude <= 64,
 * which is computed by repeated squaring, exactly as far as the products allow).
 */
export function portablePow(x: number, y: number): number {
  if (y === 0) return 1;
  if (x !== x || y !== y) return NaN;
  if (y === 1) return x;
  if (Number.isInteger(y) && Math.abs(y) <= 64) {
    let n = Math.abs(y), b = x, out = 1;
    while (n > 0) { if (n & 1) out *= b; b *= b; n >>>= 1; }
    return y > 0 ? out : 1 / out;
  }
  if (x < 0) return NaN;
  if (x === 0) return y > 0 ? 0 : Infinity;
  if (x === Infinity) return y > 0 ? Infinity : 0;
  // y ln x = y e LN2_HI + y (ln m + e LN2_LO): the first product is the large one, so
  // its rounding error is carried (exactly) into the low part.
  const lnm = logParts(x);
  const e = logExponent;
  const a = e * LN2_HI; // exact
  const hi = y * a;
  if (!(Math.abs(hi) < 1e300)) return expParts(hi + y * lnm, 0); // far past overflow either way
  const lo = productError(y, a, hi) + y * (lnm + e * LN2_LO);
  return expParts(hi, lo);
}

// k! for k = 0..18, each exact in double (18! < 2^53).
const FACT = (() => {
  const f: number[] = [1];
  for (let k = 1; k <= 18; k++) f.push(f[k - 1] * k);
  return f;
})();

// 2 pi; the reduced argument |r| <= 1/8 turn, so |x| <= pi/4.
const TWO_PI = 6.283185307179586;

/**
 * sin(2 pi v) and cos(2 pi v) for finite v (in turns, which reduces exactly:
 * v - q/4 is exact for the nearest quarter q/4), written into out[0], out[1].
 */
export function sinCosTurns(v: number, out: Float64Array | number[]): void {
  const q = Math.round(v * 4);
  const r = v - q / 4; // exact: |r| <= 1/8 and r is a difference of nearby multiples of ulp(v)
  const x = TWO_PI * r;
  const x2 = x * x;
  // Taylor polynomials on |x| <= pi/4: terms past x^17 / x^18 are below 2^-60.
  let s = 1 / FACT[17];
  for (let k = 15; k >= 3; k -= 2) s = (k % 4 === 1 ? 1 : -1) / FACT[k] + x2 * s;
  s = x + x * (x2 * s);
  let c = -1 / FACT[18];
  for (let k = 16; k >= 2; k -= 2) c = (k % 4 === 0 ? 1 : -1) / FACT[k] + x2 * c;
  c = 1 + x2 * c;
  switch (((q % 4) + 4) % 4) {
    case 0: out[0] = s; out[1] = c; break;
    case 1: out[0] = c; out[1] = -s; break;
    case 2: out[0] = -s; out[1] = -c; break;
    default: out[0] = -c; out[1] = s; break;
  }
}
