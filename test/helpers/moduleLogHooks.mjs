// Module hooks that print every module Node loads to stderr, one "loaded <url>"
// per line: the start-up tests read which packages a command pulls in.
import { writeSync } from 'node:fs';

export async function load(url, context, next) {
  writeSync(2, `loaded ${url}\n`);
  return next(url, context);
}
