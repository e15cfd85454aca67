// `check` on random instances of every theorem family (test/helpers/theoremSpecs.ts),
// at the default tol and at 1e-8: a correct run must pass (docs/theorems.md, "check").
//   npx tsx bench/checkPopulation.ts [--runs 300] [--seed 25] [--tols 1e-6,1e-8] [--log check.jsonl]
// One JSON line per (instance, tol) goes to --log (a rerun skips those already in it);
// the summary prints, per family and tol, the passes, the largest deciding
// difference relative to tol, and every failure with the comparison that failed.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { checkSpec } from '../src/experiments/check.js';
import { theoremSpec } from '../test/helpers/theoremSpecs.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('--runs', '300'));
const seed = Number(arg('--seed', '25'));
const tols = arg('--tols', '1e-6,1e-8').split(',').map(Number);
const log = arg('--log', 'check.jsonl');

interface Row {
  index: number; tol: number; family: string; label: string; pass: boolean; status: string; t: number;
  worst: number; failed: string[]; sensitive: boolean | null; distance: number | null; seconds: number;
}

const key = (i: number, tol: number) => `${i}@${tol}`;
const done = new Map<string, Row>();
if (existsSync(log)) {
  for (const line of readFileSync(log, 'utf8').split('\n')) if (line.trim()) { const r = JSON.parse(line) as Row; done.set(key(r.index, r.tol), r); }
}
for (let i = 0; i < runs; i++) {
  for (const tol of tols) {
    if (done.has(key(i, tol))) continue;
    const inst = theoremSpec(seed, i);
    const t0 = Date.now();
    const rep = checkSpec(inst.spec, tol);
    const deciding = rep.comparisons.filter((c) => c.decides && c.compare !== 'verification');
    const v = rep.verification && 'distance' in rep.verification ? rep.verification : null;
    const row: Row = {
      index: i, tol, family: inst.family, label: inst.label, pass: rep.pass, status: rep.run.status, t: rep.run.t,
      worst: Math.max(...deciding.map((c) => c.diff)),
      failed: rep.comparisons.filter((c) => c.decides && !c.pass).map((c) => `${c.compare} at ${c.t === 'inf' ? 'inf' : 'T'}: ${c.diff.toExponential(2)} > ${c.tol.toExponential(2)}`),
      sensitive: v ? v.sensitive : null, distance: v ? v.distance : null, seconds: (Date.now() - t0) / 1000,
    };
    appendFileSync(log, JSON.stringify(row) + '\n');
    done.set(key(i, tol), row);
    process.stderr.write(`${i} tol ${tol} ${row.pass ? 'pass' : 'FAIL'} ${row.status} worst ${row.worst.toExponential(2)} ${row.seconds.toFixed(1)}s ${inst.label}\n`);
  }
}

const rows = [...done.values()].filter((r) => r.index < runs && tols.includes(r.tol));
for (const tol of tols) {
  for (const family of ['block-diagonal', 'first-column-2x2', 'trajectories']) {
    const rs = rows.filter((r) => r.tol === tol && r.family === family);
    if (!rs.length) continue;
    const worst = Math.max(...rs.map((r) => r.worst / tol));
    console.log(`tol ${tol} ${family}: ${rs.filter((r) => r.pass).length}/${rs.length} pass; largest deciding diff ${worst.toExponential(2)} x tol; statuses ${[...new Set(rs.map((r) => r.status))].join(', ')}`);
  }
}
console.log(`flagged sensitive: ${rows.filter((r) => r.sensitive === true).length} of ${rows.length}; largest verification distance ${Math.max(...rows.map((r) => r.distance ?? 0)).toExponential(2)}`);
for (const r of rows.filter((x) => !x.pass)) console.log(`FAIL #${r.index} tol ${r.tol} ${r.label}: ${r.status} at t = ${r.t.toExponential(2)}; ${r.failed.join('; ')}`);
console.log(`seconds: total ${rows.reduce((a, r) => a + r.seconds, 0).toFixed(0)}, max ${Math.max(...rows.map((r) => r.seconds)).toFixed(1)}`);
