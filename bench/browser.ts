// The explorer page against the CLI on bench/workloads.ts's 50x50 rank-3
// instance, measured in one run: `DMFLOW_KERNEL=wasm dmflow run` (the built
// bin, a child process) and the page in headless chromium served by
// `dmflow explore` (#spec=...&run=1 until #result has a status). Both end to
// end (process start or page load included) and the integration alone (the
// page's worker times runProblem; the CLI's in-process twin here times the
// same call). Also the page's drawing rate while the states stream in.
// Prints figures; asserts nothing. `npx tsx bench/browser.ts` alone.
//
// How the page is timed, and why:
// - From page.goto to the moment the page writes the status into #result, read
//   by the page itself (Date.now() there, against Date.now() here before the
//   navigation: the one system clock): Playwright's waitForSelector polls at
//   intervals of up to 500 ms, which would add its own latency to the page's time.
// - Each load is in a new tab opened SETTLE_MS before: headless Chromium's own
//   window UI (its omnibox WebUI renderer) spends about 1.2 s of CPU when a tab
//   opens, measured with /proc on this 2-core machine; that is the browser
//   opening a tab, not the page, and a user's browser has its tab open.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/index.js';
import { launchBrowser, newPage, specHash, startExplore, waitResult, whyNoBrowser } from '../test/helpers/browser.js';
import { largeSpecs } from './workloads.js';

const bin = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));
/** How long a new tab is left to settle before the page is loaded into it. */
const SETTLE_MS = 2000;

export async function benchBrowser(repeats = 3): Promise<{ ratio: number } | null> {
  const spec = largeSpecs['50x50 rank 3'];
  console.log('\nExplorer page vs CLI: the 50x50 rank-3 instance (bench/workloads.ts), wasm kernel, median of', repeats);
  const why = whyNoBrowser();
  if (why) { console.log(`  skipped: ${why}`); return null; }
  const file = join(mkdtempSync(join(tmpdir(), 'dmflow-bench-web-')), 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  const cliWall: number[] = [], cliRun: number[] = [];
  const pageWall: number[] = [], pageRun: number[] = [], openWall: number[] = [], openRun: number[] = [], draws: number[] = [];
  const paired: number[] = [];
  let status = '';
  const server = await startExplore();
  const browser = await launchBrowser();
  try {
    // One CLI run and one page load a repeat, in turn: this machine's speed drifts
    // by 10-15% over minutes, and the ratio is of runs made at the same time.
    for (let i = 0; i < repeats; i++) {
      const c0 = performance.now();
      const r = spawnSync(process.execPath, [bin, 'run', file], { encoding: 'utf8', env: { ...process.env, DMFLOW_KERNEL: 'wasm' }, maxBuffer: 1 << 28 });
      cliWall.push((performance.now() - c0) / 1000);
      if (r.status !== 0) throw new Error(`dmflow run failed: ${r.stderr}`);
      const c1 = performance.now();
      run(spec, { fieldImpl: 'wasm' });
      cliRun.push((performance.now() - c1) / 1000);

      const { page, errors } = await newPage(browser);
      // The wall-clock time at which the page wrote the result's status.
      await page.addInitScript(() => {
        new MutationObserver(() => {
          const el = document.getElementById('result');
          if (el?.dataset.status) (globalThis as { dmflowStatusAt?: number }).dmflowStatusAt = Date.now();
        }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
      });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const t0 = Date.now();
      await page.goto(`${server.url}${specHash(spec, '&run=1')}`);
      const first = await waitResult(page, 600_000);
      const statusAt = await page.evaluate(() => (globalThis as { dmflowStatusAt?: number }).dmflowStatusAt ?? NaN);
      pageWall.push((statusAt - t0) / 1000);
      pageRun.push(first.runMs / 1000);
      paired.push(pageWall[i] / cliWall[i]);
      status = first.status;
      draws.push(Number(await page.locator('#fps').getAttribute('data-best')));
      // The same run again on the open page (reset, play): its worker was started
      // when the first run ended, so it starts with the library loaded.
      await page.waitForFunction(() => document.getElementById('v-coupling')?.textContent?.includes('at t = 0'), undefined, { timeout: 600_000 });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await page.click('#reset');
      await page.waitForFunction(() => !document.getElementById('result')!.dataset.status && document.getElementById('status')!.textContent === 'idle');
      const t1 = await page.evaluate(() => {
        const at = Date.now();
        document.getElementById('play')!.click();
        return at;
      });
      const again = await waitResult(page, 600_000);
      const againAt = await page.evaluate(() => (globalThis as { dmflowStatusAt?: number }).dmflowStatusAt ?? NaN);
      if (!(againAt > t1)) throw new Error(`bench/browser.ts: the second run's result came before its play click (${againAt} <= ${t1})`);
      openWall.push((againAt - t1) / 1000);
      openRun.push(again.runMs / 1000);
      if (errors.length) console.log(`  page errors: ${errors.join('; ')}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const ratio = median(pageWall) / median(cliWall);
  console.log(`  dmflow run (bin, DMFLOW_KERNEL=wasm), end to end: ${median(cliWall).toFixed(2)} s; runProblem in process: ${median(cliRun).toFixed(2)} s`);
  console.log(`  page (chromium, module worker, a new tab settled ${SETTLE_MS / 1000} s), load to result (as the page saw it): ${median(pageWall).toFixed(2)} s; runProblem in the worker: ${median(pageRun).toFixed(2)} s (status ${status})`);
  console.log(`  the same run again on the open page (reset, play), click to result: ${median(openWall).toFixed(2)} s; runProblem in the worker: ${median(openRun).toFixed(2)} s`);
  const again = median(openWall) / median(cliWall);
  console.log(`  ratio page / CLI: page load to result ${ratio.toFixed(2)}x (median of the repeats' own ratios ${median(paired).toFixed(2)}x), a run on the open page ${again.toFixed(2)}x; integration alone ${(median(pageRun) / median(cliRun)).toFixed(2)}x and ${(median(openRun) / median(cliRun)).toFixed(2)}x (goal: at most 2x: ${Math.max(ratio, again) <= 2 ? 'met' : 'MISSED'})`);
  console.log(`  page drawing while the states streamed: best ${Math.max(...draws).toFixed(0)} draws/s (median of runs ${median(draws).toFixed(0)}; goal >= 20)`);
  return { ratio };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchBrowser();
