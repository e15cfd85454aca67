// Docs that cannot rot: every command and every spec shown in README.md and
// docs/*.md runs against the built bin, from a fresh directory holding a copy
// of examples/, with the exit code the text gives; every output the docs show
// is compared with what the command prints (numbers to 1e-6 relative, or to
// the tolerance the output's marker states). The conventions are in
// docs/internals.md ("Docs that run") and test/helpers/docExamples.ts.
//
// Cost: the same command on the same input files (the Fig. 1 sweep, say, in
// three documents) runs once; later documents get its exit code, stdout and
// the files it wrote. That is exact because dmflow is deterministic (same
// spec and seed, same bytes), and the key holds the content of every file the
// command names. Two documents run at a time.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { docExamples, jsonDifference, textDifference, type DocExample } from './helpers/docExamples.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Numbers a command prints in full agree to rounding; rounded ones state their own rtol. */
const RTOL = 1e-6, ATOL = 1e-12;
const PARALLEL_DOCUMENTS = 2;

const documents = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** A directory with examples/ and a `dmflow` on PATH that runs the built bin. */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'dmflow-docs-'));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'dmflow'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'dmflow'), 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  // The docs show what a user gets by default: no forced kernel.
  delete env.DMFLOW_KERNEL;
  return { dir, env };
}

/** Every file under dir (but .bin) as relative path -> sha256 of its bytes. */
function snapshot(dir: string, sub = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(dir, sub))) {
    const rel = sub ? `${sub}/${name}` : name;
    if (rel === '.bin') continue;
    if (statSync(join(dir, rel)).isDirectory()) for (const [k, v] of snapshot(dir, rel)) out.set(k, v);
    else out.set(rel, createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex'));
  }
  return out;
}

interface Outcome { status: number | null; stdout: string; stderr: string; written: Map<string, Buffer> }
const cache = new Map<string, Promise<Outcome>>();
let executed = 0, reused = 0;

function execute(command: string, dir: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs a command in dir, or replays an identical earlier run (same command, same content of the files it names). */
async function runCommand(command: string, dir: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const before = snapshot(dir);
  // A trailing comment (no quote after the #) does not change what runs.
  const bare = command.replace(/\s+#[^'"]*$/, '');
  const named = bare.split(/[\s'"=<>|]+/).filter((tok) => before.has(tok)).sort();
  const key = [bare, ...named.map((f) => `${f}:${before.get(f)}`)].join('\n');
  let outcome = cache.get(key);
  if (outcome) reused++;
  else {
    executed++;
    outcome = execute(command, dir, env).then((r) => {
      const written = new Map<string, Buffer>();
      for (const [f, hash] of snapshot(dir)) if (before.get(f) !== hash) written.set(f, readFileSync(join(dir, f)));
      return { ...r, written };
    });
    cache.set(key, outcome);
    return outcome;
  }
  const o = await outcome;
  for (const [f, bytes] of o.written) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), bytes);
  }
  return o;
}

/** Runs one document's examples in order, in one directory (later commands read earlier files); returns how many ran. */
async function runDocument(doc: string, examples: DocExample[]): Promise<number> {
  const { dir, env } = sandbox();
  let last: { where: string; command: string; stdout: string } | null = null;
  let ran = 0;
  try {
    for (const [k, ex] of examples.entries()) {
      const where = `${doc}:${ex.line}`;
      if (ex.kind === 'skip') continue;
      if (ex.kind === 'output') {
        expect(last, `${where}: an output block with no command before it`).not.toBeNull();
        const rtol = ex.rtol ?? RTOL;
        const diff = ex.lang === 'json'
          ? jsonDifference(JSON.parse(last!.stdout), JSON.parse(ex.text), rtol, ATOL, ex.subset)
          : textDifference(last!.stdout, ex.text, rtol, ATOL);
        expect(diff, `${where}: the output shown differs from what \`${last!.command}\` (${last!.where}) prints`).toBeNull();
        continue;
      }
      let command: string;
      if (ex.kind === 'command') command = ex.command;
      else {
        const file = `doc-${k}.json`;
        writeFileSync(join(dir, file), ex.text);
        command = ex.as === 'sweep' ? `dmflow sweep ${file} --out doc-${k}.jsonl` : `dmflow ${ex.as} ${file}`;
      }
      const r = await runCommand(command, dir, env);
      ran++;
      expect(r.status, `${where}: \`${command}\` exited ${r.status} (expected ${ex.exit}); stderr: ${r.stderr.slice(0, 400)}`).toBe(ex.exit);
      last = { where, command, stdout: r.stdout };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ran;
}

/** At most n documents at a time. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((go) => waiting.push(go));
    active++;
    try { return await task(); } finally { active--; waiting.shift()?.(); }
  };
}

describe.concurrent('docs: every example runs as shown', () => {
  const slot = limiter(PARALLEL_DOCUMENTS);
  let total = 0, skipped = 0, documentsRun = 0;
  for (const doc of documents) {
    const examples = docExamples(readFileSync(join(ROOT, doc), 'utf8'));
    if (examples.length === 0) continue;
    skipped += examples.filter((e) => e.kind === 'skip').length;
    it(doc, async () => {
      const ran = await slot(() => runDocument(doc, examples));
      total += ran;
      documentsRun++;
    }, 1_200_000);
  }
  it('README.md shows commands to run', () => {
    expect(docExamples(readFileSync(join(ROOT, 'README.md'), 'utf8')).filter((e) => e.kind === 'command').length).toBeGreaterThan(10);
    expect(existsSync(join(ROOT, 'examples'))).toBe(true);
  });
  afterAll(() => {
    process.stderr.write(`docs.test: ${total} examples ran from ${documentsRun} documents (${executed} commands executed, ${reused} served from an identical earlier command; ${skipped} blocks marked not run)\n`);
  });
});

describe('docs: the comparison catches a wrong number', () => {
  it('in a JSON output', () => {
    expect(jsonDifference({ t: 2553.12, status: 'converged' }, { t: 2553.12 }, RTOL, ATOL, true)).toBeNull();
    expect(jsonDifference({ t: 2553.12, status: 'converged' }, { t: 2553.13 }, RTOL, ATOL, true)).toMatch(/\$\.t/);
    expect(jsonDifference({ t: 2553.12 }, { t: 2553 }, 1e-3, ATOL, true)).toBeNull();
    expect(jsonDifference({ t: 2553.12 }, { t: 2549 }, 1e-3, ATOL, true)).toMatch(/\$\.t/);
  });
  it('in a text output', () => {
    expect(textDifference('depth,n\n2,3,4.372\n', 'depth,n\n2,3,4.372', RTOL, ATOL)).toBeNull();
    expect(textDifference('depth,n\n2,3,4.372', 'depth,n\n2,3,4.373', RTOL, ATOL)).toMatch(/number 3/);
    expect(textDifference('depth,n\n2,3,4.372', 'depth,m\n2,3,4.372', RTOL, ATOL)).toMatch(/line 1/);
    expect(textDifference('a 1 b', 'a 1 b 2', RTOL, ATOL)).not.toBeNull();
  });
  it('exit codes and markers are read from the text', () => {
    const ex = docExamples([
      '```sh', 'dmflow run a.json   # exit 1: why', 'npm ci', '```', '',
      '<!-- output subset rtol 1e-3 -->', '```json', '{"t": 1}', '```', '',
      '<!-- not run: a server -->', '```sh', 'dmflow explore', '```',
    ].join('\n'));
    expect(ex).toEqual([
      { kind: 'command', line: 2, command: 'dmflow run a.json   # exit 1: why', exit: 1 },
      { kind: 'output', line: 7, lang: 'json', text: '{"t": 1}', subset: true, rtol: 1e-3 },
      { kind: 'skip', line: 12, why: 'a server' },
    ]);
  });
});
