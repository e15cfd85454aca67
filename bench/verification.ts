// The measurement behind the verification threshold (src/experiments/verify.ts,
// docs/runs.md "Verification"): every spec of the random population
// (test/helpers/randomSpecs.ts: sizes 2-12, depths 1-5, all mask kinds) is run
// with verification, i.e. at its rtol and again at rtol/100 with the same
// absolute lossTol, and the distance between the two end states is recorded.
//   npx tsx bench/verification.ts [--runs 400] [--seed 25] [--log verification.jsonl] [--max-time 60] [--third]
// One JSON line per spec goes to --log (a rerun skips the specs already in it);
// the summary prints the distances among runs converged at both tolerances
// (quantiles), the ratio distance / (rtol + residual) that the threshold is a
// multiple of, and the specs flagged sensitive; --third runs each flagged spec
// again at rtol/1e4 (same lossTol) and prints the three pairwise distances.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { buildProblem } from '../src/model/problem.js';
import { run } from '../src/experiments/run.js';
import { targetEnergy } from '../src/experiments/stopRules.js';
import { relativeDistance, VERIFY_MARGIN, verificationThreshold, type Verification } from '../src/experiments/verify.js';
import { randomSpec } from '../test/helpers/randomSpecs.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('--runs', '400'));
const seed = Number(arg('--seed', '25'));
const log = arg('--log', 'verification.jsonl');
const maxTime = Number(arg('--max-time', '60'));

interface Row {
  index: number; label: string; status: string; repeatStatus: string; t: number; repeatT: number;
  rtol: number; loss: number; repeatLoss: number; lossTol: number; scale: number;
  distance: number; threshold: number; sensitive: boolean; seconds: number;
}

const done = new Map<number, Row>();
if (existsSync(log)) {
  for (const line of readFileSync(log, 'utf8').split('\n')) if (line.trim()) { const r = JSON.parse(line) as Row; done.set(r.index, r); }
}
for (let i = 0; i < runs; i++) {
  if (done.has(i)) continue;
  const r = randomSpec(seed, i);
  const t0 = Date.now();
  const res = run(r.spec, { verify: true, maxWallTime: maxTime });
  const v = res.verification as Verification; // the population has no method gd
  const row: Row = {
    index: i, label: r.label, status: res.status, repeatStatus: v.repeat.status, t: res.t, repeatT: v.repeat.t,
    rtol: buildProblem(r.spec).spec.solver.rtol, loss: res.loss, repeatLoss: v.repeat.loss, lossTol: res.lossTol,
    scale: targetEnergy(buildProblem(r.spec)), distance: v.distance, threshold: v.threshold, sensitive: v.sensitive,
    seconds: (Date.now() - t0) / 1000,
  };
  appendFileSync(log, JSON.stringify(row) + '\n');
  done.set(i, row);
  process.stderr.write(`${i} ${row.status}/${row.repeatStatus} d=${row.distance.toExponential(2)} ${row.seconds.toFixed(1)}s ${r.label}\n`);
}

const rows = [...done.values()].filter((r) => r.index < runs);
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]; };
const e = (x: number) => x.toExponential(2);
// The scale the threshold is a multiple of, and the verdict, recomputed from the raw numbers (a log from an earlier threshold stays usable).
const scaleOf = (r: Row) => verificationThreshold(r.rtol, Math.max(r.loss, r.repeatLoss), r.scale, r.t === r.repeatT) / VERIFY_MARGIN;
const sensitive = (r: Row) => !(r.distance <= VERIFY_MARGIN * scaleOf(r));
const both = rows.filter((r) => r.status === 'converged' && r.repeatStatus === 'converged');
const d = both.map((r) => r.distance), ratio = both.map((r) => r.distance / scaleOf(r));
console.log(`specs: ${rows.length} (seed ${seed}); converged at both tolerances: ${both.length}`);
console.log(`distance among them: min ${e(Math.min(...d))}  q10 ${e(q(d, 0.1))}  median ${e(q(d, 0.5))}  q90 ${e(q(d, 0.9))}  q99 ${e(q(d, 0.99))}  max ${e(Math.max(...d))}`);
console.log(`distance / (rtol + sqrt(loss / scale), without the second term when both ended at the same t): median ${e(q(ratio, 0.5))}  q90 ${e(q(ratio, 0.9))}  q99 ${e(q(ratio, 0.99))}  max ${e(Math.max(...ratio))}  (threshold: ${VERIFY_MARGIN} x)`);
const statuses = new Map<string, number>();
for (const r of rows) statuses.set(`${r.status}/${r.repeatStatus}`, (statuses.get(`${r.status}/${r.repeatStatus}`) ?? 0) + 1);
console.log(`status (run/repeat): ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}`);
const flagged = rows.filter(sensitive);
console.log(`flagged sensitive: ${flagged.length} (${flagged.filter((r) => both.includes(r)).length} of them converged at both)`);
for (const r of flagged) console.log(`  #${r.index} ${r.label}: ${r.status}/${r.repeatStatus} distance ${e(r.distance)} threshold ${e(VERIFY_MARGIN * scaleOf(r))} ratio ${e(r.distance / scaleOf(r))}`);
const unflagged = rows.filter((r) => !sensitive(r)).sort((x, y) => y.distance / scaleOf(y) - x.distance / scaleOf(x));
console.log(`largest ratios not flagged: ${unflagged.slice(0, 4).map((r) => `#${r.index} ${e(r.distance / scaleOf(r))} (${r.status}/${r.repeatStatus}, ${r.label})`).join('; ')}`);
if (process.argv.includes('--third')) {
  for (const r of flagged) {
    const spec = randomSpec(seed, r.index).spec;
    const solver = (spec.solver ?? {}) as Record<string, unknown>;
    const at = (f: number) => run({ ...spec, solver: { ...solver, rtol: r.rtol / f, atol: (buildProblem(spec).spec.solver.atol) / f, lossTol: r.lossTol } }, { maxWallTime: maxTime });
    const [a, b, c] = [at(1), at(100), at(1e4)];
    console.log(`  #${r.index} third tolerance: d(rtol, rtol/100) ${e(relativeDistance(a.matrix, b.matrix))}, d(rtol/100, rtol/1e4) ${e(relativeDistance(b.matrix, c.matrix))}, d(rtol, rtol/1e4) ${e(relativeDistance(a.matrix, c.matrix))} (${a.status}/${b.status}/${c.status})`);
  }
}
const others = rows.filter((r) => !both.includes(r) && !sensitive(r)).map((r) => r.distance / scaleOf(r));
if (others.length) console.log(`not converged at both and not flagged: ${others.length}, ratio median ${e(q(others, 0.5))} max ${e(Math.max(...others))}`);
console.log(`seconds: total ${rows.reduce((a, r) => a + r.seconds, 0).toFixed(0)}, max ${Math.max(...rows.map((r) => r.seconds)).toFixed(1)}`);
