// Vega-Lite specs rendered to SVG headless (no DOM, no canvas). vega and
// vega-lite are ES modules with top-level await, so they are loaded at call
// time through a dynamic import that no compiler rewrites into require()
// (tslab, which runs the notebooks, compiles them to CommonJS).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { withTitles } from './svgTitles.js';
import { textWidth } from './textWidth.js';

export { withTitles } from './svgTitles.js';

const esmImport = new Function('s', 'return import(s)') as (s: string) => Promise<any>;

/** Render a Vega-Lite spec (a plain object) to an SVG string. */
export async function renderSvg(spec: object): Promise<string> {
  const vl = await esmImport('vega-lite');
  const vega = await esmImport('vega');
  // Lay text out with the PNG font's widths (Vega's own estimate without a canvas is 0.8 em a character).
  const metrics = vega.textMetrics ?? vega.default.textMetrics;
  metrics.width = (item: { text?: unknown; fontSize?: number; fontWeight?: unknown }, text?: unknown) => {
    const t = String(text ?? item.text ?? '').trim();
    const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
    return textWidth(t, item.fontSize ?? 11, bold);
  };
  const compiled = (vl.compile ?? vl.default.compile)(spec).spec;
  const V = vega.View ?? vega.default.View;
  const parse = vega.parse ?? vega.default.parse;
  const view = new V(parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return withTitles(svg);
}

/** Render and write to a file (directories created). */
export async function saveSvg(spec: object, path: string): Promise<string> {
  const svg = await renderSvg(spec);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return svg;
}

/**
 * Rasterize an SVG to PNG with resvg (its binary ships inside the npm
 * package: nothing to build or download). System fonts with DejaVu Sans as the
 * default, else text falls back to a serif face. `scale` 2 gives a
 * sharp picture on a high-density screen.
 */
export async function renderPng(svg: string, scale = 2): Promise<Uint8Array> {
  const resvg = await esmImport('@resvg/resvg-js');
  const Resvg = resvg.Resvg ?? resvg.default.Resvg;
  const image = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return image.asPng();
}
