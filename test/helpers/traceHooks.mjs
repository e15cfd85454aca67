// Module hooks for traceModules.mjs (they run on the loader thread).
import { writeSync } from 'node:fs';

const seen = new Set();
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(result.url);
  if (m && !seen.has(m[1])) {
    seen.add(m[1]);
    writeSync(2, `dmflow-trace: ${m[1]}\n`);
  }
  return result;
}
