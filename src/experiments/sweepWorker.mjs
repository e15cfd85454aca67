// Worker entry for the TypeScript sources (tests, bench, notebooks): a plain
// ES module that lets tsx (a dev dependency) load the TypeScript worker. The
// built package runs dist/src/experiments/sweepWorker.js instead, without tsx.
import { register } from 'tsx/esm/api';

register();
await import('./sweepWorker.ts');
