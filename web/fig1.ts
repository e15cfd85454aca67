// The Fig. 1 mode: a small sweep (depths x init scales x trials) computed in
// a pool of workers by the library's computeCells (as `dmflow sweep`
// computes its cells), summarized by summarize() (as `dmflow summarize`),
// and drawn by sweepFigure() (as `dmflow plot sweep`): effective rank
// against the scale per depth, median and interquartile band.

import {
  buildProblem, canonical, expandCells, InputError, parseSweep, summarize, summaryCsv, sweepFigure, type Cell, type ResultLine,
} from '../src/browser.js';
import { checkSeeds } from '../src/experiments/cells.js';
import { download, figurePngUrl, figureSvg } from './exports.js';
import type { FromWorker, ToWorker } from './protocol.js';

type Json = Record<string, unknown>;
const $ = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;

/** The base of the paper's Fig. 1 (examples/fig1-sweep.json): 1 1^T with the diagonal observed. */
export const FIG1_BASE: Json = {
  target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2,
  init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 },
};

/** Batches a worker holds at once, and the most cells in one batch. */
const IN_FLIGHT = 2;
const MAX_BATCH = 256;

const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);

export class Fig1 {
  private pool: Worker[] = [];
  private lines: ResultLine[] = [];
  private figure: object | null = null;

  constructor(private readonly currentSpec: () => Json, private readonly onSweepChange: (sweep: string) => void) {
    $('fig1-workers').value = String(Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)));
    for (const id of ['fig1-base', 'fig1-depths', 'fig1-scales', 'fig1-trials']) $(id).addEventListener('input', () => this.fromFields());
    $('fig1-sweep').addEventListener('input', () => this.onSweepChange($<HTMLTextAreaElement>('fig1-sweep').value));
    $('fig1-run').addEventListener('click', () => this.run());
    $('fig1-svg').addEventListener('click', () => { if (this.figure) void figureSvg(this.figure).then((s) => download('dmflow-fig1.svg', s, 'image/svg+xml')).catch((e) => this.fail(e)); });
    $('fig1-png').addEventListener('click', () => { if (this.figure) void figurePngUrl(this.figure).then((u) => download('dmflow-fig1.png', u)).catch((e) => this.fail(e)); });
    $('fig1-download').addEventListener('click', () => download('dmflow-fig1.jsonl', this.lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'application/x-ndjson'));
    this.fromFields();
    // Disabled in index.html until this module, loaded with the tab, listens to it.
    ($('fig1-run') as HTMLButtonElement).disabled = false;
  }

  /** The sweep JSON from the fields. */
  fromFields(): void {
    const base = $('fig1-base').value === 'current' ? this.currentSpec() : FIG1_BASE;
    const sweep = { base, grid: { depth: list($('fig1-depths').value), 'init.productScale': list($('fig1-scales').value) }, trials: Number($('fig1-trials').value) };
    this.setSweep(JSON.stringify(sweep, null, 1));
  }

  setSweep(text: string, showInFields = false): void {
    $<HTMLTextAreaElement>('fig1-sweep').value = text;
    this.onSweepChange(text);
    if (!showInFields) return;
    // A sweep from the URL: show its grid in the fields where they can hold it.
    try {
      const s = JSON.parse(text) as { base?: unknown; grid?: Record<string, unknown>; trials?: unknown };
      const grid = s.grid ?? {};
      if (Array.isArray(grid.depth)) $('fig1-depths').value = grid.depth.join(',');
      if (Array.isArray(grid['init.productScale'])) $('fig1-scales').value = (grid['init.productScale'] as unknown[]).join(',');
      if (typeof s.trials === 'number') $('fig1-trials').value = String(s.trials);
      $('fig1-base').value = JSON.stringify(s.base) === JSON.stringify(FIG1_BASE) ? 'fig1' : 'current';
    } catch {
      // Not JSON: run() says so.
    }
  }

  private fail(e: unknown): void {
    const msg = e instanceof InputError ? `dmflow: ${e.message}` : `dmflow: internal error: ${(e as Error)?.message ?? String(e)}`;
    this.stop();
    (document.querySelector('[data-err=sweep]') as HTMLElement).textContent = msg;
    $('fig1-status').textContent = 'error';
    const out = $<HTMLPreElement>('fig1-result');
    out.textContent = msg;
    out.dataset.status = 'error';
    ($('fig1-run') as HTMLButtonElement).disabled = false;
  }

  private stop(): void {
    for (const w of this.pool) w.terminate();
    this.pool = [];
  }

  run(): void {
    this.stop();
    (document.querySelector('[data-err=sweep]') as HTMLElement).textContent = '';
    const out = $<HTMLPreElement>('fig1-result');
    out.textContent = '';
    delete out.dataset.status;
    for (const id of ['fig1-svg', 'fig1-png', 'fig1-download']) ($(id) as HTMLButtonElement).disabled = true;
    let cells: Cell[];
    let by: string[];
    try {
      let value: unknown;
      try {
        value = JSON.parse($<HTMLTextAreaElement>('fig1-sweep').value);
      } catch (e) {
        throw new InputError('sweep', `expected valid JSON (${(e as Error).message}); NaN and Infinity are not JSON numbers`);
      }
      const sweep = parseSweep(value);
      by = Object.keys(sweep.grid);
      cells = expandCells(sweep);
      checkSeeds(cells);
      // As dmflow sweep: every grid point's trial 0 is built before any work.
      for (const c of cells) {
        if (c.cell.trial !== 0) continue;
        try {
          buildProblem(c.spec);
        } catch (e) {
          if (e instanceof InputError) throw new InputError(`sweep cell ${canonical(c.cell)}, ${e.field}`, e.expected);
          throw e;
        }
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    ($('fig1-run') as HTMLButtonElement).disabled = true;
    const results: (Json | undefined)[] = new Array(cells.length);
    const progress = $<HTMLProgressElement>('fig1-progress');
    progress.max = cells.length;
    progress.value = 0;
    const started = performance.now();
    let next = 0, done = 0;
    const count = Math.max(1, Math.min(Number($('fig1-workers').value) || 1, 16, cells.length));
    const batchSize = Math.max(1, Math.min(MAX_BATCH, Math.ceil(cells.length / (count * 4))));
    const outstanding = new Map<Worker, number>();
    const feed = (w: Worker) => {
      if (next >= cells.length) return;
      const batch: { i: number; spec: Json }[] = [];
      for (let k = 0; k < batchSize && next < cells.length; k++, next++) batch.push({ i: next, spec: cells[next].spec });
      outstanding.set(w, (outstanding.get(w) ?? 0) + batch.length);
      w.postMessage({ type: 'cells', batch } satisfies ToWorker);
    };
    const finish = () => {
      this.stop();
      this.lines = cells.map((c, i) => ({ cell: c.cell, result: results[i]! }));
      out.textContent = summaryCsv(summarize(this.lines, by), by);
      out.dataset.status = 'done';
      const secs = (performance.now() - started) / 1000;
      $('fig1-status').textContent = `${cells.length} cells in ${secs.toFixed(2)} s on ${count} worker${count > 1 ? 's' : ''}`;
      out.dataset.seconds = secs.toFixed(3);
      ($('fig1-run') as HTMLButtonElement).disabled = false;
      ($('fig1-download') as HTMLButtonElement).disabled = false;
      this.draw(by);
    };
    for (let k = 0; k < count; k++) {
      // Beside index.html: this module is a chunk of its own (chunks/), loaded with the tab.
      const w = new Worker(new URL('worker.js', document.baseURI), { type: 'module' });
      this.pool.push(w);
      w.onmessage = (e: MessageEvent<FromWorker>) => {
        const msg = e.data;
        if (msg.type === 'error') { this.fail(msg.input ? new InputError(msg.input.field, msg.input.expected) : new Error(msg.message)); return; }
        if (msg.type !== 'cell') return;
        for (const r of msg.results) { results[r.i] = r.result; done++; outstanding.set(w, outstanding.get(w)! - 1); }
        progress.value = done;
        $('fig1-status').textContent = `${done} / ${cells.length} cells`;
        if (done === cells.length) { finish(); return; }
        if (outstanding.get(w)! <= batchSize * (IN_FLIGHT - 1)) feed(w);
      };
      w.onerror = (e) => { e.preventDefault(); this.fail(new Error(e.message || 'a worker failed to start')); };
      for (let q = 0; q < IN_FLIGHT; q++) feed(w);
    }
  }

  /** Effective rank against the first grid key, a colour per value of the second (median and interquartile band). */
  private draw(by: string[]): void {
    const x = by.includes('init.productScale') ? 'init.productScale' : by[0];
    const color = by.includes('depth') && x !== 'depth' ? 'depth' : by.find((k) => k !== x);
    if (x === undefined) { $('fig1-figure').textContent = 'a grid key is needed to draw the figure'; return; }
    const logX = this.lines.every((l) => typeof l.cell[x] === 'number' && (l.cell[x] as number) > 0);
    const fig = sweepFigure(this.lines, { x, y: 'effectiveRank', color, logX, band: 'iqr' }, 'the grid');
    this.figure = fig.spec;
    void figureSvg(fig.spec).then((svg) => {
      $('fig1-figure').innerHTML = svg;
      ($('fig1-svg') as HTMLButtonElement).disabled = false;
      ($('fig1-png') as HTMLButtonElement).disabled = false;
      $('fig1-figure').dataset.status = 'drawn';
    }).catch((e) => this.fail(e));
  }
}
