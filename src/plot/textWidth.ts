// Text widths for Vega's layout when no canvas measures text (headless SVG):
// the advance widths of DejaVu Sans, the font the PNG is drawn in, in
// hundredths of an em, measured with resvg (scripts/measure-font.mjs). Vega's
// own estimate (0.8 em per character) made long titles widen a figure by half.

const CHARS = "0123456789 !\"#$%&'()*+,-./:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~×±–—−∈σ…⁰¹²³⁴⁵⁶⁷⁸⁹⁻·≤≥∞αβ";
const NORMAL = [64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 34, 34, 84, 84, 84, 53, 100, 71, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79, 60, 79, 69, 63, 59, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50, 50, 61, 63, 55, 63, 62, 34, 63, 63, 28, 28, 58, 28, 97, 63, 61, 63, 63, 39, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84, 84, 84, 50, 100, 84, 87, 63, 100, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 53, 32, 84, 84, 83, 66, 64];
const BOLD = [70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 40, 40, 84, 84, 84, 58, 100, 77, 76, 73, 83, 68, 68, 82, 84, 37, 37, 77, 64, 100, 84, 85, 73, 85, 77, 68, 70, 81, 77, 110, 77, 72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72, 68, 41, 72, 71, 34, 34, 67, 34, 104, 71, 69, 72, 72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71, 37, 71, 84, 84, 84, 50, 100, 84, 90, 78, 100, 44, 44, 44, 44, 44, 44, 44, 44, 44, 44, 53, 38, 84, 84, 83, 69, 72];

const table = (widths: number[]) => new Map([...CHARS].map((c, i) => [c, widths[i] / 100]));
const NORMAL_EM = table(NORMAL), BOLD_EM = table(BOLD);

/** Width in pixels of text at fontSize; characters outside the table count as a digit. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const em = bold ? BOLD_EM : NORMAL_EM;
  const fallback = bold ? 0.7 : 0.64;
  let w = 0;
  for (const c of text) w += em.get(c) ?? fallback;
  return w * fontSize;
}
