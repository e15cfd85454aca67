// Progress on stderr: a bar on a terminal (after half a second, so quick runs
// print nothing extra), silence in pipes and CI unless asked for with
// --progress, which prints a line every few seconds instead. The ETA is shown
// only when the fraction done has been growing: a plateau has no honest ETA.

import cliProgress from 'cli-progress';

export interface Progress {
  /** Fraction done in [0, 1] and a label. */
  update(fraction: number, label?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Print progress lines even when stderr is not a terminal (--progress). */
  force?: boolean;
  /** Seconds between lines when stderr is not a terminal (default 5). */
  interval?: number;
  /** Estimate the ETA from the rate of the fraction (default), or leave it out. */
  eta?: boolean;
}

/** A duration in seconds for people: "42 s", "3 min 05 s", "2 h 10 min"; "--" when it is not a finite non-negative number. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds > 99 * 3600) return '> 99 h';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Remaining seconds from the fraction's growth over the last `window`
 * seconds (the whole history when shorter); null when it cannot be estimated:
 * too little history, no growth, growth that has stalled (the last quarter of
 * the window grew at less than a quarter of the window's rate: a plateau), or
 * a non-finite result. Samples are kept at most every 0.1 s.
 */
export class EtaEstimator {
  private samples: { at: number; fraction: number }[] = [];
  constructor(private readonly window = 20) {}

  add(fraction: number, at: number): number | null {
    if (!Number.isFinite(fraction) || !Number.isFinite(at)) return null;
    const prev = this.samples[this.samples.length - 1];
    if (!prev || at - prev.at >= 0.1) this.samples.push({ at, fraction });
    while (this.samples.length > 2 && at - this.samples[1].at >= this.window) this.samples.shift();
    const first = this.samples[0];
    const dt = at - first.at, df = fraction - first.fraction;
    if (!(dt > 0.5) || !(df > 0)) return null;
    const rate = df / dt;
    let k = this.samples.length - 1;
    while (k > 0 && at - this.samples[k - 1].at <= dt / 4) k--;
    const recent = this.samples[k];
    if (k > 0 && at > recent.at && (fraction - recent.fraction) / (at - recent.at) < rate / 4) return null;
    const eta = (1 - fraction) / rate;
    return Number.isFinite(eta) && eta >= 0 ? eta : null;
  }
}

export function progressBar(title: string, options: ProgressOptions = {}): Progress {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  if (!tty && !options.force) return { update() {}, stop() {} };
  const started = Date.now();
  const eta = new EtaEstimator();
  const interval = 1000 * (options.interval ?? 5);
  let bar: cliProgress.SingleBar | null = null;
  let lastDraw = 0;
  return {
    update(fraction, label = '') {
      const now = Date.now();
      const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
      const remaining = options.eta === false ? null : eta.add(f, (now - started) / 1000);
      const etaText = remaining === null ? '--' : formatDuration(remaining);
      if (!tty) {
        if (now - Math.max(lastDraw, started) < interval) return;
        lastDraw = now;
        process.stderr.write(`${title}: ${(100 * f).toFixed(0)}% | ETA ${etaText} | ${label}\n`);
        return;
      }
      if (now - started < 500 || now - lastDraw < 100) return;
      lastDraw = now;
      const value = Math.round(1000 * f);
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `${title} [{bar}] {percentage}% | ETA {etaText} | {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(1000, value, { label, etaText });
      } else bar.update(value, { label, etaText });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/**
 * How far a run is, in [0, 1]: the larger of its progress in log loss from the
 * initial loss towards lossTol and in log t towards tMax (it ends when either
 * gets there), so a plateau still advances, slowly, on the log-t scale.
 */
export function runFraction(p: { t: number; loss: number; loss0: number; lossTol: number; tMax: number }): number {
  const byLoss = p.lossTol > 0 && p.loss0 > p.lossTol && p.loss > 0 ? Math.log(p.loss0 / p.loss) / Math.log(p.loss0 / p.lossTol) : 0;
  // log t over the nine decades below tMax.
  const t1 = p.tMax * 1e-9;
  const byTime = p.t > t1 ? Math.log(p.t / t1) / Math.log(p.tMax / t1) : 0;
  const f = Math.max(byLoss, byTime);
  return Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0;
}
