// What the page's main thread takes from the library (src/browser.ts), loaded
// on first need by lib.ts. Named one by one: a dynamic import keeps every
// export of its module, so importing src/browser.ts itself would put the
// whole library (all of mathjs with it) into the page.
export { buildProblem, endToEnd, InputError, runFigure, withTitles } from '../src/browser.js';
