// The problem panel: a spec (the JSON `dmflow run` takes) shown in form
// fields, and the spec the fields describe. Fields the form does not show
// (save, groups, model, solver extras) are kept as they are in the spec.

type Json = Record<string, unknown>;

const $ = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;
const num = (id: string): number | undefined => {
  const v = $(id).value.trim();
  return v === '' ? undefined : Number(v);
};
const setVal = (id: string, v: unknown) => { $(id).value = v === undefined || v === null ? '' : String(v); };

/** The Fig. 4 patterns of a k x k matrix: a staircase (connected observation graph), and the staircase cut in two (disconnected). */
export function fig4Mask(m: number, n: number, connected: boolean): number[][] {
  const M = Array.from({ length: m }, () => new Array<number>(n).fill(0));
  const cut = Math.floor(Math.min(m, n) / 2);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const stair = j === Math.min(i, n - 1) || (j === i + 1 && j < n);
      M[i][j] = stair && (connected || !(i === cut - 1 && j === cut)) ? 1 : 0;
    }
  }
  return M;
}

function identityRows(m: number, n: number): number[][] {
  return Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isRows = (v: unknown): v is number[][] => Array.isArray(v) && v.every((r) => Array.isArray(r));

/** Size of the spec's target, where it can be read without validating. */
export function targetSize(spec: Json): [number, number] {
  const t = spec.target as Json | number[][] | undefined;
  if (isRows(t)) return [t.length, t[0]?.length ?? 0];
  const s = (t as Json | undefined)?.size;
  return Array.isArray(s) && s.length === 2 ? [Number(s[0]), Number(s[1])] : [0, 0];
}

/** Show a spec in the fields. */
export function specToForm(spec: Json): void {
  const t = spec.target as Json | number[][];
  const [m, n] = targetSize(spec);
  setVal('rows', m || 4); setVal('cols', n || 4);
  if (isRows(t)) {
    if (same(t, identityRows(m, n))) $('target-kind').value = 'identity';
    else { $('target-kind').value = 'pasted'; $<HTMLTextAreaElement>('target-rows').value = t.map((r) => r.join(' ')).join('\n'); }
  } else if (t?.kind === 'low-rank') {
    $('target-kind').value = 'low-rank'; setVal('target-rank', t.rank); setVal('target-seed', t.seed ?? 0);
  } else {
    $('target-kind').value = 'ones'; setVal('target-scale', t?.scale ?? 1);
  }
  if (!isRows(t)) $<HTMLTextAreaElement>('target-rows').value = '';

  const o = spec.observed as Json | number[][];
  setVal('mask-blocks', ''); setVal('mask-fraction', 0.3); setVal('mask-seed', 0);
  if (isRows(o)) {
    $('mask-kind').value = same(o, fig4Mask(m, n, true)) ? 'fig4-connected' : same(o, fig4Mask(m, n, false)) ? 'fig4-disconnected' : 'custom';
  } else if (o?.kind === 'all') $('mask-kind').value = 'all';
  else if (o?.kind === 'block-diagonal') {
    const blocks = o.blocks as number[];
    $('mask-kind').value = Array.isArray(blocks) && blocks.every((b) => b === 1) ? 'diagonal' : 'block-diagonal';
    setVal('mask-blocks', Array.isArray(blocks) ? blocks.join(',') : '');
  } else if (o?.kind === 'random') {
    $('mask-kind').value = 'random';
    setVal('mask-fraction', m * n > 0 ? Number((Number(o.count) / (m * n)).toPrecision(4)) : ''); setVal('mask-seed', o.seed ?? 0);
  } else $('mask-kind').value = 'custom';

  setVal('depth', spec.depth); setVal('width', spec.width);
  const init = spec.init as Json | undefined;
  const layersOpt = $<HTMLSelectElement>('init-kind').querySelector('option[value=layers]') as HTMLOptionElement;
  layersOpt.disabled = !(init?.kind === 'layers' || init?.kind === 'from-result');
  if (init?.kind === 'identity-plus-ones') {
    $('init-kind').value = 'identity-plus-ones'; setVal('init-a', JSON.stringify(init.a)); setVal('init-b', JSON.stringify(init.b ?? 0));
  } else if (init?.kind === 'gaussian') {
    $('init-kind').value = 'gaussian';
    const by = init.productScale !== undefined ? 'productScale' : 'std';
    $('init-by').value = by; setVal('init-scale', init[by]); setVal('init-seed', init.seed ?? 0);
  } else $('init-kind').value = 'layers';

  const s = (spec.solver ?? {}) as Json;
  $('method').value = typeof s.method === 'string' ? s.method : 'auto';
  setVal('rtol', s.rtol); setVal('atol', s.atol); setVal('tmax', s.tMax); setVal('losstol', s.lossTol); setVal('lr', s.lr);
  showWhen();
}

/** Show the fields of the chosen kinds only. */
export function showWhen(): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-when]')) {
    const [id, values] = el.dataset.when!.split('=');
    el.hidden = !values.split(',').includes($(id).value);
  }
}

/** The observed spec of a mask preset for an m x n target. */
function maskFromForm(kind: string, m: number, n: number, current: Json): unknown {
  switch (kind) {
    case 'all': return { kind: 'all' };
    case 'diagonal':
      return m === n ? { kind: 'block-diagonal', blocks: new Array(n).fill(1) } : { kind: 'entries', entries: Array.from({ length: Math.min(m, n) }, (_, i) => [i, i]) };
    case 'block-diagonal': {
      const text = $('mask-blocks').value.trim();
      const blocks = text === '' ? [Math.ceil(m / 2), m - Math.ceil(m / 2)].filter((b) => b > 0) : text.split(',').map((b) => Number(b.trim()));
      return { kind: 'block-diagonal', blocks };
    }
    case 'random': {
      const f = num('mask-fraction') ?? 0.3;
      return { kind: 'random', count: Math.max(1, Math.round(f * m * n)), seed: num('mask-seed') ?? 0 };
    }
    case 'fig4-connected': return fig4Mask(m, n, true);
    case 'fig4-disconnected': return fig4Mask(m, n, false);
    default: {
      // custom: the current 0/1 matrix, cut or padded to the size.
      const o = current.observed;
      const old = isRows(o) ? o : [];
      return Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => (old[i]?.[j] === 1 ? 1 : 0)));
    }
  }
}

function parseRows(text: string): number[][] | string {
  const rows = text.trim().split(/\n+/).map((l) => l.trim()).filter((l) => l.length > 0)
    .map((l) => l.replace(/^\[|\],?$/g, '').split(/[\s,;]+/).filter((x) => x.length > 0).map(Number));
  return rows.length > 0 ? rows : 'expected rows of numbers, one row a line';
}

/** A number or a JSON list of numbers (identity-plus-ones takes one per layer). */
function perLayer(id: string): unknown {
  const v = $(id).value.trim();
  if (v === '') return undefined;
  try { return JSON.parse(v); } catch { return v; }
}

/** The spec the fields describe, keeping what the form does not show from `current`. */
export function formToSpec(current: Json): Json {
  const spec: Json = { ...current };
  const kind = $('target-kind').value;
  let m = num('rows') ?? 0, n = num('cols') ?? 0;
  if (kind === 'pasted') {
    const rows = parseRows($<HTMLTextAreaElement>('target-rows').value);
    spec.target = rows;
    if (Array.isArray(rows)) { m = rows.length; n = rows[0].length; }
  } else if (kind === 'identity') spec.target = identityRows(m, n);
  else if (kind === 'low-rank') spec.target = { kind: 'low-rank', size: [m, n], rank: num('target-rank') ?? 1, seed: num('target-seed') ?? 0 };
  else spec.target = { kind: 'ones', size: [m, n], scale: num('target-scale') ?? 1 };

  spec.observed = maskFromForm($('mask-kind').value, m, n, current);
  spec.depth = num('depth');
  if (num('width') === undefined) delete spec.width; else spec.width = num('width');

  const ik = $('init-kind').value;
  if (ik === 'gaussian') spec.init = { kind: 'gaussian', [$('init-by').value]: num('init-scale'), seed: num('init-seed') ?? 0 };
  else if (ik === 'identity-plus-ones') spec.init = { kind: 'identity-plus-ones', a: perLayer('init-a'), b: perLayer('init-b') ?? 0 };

  const solver: Json = { ...((current.solver ?? {}) as Json) };
  const method = $('method').value;
  if (method === 'auto' && solver.method === undefined) delete solver.method; else solver.method = method;
  for (const [id, key] of [['rtol', 'rtol'], ['atol', 'atol'], ['tmax', 'tMax'], ['losstol', 'lossTol'], ['lr', 'lr']] as const) {
    const v = num(id);
    if (v === undefined) delete solver[key]; else solver[key] = v;
  }
  if (Object.keys(solver).length > 0) spec.solver = solver; else delete spec.solver;
  return spec;
}

/** The spec with observed entry (i, j) toggled (the mask becomes a 0/1 matrix). */
export function toggleCell(spec: Json, mask: Uint8Array, m: number, n: number, i: number, j: number): Json {
  const rows = Array.from({ length: m }, (_, r) => Array.from({ length: n }, (_, c) => mask[r * n + c]));
  rows[i][j] = rows[i][j] ? 0 : 1;
  return { ...spec, observed: rows };
}
