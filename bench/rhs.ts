// Right-hand-side evaluations per second of the gradient vector field, by
// size d (square d x d target, 30% observed) and depth. Figures only.

import { buildProblem, gradientField, type FieldImpl } from '../src/index.js';

export function benchRhs(sizes = [2, 10, 30, 100], depths = [2, 3, 4], seconds = 0.5, impl: FieldImpl = 'typescript'): { d: number; depth: number; perSecond: number }[] {
  const rows: { d: number; depth: number; perSecond: number }[] = [];
  for (const d of sizes) {
    for (const depth of depths) {
      const p = buildProblem({
        target: { kind: 'low-rank', size: [d, d], rank: Math.min(d, 3), seed: 1 },
        observed: { kind: 'random', count: Math.max(1, Math.round(0.3 * d * d)), seed: 2 },
        depth,
        init: { kind: 'gaussian', std: 0.1, seed: 3 },
      });
      const field = gradientField(p, impl);
      const dy = new Float64Array(p.y0.length);
      // Warm up the JIT, then count evaluations in a fixed wall time.
      for (let i = 0; i < 20; i++) field.rhs(0, p.y0, dy);
      let count = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < seconds * 1000) {
        for (let i = 0; i < 10; i++) field.rhs(0, p.y0, dy);
        count += 10;
        elapsed = performance.now() - start;
      }
      rows.push({ d, depth, perSecond: count / (elapsed / 1000) });
    }
  }
  return rows;
}
