// Axis ticks, tick labels, domains and colours shared by the figures: ticks
// at 1, 2 and 5 x 10^k on log axes, one label format per axis, and
// colour-blind-safe palettes (docs/plots.md).

/** The double nearest m x 10^k (10 ** k is off by an ulp for some negative k). */
const decimal = (m: number, k: number) => Number(`${m}e${k}`);

/** m and k of v = m x 10^k, m in [1, 10), from the shortest decimal of v. */
function mantissaExponent(v: number): { m: number; k: number } {
  const [m, k] = v.toExponential().split('e');
  return { m: Number(m), k: Number(k) };
}

/**
 * Tick values for a log axis over [lo, hi] (0 < lo <= hi): 1, 2 and 5 x 10^k
 * when the axis spans up to about two decades, else the powers of ten, every
 * s-th one (s = 1, 2, 3, ...) so that at most maxTicks remain. May return
 * fewer than two values when the span is short (e.g. [2, 4]): callers then
 * fall back to ticks at the data.
 */
export function logTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) return [];
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
  if (Math.log10(hi / lo) <= 2.2) {
    const ticks: number[] = [];
    for (let k = a; k <= b; k++) for (const m of [1, 2, 5]) if (inside(decimal(m, k))) ticks.push(decimal(m, k));
    if (ticks.length <= maxTicks) return ticks;
  }
  const decades: number[] = [];
  for (let k = a; k <= b; k++) if (inside(decimal(1, k))) decades.push(k);
  const step = Math.max(1, Math.ceil(decades.length / maxTicks));
  return decades.filter((k) => ((k % step) + step) % step === 0).map((k) => decimal(1, k));
}

/** Whether v is 1, 2 or 5 x 10^k (what logTicks draws). */
export function isNiceLogTick(v: number): boolean {
  return v > 0 && [1, 2, 5].includes(mantissaExponent(v).m);
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/**
 * Labels for tick values, all in one format: plain decimals (0.001, 0.02, 500)
 * when every value lies in [0.001, 10000], else m×10ⁿ with superscript
 * exponents (10⁻⁷, 2×10⁻⁷, 10⁰) for every value, so that an axis never mixes
 * 0.000001 with 1e-7.
 */
export function tickLabels(values: readonly number[]): string[] {
  const plain = values.every((v) => v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) <= 1e4));
  return values.map((v) => {
    if (plain) return String(Number(v.toPrecision(12)));
    if (v === 0) return '0';
    const { m, k } = mantissaExponent(Math.abs(v));
    const power = `10${String(k).split('').map((c) => SUPERSCRIPT[c]).join('')}`;
    return `${v < 0 ? '−' : ''}${m === 1 ? '' : `${m}×`}${power}`;
  });
}

/**
 * A Vega-Lite axis with ticks at `values` and labels from tickLabels (a
 * labelExpr matching each tick by relative difference, as Vega hands the
 * values back through its scale).
 */
export function axisWithTicks(values: readonly number[], extra: object = {}): object {
  const labels = tickLabels(values);
  let expr = "''";
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    const test = v === 0 ? 'abs(datum.value) < 1e-300' : `abs(datum.value / ${v} - 1) < 1e-9`;
    expr = `${test} ? '${labels[i]}' : ${expr}`;
  }
  return { values: [...values], labelExpr: expr, ...extra };
}

/** A "nice" step (1, 2 or 5 x 10^k) near span / count. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const k = Math.floor(Math.log10(raw));
  const f = raw / 10 ** k;
  return (f <= 1.5 ? 1 : f <= 3 ? 2 : f <= 7 ? 5 : 10) * 10 ** k;
}

/**
 * A linear domain covering [lo, hi], rounded outwards to a nice step, then
 * cut to the quantity's known range [min, max] (so an effective rank axis
 * never shows values below 1, an error axis none below 0).
 */
export function linearDomain(lo: number, hi: number, min = -Infinity, max = Infinity): [number, number] {
  const size = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(hi - lo > size * 1e-12 && hi - lo > 1e-290)) {
    // A single value (or a span too small to step through): a band around it.
    const pad = size * 0.1 > 1e-290 ? size * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, 5);
  const a = Math.floor(lo / step + 1e-9) * step, b = Math.ceil(hi / step - 1e-9) * step;
  return [Math.max(min, Number(a.toPrecision(12))), Math.min(max, Number(b.toPrecision(12)))];
}

/**
 * A log domain covering [lo, hi] (both > 0), out to the nearest 1, 2 or 5 x
 * 10^k on each side, cut to the known range.
 */
export function logDomain(lo: number, hi: number, min = 0, max = Infinity): [number, number] {
  // Candidates around the decade of v (log10 may be off by an ulp), compared exactly.
  const down = (v: number) => {
    const k = Math.floor(Math.log10(v) + 1e-9);
    return [5, 2, 1].flatMap((m) => [decimal(m, k), decimal(m, k - 1)]).sort((x, y) => y - x).find((c) => c <= v) ?? decimal(1, k - 1);
  };
  const up = (v: number) => {
    const k = Math.floor(Math.log10(v) - 1e-9);
    return [1, 2, 5].flatMap((m) => [decimal(m, k), decimal(m, k + 1)]).sort((x, y) => x - y).find((c) => c >= v) ?? decimal(1, k + 2);
  };
  let [a, b] = [down(lo), up(hi)];
  if (a === b) [a, b] = [a / 2, b * 2];
  return [Math.max(min > 0 ? min : 0, a), Math.min(max, b)];
}

/**
 * Okabe & Ito (2008), "Color Universal Design": eight colours told apart
 * under every common colour-vision deficiency; ordered for lines on white
 * (yellow, the faintest, last).
 */
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

/** Paul Tol's "muted" qualitative scheme (nine colour-blind-safe hues), with black as a tenth. */
export const TOL_MUTED_BLACK = ['#332288', '#88CCEE', '#44AA99', '#117733', '#999933', '#DDCC77', '#CC6677', '#882255', '#AA4499', '#000000'] as const;

/** Colour of the series drawn without a legend entry (the singular values beyond the top k). */
export const MUTED_GREY = '#b4b4b4';

/**
 * A Vega-Lite colour scale for `domain` (in drawing order): Okabe–Ito up to 8
 * values, Tol muted plus black for 9 or 10, and beyond 10 the sequential
 * viridis scheme (cut before its pale yellow end), since more than ten hues
 * cannot all be told apart.
 */
export function colorScale(domain: readonly unknown[]): { scale: object; type: 'nominal' | 'ordinal'; palette: string } {
  const n = domain.length;
  if (n <= OKABE_ITO.length) return { scale: { domain: [...domain], range: OKABE_ITO.slice(0, n) }, type: 'nominal', palette: 'Okabe–Ito' };
  if (n <= TOL_MUTED_BLACK.length) return { scale: { domain: [...domain], range: TOL_MUTED_BLACK.slice(0, n) }, type: 'nominal', palette: 'Tol muted + black' };
  return { scale: { domain: [...domain], scheme: { name: 'viridis', extent: [0, 0.85] } }, type: 'ordinal', palette: 'viridis' };
}
