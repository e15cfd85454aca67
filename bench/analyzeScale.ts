// npx tsx bench/analyzeScale.ts: `dmflow analyze` at the size of a real completion problem
// (issue 18): 1000 x 1000 target, 20,000 observed entries, depth 3, in two patterns:
// random (one group: the kernel norms) and 50 fully observed 20 x 20 diagonal blocks
// (50 groups: the off-group norm too). Spawns the bin under /usr/bin/time -v and prints
// wall time and peak resident memory. Prints figures, asserts nothing; the target is
// under 30 s and 1 GB each. On a shared machine the times are noisy: say so when quoting them.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/src/cli/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dmflow-analyze-'));
const base = { target: { kind: 'low-rank', size: [1000, 1000], rank: 5, seed: 1 }, depth: 3, init: { kind: 'gaussian', std: 0.03, seed: 3 } };
const cases = {
  'random 20,000 of 1000 x 1000 (one group)': { ...base, observed: { kind: 'random', count: 20000, seed: 2 } },
  '50 diagonal 20 x 20 blocks = 20,000 (50 groups)': { ...base, observed: { kind: 'block-diagonal', blocks: Array(50).fill(20) } },
};
const timer = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
if (!timer) console.log('(no /usr/bin/time here: wall time only)');
for (const [name, spec] of Object.entries(cases)) {
  const file = join(dir, `${name.split(' ')[0]}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const start = performance.now();
  const r = timer
    ? spawnSync(timer, ['-v', process.execPath, BIN, 'analyze', file], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(process.execPath, [BIN, 'analyze', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - start) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  const out = r.status === 0 ? JSON.parse(r.stdout) : null;
  console.log(`${name}: exit ${r.status}, ${wall.toFixed(1)} s wall` + (rss ? `, peak RSS ${(Number(rss) / 1024).toFixed(0)} MB` : ''));
  if (out) console.log(`  index ${out.coupling.index}, ||K||_F ${out.kernel.frobenius}, off-group ${out.kernel.offGroupFrobenius}, unobserved ${out.unobservedKernel.frobenius}, entry by entry: [${out.summedEntryByEntry}]`);
  else console.log(`  ${r.stderr.split('\n').find((l) => l.startsWith('dmflow:'))}`);
}
