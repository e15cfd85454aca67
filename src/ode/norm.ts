// The weighted RMS norm of a local error estimate (Hairer, Nørsett & Wanner I,
// II.4 (4.11)): sqrt(1/n sum_i (e_i / sk_i)^2) with sk_i = atol_i + rtol
// max(|y0_i|, |y1_i|), the scale of the step's two ends. Every adaptive
// method here (Dormand–Prince, its ensemble lanes, Runge–Kutta–Chebyshev)
// sums these terms in order of i and takes the root with rmsNorm, so one
// estimate gives one norm whatever the memory layout.

/** One term of the sum: (e / sk)^2 for component error e between states y0 and y1. */
export function scaledSquare(e: number, atol: number, rtol: number, y0: number, y1: number): number {
  const sk = atol + rtol * Math.max(Math.abs(y0), Math.abs(y1));
  return (e / sk) ** 2;
}

/** The norm from the sum of n terms. */
export function rmsNorm(sum: number, n: number): number {
  return Math.sqrt(sum / n);
}

/** Unit roundoff as Hairer's codes take it (UROUND): a step below 10 |t| UROUND no longer moves t. */
export const UROUND = 2.3e-16;
