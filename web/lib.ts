// The library on the page's main thread, loaded on first need rather than with
// the page: a run opened from the URL (#spec=...&run=1) runs in index.html's
// early worker, and the page draws it from what the worker sends, so the main
// thread's copy of the library (validation, the initial state, figure specs,
// the Fig. 1 tab) would only compete with that worker for the CPU while it
// loads and integrates. Everything numerical stays the library's (worker.ts,
// fig1.ts); this module only says when the page's copy arrives.

export type Library = typeof import('./pageLibrary.js');

let loading: Promise<Library> | null = null;
let loaded: Library | null = null;

/** The library, once loadLibrary() has resolved; null before. */
export function library(): Library | null { return loaded; }

/** Loads the library (once) and resolves to it. */
export function loadLibrary(): Promise<Library> {
  loading ??= import('./pageLibrary.js').then((m) => (loaded = m));
  return loading;
}
