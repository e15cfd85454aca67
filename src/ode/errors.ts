// The one error type of the integrators' input checks: an option refused
// (out of range, inconsistent with another, or of another method). A
// RangeError, as these were before they had a type of their own; the CLI
// recognises it by type and prints its one-line message (exit 2).

export class SolverOptionError extends RangeError {
  constructor(
    /** The option refused, e.g. "rtol", "lr", "resume". */
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'SolverOptionError';
  }
}
