// Order statistics of a sample: what a figure of skewed per-trial results
// shows (median and quartiles), next to the mean and standard deviation that
// summarize.ts reports.

/**
 * The p-quantile (0 <= p <= 1) of values sorted ascending, by linear
 * interpolation between order statistics: position p (n - 1), Hyndman & Fan's
 * definition 7 (numpy's and R's default). NaN for an empty sample.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: expected 0 <= p <= 1, got ${p}`);
  const h = p * (n - 1);
  const i = Math.floor(h);
  if (i >= n - 1) return sorted[n - 1];
  return sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
}

/** The p-quantile of values in any order (a sorted copy; the input is left as it is). */
export function quantile(values: readonly number[], p: number): number {
  return quantileSorted([...values].sort((a, b) => a - b), p);
}

export interface SampleSummary {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator; 0 for one value). */
  std: number;
}

/** Five-number summary with mean and standard deviation; null for an empty sample. */
export function summarizeSample(values: readonly number[]): SampleSummary | null {
  const n = values.length;
  if (n === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  let mean = 0;
  for (const v of s) mean += v;
  mean /= n;
  let m2 = 0;
  for (const v of s) m2 += (v - mean) ** 2;
  return {
    n,
    min: s[0],
    q1: quantileSorted(s, 0.25),
    median: quantileSorted(s, 0.5),
    q3: quantileSorted(s, 0.75),
    max: s[n - 1],
    mean,
    std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0,
  };
}
