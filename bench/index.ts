// npm run bench: prints figures, asserts nothing.

import { benchArenstorf } from './arenstorf.js';
import { benchRhs } from './rhs.js';

const machine = `node ${process.version}, ${process.platform}/${process.arch}`;
console.log(`dmflow benchmarks (${machine})\n`);

console.log('Right-hand-side evaluations per second (d x d target, 30% observed, hidden width d)');
console.log('     d  depth      evals/s');
for (const r of benchRhs()) console.log(`${String(r.d).padStart(6)}  ${String(r.depth).padStart(5)}  ${r.perSecond.toExponential(3).padStart(11)}`);

console.log('\nArenstorf orbit, one period, Dormand–Prince 5(4)');
for (const tol of [1e-6, 1e-8, 1e-10]) {
  const a = benchArenstorf(tol);
  console.log(`  rtol = atol = ${tol.toExponential(0)}: nfev ${a.nfev}, steps ${a.steps}, rejected ${a.rejected}, return error ${a.returnError.toExponential(2)}, ${a.ms.toFixed(1)} ms`);
}
