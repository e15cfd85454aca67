// The wasm kernels in a browser build: esbuild's binary loader inlines
// wasm/dmflow_kernels.wasm (13 KB) into the bundle, so a page needs no fetch
// and no server path for it, and compiles it where the bundle runs.

import bytes from '../../wasm/dmflow_kernels.wasm';
import type * as NodeSide from './wasmBytes.js';

export const wasmBytes: typeof NodeSide.wasmBytes = () => ({ bytes, source: 'dmflow_kernels.wasm (bundled)' });
