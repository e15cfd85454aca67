// Saddle-to-saddle detection along a trajectory (Li, Luo & Lyu 2021; Jacot
// et al. 2021; Bai, Zhao & Zhang 2024): from a small initialization the flow
// rests near a sequence of saddles, the loss flat on each, and leaves each one
// by learning one more singular direction.
//
// A plateau is a stretch of time where the loss stays within a band of
// relative width `band` (the loss of a gradient flow never increases, so the
// stretch is where loss(start) <= (1 + band) loss(end)) and which lasts at
// least `minFraction` of the time at its end: scale-free, so it finds the
// saddles of depth 2, spaced evenly in t ~ log(1/alpha) / sigma, as well as
// those of depth >= 3, spaced in powers of alpha (Li, Luo & Lyu 2021,
// section 6). The rank at time t counts singular values above rankThreshold
// times the largest singular value seen along the whole trajectory, so the
// not-yet-learned directions, of the size of the initialization, do not count.

export interface TrajectorySample {
  t: number;
  loss: number;
  singularValues: readonly number[];
}

export interface SaddleSegment {
  tStart: number;
  tEnd: number;
  /** Geometric mean of the loss over the plateau. */
  loss: number;
  /** Rank in the middle of the plateau (in log time). */
  rank: number;
}

export interface RankStep {
  /** First sample at the new rank. */
  t: number;
  rank: number;
}

export interface SaddleOptions {
  /** Largest relative fall of the loss over a plateau (default 0.05). */
  band?: number;
  /** Shortest plateau, as a fraction of the time at its end (default 0.25). */
  minFraction?: number;
  /** Singular values above this fraction of the trajectory's largest count towards the rank (default 0.01). */
  rankThreshold?: number;
}

export interface Saddles {
  segments: SaddleSegment[];
  rankSteps: RankStep[];
}

export function rankAt(sigma: readonly number[], reference: number, threshold: number): number {
  let r = 0;
  for (const s of sigma) if (s > threshold * reference) r++;
  return r;
}

/** Plateaus and rank steps of samples in increasing time (any spacing; log-spaced suits most runs). */
export function detectSaddles(samples: readonly TrajectorySample[], options: SaddleOptions = {}): Saddles {
  const band = options.band ?? 0.05;
  const minFraction = options.minFraction ?? 0.25;
  const threshold = options.rankThreshold ?? 0.01;
  const pts = samples.filter((s) => s.loss > 0 && Number.isFinite(s.loss));
  let reference = 0;
  for (const s of pts) reference = Math.max(reference, s.singularValues[0] ?? 0);
  const ranks = pts.map((s) => rankAt(s.singularValues, reference, threshold));

  const rankSteps: RankStep[] = [];
  ranks.forEach((r, i) => {
    if (i > 0 && r !== ranks[i - 1]) rankSteps.push({ t: pts[i].t, rank: r });
  });

  // Stretches as sample-index ranges; a stretch adjoining the previous one at
  // the same rank continues it (a slow drift split only by the band).
  const stretches: { i: number; j: number; rank: number }[] = [];
  for (let i = 0; i < pts.length; ) {
    // The longest stretch from i within the band (the loss is non-increasing,
    // so comparing the ends suffices; the max over it guards against noise).
    let hi = pts[i].loss;
    let j = i;
    while (j + 1 < pts.length && Math.max(hi, pts[j + 1].loss) <= (1 + band) * pts[j + 1].loss) {
      j++;
      hi = Math.max(hi, pts[j].loss);
    }
    if (j > i && pts[j].t - pts[i].t >= minFraction * pts[j].t) {
      const rank = ranks[nearestMiddle(pts, i, j)];
      const last = stretches[stretches.length - 1];
      if (last && last.j + 1 >= i && last.rank === rank) last.j = j;
      else stretches.push({ i, j, rank });
      i = j + 1;
    } else {
      i++;
    }
  }
  const segments = stretches.map(({ i, j, rank }): SaddleSegment => {
    let logSum = 0;
    for (let k = i; k <= j; k++) logSum += Math.log(pts[k].loss);
    return { tStart: pts[i].t, tEnd: pts[j].t, loss: Math.exp(logSum / (j - i + 1)), rank };
  });
  return { segments, rankSteps };
}

/** The sample of pts[i..j] nearest the middle of its time span. */
function nearestMiddle(pts: readonly TrajectorySample[], i: number, j: number): number {
  const mid = 0.5 * (pts[i].t + pts[j].t);
  let k = i;
  for (let q = i; q <= j; q++) if (Math.abs(pts[q].t - mid) < Math.abs(pts[k].t - mid)) k = q;
  return k;
}
