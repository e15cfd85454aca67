// The browser build (scripts/buildWeb.mjs): the library bundles with no Node
// built-in, every Node-specific leaf replaced by its .browser.ts variant, and
// a module that needs Node makes the build fail, naming the importer.

import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without declarations
import { common, nodeInputs } from '../scripts/buildWeb.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every foo.browser.ts under src/, as its Node sibling foo.ts. */
function variants(dir = join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return variants(p);
    return e.name.endsWith('.browser.ts') ? [relative(root, p)] : [];
  });
}

const bundle = (entry: string) => esbuild.build({ ...common(), entryPoints: [join(root, entry)], write: false, outdir: join(root, 'tmp-never-written') });

describe('the browser bundle', () => {
  it('of src/browser.ts pulls in no Node built-in, and takes each .browser.ts variant instead of its Node module', async () => {
    const r = await bundle('src/browser.ts');
    const inputs = Object.keys(r.metafile!.inputs);
    expect(nodeInputs(r.metafile)).toEqual([]);
    expect(inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
    const found = variants();
    for (const v of found) {
      const nodeSide = v.replace(/\.browser\.ts$/, '.ts');
      // A variant is bundled only where its module is reached; the Node module never is.
      expect(inputs, nodeSide).not.toContain(nodeSide);
    }
    // Each variant is there because the core reaches its module.
    for (const v of found) expect(inputs, v).toContain(v);
  });

  it('fails, naming the importer, when a module that needs Node is bundled', async () => {
    await expect(bundle('src/experiments/sweep.ts')).rejects.toThrow(/Node built-in "node:[a-z_]+" imported by src\/experiments\/(sweep|fileLock|resultsFile|lineReader)\.ts/);
  });
});
