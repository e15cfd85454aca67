// Worker entry: a plain ES module that lets tsx load the TypeScript worker,
// the same way bin/dmflow.js loads the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./sweepWorker.ts');
