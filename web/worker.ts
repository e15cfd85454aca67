// The page's solver, in a Web Worker (a module worker): the library's own
// run(), theorem and analysis functions (src/browser.ts), so the page never
// blocks and computes nothing of its own. It streams states to the page at
// a frame rate, sends the result as `dmflow run` prints it, and computes
// sweep cells for the Fig. 1 mode (computeCells, as `dmflow sweep` does).

import {
  analyzeProblem, balanceInvariants, buildProblem, checkRun, computeCells, coveringTheorem, effectiveRank, endToEnd, formatJson, observationGraph,
  InputError, invariantDrift, lossOf, runProblem, SolverOptionError, singularValues, theoremLimit, wasmLoadError, wasmModule,
  type Cell, type FieldImpl, type Problem, type RunProgress, type Spec,
} from '../src/browser.js';
import { UNROLL_LIMIT, unrolledCost } from '../src/model/field/unrolledField.js';
import { CONTROL_PAUSED, CONTROL_STEPS, type FromWorker, type TheoremInfo, type TheoryCurve, type ToWorker } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

/** A frame at least every so many times t grows by this factor, so that short runs still draw their curves (20 a decade). */
const LOG_STEP = 10 ** (1 / 20);
/** Largest number of frame times the closed-form trajectory is evaluated at. */
const THEORY_POINTS = 400;
/** Frames are at least this many times their own cost apart. */
const FRAME_COST_SPACING = 3;

function errorMessage(e: unknown): FromWorker {
  if (e instanceof InputError) return { type: 'error', input: { field: e.field, expected: e.expected, message: e.message }, message: e.message };
  const err = e as Error;
  // As the CLI: the integrator's refusal of its arguments is the user's input.
  if (err instanceof SolverOptionError) return { type: 'error', input: { field: '', expected: '', message: err.message }, message: err.message };
  return { type: 'error', input: null, message: `internal error: ${err?.message ?? String(e)}` };
}

/** The field's code path for the kernel a page run asks for: wasm as DMFLOW_KERNEL=wasm; js as DMFLOW_KERNEL=js (generated code for small problems, else the loops). */
function fieldImpl(problem: Problem, asked: 'wasm' | 'js'): FieldImpl {
  if (asked === 'wasm' && wasmModule) return 'wasm';
  return unrolledCost(problem) <= UNROLL_LIMIT ? 'unrolled' : 'typescript';
}

/** What `dmflow limit` says of the spec: the covering family's limit, or its error line. */
function theoremInfo(spec: unknown, problem: Problem): TheoremInfo {
  try {
    const limit = theoremLimit(spec as Spec);
    const c = coveringTheorem(problem);
    return { covered: true, theorem: limit.theorem, limit: { matrix: limit.matrix, singularValues: limit.singularValues, status: limit.status }, trajectory: !('reasons' in c) && Boolean(c.family.at) };
  } catch (e) {
    if (e instanceof InputError) return { covered: false, message: `dmflow: ${e.message}` };
    throw e;
  }
}

function runSpec(msg: Extract<ToWorker, { type: 'run' }>): void {
  const problem = buildProblem(msg.spec as Spec);
  const { m, n } = problem;
  // What the page draws with, when it did not build the problem itself (a run from the URL: lib.ts).
  post({ type: 'problem', m, n, mask: problem.mask.slice(), target: problem.target.slice() });
  const c0 = balanceInvariants(problem, problem.y0);
  const control = msg.control ? new Int32Array(msg.control) : null;
  const times: number[] = [];

  const frame = (t: number, y: Float64Array, loss: number, h: number, method: string) => {
    const W = endToEnd(problem, y);
    const sigma = singularValues(W, m, n);
    times.push(t);
    post({ type: 'frame', t, loss, sigma: Float64Array.from(sigma), W, erank: effectiveRank(sigma), drift: invariantDrift(c0, balanceInvariants(problem, y)), h, method }, [W.buffer]);
  };
  frame(0, problem.y0, lossOf(problem, endToEnd(problem, problem.y0)), 0, problem.spec.solver.method);

  const graph = observationGraph(m, n, problem.obsRows, problem.obsCols);
  post({ type: 'analysis', components: graph.components, connected: graph.connected, coupling: null, theorem: theoremInfo(msg.spec, problem) });

  // A frame (product, SVD, invariants) costs O(n^3): frames are spaced at least
  // FRAME_COST_SPACING times their cost apart, so that they take at most about a
  // quarter of the run, whatever its size.
  let last = performance.now();
  let tLast = 0;
  let cost = 0;
  const onProgress = (p: RunProgress) => {
    const now = performance.now();
    const since = now - last;
    if (since < FRAME_COST_SPACING * cost || (since < msg.frameMs && !(p.t >= tLast * LOG_STEP))) return;
    tLast = p.t;
    frame(p.t, p.y!, p.loss, p.h, p.method);
    last = performance.now();
    cost = last - now;
    // Paused (cross-origin isolated pages only): wait here for play, or for a step token.
    if (control) {
      while (Atomics.load(control, CONTROL_PAUSED) === 1 && Atomics.load(control, CONTROL_STEPS) === 0) Atomics.wait(control, CONTROL_PAUSED, 1, 200);
      if (Atomics.load(control, CONTROL_STEPS) > 0) Atomics.sub(control, CONTROL_STEPS, 1);
    }
  };
  const started = performance.now();
  const result = runProblem(problem, { fieldImpl: fieldImpl(problem, msg.kernel), onProgress });
  const runMs = performance.now() - started;

  let check: unknown = null;
  let theory: TheoryCurve | null = null;
  const covered = coveringTheorem(problem);
  if (!('reasons' in covered)) {
    check = checkRun(covered, problem, result);
    if (covered.family.at) {
      const stride = Math.max(1, Math.ceil(times.length / THEORY_POINTS));
      const ts = [...times.filter((_, i) => i % stride === 0), result.t];
      theory = { t: [], loss: [], sigma: [] };
      for (const t of ts) {
        const at = covered.family.at(covered.params, t);
        const W = Float64Array.from(at.matrix.flat());
        theory.t.push(t);
        theory.loss.push(lossOf(problem, W));
        theory.sigma.push(singularValues(W, m, n));
      }
    }
  }
  post({ type: 'done', result: result as unknown as Record<string, unknown>, text: formatJson(result), runMs, check, theory });
  // The coupling kernel's verdict at t = 0 (dmflow analyze), after the result: it costs O(|Omega|^2 L n).
  const analysis = analyzeProblem(problem);
  post({ type: 'analysis', components: analysis.connectivity.components, connected: analysis.connectivity.connected, coupling: analysis.coupling, theorem: null });
}

function runCells(msg: Extract<ToWorker, { type: 'cells' }>): void {
  const cells: Cell[] = msg.batch.map((b) => ({ cell: {}, spec: b.spec as Spec, key: String(b.i) }));
  computeCells(cells, undefined, (c, result) => {
    post({ type: 'cell', results: [{ i: Number(c.key), result: result as unknown as Record<string, unknown> }] });
  });
}

scope.onmessage = (e) => {
  try {
    if (e.data.type === 'run') runSpec(e.data);
    else runCells(e.data);
  } catch (err) {
    post(errorMessage(err));
  }
};
post({ type: 'ready', wasm: wasmModule !== null, wasmError: wasmLoadError });
