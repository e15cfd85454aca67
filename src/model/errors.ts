// Bad input is the user's to fix, so it is reported as one line naming the
// field and what was expected; the CLI prints it and exits with code 2.

export class InputError extends Error {
  constructor(
    /** Dotted path of the offending field, e.g. "spec.init.std". */
    readonly field: string,
    /** What was expected there. */
    readonly expected: string,
  ) {
    super(`${field}: ${expected}`);
    this.name = 'InputError';
  }
}

/** Format a path like ["target", 0, 1] as "spec.target[0][1]". */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let s = root;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return s;
}
