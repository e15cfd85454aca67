// The one interface every integrator in dmflow implements. Integrators know
// nothing about matrices: they see a state vector and a right-hand side.

/** Right-hand side: writes f(t, y) into dy. Must not allocate. */
export type Rhs = (t: number, y: Float64Array, dy: Float64Array) => void;

/** Why an integration ended. */
export type SolveStatus =
  | 'done' // reached the end of the interval
  | 'stopped' // the stop predicate returned true
  | 'max-steps' // the step budget ran out
  | 'step-too-small' // the step fell below hMin or below rounding of t
  | 'stiff' // the stiffness test kept firing (and onStiff asked to stop)
  | 'non-finite'; // the right-hand side produced NaN or Infinity

export interface SolveOptions {
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance, scalar or per component (default 1e-9). */
  atol?: number | ArrayLike<number>;
  /** Maximum number of steps, accepted and rejected together (default 1e6). */
  maxSteps?: number;
  /** Initial step; chosen automatically when absent. */
  h0?: number;
  /** Largest step (default: the interval length). */
  hMax?: number;
  /** Smallest step before giving up (default 0: only rounding of t limits it). */
  hMin?: number;
  /** Times, increasing and inside [t0, t1], at which the solution is reported (dense output). */
  tEval?: ArrayLike<number>;
  /**
   * Called after every accepted step with the new state and dy = f(t, y), the
   * last right-hand side evaluated (first-same-as-last); return true to stop.
   */
  stop?: (t: number, y: Float64Array, dy: Float64Array) => boolean;
  /**
   * Called when the stiffness test has fired `stiffPatience` accepted steps in
   * a row; return true to stop with status 'stiff', false to go on. Without it
   * the integrator stops, as Hairer's DOPRI5 does.
   */
  onStiff?: (t: number, y: Float64Array) => boolean;
  /** Called when a method that combines integrators ("auto") hands over to another one, with the time and the new method's name. */
  onSwitch?: (t: number, method: string) => void;
  /** Test for stiffness every this many accepted steps (default 1000, Hairer's NSTIFF). */
  stiffCheckEvery?: number;
  /** Consecutive positive stiffness tests that count as stiff (default 15, Hairer's). */
  stiffPatience?: number;
  /** Fixed step of the discrete methods (gradient descent's learning rate). */
  lr?: number;
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
  /** Last step size tried. */
  h: number;
}

export type Integrator = (
  f: Rhs,
  span: readonly [number, number],
  y0: ArrayLike<number>,
  options?: SolveOptions,
) => SolveResult;
