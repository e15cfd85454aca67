// A page has no files to checkpoint to: runPasses.ts calls these only for
// options.checkpoint, which is refused on that option.

import { InputError } from '../model/errors.js';
import type * as NodeSide from './checkpoint.js';

const refuse = (): never => {
  throw new InputError('--checkpoint', 'expected no checkpoint in a browser (it has no files to write one to)');
};

export const runHash: typeof NodeSide.runHash = refuse;
export const readCheckpoint: typeof NodeSide.readCheckpoint = refuse;
export const writeCheckpoint: typeof NodeSide.writeCheckpoint = refuse;
