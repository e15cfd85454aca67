// Issue 17: the worst relative error per quantity of the theorem module
// against the 50-digit reference (test/helpers/reference50.ts), over N random
// draws per family across the stated domain. The draws and comparisons are
// those of test/theoremReference.test.ts, run with more draws:
//   npx tsx bench/theoremAccuracy.ts [--runs 10000] [--perlayer-runs 10000] [--seed 17] [--only <test name pattern>]
// prints the worst error per quantity (a failure above 1e-12 also prints the
// shrunk case and seed). The per-layer reference integrates its tails at 50
// digits (about 0.3-1 s a draw): --perlayer-runs sets its count separately.

import { spawnSync } from 'node:child_process';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const runs = arg('--runs', '10000');
const env = {
  ...process.env,
  REFERENCE_RUNS: runs,
  REFERENCE_PERLAYER_RUNS: arg('--perlayer-runs', runs),
  REFERENCE_SEED: arg('--seed', '17'),
  REFERENCE_REPORT: '1',
};
const t0 = Date.now();
const only = arg('--only', '');
const r = spawnSync('npx', ['vitest', 'run', 'test/theoremReference.test.ts', '--reporter=dot', ...(only ? ['-t', only] : [])], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const out = r.stdout ?? '';
const line = out.split('\n').find((l) => l.includes('worst relative error per family'));
console.log(`draws per family: ${env.REFERENCE_RUNS} (per-layer: ${env.REFERENCE_PERLAYER_RUNS}), seed ${env.REFERENCE_SEED}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
if (line) {
  const worst = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, number>;
  for (const [k, v] of Object.entries(worst)) console.log(`${k.padEnd(56)} ${v === null ? 'NaN' : v.toExponential(2)}`);
}
if (r.status !== 0) { console.log(out.split('\n').slice(-40).join('\n')); process.exitCode = 1; }
