// Reading a file that a spec names (init "from-result"): relative to the
// spec's folder, bounded in size (inputFile.ts). A browser build substitutes
// files.browser.ts, which has no files to read.

import { resolve } from 'node:path';
import { readTextBounded } from '../model/inputFile.js';

/** The text of `path` resolved against `baseDir` (default: the working directory); InputError on `field` when unreadable. */
export function readSpecFile(path: string, baseDir: string | undefined, field: string, what: string): string {
  return readTextBounded(resolve(baseDir ?? process.cwd(), path), field, undefined, what);
}
