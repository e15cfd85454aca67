// Messages between the page (main.ts) and its solver workers (worker.ts).

/** Which kernel a run asks for: "wasm" (as DMFLOW_KERNEL=wasm; the default where wasm SIMD compiles) or "js". */
export type PageKernel = 'wasm' | 'js';

export type ToWorker =
  | { type: 'run'; spec: unknown; kernel: PageKernel; frameMs: number; control?: SharedArrayBuffer }
  | { type: 'cells'; batch: { i: number; spec: Record<string, unknown> }[] };

/** A state of the flow streamed to the page (a frame). */
export interface Frame {
  t: number;
  loss: number;
  sigma: Float64Array;
  W: Float64Array;
  erank: number;
  drift: number;
  h: number;
  method: string;
}

/** What the page draws a run with: the sizes, the observed cells and the target (row-major). */
export interface ProblemView { m: number; n: number; mask: Uint8Array; target: Float64Array }

export interface InputErrorInfo { field: string; expected: string; message: string }

export type FromWorker =
  | { type: 'ready'; wasm: boolean; wasmError: string }
  | ({ type: 'problem' } & ProblemView)
  | { type: 'analysis'; components: number; connected: boolean; coupling: { index: number; decoupled: boolean; verdict: string } | null; theorem: TheoremInfo | null }
  | ({ type: 'frame' } & Frame)
  | { type: 'done'; result: Record<string, unknown>; text: string; runMs: number; check: unknown; theory: TheoryCurve | null }
  | { type: 'cell'; results: { i: number; result: Record<string, unknown> }[] }
  | { type: 'error'; input: InputErrorInfo | null; message: string };

/** The covering theorem: its limit, or why no family covers the spec (the message of `dmflow limit`). */
export type TheoremInfo =
  | { covered: true; theorem: string; limit: { matrix: number[][]; singularValues: number[]; status: string }; trajectory: boolean }
  | { covered: false; message: string };

/** A closed-form trajectory at the frames' times (scalar and aligned families). */
export interface TheoryCurve { t: number[]; loss: number[]; sigma: number[][] }

/** Control words shared with a worker (when the page is cross-origin isolated): [paused, step tokens]. */
export const CONTROL_PAUSED = 0;
export const CONTROL_STEPS = 1;
