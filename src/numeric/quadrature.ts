// Adaptive Gauss–Kronrod (7, 15) quadrature (Piessens et al., QUADPACK, 1983),
// with a map of infinite intervals onto finite ones. For the smooth scalar
// integrands of the theorem module; accurate to near rounding. Also the
// Kronrod and 5-point Gauss–Legendre rules themselves, for fixed-rule sums.

/** Kronrod 15-point nodes on [-1, 1] (non-negative half, descending) and weights. */
export const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
  0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0,
];
export const WGK = [
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
  0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
  0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
];
const WG = [0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327];

/** The 5-point Gauss–Legendre rule on [-1, 1]: nodes and weights. */
export const GL5_NODES = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
export const GL5_WEIGHTS = [0.23692688505618908, 0.47862867049936647, 0.5688888888888889, 0.47862867049936647, 0.23692688505618908];

function gk15(f: (x: number) => number, a: number, b: number): { value: number; error: number } {
  const c = 0.5 * (a + b), h = 0.5 * (b - a);
  const fc = f(c);
  let k = fc * WGK[7];
  let g = fc * WG[3];
  for (let j = 0; j < 7; j++) {
    const dx = h * XGK[j];
    const s = f(c - dx) + f(c + dx);
    k += WGK[j] * s;
    if (j % 2 === 1) g += WG[(j - 1) / 2] * s;
  }
  return { value: k * h, error: Math.abs((k - g) * h) };
}

export interface QuadOptions {
  /** Absolute tolerance (default 1e-15). */
  abs?: number;
  /** Relative tolerance (default 1e-13). */
  rel?: number;
  /** Maximum subintervals (default 2000). */
  limit?: number;
}

/** Integral of f over [a, b]; a and b may be +-Infinity. */
export function integrate(f: (x: number) => number, a: number, b: number, options: QuadOptions = {}): number {
  if (a === b) return 0;
  if (a > b) return -integrate(f, b, a, options);
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    // x = a + t/(1-t) on [0,1) etc.; the endpoints are never evaluated.
    if (Number.isFinite(a)) return integrate((t) => f(a + t / (1 - t)) / ((1 - t) * (1 - t)), 0, 1, options);
    if (Number.isFinite(b)) return integrate((t) => f(b - t / (1 - t)) / ((1 - t) * (1 - t)), 0, 1, options);
    return integrate((t) => (f(t / (1 - t * t)) * (1 + t * t)) / ((1 - t * t) * (1 - t * t)), -1, 1, options);
  }
  const absTol = options.abs ?? 1e-15;
  const relTol = options.rel ?? 1e-13;
  const limit = options.limit ?? 2000;
  type Piece = { a: number; b: number; value: number; error: number };
  const first = gk15(f, a, b);
  const pieces: Piece[] = [{ a, b, ...first }];
  let total = first.value, err = first.error;
  while (err > Math.max(absTol, relTol * Math.abs(total)) && pieces.length < limit) {
    // Bisect the piece with the largest error.
    let worst = 0;
    for (let i = 1; i < pieces.length; i++) if (pieces[i].error > pieces[worst].error) worst = i;
    const p = pieces[worst];
    const m = 0.5 * (p.a + p.b);
    if (m <= p.a || m >= p.b) break; // cannot split further in floating point
    const left = gk15(f, p.a, m), right = gk15(f, m, p.b);
    pieces[worst] = { a: p.a, b: m, ...left };
    pieces.push({ a: m, b: p.b, ...right });
    total = 0; err = 0;
    for (const q of pieces) { total += q.value; err += q.error; }
  }
  return total;
}
