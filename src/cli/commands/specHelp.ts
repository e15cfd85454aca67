// The keys of the input files, for the commands' --help (plain text: --help
// loads no library module). test/specErrors.test.ts checks every key named
// here against the schemas, and every key of the schemas against this text.

export const SPEC_HELP = `
Spec (JSON object). Required: target, observed, depth, init. Optional: width, solver, save, groups, model.
  target     rows of numbers | {"kind": "ones", "size": [m, n], "scale"?}
             | {"kind": "low-rank", "size": [m, n], "rank", "seed"?}
  observed   0/1 rows | {"kind": "all"} | {"kind": "entries", "entries": [[i, j], ...]}
             | {"kind": "block-diagonal", "blocks": [q1, ...]} | {"kind": "random", "count", "seed"?}
  depth      L >= 1
  init       {"kind": "gaussian", "std" or "productScale", "seed"?} | {"kind": "identity-plus-ones", "a", "b"?}
             | {"kind": "layers", "layers": [W_1, ..., W_L]} | {"kind": "from-result", "path"}
  width      hidden width (default max(m, n))
  solver     all optional: method, rtol, atol, tMax, lossTol, lossRelTol, gradTol, maxSteps, maxEvals,
             h0, hMax, lr, divergeAt, maxWallTime, plateauStop, stopOn, spectralEstimate
  save       all optional: times, layers, samples
  groups     [[[i, j], ...], ...]: a partition of the observed entries
  model      {"kind": "deep"} (the default) | {"kind": "udv" | "udu", "rank"?, "ball"?, "radius"?}
             (udv/udu: no depth, width or groups; init {"kind": "gaussian", "std", "seed"?} or layers [U, d, V])
"?" marks an optional key. Every key with its default and range: docs/specs.md.`;

export const GLRL_HELP = `
GLRL spec (JSON object): a run spec whose depth and init may be left out. Required: target, observed.
Optional: depth, width, init, solver, save, groups, model, and
  glrl       all optional: variant ("asymmetric" | "symmetric"), epsilon, maxRank, stageGradTol
Every key with its default and range: docs/specs.md and docs/glrl.md.`;

export const SWEEP_HELP = `
Sweep file (JSON object). Required: base. Optional: grid, trials, trialSeeds.
  base       a run spec (dmflow run --help); the grid may fill in its keys
  grid       {"dotted.path": [values, ...], ...}: the cartesian product (default {})
  trials     runs per grid point (default 1)
  trialSeeds "all" (default): trial k adds k to every "seed" (target, mask and init);
             "init": to the init's seed only (same target and mask, another initialization)
docs/sweeps.md has the details.`;

export const CONJECTURE_HELP = `
Conjecture file (JSON object). Required: generate, claim. Optional: given, runs, seed.
  generate   a run spec in which any value may be a generator: {"int": [lo, hi]}, {"uniform": [lo, hi]},
             {"logUniform": [lo, hi]}, {"oneOf": [v1, v2, ...]}
  claim      a mathjs expression over the run result, "spec" and "theorem" that must be true
  given      an expression; instances where it is false are discarded
  runs       instances (default 100)
  seed       fast-check's seed (default 0)
docs/conjectures.md has the details.`;
