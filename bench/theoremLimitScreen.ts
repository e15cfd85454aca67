// Does `dmflow limit` answer every spec the block-diagonal family claims?
// Random specs over the family's stated domain (theorems/blockDiagonal.md:
// n 1..4 blocks of size q 1..3, depth 1..16, balanced or per-layer a_l, b_l,
// alpha^L in [1e-300, 1], c_l = 0 or log-uniform in [1e-6, 1e6], s in
// [1e-6, 1e6], per-layer spreads of up to 10^+-3 with exact ties and extreme
// spreads drawn on purpose), built as the CLI builds them; each is first
// checked to be covered (coveringTheorem), then its limit is printed the way
// `limit` prints it: a refusal is a value that is not finite (the CLI's exit 2).
// Counts refusals and 'inexact' statuses, by n = 1 / n > 1 and by route.
// With `fc` the per-layer draws come from fast-check's generator of
// test/theoremReference.test.ts instead (n 1..4, q 1..3, depth 2..16): its
// bias draws exact ties, spreads of exactly +-3 and c = 1 far more often
// (log-divergent ties whose Lam leaves the double range).
//   npx tsx bench/theoremLimitScreen.ts [draws=1000] [seed=1] [uniform|fc]

import fc from 'fast-check';
import { nonFinitePaths } from '../src/cli/commands/shared.js';
import { buildProblem, coveringTheorem, theoremLimit, Rng, type Spec } from '../src/index.js';

const draws = Number(process.argv[2] ?? 1000), seed = Number(process.argv[3] ?? 1);
const fromFastCheck = process.argv[4] === 'fc';
const rng = new Rng(seed);
const logUniformFc = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true }).map((e) => 10 ** e);
const couplingFc = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 7, arbitrary: logUniformFc(-6, 6) });
const fcInstance = fc.integer({ min: 2, max: 16 }).chain((L) => fc.record({
  n: fc.integer({ min: 1, max: 4 }), q: fc.integer({ min: 1, max: 3 }), L: fc.constant(L),
  log10Scale: fc.double({ min: -300, max: 0, noNaN: true }), s: logUniformFc(-6, 6),
  spread: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: L, maxLength: L }),
  cs: fc.array(couplingFc, { minLength: L, maxLength: L }),
}));
const fcDraws = fromFastCheck ? fc.sample(fcInstance, { numRuns: draws, seed }) : [];
const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
const int = (lo: number, hi: number) => lo + Math.floor(rng.uniform() * (hi - lo + 1));
const coupling = () => (rng.uniform() < 1 / 8 ? 0 : 10 ** uniform(-6, 6));
/** A per-layer offset in decades: a tie (0) or an extreme (+-3) one time in five each, else uniform. */
const spread = () => { const u = rng.uniform(); return u < 0.2 ? 0 : u < 0.3 ? 3 : u < 0.4 ? -3 : uniform(-3, 3); };

const counts = { drawn: 0, notCovered: 0, refused: 0, inexact: 0, threw: 0 };
const byGroup: Record<string, { drawn: number; refused: number; inexact: number }> = {};
const examples: string[] = [];
const t0 = Date.now();
for (let i = 0; i < draws; i++) {
  const x = fcDraws[i];
  const n = x ? x.n : int(1, 4), q = x ? x.q : int(1, 3), L = x ? x.L : int(1, 16), s = x ? x.s : 10 ** uniform(-6, 6);
  const balanced = x ? false : rng.uniform() < 0.5;
  const log10Scale = x ? x.log10Scale : uniform(-300, 0);
  let a: number[], b: number[];
  if (x) {
    a = x.spread.map((e) => 10 ** (log10Scale / L + e));
    b = a.map((v, l) => v * x.cs[l]);
  } else if (balanced) {
    const alpha = 10 ** (log10Scale / L), c = coupling();
    a = new Array(L).fill(alpha); b = new Array(L).fill(alpha * c);
  } else {
    a = Array.from({ length: L }, () => 10 ** (log10Scale / L + spread()));
    b = a.map((x) => x * coupling());
  }
  const d = n * q;
  const spec: Spec = {
    target: { kind: 'ones', size: [d, d], scale: s },
    observed: { kind: 'block-diagonal', blocks: new Array(n).fill(q) },
    depth: L,
    init: { kind: 'identity-plus-ones', a, b },
  };
  counts.drawn++;
  const covered = coveringTheorem(buildProblem(spec));
  if ('reasons' in covered || covered.family.name !== 'block-diagonal') { counts.notCovered++; continue; }
  const group = `n${n === 1 ? '=1' : '>1'} ${balanced ? 'balanced' : 'per-layer'} L${L === 1 ? '=1' : L === 2 ? '=2' : '>=3'}`;
  const g = (byGroup[group] ??= { drawn: 0, refused: 0, inexact: 0 });
  g.drawn++;
  try {
    const lim = theoremLimit(spec);
    const bad = nonFinitePaths(lim);
    if (bad.length > 0) {
      counts.refused++; g.refused++;
      if (examples.length < 5) examples.push(`draw ${i} refused (${bad.slice(0, 3).join(', ')}): ${JSON.stringify(spec)}`);
    }
    if (lim.status !== 'exact') {
      counts.inexact++; g.inexact++;
      if (examples.length < 10) examples.push(`draw ${i} inexact: ${JSON.stringify(spec)}`);
    }
  } catch (err) {
    counts.threw++;
    if (examples.length < 10) examples.push(`draw ${i} threw ${(err as Error).message}: ${JSON.stringify(spec)}`);
  }
}
console.log(`theoremLimitScreen: ${draws} draws (${fromFastCheck ? 'fast-check' : 'uniform'}), seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(JSON.stringify(counts));
for (const [k, v] of Object.entries(byGroup).sort()) console.log(`${k.padEnd(28)} drawn ${String(v.drawn).padStart(4)}  refused ${String(v.refused).padStart(4)}  inexact ${String(v.inexact).padStart(4)}`);
for (const e of examples) console.log(e);
