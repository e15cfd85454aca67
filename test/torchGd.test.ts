// The PyTorch peer of `npm run bench -- --vs-torch` must descend dmflow's loss:
// same value, same gradient, layers in the same order. Skipped where
// /usr/bin/python3 cannot import torch (it is never a dependency).
import { describe, expect, it } from 'vitest';
import { buildProblem, gradientField } from '../src/index.js';
import { instanceOf } from '../bench/workloads.js';
import { torchAvailable, torchGradients } from '../bench/vsTorch.js';

const hasTorch = torchAvailable();
if (!hasTorch) console.log('torchGd.test: /usr/bin/python3 cannot import torch, skipped');

describe.skipIf(!hasTorch)('bench/torch_gd.py', () => {
  it('has dmflow\'s loss and gradient (depths 1 to 4)', () => {
    // Non-square target and unequal widths: a transposed or reordered layer would show.
    const problems = [1, 2, 3, 4].map((depth) => buildProblem({
      target: { kind: 'low-rank', size: [3, 5], rank: 2, seed: 7 },
      observed: { kind: 'random', count: 9, seed: 8 },
      depth, width: 4,
      init: { kind: 'gaussian', std: 0.7, seed: 9 },
    }));
    const theirs = torchGradients(problems.map(instanceOf));
    problems.forEach((p, k) => {
      const field = gradientField(p, 'typescript');
      const dy = new Float64Array(p.y0.length);
      field.rhs(0, p.y0, dy);
      const ref = theirs[k];
      expect(ref.gradient.length).toBe(dy.length);
      expect(Math.abs(ref.loss - field.lastLoss)).toBeLessThanOrEqual(1e-13 * field.lastLoss);
      const scale = Math.max(...dy.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      // dmflow's field is minus the gradient.
      const worst = Math.max(...ref.gradient.map((g, i) => Math.abs(g + dy[i])));
      expect(worst, `depth ${p.depth}`).toBeLessThanOrEqual(1e-13 * scale);
    });
  }, 30_000);
});
