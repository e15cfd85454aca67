// A real browser for the explorer's tests and bench: Debian's chromium
// (apt-get install chromium; .ci/run installs it) driven headless by
// playwright-core, which downloads no browser, against `dmflow explore`
// serving dist/web on a free port of 127.0.0.1.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { BIN } from './cli.js';

export const CHROMIUM = process.env.DMFLOW_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null. */
export function whyNoBrowser(): string | null {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;
  return null;
}

/** `dmflow explore --port 0` as a child process, and the URL it printed. */
export async function startExplore(): Promise<{ url: string; child: ChildProcess; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'explore', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dmflow explore printed no URL in 20 s: ${out}${err}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`dmflow explore exited (${code}): ${out}${err}`)); });
  });
  const stop = () => new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) { resolve(child.exitCode); return; }
    child.once('exit', (code) => resolve(code));
    // Once: a second signal after the first one's clean exit began would kill it outright.
    if (!child.killed) child.kill('SIGTERM');
  });
  return { url, child, stop };
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // --no-sandbox: CI runs as root, where chromium refuses its sandbox.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** A page that records every console error and uncaught exception or rejection. */
export async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return { page, errors };
}

export const specHash = (spec: unknown, extra = '') => `#spec=${encodeURIComponent(JSON.stringify(spec))}${extra}`;

/** The result element once the page wrote a status into it. */
export async function waitResult(page: Page, timeoutMs = 300_000): Promise<{ status: string; text: string; kernel: string | null; runMs: number }> {
  const el = await page.waitForSelector('#result[data-status]', { timeout: timeoutMs });
  return {
    status: (await el.getAttribute('data-status'))!,
    text: (await el.textContent())!,
    kernel: await el.getAttribute('data-kernel'),
    runMs: Number(await el.getAttribute('data-run-ms')),
  };
}
