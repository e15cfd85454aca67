// The embedded default problem of `dmflow run` with no argument: the diagonal
// observation task (d = 4, target 1 1^T, only the diagonal seen), depth 3,
// identity-plus-ones init W_l = 0.3 I + 0.15 1 1^T (alpha = 0.3, c = 0.5).
// Depth 3 couples the diagonal entries through the off-diagonal init, so the
// flow completes the all-ones matrix towards low rank (Shin & Yun 2026).

import type { SpecInput } from '../model/spec.js';

export const DEFAULT_SPEC: SpecInput = {
  target: { kind: 'ones', size: [4, 4], scale: 1 },
  observed: { kind: 'block-diagonal', blocks: [1, 1, 1, 1] },
  depth: 3,
  init: { kind: 'identity-plus-ones', a: 0.3, b: 0.15 },
  // No method: the default (auto) runs Dormand–Prince throughout here, as the
  // stiffness test never fires on this small, well-conditioned flow.
  solver: { rtol: 1e-10, atol: 1e-12, tMax: 1e6, lossTol: 1e-18 },
};
