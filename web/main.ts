// The explorer page: a spec in the URL and the problem panel, a run in a Web
// Worker streaming states (worker.ts), live plots (plots.ts), the theorem
// overlay and the verdicts, and the exchange with the CLI. Contract for
// scripts: opened with #spec=<encodeURIComponent(JSON)>&run=1 it runs the
// spec to its end and writes the JSON `dmflow run` prints into
// <pre id="result" data-status="<status>">; a spec error goes there with
// data-status="error" as the CLI's one line (docs/explorer.md).

import type { Problem, Spec } from '../src/browser.js';
import { DEFAULT_SPEC } from '../src/experiments/defaults.js';
import './style.css';
import { download, figurePngUrl, figureSvg } from './exports.js';
import type { Fig1 } from './fig1.js';
import { formToSpec, showWhen, specToForm, toggleCell } from './form.js';
import { library, loadLibrary, type Library } from './lib.js';
import { CurvePlot, Heatmap, sigmaColor, type SeriesSpec } from './plots.js';
import { CONTROL_PAUSED, CONTROL_STEPS, type FromWorker, type PageKernel, type ProblemView, type TheoremInfo, type TheoryCurve, type ToWorker } from './protocol.js';

type Json = Record<string, unknown>;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Milliseconds between streamed states (up to 40 a second; index.html posts a run from the URL with the same). */
const FRAME_MS = 25;
/** Floats of W(t) kept for stepping back through a run (40 MB); older states are thinned past it. */
const W_BUDGET = 5e6;

// ---------------------------------------------------------------- state
let spec: Json = structuredClone(DEFAULT_SPEC) as Json;
/** The problem drawn: built by validate(), or sent by the worker of a run from the URL. */
let problem: ProblemView | null = null;
/** Counts specs set, so that a validation waiting for the library applies to the newest only. */
let specVersion = 0;
let worker: Worker | null = null;
let control: Int32Array | null = null;
/** A run is under way in the worker (it lives on briefly after its result, for the verdict at t = 0). */
let solving = false;
type RunState = 'idle' | 'running' | 'paused' | 'done' | 'error' | 'replay';
let state: RunState = 'idle';
/** Once a run was started, every change of the spec starts the next one. */
let autoRun = false;
let kernel: PageKernel = 'wasm';
const frames = { t: [] as number[], loss: [] as number[], sigma: [] as number[][], erank: [] as number[], drift: [] as number[], W: [] as (Float64Array | null)[] };
let wFloats = 0;
let cursor = -1;
let follow = true;
let dirty = true;
let theorem: TheoremInfo | null = null;
let theory: TheoryCurve | null = null;
let result: Json | null = null;
let resultText = '';
let hashParams = new Map<string, string>();

const plots = {
  loss: new CurvePlot($('plot-loss')),
  sigma: new CurvePlot($('plot-sigma'), 230),
  erank: new CurvePlot($('plot-erank'), 150),
  drift: new CurvePlot($('plot-drift'), 150),
};
const heatmap = new Heatmap($<HTMLCanvasElement>('heatmap'), $('heatmap-scale'));
const resultEl = $<HTMLPreElement>('result');

// ---------------------------------------------------------------- URL
function readHash(): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of location.hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    try { out.set(k, decodeURIComponent(v)); } catch { out.set(k, v); }
  }
  return out;
}

function writeHash(): void {
  hashParams.set('spec', JSON.stringify(spec));
  const text = [...hashParams].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  history.replaceState(null, '', `#${text}`);
}

// ---------------------------------------------------------------- errors
function clearErrors(): void {
  for (const el of document.querySelectorAll<HTMLElement>('#problem [data-err]')) el.textContent = '';
  for (const el of document.querySelectorAll('#problem .invalid')) el.classList.remove('invalid');
}

/** Show a spec error beside its field, and in #result as the CLI's line. */
function showInputError(field: string, line: string): void {
  const top = field.replace(/^spec\./, '').split(/[.[]/)[0];
  const known = ['target', 'observed', 'depth', 'width', 'init', 'solver'];
  const where = known.includes(top) ? top : 'spec';
  document.querySelector<HTMLElement>(`#problem [data-err=${where}]`)!.textContent = line;
  document.querySelector(`#problem fieldset[data-field=${where}]`)?.classList.add('invalid');
  writeResult(line, 'error');
}

function writeResult(text: string, status: string | null): void {
  resultEl.textContent = text;
  if (status === null) delete resultEl.dataset.status; else resultEl.dataset.status = status;
}

// ---------------------------------------------------------------- spec
/** A new spec: into the URL and the fields, validated, and run when runs are on. */
function setSpec(next: Json, fromForm = false): void {
  spec = next;
  writeHash();
  if (!fromForm) specToForm(spec);
  stopWorker();
  clearRun();
  validateAndStart();
}

/**
 * Validates the spec once the page's library is there (at once when it is;
 * the newest spec only), then starts a run when runs are on, or when play or
 * step was clicked while it waited.
 */
function validateAndStart(): void {
  const version = ++specVersion;
  waitingForLibrary();
  withLibrary((lib) => {
    if (version !== specVersion) return;
    const pending = takePendingStart();
    if (validate(lib)) {
      if (autoRun) startRun();
      else if (pending) startRun(pending.paused);
    }
    // A run index.html posted for a spec that does not validate is not this page's: stop it.
    else if ((globalThis as { dmflowEarlyWorker?: EarlyWorker }).dmflowEarlyWorker?.run) takeEarlyWorker()!.worker.terminate();
  });
}

/** Calls `then` with the page's copy of the library: at once when loaded, else once it is (lib.ts). */
function withLibrary(then: (lib: Library) => void, onError = (e: Error) => fail(`dmflow: internal error: the library did not load (${e.message})`)): void {
  const lib = library();
  if (lib) { then(lib); return; }
  loadLibrary().then(then, onError);
}

/** While a new spec waits for the library: nothing to draw or run yet (play and step are remembered). */
function waitingForLibrary(): void {
  if (library()) return;
  problem = null;
  setStatus('idle', 'loading the library');
}

/** A play or step clicked while the spec waited for the library, done once the spec is validated. */
let pendingStart: { paused: boolean } | null = null;
function takePendingStart(): { paused: boolean } | null {
  const p = pendingStart;
  pendingStart = null;
  return p;
}

function validate(lib: Library): boolean {
  clearErrors();
  let built: Problem;
  try {
    // Whatever the page holds (typed in, imported, from the URL) is validated here, as the CLI validates a file.
    built = lib.buildProblem(spec as unknown as Spec);
  } catch (e) {
    problem = null;
    if (e instanceof lib.InputError) showInputError(e.field, `dmflow: ${e.message}`);
    else showInputError('spec', `dmflow: internal error: ${(e as Error).message}`);
    setStatus('error');
    return false;
  }
  problem = built;
  writeResult('', null);
  initialFrame(lib, built);
  setStatus('idle');
  return true;
}

/** The state at t = 0, drawn before any run. */
function initialFrame(lib: Library, built: Problem): void {
  const W = lib.endToEnd(built, built.y0);
  frames.W[0] = W;
  dirty = true;
  cursor = -1;
  drawHeatmap(W);
}

function clearRun(): void {
  for (const k of Object.keys(frames) as (keyof typeof frames)[]) (frames[k] as unknown[]).length = 0;
  wFloats = 0;
  cursor = -1;
  follow = true;
  theorem = null;
  theory = null;
  result = null;
  resultText = '';
  ($('download-result') as HTMLButtonElement).disabled = true;
  for (const id of ['export-svg', 'export-png']) ($(id) as HTMLButtonElement).disabled = true;
  for (const id of ['v-graph', 'v-coupling', 'v-theorem', 'v-check', 'v-run']) $(id).textContent = '–';
  $('theorem-limit').textContent = '';
  delete $('theorem-limit').dataset.status;
  dirty = true;
}

// ---------------------------------------------------------------- runs
function stopWorker(): void {
  if (worker) {
    worker.terminate();
    // What the next run needs, loaded while the user decides: a worker, and the page's library
    // (a run from the URL did without it; a failed load is reported when it is needed).
    startSpare();
    loadLibrary().catch(() => {});
  }
  worker = null;
  control = null;
  solving = false;
}

function setStatus(s: RunState, detail = ''): void {
  state = s;
  $('status').textContent = detail ? `${s}: ${detail}` : s;
}

/**
 * The worker index.html starts before app.js loads (so that both load the
 * library at once), if not yet taken; with the run it already posted, when
 * the URL asked for one (#spec=...&run=1).
 */
interface EarlyWorker {
  worker: Worker;
  messages: FromWorker[];
  failed?: string;
  run?: { spec: string; kernel: PageKernel; frameMs: number; control?: SharedArrayBuffer };
}
function takeEarlyWorker(): EarlyWorker | null {
  const g = globalThis as { dmflowEarlyWorker?: EarlyWorker };
  const early = g.dmflowEarlyWorker ?? null;
  delete g.dmflowEarlyWorker;
  return early;
}

/**
 * A worker started once a run has finished, with the library loaded by the
 * time the next run starts: a run then costs its integration, not the
 * library's load in a fresh worker (a run ends by terminating its worker).
 */
let spare: EarlyWorker | null = null;
function startSpare(): void {
  if (spare) return;
  try { spare = bufferedWorker(); } catch { /* the next run starts its own */ }
}

/** A solver worker that keeps what it says (and a failure to load) until a run takes it, as index.html's does. */
function bufferedWorker(): EarlyWorker {
  const s: EarlyWorker = { worker: new Worker(new URL('worker.js', document.baseURI), { type: 'module' }), messages: [] };
  s.worker.onmessage = (e: MessageEvent<FromWorker>) => { s.messages.push(e.data); };
  s.worker.onerror = (e) => { e.preventDefault(); s.failed = e.message || 'it did not load'; };
  return s;
}
function takeSpare(): EarlyWorker | null {
  const s = spare;
  spare = null;
  return s;
}

/** Starts a run of the spec; `fromUrl`: the spec of the URL, not validated here (its worker validates it and says what it draws). */
function startRun(paused = false, fromUrl = false): void {
  if (!problem && !fromUrl) return;
  stopWorker();
  clearRun();
  autoRun = true;
  writeResult('', null);
  let early = takeEarlyWorker() ?? takeSpare();
  // The early run is this run when it was posted for the same spec and kernel (its frame spacing,
  // index.html's copy of FRAME_MS, changes only how often it reports).
  const adopt = !paused && early?.run !== undefined && early.run.spec === JSON.stringify(spec) && early.run.kernel === kernel;
  if (early?.run && !adopt) { early.worker.terminate(); early = null; }
  // Pausing the solver itself needs shared memory (a cross-origin isolated page, as dmflow explore serves it);
  // elsewhere pause and step hold the display while the run goes on.
  if (adopt) control = early!.run!.control ? new Int32Array(early!.run!.control) : null;
  else control = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(8)) : null;
  if (control && paused) Atomics.store(control, CONTROL_PAUSED, 1);
  follow = !paused;
  const taken = early ?? bufferedWorker();
  const w = taken.worker;
  worker = w;
  const receive = (data: FromWorker) => {
    if (w !== worker) return;
    try {
      onWorkerMessage(data);
    } catch (err) {
      fail(`dmflow: internal error: ${(err as Error).message}`);
    }
  };
  const failed = (why: string) => { if (w === worker) fail(`dmflow: internal error: the solver worker failed (${why})`); };
  w.onmessage = (e: MessageEvent<FromWorker>) => receive(e.data);
  w.onerror = (e) => { e.preventDefault(); failed(e.message || 'it did not load'); };
  solving = true;
  setStatus(paused ? 'paused' : 'running');
  // What the early worker said before this page's script took it (its run's first frames, when adopted).
  for (const m of taken.messages) receive(m);
  if (taken.failed) { failed(taken.failed); return; }
  if (!adopt) w.postMessage({ type: 'run', spec, kernel, frameMs: FRAME_MS, control: control?.buffer as SharedArrayBuffer | undefined } satisfies ToWorker);
}

/** The kernel runs use, as a worker says when it has loaded. */
function showKernel(msg: { wasm: boolean; wasmError: string }): void {
  $('kernel-info').textContent = msg.wasm && kernel === 'wasm' ? 'kernel: wasm SIMD' : `kernel: js${msg.wasm ? '' : ` (wasm: ${msg.wasmError})`}`;
}

function fail(line: string): void {
  stopWorker();
  writeResult(line, 'error');
  setStatus('error', line.replace(/^dmflow: /, ''));
}

function pushFrame(t: number, loss: number, sigma: ArrayLike<number>, W: Float64Array | null, erank: number, drift: number): void {
  frames.t.push(t); frames.loss.push(loss); frames.sigma.push(Array.from(sigma)); frames.erank.push(erank); frames.drift.push(drift);
  frames.W.push(W);
  if (W) wFloats += W.length;
  // Past the budget, keep every other stored state (the newest always).
  if (wFloats > W_BUDGET) {
    let kept = 0;
    for (let i = 0; i < frames.W.length - 1; i++) {
      const w = frames.W[i];
      if (!w) continue;
      if (kept++ % 2 === 1) { wFloats -= w.length; frames.W[i] = null; }
    }
  }
  if (follow) cursor = frames.t.length - 1;
  $('status').dataset.frames = String(frames.t.length);
  dirty = true;
}

function onWorkerMessage(msg: FromWorker): void {
  switch (msg.type) {
    case 'problem':
      problem = { m: msg.m, n: msg.n, mask: msg.mask, target: msg.target };
      dirty = true;
      return;
    case 'ready':
      showKernel(msg);
      return;
    case 'frame':
      // A run's first state starts its first draw-rate window.
      if (frames.t.length === 0) { fpsFrames = 0; fpsSince = performance.now(); }
      pushFrame(msg.t, msg.loss, msg.sigma, msg.W, msg.erank, msg.drift);
      if (state === 'running') $('status').textContent = `running: t = ${msg.t.toExponential(2)}, loss = ${msg.loss.toExponential(2)}, ${msg.method}`;
      return;
    case 'analysis':
      $('v-graph').textContent = `${msg.connected ? 'connected' : 'disconnected'}: ${msg.components} component${msg.components === 1 ? '' : 's'}`;
      // The verdict at t = 0 comes after the run's own (its coupling over every state reported).
      if (msg.coupling) {
        $('v-coupling').textContent += `; at t = 0: ${msg.coupling.verdict} (index ${msg.coupling.index.toExponential(2)})`;
        stopWorker();
      }
      if (msg.theorem) {
        theorem = msg.theorem;
        // For scripts: the limit as `dmflow limit` prints it, or its error line.
        $('theorem-limit').textContent = msg.theorem.covered ? JSON.stringify({ theorem: msg.theorem.theorem, ...msg.theorem.limit }) : msg.theorem.message;
        $('theorem-limit').dataset.status = msg.theorem.covered ? 'covered' : 'none';
        $('v-theorem').textContent = msg.theorem.covered
          ? `${msg.theorem.theorem}: limit σ = ${msg.theorem.limit.singularValues.slice(0, 4).map((s) => s.toPrecision(4)).join(', ')}${msg.theorem.limit.singularValues.length > 4 ? ', …' : ''} (${msg.theorem.limit.status})${msg.theorem.trajectory ? '; W(t) in closed form' : ''}`
          : msg.theorem.message;
      }
      dirty = true;
      return;
    case 'done': {
      result = msg.result;
      resultText = msg.text;
      theory = msg.theory;
      const r = msg.result as { t: number; loss: number; singularValues: number[]; matrix: number[][]; effectiveRank: number; invariantDrift: number; status: string; kernel: string; coupling: { index: number; decoupled: boolean; groups: number }; connectivity: { connected: boolean; components: number }; nfev: number; steps: number };
      pushFrame(r.t, r.loss, r.singularValues, Float64Array.from(r.matrix.flat()), r.effectiveRank, r.invariantDrift);
      $('v-coupling').textContent = `${r.coupling.decoupled ? 'decoupled' : 'coupled'} (index ${r.coupling.index.toExponential(2)} over the run, ${r.coupling.groups} group${r.coupling.groups === 1 ? '' : 's'})`;
      const check = msg.check as { pass: boolean; tol: number; comparisons: { compare: string; t: number | 'inf'; diff: number; tol: number; pass: boolean; decides: boolean }[] } | null;
      const checkEl = $('v-check');
      checkEl.className = check ? (check.pass ? 'pass' : 'fail') : '';
      // The comparisons that decide the verdict, each with its own difference and tolerance (as dmflow check prints them).
      const decisive = check ? check.comparisons.filter((c) => c.decides) : [];
      checkEl.textContent = check
        ? `${check.pass ? 'pass' : 'FAIL'}: ${decisive.map((c) => `${c.compare} at t = ${c.t === 'inf' ? '∞' : c.t.toExponential(2)}: ${c.diff.toExponential(2)} ${c.pass ? '≤' : '>'} ${c.tol.toExponential(1)}`).join('; ')}`
        : 'no theorem covers the spec';
      $('v-run').textContent = `${r.status}, t = ${r.t.toExponential(3)}, loss ${r.loss.toExponential(2)}, ${r.steps} steps, ${r.nfev} evaluations, ${msg.runMs.toFixed(0)} ms on ${r.kernel}`;
      writeResult(msg.text, r.status);
      resultEl.dataset.runMs = msg.runMs.toFixed(1);
      resultEl.dataset.kernel = r.kernel;
      ($('download-result') as HTMLButtonElement).disabled = false;
      for (const id of ['export-svg', 'export-png']) ($(id) as HTMLButtonElement).disabled = false;
      solving = false;
      if (state === 'running' && performance.now() - fpsSince >= 500) fpsWindow(performance.now(), true);
      setStatus('done');
      dirty = true;
      return;
    }
    case 'error':
      if (msg.input) showInputError(msg.input.field, `dmflow: ${msg.input.message}`);
      else fail(`dmflow: ${msg.message}`);
      stopWorker();
      setStatus('error');
      return;
    case 'cell':
      return;
  }
}

// ---------------------------------------------------------------- drawing
/** Values for a log axis: non-positive ones are not drawn. */
const positive = (v: number | null | undefined) => (v !== null && v !== undefined && v > 0 && Number.isFinite(v) ? v : null);

function drawHeatmap(W: ArrayLike<number>): void {
  if (!problem) return;
  let range = 0;
  for (let i = 0; i < problem.target.length; i++) if (problem.mask[i]) range = Math.max(range, Math.abs(problem.target[i]));
  if (range === 0) for (let i = 0; i < W.length; i++) range = Math.max(range, Math.abs(W[i]));
  heatmap.draw(W, problem.m, problem.n, problem.mask, range);
}

function draw(): void {
  if (!problem) return;
  const logX = ($('log-t') as HTMLInputElement).checked;
  const logY = ($('log-y') as HTMLInputElement).checked;
  const upto = cursor + 1;
  // t = 0 has no place on a log axis.
  const from = logX && frames.t[0] === 0 ? 1 : 0;
  const idx: number[] = [];
  for (let i = from; i < upto; i++) idx.push(i);
  const ts = idx.map((i) => frames.t[i]);
  const k = Math.min(problem.m, problem.n);
  const tIndex = new Map(theory ? theory.t.map((t, j) => [t, j]) : []);
  const fromTheory = (pick: (j: number) => number | null) => idx.map((i) => { const j = tIndex.get(frames.t[i]); return j === undefined ? null : pick(j); });

  const lossSeries: SeriesSpec[] = [{ label: 'loss', color: '#0b61a4', width: 2 }];
  const lossData: (number | null)[][] = [ts, idx.map((i) => (logY ? positive(frames.loss[i]) : frames.loss[i]))];
  if (theory) { lossSeries.push({ label: 'theorem', color: '#d1495b', dash: true, width: 2 }); lossData.push(fromTheory((j) => (logY ? positive(theory!.loss[j]) : theory!.loss[j]))); }
  plots.loss.draw(lossSeries, lossData, logX, logY);

  const sSeries: SeriesSpec[] = [];
  const sData: (number | null)[][] = [ts];
  for (let s = 0; s < k; s++) {
    sSeries.push({ label: `σ${s + 1}`, color: sigmaColor(s, k) });
    sData.push(idx.map((i) => (logY ? positive(frames.sigma[i][s]) : frames.sigma[i][s])));
  }
  if (theorem?.covered) {
    const lim = theorem.limit.singularValues;
    for (let s = 0; s < Math.min(k, lim.length); s++) {
      if (logY && !(lim[s] > 1e-12 * lim[0])) continue;
      sSeries.push({ label: `limit σ${s + 1}`, color: sigmaColor(s, k), dash: true, width: 1 });
      sData.push(idx.map(() => (logY ? positive(lim[s]) : lim[s])));
    }
  }
  if (theory) {
    for (let s = 0; s < k; s++) {
      sSeries.push({ label: `theorem σ${s + 1}(t)`, color: sigmaColor(s, k), dash: true, width: 2.5 });
      sData.push(fromTheory((j) => (logY ? positive(theory!.sigma[j][s]) : theory!.sigma[j][s])));
    }
  }
  plots.sigma.draw(sSeries, sData, logX, logY, false);
  plots.erank.draw([{ label: 'effective rank', color: '#3b7d23', width: 2 }], [ts, idx.map((i) => frames.erank[i])], logX, false);
  plots.drift.draw([{ label: 'invariant drift', color: '#7a4ea3', width: 2 }], [ts, idx.map((i) => positive(frames.drift[i]))], logX, true);

  // The state shown: the cursor's, else the nearest earlier one kept.
  let w = Math.max(0, cursor);
  while (w > 0 && !frames.W[w]) w--;
  const W = frames.W[w];
  if (W) drawHeatmap(W);
}

// The draw rate, in windows of a second that start with a run (a window that
// began before it would count the page's idle time as slow drawing); a run's
// last window counts when it lasted half a second or more.
let fpsFrames = 0;
let fpsSince = performance.now();
let fpsBest = 0;
function fpsWindow(now: number, streaming: boolean): void {
  const fps = (fpsFrames * 1000) / (now - fpsSince);
  if (streaming) fpsBest = Math.max(fpsBest, fps);
  $('fps').textContent = fpsFrames > 0 ? `${fps.toFixed(0)} draws/s` : '';
  $('fps').dataset.best = fpsBest.toFixed(1);
  fpsFrames = 0;
  fpsSince = now;
}
function loop(now: number): void {
  try {
    if (state === 'replay') {
      if (cursor < frames.t.length - 1) { cursor++; dirty = true; } else setStatus('done');
    }
    if (dirty) {
      dirty = false;
      draw();
      fpsFrames++;
    }
    if (now - fpsSince >= 1000) fpsWindow(now, state === 'running' || state === 'replay');
  } catch (e) {
    fail(`dmflow: internal error: ${(e as Error).message}`);
  }
  requestAnimationFrame(loop);
}

// ---------------------------------------------------------------- controls
function play(): void {
  if (!problem) {
    if (state === 'idle' && !library()) pendingStart = { paused: false };
    return;
  }
  if (state === 'idle' || state === 'error') startRun();
  else if (state === 'paused') {
    follow = true;
    if (control) Atomics.store(control, CONTROL_PAUSED, 0);
    if (solving) { cursor = frames.t.length - 1; setStatus('running'); } else setStatus('replay');
    dirty = true;
  } else if (state === 'done') { cursor = 0; follow = false; setStatus('replay'); }
}

function pause(): void {
  if (state === 'running' || state === 'replay') {
    follow = false;
    if (control) Atomics.store(control, CONTROL_PAUSED, 1);
    setStatus('paused');
  }
}

function step(): void {
  if (state === 'idle') {
    if (!problem && !library()) pendingStart = { paused: true };
    else startRun(true);
    return;
  }
  if (state === 'running' || state === 'replay' || state === 'done') pause();
  if (state !== 'paused' && state !== 'done') return;
  if (cursor < frames.t.length - 1) { cursor++; dirty = true; }
  else if (control && solving) Atomics.add(control, CONTROL_STEPS, 1);
  follow = false;
}

function reset(): void {
  stopWorker();
  clearRun();
  autoRun = false;
  validateAndStart();
}

// ---------------------------------------------------------------- exchange
function importSpec(): void {
  const text = $<HTMLTextAreaElement>('spec-text').value;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    clearErrors();
    showInputError('spec', `dmflow: spec: expected valid JSON (${(e as Error).message}); NaN and Infinity are not JSON numbers`);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    clearErrors();
    showInputError('spec', `dmflow: spec: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    return;
  }
  setSpec(value as Json);
}

function copySpec(): void {
  const text = JSON.stringify(spec, null, 2);
  $<HTMLTextAreaElement>('spec-text').value = text;
  navigator.clipboard?.writeText(text).then(() => { $('status').textContent = 'spec copied'; }, () => { $('status').textContent = 'spec in the box below (the clipboard is not available here)'; });
}

/** The run's figure (`dmflow plot run`) from the streamed states. */
function runFigureSpec(lib: Library): object {
  const trajectory = frames.t.map((t, i) => ({ t, loss: frames.loss[i], singularValues: frames.sigma[i] })).filter((p) => p.t > 0);
  const { matrix: _m, ...rest } = result ?? {};
  return lib.runFigure({ ...rest, trajectory }, 'the page', { spec, tScale: ($('log-t') as HTMLInputElement).checked ? 'log' : 'linear' }).spec;
}

function exportFigure(kind: 'svg' | 'png'): void {
  withLibrary((lib) => exportFigureWith(lib, kind), (e) => { $('status').textContent = `export failed: the library did not load (${e.message})`; });
}

function exportFigureWith(lib: Library, kind: 'svg' | 'png'): void {
  let fig: object;
  try {
    fig = runFigureSpec(lib);
  } catch (e) {
    $('status').textContent = (e as Error).message;
    return;
  }
  const p = kind === 'svg' ? figureSvg(fig).then((s) => download('dmflow-run.svg', s, 'image/svg+xml')) : figurePngUrl(fig).then((u) => download('dmflow-run.png', u));
  p.catch((e: Error) => { $('status').textContent = `export failed: ${e.message}`; });
}

// ---------------------------------------------------------------- start
function start(): void {
  hashParams = readHash();
  // Where wasm SIMD does not compile, the worker runs the js kernels and its 'ready' message says so.
  kernel = hashParams.get('kernel') === 'js' ? 'js' : 'wasm';
  $('kernel-info').textContent = kernel === 'wasm' ? 'kernel: wasm SIMD' : 'kernel: js';
  // What index.html's worker said of wasm, and says once loaded, before a run takes it.
  const early = (globalThis as { dmflowEarlyWorker?: EarlyWorker }).dmflowEarlyWorker;
  if (early) {
    for (const m of early.messages) if (m.type === 'ready') showKernel(m);
    const buffer = early.worker.onmessage;
    early.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      buffer?.call(early.worker, e);
      if (e.data.type === 'ready') showKernel(e.data);
    };
  }

  // The Fig. 1 tab's code (and the library it uses) loads when the tab is first shown.
  let fig1: Promise<Fig1> | null = null;
  const loadFig1 = () => (fig1 ??= import('./fig1.js').then(({ Fig1 }) => new Fig1(() => spec, (text) => { if ($('fig1-view').hidden) return; hashParams.set('fig1', text); writeHash(); })));
  const showView = (v: 'flow' | 'fig1') => {
    if (v === 'fig1') loadFig1().catch((e: Error) => { $('fig1-status').textContent = `error: the Fig. 1 code did not load (${e.message})`; });
    $('flow-view').hidden = v !== 'flow';
    $('fig1-view').hidden = v !== 'fig1';
    $('tab-flow').classList.toggle('active', v === 'flow');
    $('tab-fig1').classList.toggle('active', v === 'fig1');
    if (v === 'fig1') hashParams.set('view', 'fig1'); else { hashParams.delete('view'); hashParams.delete('fig1'); }
    writeHash();
    dirty = true;
  };
  $('tab-flow').addEventListener('click', () => showView('flow'));
  $('tab-fig1').addEventListener('click', () => showView('fig1'));

  let debounce = 0;
  const onForm = () => {
    showWhen();
    clearTimeout(debounce);
    debounce = window.setTimeout(() => setSpec(formToSpec(spec), true), 250);
  };
  for (const el of document.querySelectorAll('#problem input:not(#spec-text), #problem select, #target-rows')) {
    el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', onForm);
  }
  $('heatmap').addEventListener('click', (e) => {
    if (!problem) return;
    const c = heatmap.cellAt(e as MouseEvent);
    if (c) setSpec(toggleCell(spec, problem.mask, problem.m, problem.n, c[0], c[1]));
  });
  $('play').addEventListener('click', play);
  $('pause').addEventListener('click', pause);
  $('step').addEventListener('click', step);
  $('reset').addEventListener('click', reset);
  for (const id of ['log-t', 'log-y']) $(id).addEventListener('change', () => { dirty = true; });
  $('copy-spec').addEventListener('click', copySpec);
  $('import-spec').addEventListener('click', importSpec);
  $('download-result').addEventListener('click', () => { if (resultText) download('dmflow-result.json', resultText + '\n'); });
  $('export-svg').addEventListener('click', () => exportFigure('svg'));
  $('export-png').addEventListener('click', () => exportFigure('png'));
  window.addEventListener('hashchange', () => {
    const h = readHash();
    const text = h.get('spec');
    if (text !== undefined && text !== JSON.stringify(spec)) { hashParams = h; loadSpecText(text); }
  });

  const run = hashParams.get('run') === '1';
  if (hashParams.get('view') === 'fig1') {
    showView('fig1');
    const sweep = hashParams.get('fig1');
    loadFig1().then((f) => {
      if (sweep !== undefined) f.setSweep(sweep, true);
      if (run && !$('fig1-view').hidden) f.run();
    }).catch((e: Error) => { $('fig1-status').textContent = `error: ${e.message}`; });
  }
  const text = hashParams.get('spec');
  autoRun = run && hashParams.get('view') !== 'fig1';
  requestAnimationFrame(loop);
  if (text !== undefined && autoRun && runFromUrl(text)) return;
  if (text !== undefined) loadSpecText(text); else setSpec(spec);
}

/**
 * Opened with #spec=...&run=1: takes the run index.html already posted for
 * this spec, without loading the library here first (lib.ts); the worker
 * validates the spec, reports an error as the CLI's line, and sends what the
 * page draws. False when there is no such run (then the page validates and
 * starts its own).
 */
function runFromUrl(text: string): boolean {
  const early = (globalThis as { dmflowEarlyWorker?: EarlyWorker }).dmflowEarlyWorker;
  if (!early?.run) return false;
  let value: unknown;
  try { value = JSON.parse(text); } catch { return false; }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || JSON.stringify(value) !== early.run.spec) return false;
  spec = value as Json;
  specToForm(spec);
  startRun(false, true);
  return true;
}

function loadSpecText(text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    specToForm(spec);
    clearErrors();
    showInputError('spec', `dmflow: spec: expected valid JSON (${(e as Error).message}); NaN and Infinity are not JSON numbers`);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    specToForm(spec);
    clearErrors();
    showInputError('spec', `dmflow: spec: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    return;
  }
  setSpec(value as Json);
}

start();
