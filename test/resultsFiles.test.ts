// Results files: dmflow never changes a file that is not its own, reads any
// size line by line, summarizes failures honestly, and bounds what inputs cost.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canonical, expandCells, forEachResult, parseSweep, readResults, resultsHeader, runSweep,
  summarize, summarizeFile, summaryCsv, type SweepSpec,
} from '../src/index.js';
import { prepareForAppend } from '../src/experiments/resultsFile.js';
import { readLines } from '../src/experiments/lineReader.js';
import { cli } from './helpers/cli.js';
import { expectedSweepLine } from './helpers/sweepLine.js';

const dir = mkdtempSync(join(tmpdir(), 'dmflow-results-'));
const base = {
  target: [[1, 1], [1, 1]], observed: [[1, 0], [0, 1]], depth: 2,
  init: { kind: 'gaussian', productScale: 0.1, seed: 0 }, solver: { rtol: 1e-8, atol: 1e-11, lossTol: 1e-12 },
};
const small = { base, grid: { depth: [2, 3] }, trials: 2 };
const smallFile = join(dir, 'small.json');
writeFileSync(smallFile, JSON.stringify(small));

/** Copy every file of `files` before, to compare byte for byte after. */
function snapshot(files: string[]): () => void {
  const copies = files.map((f) => { const c = `${f}.before`; copyFileSync(f, c); return c; });
  return () => files.forEach((f, i) => expect(readFileSync(f).equals(readFileSync(copies[i])), `${f} changed`).toBe(true));
}

function oneLineError(r: { status: number | null; stderr: string }, pattern: RegExp) {
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
}

describe('a file that is not ours is refused and left byte for byte', () => {
  it('a text file without a trailing newline (issue 18: its last line used to be deleted)', () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'my notes\nsecond line without newline');
    const same = snapshot([notes]);
    oneLineError(cli(['sweep', smallFile, '--out', notes]), /^dmflow: .*notes\.txt: expected a dmflow results file of this sweep .*got a file whose first line is "my notes"/);
    same();
    expect(existsSync(`${notes}.lock`)).toBe(false);
  });

  it('results of another sweep, results without the header, a damaged line in the middle', async () => {
    const other = join(dir, 'other.jsonl');
    await runSweep(parseSweep({ ...small, trials: 3 }), { out: other, workers: 1 });
    const legacy = join(dir, 'legacy.jsonl');
    writeFileSync(legacy, readFileSync(other, 'utf8').split('\n').slice(1).join('\n'));
    const mine = join(dir, 'mine.jsonl');
    await runSweep(parseSweep(small), { out: mine, workers: 1 });
    const lines = readFileSync(mine, 'utf8').split('\n');
    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(damaged, [lines[0], lines[1].slice(0, 30), ...lines.slice(2)].join('\n').replace(/\n$/, '') + '{"cell": {"dep');
    const foreign = join(dir, 'foreign.jsonl');
    writeFileSync(foreign, [lines[0], JSON.stringify({ cell: { depth: 7, trial: 0 }, result: {} }), ''].join('\n'));
    const blob = join(dir, 'blob.bin');
    writeFileSync(blob, Buffer.alloc(200_000, 7));
    const same = snapshot([other, legacy, damaged, foreign, blob]);
    oneLineError(cli(['sweep', smallFile, '--out', blob]), /blob\.bin: expected a dmflow results file of this sweep .*got a file whose first line is longer than 64 KiB; it was left as it was$/);
    oneLineError(cli(['sweep', smallFile, '--out', other]), /expected a dmflow results file of this sweep .*got the results of another sweep/);
    oneLineError(cli(['sweep', smallFile, '--out', legacy]), /expected a dmflow results file of this sweep .*got a file whose first line is "\{\\"cell\\"/);
    oneLineError(cli(['sweep', smallFile, '--out', damaged]), /damaged\.jsonl:2: expected one result .* per line, got ".*"; only a damaged last line is repaired, so the file was left as it was/);
    oneLineError(cli(['sweep', smallFile, '--out', foreign]), /foreign\.jsonl:2: expected a cell of this sweep/);
    same();
  });

  it('--out equal to an input is refused: the sweep file, a warm-start result, a merge input', () => {
    const sweepCopy = join(dir, 'self.json');
    writeFileSync(sweepCopy, JSON.stringify(small));
    const pre = join(dir, 'pre-result.json');
    writeFileSync(pre, cli(['run', smallFileSpec(), '--save-layers']).stdout);
    const warm = join(dir, 'warm.json');
    writeFileSync(warm, JSON.stringify({ base: { ...base, init: { kind: 'from-result', path: 'pre-result.json' } }, grid: {}, trials: 1 }));
    const same = snapshot([sweepCopy, pre]);
    oneLineError(cli(['sweep', sweepCopy, '--out', sweepCopy]), /^dmflow: --out: expected a file other than the inputs/);
    oneLineError(cli(['sweep', warm, '--out', pre]), /^dmflow: --out: expected a file other than the inputs/);
    oneLineError(cli(['merge', '--sweep', sweepCopy, '--out', sweepCopy, pre]), /^dmflow: --out: expected a file other than the inputs/);
    same();
  });

  it('an empty file is taken (nothing to damage) and gets the header; a damaged last line of ours is cut, nothing else', async () => {
    const out = join(dir, 'empty.jsonl');
    writeFileSync(out, '');
    const sweepUnchanged = snapshot([smallFile]);
    expect(cli(['sweep', smallFile, '--out', out]).status).toBe(0);
    sweepUnchanged();
    const text = readFileSync(out, 'utf8');
    expect(JSON.parse(text.split('\n')[0])).toEqual(resultsHeader(parseSweep(small)));
    // Drop a line and append half of one: the resume cuts only the half line.
    const lines = text.split('\n');
    writeFileSync(out, [...lines.slice(0, 4), ''].join('\n') + lines[4].slice(0, 25));
    const r = cli(['sweep', smallFile, '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`${expectedSweepLine(out, 1, 3)}\n`);
    expect(readFileSync(out, 'utf8').startsWith([...lines.slice(0, 4), ''].join('\n'))).toBe(true);
    expect(readResults(out).map((l) => canonical(l.cell)).sort()).toEqual(expandCells(parseSweep(small)).map((c) => c.key).sort());
  });
});

describe('results written before productScale accounted for width (format 1)', () => {
  /** The results of `sweep` as dmflow < 0.2.0 wrote them: the same lines under a format-1 header. */
  async function formatOne(sweep: object, path: string): Promise<void> {
    await runSweep(parseSweep(sweep), { out: path, workers: 1 });
    const [header, ...rest] = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [JSON.stringify({ ...JSON.parse(header), format: 1 }), ...rest].join('\n'));
  }

  it('new files carry format 2', async () => {
    const out = join(dir, 'format2.jsonl');
    await runSweep(parseSweep(small), { out, workers: 1 });
    expect(JSON.parse(readFileSync(out, 'utf8').split('\n')[0]).format).toBe(2);
  });

  it('are refused for resume, in one line naming the change, when the sweep uses productScale (base, grid key or grid value); merge refuses them too', async () => {
    const byStd = { ...base, init: { kind: 'gaussian', std: 0.1, seed: 0 } };
    const sweeps = {
      base: small,
      gridKey: { base: { ...base, init: { kind: 'gaussian', seed: 0 } }, grid: { 'init.productScale': [0.1, 0.01] }, trials: 1 },
      gridValue: { base: byStd, grid: { init: [{ kind: 'gaussian', std: 0.2 }, { kind: 'gaussian', productScale: 0.2 }] }, trials: 1 },
    };
    for (const [name, sweep] of Object.entries(sweeps)) {
      const sweepPath = join(dir, `old-${name}.json`);
      writeFileSync(sweepPath, JSON.stringify(sweep));
      const old = join(dir, `old-${name}.jsonl`);
      await formatOne(sweep, old);
      const lines = readFileSync(old, 'utf8').split('\n');
      writeFileSync(old, lines.slice(0, -2).join('\n') + '\n'); // one cell missing: a resume would run it
      const same = snapshot([old]);
      const refusal = /^dmflow: .*old-\w+\.jsonl: expected results written by dmflow >= 0\.2\.0 \(format 2\) for a sweep that uses productScale, got format 1: init\.productScale set the entry std to productScale\^\(1\/L\) regardless of width before dmflow 0\.2\.0 .*; write to a new file \(this one was left as it was\)$/;
      oneLineError(cli(['sweep', sweepPath, '--out', old]), refusal);
      oneLineError(cli(['merge', '--sweep', sweepPath, '--out', join(dir, `merged-${name}.jsonl`), old]), refusal);
      same();
    }
  });

  it('are resumed when the sweep does not use productScale (its numbers are the same under both formats)', async () => {
    const byStd = { base: { ...base, init: { kind: 'gaussian', std: 0.1, seed: 0 } }, grid: { depth: [2, 3] }, trials: 2 };
    const sweepPath = join(dir, 'old-std.json');
    writeFileSync(sweepPath, JSON.stringify(byStd));
    const old = join(dir, 'old-std.jsonl');
    await formatOne(byStd, old);
    const whole = readFileSync(old, 'utf8');
    const lines = whole.split('\n');
    writeFileSync(old, lines.slice(0, -2).join('\n') + '\n');
    const r = cli(['sweep', sweepPath, '--out', old]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/; 1 run now, 3 already in /);
    // The cell run again is byte for byte the one dropped.
    expect(readFileSync(old, 'utf8')).toBe(whole);
  });
});

function smallFileSpec(): string {
  const p = join(dir, 'base-spec.json');
  writeFileSync(p, JSON.stringify(base));
  return p;
}

/** A results file of a few MB: real cells, each carrying a long synthetic trajectory. */
function bigResults(sweep: SweepSpec, path: string, cellBytes: number): void {
  const cells = expandCells(sweep);
  const parts = [JSON.stringify(resultsHeader(sweep))];
  cells.forEach((c, i) => {
    const trajectory = Array.from({ length: Math.ceil(cellBytes / 60) }, (_, k) => ({ t: k * 0.5, loss: 1 / (k + 1), singularValues: [1 + i / 7, 0.001 * k] }));
    const bad = i % 7 === 3;
    parts.push(JSON.stringify({
      cell: c.cell,
      result: { status: i % 5 === 1 ? 'max-steps' : 'converged', effectiveRank: bad ? 0 : 1 + (i % 3) / 10, loss: bad ? null : 1e-13 * (1 + i), t: 10 + i, nfev: 100 + i, reconstructionError: 0.5 + i / 1000, singularValues: bad ? [null, null] : [2, 0.01], trajectory },
    }));
  });
  writeFileSync(path, parts.join('\n') + '\n');
}

describe('streaming: line by line in small chunks', () => {
  const sweep = parseSweep({ base, grid: { depth: [2, 3, 4], 'init.productScale': [0.1, 0.01] }, trials: 10 });
  const big = join(dir, 'big.jsonl');
  bigResults(sweep, big, 50_000);

  it('reads a few-MB file with a 4 KiB chunk exactly as split would', () => {
    const text = readFileSync(big, 'utf8');
    expect(text.length).toBeGreaterThan(2_000_000);
    const expected = text.split('\n').slice(0, -1);
    const got: string[] = [];
    const offsets: number[] = [];
    const s = readLines(big, (line, info) => { got.push(line); offsets.push(info.offset); }, { chunkBytes: 4096 });
    expect(got).toEqual(expected);
    expect(s.tailOffset).toBeNull();
    // Offsets point at the line starts.
    let at = 0;
    expected.forEach((l, i) => { expect(offsets[i]).toBe(at); at += Buffer.byteLength(l) + 1; });
    // A chunk that splits multi-byte characters and lines shorter than a chunk.
    const utf = join(dir, 'utf.txt');
    writeFileSync(utf, 'αβγ\n\nδ€😀x\nlast');
    const lines: string[] = [];
    const u = readLines(utf, (l) => { lines.push(l); }, { chunkBytes: 3 });
    expect(lines).toEqual(['αβγ', '', 'δ€😀x', 'last']);
    expect(u.tailOffset).toBe(Buffer.byteLength('αβγ\n\nδ€😀x\n'));
  });

  it('summarizes the streamed file as the in-memory summary does, counting failed and non-finite cells', () => {
    const streamed = summarizeFile(big, undefined, { chunkBytes: 4096 });
    expect(streamed.by).toEqual(['depth', 'init.productScale']);
    const lines: { cell: Record<string, unknown>; result: Record<string, unknown> }[] = [];
    forEachResult(big, (r) => lines.push(r));
    expect(summaryCsv(streamed.rows, streamed.by)).toBe(summaryCsv(summarize(lines, streamed.by), streamed.by));
    // Check counts and means against a direct computation.
    for (const row of streamed.rows) {
      const members = lines.filter((l) => l.cell.depth === row.keys[0] && l.cell['init.productScale'] === row.keys[1]);
      expect(row.n).toBe(members.length);
      expect(row.failed).toBe(members.filter((l) => l.result.status !== 'converged').length);
      const finite = members.filter((l) => (l.result.singularValues as unknown[]).every((x) => typeof x === 'number'));
      expect(row.nonFinite).toBe(members.length - finite.length);
      const mean = finite.reduce((a, l) => a + (l.result.effectiveRank as number), 0) / finite.length;
      expect(row.metrics.effectiveRank![0]).toBeCloseTo(mean, 12);
    }
    expect(streamed.rows.reduce((a, r) => a + r.nonFinite, 0)).toBeGreaterThan(0);
    // The CLI prints the same table (grouped by every grid key without --by).
    const r = cli(['summarize', big]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(summaryCsv(streamed.rows, streamed.by));
  });

  it('resume reads it in small chunks, and cuts a damaged tail at the right byte', () => {
    const copy = join(dir, 'big-copy.jsonl');
    const text = readFileSync(big, 'utf8');
    writeFileSync(copy, text + '{"cell":{"depth":2,"init.pro');
    const done = prepareForAppend(copy, sweep, new Set(expandCells(sweep).map((c) => c.key)), { chunkBytes: 4096 });
    expect(done.size).toBe(60);
    expect(readFileSync(copy, 'utf8')).toBe(text);
  });

  it('summarize on the CLI: NaN cells are counted, not averaged as effective rank 0', () => {
    const out = join(dir, 'nan.jsonl');
    const sw = parseSweep(small);
    const cells = expandCells(sw);
    writeFileSync(out, [JSON.stringify(resultsHeader(sw)), ...cells.map((c, i) => JSON.stringify({
      cell: c.cell, result: i === 0 ? { status: 'diverged', effectiveRank: 0, loss: null, t: 1, nfev: 10, singularValues: [null, null], reconstructionError: null } : { status: 'converged', effectiveRank: 1.5, loss: 1e-13, t: 2, nfev: 20, singularValues: [1, 0.5], reconstructionError: 0.1 },
    })), ''].join('\n'));
    const r = cli(['summarize', out]);
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header.split(',').slice(0, 6)).toEqual(['depth', 'n', 'failed', 'nonfinite', 'effectiveRank_mean', 'effectiveRank_std']);
    expect(rows[0].split(',').slice(0, 6)).toEqual(['2', '2', '1', '1', '1.5', '0']);
    expect(rows[1].split(',').slice(0, 6)).toEqual(['3', '2', '0', '0', '1.5', '0']);
    expect(cli(['summarize', out, '--by', '']).stdout.trim().split('\n')[1].split(',').slice(0, 4)).toEqual(['4', '1', '1', '1.5']);
  });
});

describe('every cost bounded', () => {
  it('grid keys must be field paths of the spec', () => {
    for (const [key, pattern] of [
      ['__proto__.polluted', /^dmflow: sweep\.grid\["__proto__\.polluted"\]: expected a field path of the spec, got the reserved name "__proto__"$/],
      ['init.constructor', /reserved name "constructor"/],
      ['prototype', /reserved name "prototype"/],
      ['solver.rtoll', /^dmflow: sweep\.grid\["solver\.rtoll"\]: expected a field path of the spec such as .*got "solver\.rtoll", which the spec does not have$/],
      ['trial', /got "trial", which the spec does not have/],
    ] as const) {
      const f = join(dir, 'badgrid.json');
      writeFileSync(f, JSON.stringify({ base, grid: { [key]: [1, 2] } }));
      const out = join(dir, 'badgrid.jsonl');
      oneLineError(cli(['sweep', f, '--out', out]), pattern);
      expect(existsSync(out)).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('every cell\'s seed is checked before the first cell runs', () => {
    const f = join(dir, 'seeds.json');
    writeFileSync(f, JSON.stringify({ base: { ...base, init: { ...base.init, seed: 2 ** 53 - 3 } }, grid: { depth: [2, 3] }, trials: 5 }));
    const out = join(dir, 'seeds.jsonl');
    oneLineError(cli(['sweep', f, '--out', out]), /^dmflow: sweep cell \{"depth":2,"trial":3\}, spec\.init\.seed: expected a seed that stays a safe integer .*got 9007199254740992$/);
    expect(existsSync(out)).toBe(false);
  });

  it('--workers above the core count is capped with a message', () => {
    const out = join(dir, 'workers.jsonl');
    const r = cli(['sweep', smallFile, '--out', out, '--workers', '200']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`--workers 200 capped at ${availableParallelism()}, the cores of this machine`);
  });

  it('inputs above the size limit are refused before they are read: files, /dev/zero, stdin, results', () => {
    const spec = smallFileSpec();
    oneLineError(cli(['run', spec], { env: { ...process.env, DMFLOW_MAX_INPUT_BYTES: '100' } }), /^dmflow: spec: expected at most 100 B \(DMFLOW_MAX_INPUT_BYTES\), got .* in /);
    const zero = cli(['run', '/dev/zero'], { env: { ...process.env, DMFLOW_MAX_INPUT_BYTES: String(2 ** 20) }, timeout: 20_000 });
    oneLineError(zero, /^dmflow: spec: expected at most 1\.0 MiB \(DMFLOW_MAX_INPUT_BYTES\), got more than 1\.0 MiB in \/dev\/zero$/);
    // stdin: "-" reads it, bounded the same way.
    const viaStdin = cli(['run', '-'], { input: JSON.stringify(base) });
    expect(viaStdin.status).toBe(0);
    expect(JSON.parse(viaStdin.stdout).status).toBe('converged');
    oneLineError(cli(['run', '-'], { input: 'x'.repeat(5000), env: { ...process.env, DMFLOW_MAX_INPUT_BYTES: '1000' } }), /^dmflow: spec: expected at most 1000 B .*got more than 1000 B in stdin$/);
    const out = join(dir, 'limit.jsonl');
    expect(cli(['sweep', smallFile, '--out', out]).status).toBe(0);
    const same = snapshot([out]);
    oneLineError(cli(['summarize', out], { env: { ...process.env, DMFLOW_MAX_RESULTS_BYTES: '200' } }), /^dmflow: results: expected at most 200 B \(DMFLOW_MAX_RESULTS_BYTES\), got /);
    oneLineError(cli(['sweep', smallFile, '--out', out], { env: { ...process.env, DMFLOW_MAX_RESULTS_BYTES: '200' } }), /^dmflow: --out: expected at most 200 B/);
    same();
  });
});

describe('conventions', () => {
  it('--version, -V and bare dmflow', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
    const bare = cli([]);
    expect(bare.status).toBe(0);
    expect(bare.stdout).toBe(cli(['--help']).stdout);
    for (const command of ['run', 'sweep', 'summarize', 'merge', 'analyze']) expect(bare.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('error texts tell expected from got', () => {
    const spec = join(dir, 'ragged.json');
    writeFileSync(spec, JSON.stringify({ ...base, init: { kind: 'layers', layers: [[[1, 0], [0, 1, 2]], [[1, 0], [0, 1]]] } }));
    oneLineError(cli(['run', spec]), /^dmflow: spec\.init\.layers\[0\]\[1\]: expected layer W_1 of shape 2x2 \(2 entries per row\), got 3 entries in row 1$/);
    writeFileSync(spec, JSON.stringify({ ...base, init: null }));
    oneLineError(cli(['run', spec]), /^dmflow: spec\.init: expected object, got null$/);
    writeFileSync(spec, JSON.stringify({ ...base, solver: 'fast' }));
    oneLineError(cli(['run', spec]), /^dmflow: spec\.solver: expected object, got the string "fast"$/);
  });
});

// Keep the directory listing honest: no lock or temporary file is ever left behind.
describe('no leftovers', () => {
  it('no .lock or .tmp file remains in the test directory', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp') || f.includes('.takeover'))).toEqual([]);
  });
});
