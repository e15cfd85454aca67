// Which npm packages' code a command ran: the bin run with V8's coverage on
// (NODE_V8_COVERAGE), so that the start-up tests can check that a command
// pays for no package it does not use. A package counts when code of its own
// ran: any function of a file loaded from node_modules/<package>, or, in the
// bundle the bin runs (dist/cli/bundle.js, scripts/bundle.mjs), a line that
// ran inside a function (a module body the bundle initializes lazily, or any
// function called) which the bundle's source map traces to
// node_modules/<package>/. Lines of the bundle's outermost function are left
// out: esbuild hoists there the declarations of every module (`var a, b;`,
// `var require_x = __commonJS(...)`), which cost nothing and run whether or
// not the module does.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from './cli.js';

interface Range { startOffset: number; endOffset: number; count: number }
interface ScriptCoverage { url: string; functions: { ranges: Range[] }[] }

const packageOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];

/** The packages whose code ran in the bundle, by the coverage of its functions and its source map. */
function bundlePackages(script: ScriptCoverage): Set<string> {
  const file = fileURLToPath(script.url);
  const source = readFileSync(file, 'utf8');
  const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  // The count at each offset: that of the innermost range holding it (ranges nest; smaller ones are painted last).
  // The script's top level and the bundle's wrapper both start at offset 0 or 1: theirs are not painted.
  const count = new Int32Array(source.length);
  const ranges = script.functions.filter((f) => f.ranges[0].startOffset > 1).flatMap((f) => f.ranges)
    .sort((a, b) => (b.endOffset - b.startOffset) - (a.endOffset - a.startOffset));
  for (const r of ranges) count.fill(r.count, r.startOffset, r.endOffset);
  const found = new Set<string>();
  let start = 0;
  source.split('\n').forEach((text, line) => {
    const col = text.trimEnd().length - 1;
    if (col >= 0 && count[start + col] > 0) {
      // esbuild maps the lines it writes for a module's own code; its runtime helpers have no mapping on their line.
      const entry = map.findEntry(line, col) as { generatedLine?: number; originalSource?: string };
      const p = entry.generatedLine === line ? packageOf(entry.originalSource ?? '') : undefined;
      if (p) found.add(p);
    }
    start += text.length + 1;
  });
  return found;
}

/** Run the bin with `args`; its exit status and the npm packages whose code ran. */
export function packagesRun(args: string[]): { status: number | null; stderr: string; packages: Set<string>; bundled: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-coverage-'));
  try {
    const r = cli(args, { env: { ...process.env, NODE_V8_COVERAGE: dir } });
    const packages = new Set<string>();
    let bundled = false;
    for (const f of readdirSync(dir)) {
      const { result } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { result: ScriptCoverage[] };
      for (const script of result) {
        if (!script.url.startsWith('file:')) continue;
        if (script.url.endsWith('/dist/cli/bundle.js')) {
          bundled = true;
          for (const p of bundlePackages(script)) packages.add(p);
          continue;
        }
        const p = packageOf(script.url);
        if (p && script.functions.some((fn) => fn.ranges.some((x) => x.count > 0))) packages.add(p);
      }
    }
    return { status: r.status, stderr: r.stderr, packages, bundled };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
