// The one interface every integrator in dmflow implements. Integrators know
// nothing about matrices: they see a state vector and a right-hand side.

/** Right-hand side: writes f(t, y) into dy. Must not allocate. */
export type Rhs = (t: number, y: Float64Array, dy: Float64Array) => void;

/**
 * Jacobian-vector product of a right-hand side: writes (df/dy at (t, y)) v
 * into out. Must not allocate, must not change y or v. Integrators that use it
 * count each call as JVP_COST evaluations of the right-hand side.
 */
export type Jvp = (t: number, y: Float64Array, v: Float64Array, out: Float64Array) => void;

/** Why an integration ended. */
export type SolveStatus =
  | 'done' // reached the end of the interval
  | 'stopped' // the stop predicate returned true
  | 'max-steps' // the step budget ran out
  | 'max-evals' // the budget of right-hand-side evaluations ran out
  | 'event' // a terminal event occurred
  | 'step-too-small' // the step fell below hMin or below rounding of t
  | 'stiff' // the stiffness test kept firing (and onStiff asked to stop)
  | 'non-finite'; // the right-hand side produced NaN or Infinity

/**
 * The options every method takes (scipy's solve_ivp arguments). Each method
 * has its own options type that extends these (Dopri5Options, RkcOptions,
 * AutoOptions, GdOptions, OdexOptions); an option of another method is
 * refused with SolverOptionError. gd and odex refuse events, checkpoint and
 * resume (they have no dense output or no stepper state).
 */
export interface SolveOptions {
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance, scalar or per component (default 1e-9). */
  atol?: number | ArrayLike<number>;
  /** Maximum number of steps, accepted and rejected together (default 1e6). */
  maxSteps?: number;
  /**
   * Maximum number of right-hand-side evaluations, every stage of every method
   * and the spectral-radius estimates of rkc included (default 1e7). A step
   * that would pass it is not started: nfev never exceeds maxEvals.
   */
  maxEvals?: number;
  /** Initial step size (its magnitude; the direction is the span's); chosen automatically when absent. */
  h0?: number;
  /** Largest step size (default: the interval length). */
  hMax?: number;
  /** Smallest step size before giving up (default 0: only rounding of t limits it). */
  hMin?: number;
  /** Times, increasing and inside [t0, t1], at which the solution is reported (dense output). */
  tEval?: ArrayLike<number>;
  /**
   * Called after every accepted step with the new state and dy = f(t, y), the
   * last right-hand side evaluated (first-same-as-last); return true to stop.
   */
  stop?: (t: number, y: Float64Array, dy: Float64Array) => boolean;
  /**
   * Event functions, in scipy's sense (solve_ivp's `events`): the zeros of
   * g(t, y(t)) are located on each step's dense output by Brent's method to
   * near machine precision and reported in tEvents / yEvents.
   */
  events?: EventSpec[];
  /** Write the integration state between steps (see SolveState); resume from it with `resume`. */
  checkpoint?: CheckpointHook;
  /** Continue an integration from a state written through `checkpoint` (same f, span, y0 and options). */
  resume?: SolveState;
}

/** Hairer's stiffness test as Dormand–Prince runs it (stiffness.ts): dopri5, and auto's first phase. */
export interface StiffnessTestOptions {
  /** Test for stiffness every this many accepted steps (default 1000, Hairer's NSTIFF; "auto": every step). */
  stiffCheckEvery?: number;
  /** Consecutive positive stiffness tests that count as stiff (default 15, Hairer's). */
  stiffPatience?: number;
}

/** How rkc, and auto's RKC phase, estimate the spectral radius of the Jacobian. */
export interface SpectralOptions {
  /**
   * The exact Jacobian-vector product of f, when the caller has one (a
   * gradient flow: minus a Hessian-vector product). The spectral radius then
   * comes from Lanczos on it instead of a power iteration on finite
   * differences; the Jacobian is assumed symmetric.
   */
  jvp?: Jvp;
}

/** Method "dopri5": Dormand–Prince 5(4). */
export interface Dopri5Options extends SolveOptions, StiffnessTestOptions {
  /**
   * Called when the stiffness test has fired `stiffPatience` accepted steps in
   * a row; return true to stop with status 'stiff', false to go on. Without it
   * the integrator stops, as Hairer's DOPRI5 does.
   */
  onStiff?: (t: number, y: Float64Array) => boolean;
}

/** Method "rkc": Runge–Kutta–Chebyshev. */
export interface RkcOptions extends SolveOptions, SpectralOptions {
  /**
   * Where the step's vector arithmetic runs: "wasm" (SIMD kernels, the vectors
   * in wasm memory) or "js" (TypeScript loops); the same bits either way. By
   * default wasm where it loads, for 64 components or more, unless DMFLOW_KERNEL=js.
   */
  arithmetic?: 'wasm' | 'js';
}

/** Method "auto": Dormand–Prince, Runge–Kutta–Chebyshev once the stiffness test fires, and back once RKC's steps are no longer stability-limited (auto.ts). */
export interface AutoOptions extends SolveOptions, StiffnessTestOptions, SpectralOptions {
  /** Called at each switch, with the time and the method switched to: "rkc", or "dopri5" when auto switches back. */
  onSwitch?: (t: number, method: string) => void;
}

/** Method "gd": gradient descent (explicit Euler with a fixed step), reported at t = k lr. */
export interface GdOptions extends SolveOptions {
  /** Learning rate: the fixed step (required). */
  lr?: number;
  /** Projection applied in place after every step (projected gradient descent); none by default. */
  project?: (y: Float64Array) => void;
}

/** Method "odex": Gragg–Bulirsch–Stoer extrapolation (the odex package), the shared options only. */
export type OdexOptions = SolveOptions;

/**
 * An event: a zero of g(t, y(t)). A zero counts when g changes sign over a
 * step (or reaches 0 exactly at its end) in the given direction: +1 only
 * rising (g from < 0 to >= 0), -1 only falling, 0 (default) both. A zero at
 * the very start of the integration is not an event, so that restarting at a
 * located event does not find it again. Two zeros of one g inside one step
 * cancel out and are missed, as in scipy.
 */
export interface EventSpec {
  /** Must not keep references to y (a scratch array). */
  g(t: number, y: Float64Array): number;
  /** Stop the integration at the first zero (status 'event'). */
  terminal?: boolean;
  direction?: -1 | 0 | 1;
}

/**
 * The whole state of an integration between two steps, as plain data
 * (numbers, arrays and Float64Arrays): the stepper's (t, y, step size,
 * controller and stiffness memory, counters) and the loop's bookkeeping
 * (output times reached, states saved, events found).
 */
export interface SolveState {
  method: string;
  stepper: Record<string, unknown>;
  nextEval: number;
  tEval: number[];
  yEval: Float64Array[];
  gPrev: number[];
  tEvents: number[][];
  yEvents: Float64Array[][];
}

export interface CheckpointHook {
  /** Asked after every accepted step that does not end the integration: write a state now? */
  due(t: number): boolean;
  /**
   * Receives the state when due() said so and, with final = true, once more when the
   * integration ends for any reason (the state after the last accepted step, resumable).
   */
  save(state: SolveState, final: boolean): void;
}

export interface SolveResult {
  status: SolveStatus;
  /** Time reached. */
  t: number;
  /** State at t (a fresh array). */
  y: Float64Array;
  /** Right-hand side evaluations. */
  nfev: number;
  /** Accepted steps. */
  naccept: number;
  /** Rejected steps. */
  nreject: number;
  /** Human-readable reason for the status. */
  message: string;
  /** The tEval times reached, and the states there. */
  tEval: number[];
  yEval: Float64Array[];
  /** Number of times the stiffness test declared the problem stiff. */
  stiffDetections: number;
  /**
   * The last step size tried, signed as in Hairer's codes: t grows by h, so
   * it is negative when integrating backwards; gd: lr; odex: NaN (not reported).
   */
  h: number;
  /** With options.events: per event, the times of its zeros, and the states there. */
  tEvents?: number[][];
  yEvents?: Float64Array[][];
}

export type Integrator<O extends SolveOptions = SolveOptions> = (
  f: Rhs,
  span: readonly [number, number],
  y0: ArrayLike<number>,
  options?: O,
) => SolveResult;
