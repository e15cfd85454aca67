// Vega-Lite specs rendered to SVG headless (no DOM, no canvas). vega and
// vega-lite are ES modules with top-level await, so they are loaded at call
// time through a dynamic import that no compiler rewrites into require()
// (STACK.md: tslab compiles notebooks to CommonJS).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const esmImport = new Function('s', 'return import(s)') as (s: string) => Promise<any>;

/** Render a Vega-Lite spec (a plain object) to an SVG string. */
export async function renderSvg(spec: object): Promise<string> {
  const vl = await esmImport('vega-lite');
  const vega = await esmImport('vega');
  const compiled = (vl.compile ?? vl.default.compile)(spec).spec;
  const V = vega.View ?? vega.default.View;
  const parse = vega.parse ?? vega.default.parse;
  const view = new V(parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Render and write to a file (directories created). */
export async function saveSvg(spec: object, path: string): Promise<string> {
  const svg = await renderSvg(spec);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return svg;
}
