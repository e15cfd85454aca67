// Docs that cannot rot: every command and every spec shown in README.md and
// docs/*.md runs against the built bin, from a fresh directory holding a copy
// of examples/, with the exit code the text gives; every output the docs show
// is compared with what the command prints (numbers to 1e-6 relative, or to
// the tolerance the output's marker states). The conventions are in
// docs/internals.md ("Docs that run") and test/helpers/docExamples.ts.

import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { docExamples, jsonDifference, textDifference, type DocExample } from './helpers/docExamples.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Numbers a command prints in full agree to rounding; rounded ones state their own rtol. */
const RTOL = 1e-6, ATOL = 1e-12;

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
  // The docs show what a user gets by default: no forced kernel, no progress lines.
  delete env.DMFLOW_KERNEL;
  return { dir, env };
}

/** Runs one document's examples in order, in one directory (later commands read earlier files); returns how many ran. */
function runDocument(doc: string, examples: DocExample[]): number {
  const { dir, env } = sandbox();
  let last: { where: string; command: string; stdout: string } | null = null;
  let ran = 0;
  try {
    examples.forEach((ex, k) => {
      const where = `${doc}:${ex.line}`;
      if (ex.kind === 'skip') return;
      if (ex.kind === 'output') {
        expect(last, `${where}: an output block with no command before it`).not.toBeNull();
        const rtol = ex.rtol ?? RTOL;
        const diff = ex.lang === 'json'
          ? jsonDifference(JSON.parse(last!.stdout), JSON.parse(ex.text), rtol, ATOL, ex.subset)
          : textDifference(last!.stdout, ex.text, rtol, ATOL);
        expect(diff, `${where}: the output shown differs from what \`${last!.command}\` (${last!.where}) prints`).toBeNull();
        return;
      }
      let command: string;
      if (ex.kind === 'command') command = ex.command;
      else {
        const file = `doc-${k}.json`;
        writeFileSync(join(dir, file), ex.text);
        command = ex.as === 'sweep' ? `dmflow sweep ${file} --out doc-${k}.jsonl` : `dmflow ${ex.as} ${file}`;
      }
      const r = spawnSync('bash', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 600_000 });
      ran++;
      expect(r.status, `${where}: \`${command}\` exited ${r.status} (expected ${ex.exit}); stderr: ${r.stderr.slice(0, 400)}`).toBe(ex.exit);
      last = { where, command, stdout: r.stdout };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ran;
}

describe('docs: every example runs as shown', () => {
  let total = 0, skipped = 0, documentsRun = 0;
  for (const doc of documents) {
    const examples = docExamples(readFileSync(join(ROOT, doc), 'utf8'));
    if (examples.length === 0) continue;
    skipped += examples.filter((e) => e.kind === 'skip').length;
    it(doc, () => {
      total += runDocument(doc, examples);
      documentsRun++;
    }, 1_200_000);
  }
  it('README.md has examples, and every document that has any ran', () => {
    expect(docExamples(readFileSync(join(ROOT, 'README.md'), 'utf8')).some((e) => e.kind === 'command')).toBe(true);
    expect(total).toBeGreaterThan(0);
  });
  afterAll(() => {
    process.stderr.write(`docs.test: ${total} examples ran from ${documentsRun} documents (${skipped} blocks marked not run)\n`);
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
