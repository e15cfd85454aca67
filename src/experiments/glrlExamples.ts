// Embedded GLRL problems for `dmflow glrl --example <name>`.

import type { GlrlSpec } from '../model/spec.js';

type GlrlExample = GlrlSpec & { description: string };

const precise = { method: 'auto', rtol: 1e-10, atol: 1e-12, lossTol: 1e-16 } as const;

// Target u u^T + w w^T / 4 with u = 1, w = (1, -1, 1, -1, 0): PSD, rank 2.
const u = [1, 1, 1, 1, 1];
const w = [1, -1, 1, -1, 0];
const psdTarget = u.map((a, i) => u.map((b, j) => a * b + 0.25 * w[i] * w[j]));
const psdMask = psdTarget.map((row, i) => row.map((_, j) => (Math.abs(i - j) <= 1 || (i + j) % 3 === 0 ? 1 : 0) as 0 | 1));

export const GLRL_EXAMPLES: Record<string, GlrlExample> = {
  'counter-example': {
    description: '2x2, W11 = 1, W12 = W21 = 2 observed, W22 not: GLRL (and the small-init flow) complete W22 = 4 (rank 1, nuclear norm 5); the minimum-nuclear-norm completion is W22 = 1 (nuclear norm 4)',
    target: [[1, 2], [2, 4]],
    observed: [[1, 1], [1, 0]],
    solver: precise,
  },
  'rank-3': {
    description: '6x6 rank-3 random target, 30 random observations: three greedy stages',
    target: { kind: 'low-rank', size: [6, 6], rank: 3, seed: 4 },
    observed: { kind: 'random', count: 30, seed: 1 },
    solver: precise,
  },
  psd: {
    description: '5x5 PSD rank-2 target, symmetric mask: the symmetric variant W = U U^T, two stages',
    target: psdTarget,
    observed: psdMask,
    solver: precise,
    glrl: { variant: 'symmetric' },
  },
};

/** The spec of an embedded example (without its description). */
export function glrlExample(name: string): { spec: GlrlSpec } | undefined {
  const e = GLRL_EXAMPLES[name];
  if (!e) return undefined;
  const { description: _description, ...spec } = e;
  return { spec };
}
