// The bytes of the wasm kernels (wasm/dmflow_kernels.wasm) from the installed
// package. A browser build substitutes wasmBytes.browser.ts, which bundles them.

import { readFileSync } from 'node:fs';
import { findPackageFile } from './packageRoot.js';

/** The module's bytes and where they came from, or why they cannot be had. */
export function wasmBytes(): { bytes: Uint8Array; source: string } | { error: string } {
  const file = findPackageFile('wasm', 'dmflow_kernels.wasm');
  if (!file) return { error: 'wasm/dmflow_kernels.wasm not found (node wasm/build.mjs)' };
  return { bytes: readFileSync(file), source: file };
}
