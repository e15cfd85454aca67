// Live plots: uPlot (canvas, made for streaming time series) for the curves
// against t, and a canvas heatmap of W(t) with the observed cells marked.
// Each redraw takes the data up to the displayed frame; nothing here computes
// anything about the flow.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Colour of singular value i of k: a viridis-like ramp (dark to light). */
export function sigmaColor(i: number, k: number): string {
  const x = k <= 1 ? 0 : i / (k - 1);
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const p = x * (stops.length - 1), a = Math.floor(Math.min(p, stops.length - 2)), f = p - a;
  const c = stops[a].map((v, j) => Math.round(v + f * (stops[a + 1][j] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export interface SeriesSpec { label: string; color: string; dash?: boolean; width?: number }

/** A curve plot whose series share the x values t. */
export class CurvePlot {
  private plot: uPlot | null = null;
  private key = '';
  constructor(private readonly el: HTMLElement, private readonly height = 190) {}

  /** (Re)build when the series, or the axes' scales, change; then draw `data` ([t, ...series]). */
  draw(series: SeriesSpec[], data: (number | null)[][], logX: boolean, logY: boolean, legend = true): void {
    const key = JSON.stringify([series.map((s) => [s.label, s.color, s.dash]), logX, logY, legend]);
    const width = Math.max(280, (this.el.clientWidth || 420) - 4);
    if (!this.plot || key !== this.key) {
      this.plot?.destroy();
      this.el.textContent = '';
      this.key = key;
      this.plot = new uPlot({
        width, height: this.height, legend: { show: legend, live: false },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: false, distr: logX ? 3 : 1 }, y: { distr: logY ? 3 : 1 } },
        axes: [{ label: 't', size: 36 }, { size: 62, values: (_u, vals) => vals.map((v) => (v === null ? '' : fmt(v))) }],
        series: [{ label: 't' }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: s.width ?? 1.5, dash: s.dash ? [6, 4] : undefined, spanGaps: true, points: { show: false } }))],
      }, data as uPlot.AlignedData, this.el);
    } else {
      this.plot.setData(data as uPlot.AlignedData);
    }
  }

  canvas(): HTMLCanvasElement | null { return this.el.querySelector('canvas'); }
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

/** Diverging blue-white-red for x in [-1, 1]. */
function diverging(x: number): [number, number, number] {
  const c = Math.max(-1, Math.min(1, x));
  if (c >= 0) return [255, Math.round(255 * (1 - 0.85 * c)), Math.round(255 * (1 - 0.95 * c))];
  return [Math.round(255 * (1 + 0.95 * c)), Math.round(255 * (1 + 0.6 * c)), 255];
}

/** W(t) as coloured cells, observed cells outlined; returns the cell under a click. */
export class Heatmap {
  private cell = 8;
  private m = 0;
  private n = 0;
  constructor(private readonly canvas: HTMLCanvasElement, private readonly scaleEl: HTMLElement) {}

  draw(W: ArrayLike<number>, m: number, n: number, mask: Uint8Array, range: number): void {
    const cell = Math.max(4, Math.min(48, Math.floor(360 / Math.max(m, n))));
    if (cell !== this.cell || m !== this.m || n !== this.n) {
      this.cell = cell; this.m = m; this.n = n;
      this.canvas.width = n * cell; this.canvas.height = m * cell;
    }
    const ctx = this.canvas.getContext('2d')!;
    const img = ctx.createImageData(n * cell, m * cell);
    const px = img.data;
    const r = range > 0 ? range : 1;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const [R, G, B] = diverging(W[i * n + j] / r);
        const observed = mask[i * n + j] === 1;
        for (let y = 0; y < cell; y++) {
          for (let x = 0; x < cell; x++) {
            // Observed cells: a dark frame one pixel wide (two from 12 px cells).
            const b = cell >= 12 ? 2 : 1;
            const edge = observed && (x < b || y < b || x >= cell - b || y >= cell - b);
            const o = ((i * cell + y) * n * cell + j * cell + x) * 4;
            px[o] = edge ? 20 : R; px[o + 1] = edge ? 20 : G; px[o + 2] = edge ? 20 : B; px[o + 3] = 255;
          }
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    this.scaleEl.textContent = `colour: blue −${r.toPrecision(3)} … white 0 … red +${r.toPrecision(3)}`;
  }

  /** The cell (row, column) at a click, or null. */
  cellAt(e: MouseEvent): [number, number] | null {
    const rect = this.canvas.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * this.n, y = ((e.clientY - rect.top) / rect.height) * this.m;
    const i = Math.floor(y), j = Math.floor(x);
    return i >= 0 && i < this.m && j >= 0 && j < this.n ? [i, j] : null;
  }
}
