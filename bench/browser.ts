// The explorer page against the CLI on bench/workloads.ts's 50x50 rank-3
// instance, measured in one run: `DMFLOW_KERNEL=wasm dmflow run` (the built
// bin, a child process) and the page in headless chromium served by
// `dmflow explore` (#spec=...&run=1 until #result has a status). Both end to
// end (process start or page load included) and the integration alone (the
// page's worker times runProblem; the CLI's in-process twin here times the
// same call). Also the page's drawing rate while the states stream in.
// Prints figures; asserts nothing. `npx tsx bench/browser.ts` alone.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/index.js';
import { launchBrowser, newPage, specHash, startExplore, waitResult, whyNoBrowser } from '../test/helpers/browser.js';
import { largeSpecs } from './workloads.js';

const bin = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));

export async function benchBrowser(repeats = 3): Promise<{ ratio: number } | null> {
  const spec = largeSpecs['50x50 rank 3'];
  console.log('\nExplorer page vs CLI: the 50x50 rank-3 instance (bench/workloads.ts), wasm kernel, median of', repeats);
  const why = whyNoBrowser();
  if (why) { console.log(`  skipped: ${why}`); return null; }
  const file = join(mkdtempSync(join(tmpdir(), 'dmflow-bench-web-')), 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  const cliWall: number[] = [], cliRun: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'run', file], { encoding: 'utf8', env: { ...process.env, DMFLOW_KERNEL: 'wasm' }, maxBuffer: 1 << 28 });
    cliWall.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`dmflow run failed: ${r.stderr}`);
    const t1 = performance.now();
    run(spec, { fieldImpl: 'wasm' });
    cliRun.push((performance.now() - t1) / 1000);
  }

  const server = await startExplore();
  const browser = await launchBrowser();
  const pageWall: number[] = [], pageRun: number[] = [], draws: number[] = [];
  let status = '';
  try {
    for (let i = 0; i < repeats; i++) {
      const { page, errors } = await newPage(browser);
      const t0 = performance.now();
      await page.goto(`${server.url}${specHash(spec, '&run=1')}`);
      const r = await waitResult(page, 600_000);
      pageWall.push((performance.now() - t0) / 1000);
      pageRun.push(r.runMs / 1000);
      status = r.status;
      draws.push(Number(await page.locator('#fps').getAttribute('data-best')));
      if (errors.length) console.log(`  page errors: ${errors.join('; ')}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const ratio = median(pageWall) / median(cliWall);
  console.log(`  dmflow run (bin, DMFLOW_KERNEL=wasm), end to end: ${median(cliWall).toFixed(2)} s; runProblem in process: ${median(cliRun).toFixed(2)} s`);
  console.log(`  page (chromium, module worker), load to result: ${median(pageWall).toFixed(2)} s; runProblem in the worker: ${median(pageRun).toFixed(2)} s (status ${status})`);
  console.log(`  ratio page / CLI: end to end ${ratio.toFixed(2)}x, integration alone ${(median(pageRun) / median(cliRun)).toFixed(2)}x (goal: at most 2x: ${ratio <= 2 ? 'met' : 'MISSED'})`);
  console.log(`  page drawing while the states streamed: best ${Math.max(...draws).toFixed(0)} draws/s (median of runs ${median(draws).toFixed(0)}; goal >= 20)`);
  return { ratio };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchBrowser();
