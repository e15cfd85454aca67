// A page has no N-API: the native binding never loads there, and the kernel
// dispatch (model/field/dispatch.ts) takes the wasm or TypeScript field.

import type * as NodeSide from './native.js';

export type { NativeBlas } from './native.js';

export const nativeLoadError: typeof NodeSide.nativeLoadError = 'a browser loads no native binding';
export const nativeBlas: typeof NodeSide.nativeBlas = null;
export const libcFamily: typeof NodeSide.libcFamily = () => '';
export const prebuildPath: typeof NodeSide.prebuildPath = () => {
  throw new Error('prebuildPath: a browser has no prebuilt binaries');
};
