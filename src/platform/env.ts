// Environment variables where the runtime has them (Node's process.env), and
// none in a browser, which has no process: library code reads its settings
// (DMFLOW_KERNEL, DMFLOW_MAX_MEMORY, ...) through this, never process.env.

/** Environment variables by name; the shape of process.env without naming Node's types. */
export type Environment = Readonly<Record<string, string | undefined>>;

const EMPTY: Environment = Object.freeze({});

export function environment(): Environment {
  return (globalThis as { process?: { env?: Environment } }).process?.env ?? EMPTY;
}
