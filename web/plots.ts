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
  private width = 0;
  constructor(private readonly el: HTMLElement, private readonly height = 190) {
    // The width follows the element through a ResizeObserver: reading clientWidth
    // on every draw would force a layout of the whole page 30 times a second.
    new ResizeObserver(() => {
      const width = this.measure();
      if (width === this.width) return;
      this.width = width;
      this.plot?.setSize({ width, height: this.height });
    }).observe(el);
  }

  private measure(): number { return Math.max(280, (this.el.clientWidth || 420) - 4); }

  /** (Re)build when the series, or the axes' scales, change; then draw `data` ([t, ...series]). */
  draw(series: SeriesSpec[], data: (number | null)[][], logX: boolean, logY: boolean, legend = true): void {
    const key = JSON.stringify([series.map((s) => [s.label, s.color, s.dash]), logX, logY, legend]);
    if (!this.plot || key !== this.key) {
      this.plot?.destroy();
      this.el.textContent = '';
      this.key = key;
      this.width = this.measure();
      this.plot = new uPlot({
        width: this.width, height: this.height, legend: { show: legend, live: false },
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

/** Diverging blue-white-red for x in [-1, 1], as one RGBA pixel (little-endian: 0xAABBGGRR). */
function diverging(x: number): number {
  const c = Math.max(-1, Math.min(1, x));
  const [R, G, B] = c >= 0
    ? [255, Math.round(255 * (1 - 0.85 * c)), Math.round(255 * (1 - 0.95 * c))]
    : [Math.round(255 * (1 + 0.95 * c)), Math.round(255 * (1 + 0.6 * c)), 255];
  return (0xff << 24 | B << 16 | G << 8 | R) >>> 0;
}

/** The frame of an observed cell. */
const EDGE = (0xff << 24 | 20 << 16 | 20 << 8 | 20) >>> 0;
/** ImageData is RGBA bytes in memory order; a Uint32 view packs them by the platform's byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const swap = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/** W(t) as coloured cells, observed cells outlined; returns the cell under a click. */
export class Heatmap {
  private cell = 8;
  private m = 0;
  private n = 0;
  private img: ImageData | null = null;
  private scaleText = '';
  constructor(private readonly canvas: HTMLCanvasElement, private readonly scaleEl: HTMLElement) {}

  draw(W: ArrayLike<number>, m: number, n: number, mask: Uint8Array, range: number): void {
    const cell = Math.max(4, Math.min(48, Math.floor(360 / Math.max(m, n))));
    const ctx = this.canvas.getContext('2d')!;
    if (!this.img || cell !== this.cell || m !== this.m || n !== this.n) {
      this.cell = cell; this.m = m; this.n = n;
      this.canvas.width = n * cell; this.canvas.height = m * cell;
      this.img = ctx.createImageData(n * cell, m * cell);
    }
    // One 32-bit write a pixel, a row of a cell at a time (fill): about 120k pixels at 50x50, 30 times a second.
    const px = new Uint32Array(this.img.data.buffer);
    const width = n * cell;
    const r = range > 0 ? range : 1;
    // Observed cells: a dark frame one pixel wide (two from 12 px cells).
    const b = cell >= 12 ? 2 : 1;
    const edge = LITTLE_ENDIAN ? EDGE : swap(EDGE);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const rgba = diverging(W[i * n + j] / r);
        const color = LITTLE_ENDIAN ? rgba : swap(rgba);
        const observed = mask[i * n + j] === 1;
        for (let y = 0; y < cell; y++) {
          const row = (i * cell + y) * width + j * cell;
          if (!observed) { px.fill(color, row, row + cell); continue; }
          if (y < b || y >= cell - b) { px.fill(edge, row, row + cell); continue; }
          px.fill(edge, row, row + b);
          px.fill(color, row + b, row + cell - b);
          px.fill(edge, row + cell - b, row + cell);
        }
      }
    }
    ctx.putImageData(this.img, 0, 0);
    const text = `colour: blue −${r.toPrecision(3)} … white 0 … red +${r.toPrecision(3)}`;
    if (text !== this.scaleText) { this.scaleText = text; this.scaleEl.textContent = text; }
  }

  /** The cell (row, column) at a click, or null. */
  cellAt(e: MouseEvent): [number, number] | null {
    const rect = this.canvas.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * this.n, y = ((e.clientY - rect.top) / rect.height) * this.m;
    const i = Math.floor(y), j = Math.floor(x);
    return i >= 0 && i < this.m && j >= 0 && j < this.n ? [i, j] : null;
  }
}
