// Hover titles for the points of a rendered figure (svg.ts; the page's exports).

/**
 * Give each point mark a <title> child holding its description (Vega writes
 * the tooltip fields into aria-label only), so that an SVG viewer shows it on
 * hover: the per-point n and quartiles of a sweep figure.
 */
export function withTitles(svg: string): string {
  return svg.replace(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="point"([^>]*)\/>/g,
    (_, label: string, rest: string) => `<path aria-label="${label}" role="graphics-symbol" aria-roledescription="point"${rest}><title>${label}</title></path>`);
}
