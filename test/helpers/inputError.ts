// The message of the InputError that `build(spec)` throws, checked to be one line.

import { expect } from 'vitest';
import { InputError } from '../../src/index.js';

export function inputErrorOf(build: (spec: unknown) => unknown, spec: unknown): string {
  try {
    build(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected an InputError');
}
