// Static figures for export (SVG and PNG): the Vega-Lite specs of
// `dmflow plot run` and `dmflow plot sweep` (src/plot/runFigure.ts,
// sweepFigure.ts) rendered by vega in the page. vega and vega-lite load on
// first use, in their own chunk; so does the page's copy of the library (lib.ts).

import { loadLibrary } from './lib.js';

async function view(spec: object) {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec as Parameters<typeof vl.compile>[0]).spec;
  return new vega.View(vega.parse(compiled), { renderer: 'none' });
}

export async function figureSvg(spec: object): Promise<string> {
  const v = await view(spec);
  try {
    const { withTitles } = await loadLibrary();
    return withTitles(await v.toSVG());
  } finally {
    v.finalize();
  }
}

export async function figurePngUrl(spec: object, scale = 2): Promise<string> {
  const v = await view(spec);
  try {
    return await v.toImageURL('png', scale);
  } finally {
    v.finalize();
  }
}

/** Save text or a data URL under a file name (a download). */
export function download(name: string, content: string, type = 'application/json'): void {
  const url = content.startsWith('data:') ? content : URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (!content.startsWith('data:')) setTimeout(() => URL.revokeObjectURL(url), 1000);
}
