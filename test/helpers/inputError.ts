// The message of the InputError that `build(spec)` throws, checked to be one line.

import { expect } from 'vitest';
import { InputError } from '../../src/index.js';

// The spec is deliberately wrong, so it is passed as the type `build` takes.
export function inputErrorOf<T>(build: (spec: T) => unknown, spec: unknown): string {
  try {
    build(spec as T);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected an InputError');
}
