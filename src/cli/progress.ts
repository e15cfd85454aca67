// A progress bar on a terminal, silence in pipes and CI. The bar appears only
// once work has lasted half a second, so quick runs print nothing extra.

import cliProgress from 'cli-progress';

export interface Progress {
  /** Fraction done in [0, 1], with an optional label. */
  update(fraction: number, label?: string): void;
  stop(): void;
}

export function progressBar(title: string): Progress {
  const enabled = Boolean(process.stderr.isTTY) && !process.env.CI;
  if (!enabled) return { update() {}, stop() {} };
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  let lastDraw = 0;
  return {
    update(fraction, label = '') {
      const now = Date.now();
      if (now - started < 500 || now - lastDraw < 100) return;
      lastDraw = now;
      const value = Math.round(1000 * Math.min(1, Math.max(0, fraction)));
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `${title} [{bar}] {percentage}% | ETA {eta_formatted} | {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(1000, value, { label });
      } else bar.update(value, { label });
    },
    stop() {
      bar?.stop();
    },
  };
}
