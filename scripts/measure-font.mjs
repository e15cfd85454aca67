// Measures the advance widths of DejaVu Sans (normal and bold) with resvg and
// prints the tables of src/plot/textWidth.ts: each character is set 40 times
// between two bars at 100 px, and the width of the bars alone is subtracted.
// Usage: node scripts/measure-font.mjs (needs the DejaVu fonts installed).

import { Resvg } from '@resvg/resvg-js';

const chars = [];
for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
chars.push(...'×±–—−∈σ…⁰¹²³⁴⁵⁶⁷⁸⁹⁻·≤≥∞αβ');
const escape = (c) => ({ '<': '&lt;', '&': '&amp;', '>': '&gt;' })[c] ?? c;

function width(text, weight) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="200"><text x="10" y="100" font-family="DejaVu Sans" font-size="100" font-weight="${weight}" xml:space="preserve">${text}</text></svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).getBBox()?.width ?? 0;
}

const reps = 40;
const order = [...new Set([...'0123456789', ...chars])];
console.log(`const CHARS = ${JSON.stringify(order.join(''))};`);
for (const weight of ['normal', 'bold']) {
  const bars = width('||', weight);
  const hundredths = order.map((c) => Math.round((width(`|${escape(c).repeat(reps)}|`, weight) - bars) / reps));
  console.log(`const ${weight.toUpperCase()} = [${hundredths.join(', ')}];`);
}
