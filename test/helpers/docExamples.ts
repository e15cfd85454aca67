// The runnable examples of a Markdown document, in the order a reader meets
// them (conventions in docs/internals.md, "Docs that run"):
// - ```sh blocks: every line that starts with `dmflow` or `npx dmflow` is a
//   command; a trailing comment naming `exit N` gives its expected exit code
//   (default 0). Other lines (npm, bash, apt-get) are set-up, not run here.
// - ```json blocks: a spec, sweep file or conjecture file, run as such
//   (`dmflow run`, `sweep`, `conjecture`), unless the block is preceded by
//   `<!-- output -->`: then it is the expected stdout of the command before it
//   (`<!-- output subset -->`: the fields shown must match, others may follow).
//   Numbers agree to a relative 1e-6 unless the marker states its own
//   tolerance (`<!-- output subset rtol 1e-3 -->`, for values shown rounded);
//   an output block in another language is compared as text, its numbers
//   with the same tolerance and the rest exactly.
//   `<!-- exit N -->` before a block sets the expected exit code of its run.
// - ```text blocks are synopses and are not run; `<!-- not run: why -->`
//   before a block skips it, with the reason.

export interface DocCommand {
  kind: 'command';
  line: number;
  /** The command line, with `npx dmflow` written as `dmflow`. */
  command: string;
  exit: number;
}

export interface DocInput {
  kind: 'input';
  line: number;
  /** sweep (a "base"), conjecture (a "generate") or run. */
  as: 'run' | 'sweep' | 'conjecture';
  text: string;
  exit: number;
}

export interface DocOutput {
  kind: 'output';
  line: number;
  lang: string;
  text: string;
  /** Only the fields shown are compared. */
  subset: boolean;
  /** The relative tolerance the marker states, if any. */
  rtol: number | null;
}

export interface DocSkip {
  kind: 'skip';
  line: number;
  why: string;
}

export type DocExample = DocCommand | DocInput | DocOutput | DocSkip;

const FENCE = /^```(\w*)\s*$/;
const MARKER = /^<!--\s*(output(?:\s+subset)?(?:\s+rtol\s+([0-9.]+(?:e-?\d+)?))?|exit\s+(\d+)|not run:\s*(.*?))\s*-->\s*$/;

/** The examples of one Markdown text, in document order. */
export function docExamples(markdown: string): DocExample[] {
  const lines = markdown.split('\n');
  const out: DocExample[] = [];
  const none = () => ({ output: false, subset: false, rtol: null as number | null, exit: null as number | null, skip: null as string | null });
  let marker = none();
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i].trim());
    if (m) {
      if (m[1].startsWith('output')) { marker.output = true; marker.subset = /^output\s+subset/.test(m[1]); marker.rtol = m[2] !== undefined ? Number(m[2]) : null; }
      else if (m[3] !== undefined) marker.exit = Number(m[3]);
      else marker.skip = m[4] || 'marked not run';
      continue;
    }
    const f = FENCE.exec(lines[i]);
    if (!f) {
      if (lines[i].trim() !== '') marker = none();
      continue;
    }
    const lang = f[1];
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const body = lines.slice(start, end);
    i = end;
    if (marker.skip !== null) out.push({ kind: 'skip', line: start, why: marker.skip });
    else if (marker.output) out.push({ kind: 'output', line: start, lang, text: body.join('\n'), subset: marker.subset, rtol: marker.rtol });
    else if (lang === 'sh' || lang === 'bash' || lang === 'shell') {
      body.forEach((l, k) => {
        const cmd = /^\s*(?:npx\s+)?(dmflow(?:\s.*)?)$/.exec(l);
        if (!cmd) return;
        const exit = /#.*\bexit\s+(\d)\b/.exec(cmd[1]);
        out.push({ kind: 'command', line: start + k + 1, command: cmd[1], exit: exit ? Number(exit[1]) : marker.exit ?? 0 });
      });
    } else if (lang === 'json') {
      const text = body.join('\n');
      const value = JSON.parse(text) as Record<string, unknown>;
      const as = 'base' in value ? 'sweep' : 'generate' in value ? 'conjecture' : 'run';
      out.push({ kind: 'input', line: start, as, text, exit: marker.exit ?? 0 });
    }
    marker = none();
  }
  return out;
}

const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

/**
 * Two texts agree when they are equal outside their numbers and each pair of
 * numbers agrees to rtol relative (or atol absolute); returns the first
 * difference, or null. Trailing white space of the texts is ignored.
 */
export function textDifference(actual: string, expected: string, rtol: number, atol: number): string | null {
  const a = actual.trimEnd(), e = expected.trimEnd();
  const an = a.match(NUMBER) ?? [], en = e.match(NUMBER) ?? [];
  const as = a.split(NUMBER), es = e.split(NUMBER);
  if (an.length !== en.length || as.some((piece, k) => piece !== es[k])) {
    const al = a.split('\n'), el = e.split('\n');
    const k = el.findIndex((line, j) => line.replace(NUMBER, '0') !== (al[j] ?? '').replace(NUMBER, '0'));
    const j = k < 0 ? Math.min(al.length, el.length) : k;
    return `line ${j + 1}: ${JSON.stringify(al[j] ?? '')} != ${JSON.stringify(el[j] ?? '')}`;
  }
  for (let k = 0; k < en.length; k++) {
    const x = Number(an[k]), y = Number(en[k]);
    if (!(Math.abs(x - y) <= Math.max(atol, rtol * Math.abs(y)))) return `number ${k + 1}: ${an[k]} != ${en[k]}`;
  }
  return null;
}

/**
 * Numbers in two JSON values agree to rtol relative (or atol absolute), every
 * other value exactly; returns the first difference as a path, or null.
 */
export function jsonDifference(actual: unknown, expected: unknown, rtol: number, atol: number, subset = false, path = '$'): string | null {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(actual - expected) <= Math.max(atol, rtol * Math.abs(expected)) ? null : `${path}: ${actual} != ${expected}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected an array of ${expected.length}`;
    for (let k = 0; k < expected.length; k++) {
      const d = jsonDifference(actual[k], expected[k], rtol, atol, subset, `${path}[${k}]`);
      if (d) return d;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object`;
    const a = actual as Record<string, unknown>, e = expected as Record<string, unknown>;
    const keys = new Set([...(subset ? [] : Object.keys(a)), ...Object.keys(e)]);
    for (const k of keys) {
      if (!(k in e)) return `${path}.${k}: not in the docs`;
      if (!(k in a)) return `${path}.${k}: missing from the output`;
      const d = jsonDifference(a[k], e[k], rtol, atol, subset, `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return actual === expected ? null : `${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`;
}
