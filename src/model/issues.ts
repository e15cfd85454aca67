// zod's issues as one InputError line. An unknown key is reported before
// anything else in its object (a misspelled required key otherwise shows up
// as "missing"), with the nearest known key when one is close
// (Damerau–Levenshtein) or the valid keys when there are few; a missing
// required key says it is required and what the object needs. The known keys
// come from the schema itself, walked along the input to the offending object.

import type * as z from 'zod';
import { InputError, fieldPath } from './errors.js';

type Issue = z.core.$ZodIssue;

/** The few parts of zod's schema definitions read here. */
interface SchemaNode {
  _zod: {
    optin?: string;
    def: {
      type: string;
      shape?: Record<string, SchemaNode>;
      options?: SchemaNode[];
      discriminator?: string;
      innerType?: SchemaNode;
      in?: SchemaNode;
      element?: SchemaNode;
      items?: SchemaNode[];
      rest?: SchemaNode | null;
      valueType?: SchemaNode;
      values?: unknown[];
    };
  };
}

/** Objects with at most this many keys (all of dmflow's) list them when a key is unknown and none is close. */
const LIST_AT_MOST = 20;

/** Validate `value`; the first problem becomes one InputError line under `root` ("spec", "sweep", ...). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success) throw toInputError(r.error.issues, root, schema, value);
  return r.data;
}

/**
 * Turn zod's issues into one line naming the field and what was expected.
 * With the schema and the input, unknown and missing keys name the keys the
 * object takes.
 */
export function toInputError(issues: readonly Issue[], root: string, schema?: z.ZodType, value?: unknown): InputError {
  const flat = issues.flatMap((i) => flatten(i, []));
  const node = schema as unknown as SchemaNode | undefined;
  const unknown = flat.find((f) => f.issue.code === 'unrecognized_keys');
  if (unknown && node) {
    const at = objectAt(node, value, unknown.path);
    if (at) return unknownKeys(root, unknown.path, (unknown.issue as { keys: string[] }).keys, at, flat);
  }
  const { issue, path } = flat[0];
  const where = fieldPath(root, path);
  const input = (issue as { input?: unknown }).input;
  // Nothing where the schema has a required key (a plain value or a union such as "target").
  if (input === undefined && node && path.length > 0) {
    const at = objectAt(node, value, path.slice(0, -1));
    const key = path[path.length - 1];
    if (at && typeof key === 'string' && Object.hasOwn(at.shape, key) && at.shape[key]._zod.optin === undefined) {
      return new InputError(where, `required key missing (${needs(root, path.slice(0, -1), at)})`);
    }
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return new InputError(where, `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`);
    case 'invalid_type': {
      const expected = issue.expected === 'number' ? 'a finite number' : `${issue.expected}`;
      return new InputError(where, `expected ${expected}, got ${describeValue(input)}`);
    }
    case 'invalid_union': {
      // A discriminated union whose "kind" is absent or misspelled.
      const d = issue as { discriminator?: string; options?: unknown[] };
      if (d.discriminator !== undefined && Array.isArray(d.options)) {
        const options = d.options.map(String);
        const given = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[d.discriminator] : undefined;
        if (given === undefined) {
          // "kind" misspelled: say so, as for any unknown key.
          const typo = isObject(input) ? Object.keys(input).find((k) => closest(k, [d.discriminator!]) !== undefined) : undefined;
          if (typo !== undefined) return new InputError(fieldPath(root, path.slice(0, -1)), `unknown key "${typo}" (did you mean "${d.discriminator}"?)`);
          return new InputError(where, `required key missing (expected one of ${options.map((o) => `"${o}"`).join(', ')})`);
        }
        return new InputError(where, lowerFirst(issue.message) + didYouMean(given, options));
      }
      return new InputError(where, lowerFirst(issue.message));
    }
    case 'invalid_value':
      return new InputError(where, lowerFirst(issue.message) + didYouMean(input, issue.values.map(String)));
    default:
      return new InputError(where, lowerFirst(issue.message));
  }
}

interface Located { issue: Issue; path: PropertyKey[] }

/** Every issue, descending into the branch of a union that matched the input's shape. */
function flatten(issue: Issue, prefix: PropertyKey[]): Located[] {
  const path = [...prefix, ...issue.path];
  // Typed structurally: older TypeScript (tslab's) resolves zod's issue union differently.
  const branches = (issue as { errors?: Issue[][] }).errors;
  if (issue.code === 'invalid_union' && branches && branches.length > 0) {
    const relevant = branches.filter(
      (b) => b.length > 0 && !(b[0].code === 'invalid_type' && b[0].path.length === 0),
    );
    if (relevant.length === 1) return relevant[0].flatMap((i) => flatten(i, path));
  }
  return [{ issue, path }];
}

interface ObjectAt {
  shape: Record<string, SchemaNode>;
  /** The input object there. */
  input: Record<string, unknown>;
  /** Its "kind", when the object is a member of a union told apart by kind. */
  kind?: string;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(node: SchemaNode): SchemaNode {
  for (;;) {
    const d = node._zod.def;
    if (WRAPPERS.has(d.type) && d.innerType) node = d.innerType;
    else if (d.type === 'pipe' && d.in) node = d.in;
    else return node;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The object schema at `path` of the input (the union member the input chose), or null. */
function objectAt(node: SchemaNode, value: unknown, path: readonly PropertyKey[]): ObjectAt | null {
  const n = unwrap(node);
  const d = n._zod.def;
  if (d.type === 'union') {
    for (const option of d.options ?? []) {
      const o = unwrap(option)._zod.def;
      if (d.discriminator !== undefined) {
        const tag = o.shape?.[d.discriminator];
        const values = tag ? unwrap(tag)._zod.def.values : undefined;
        if (!isObject(value) || !values?.includes(value[d.discriminator])) continue;
      } else if ((o.type === 'array' || o.type === 'tuple') !== Array.isArray(value)) {
        continue;
      }
      const found = objectAt(option, value, path);
      if (found) return found;
    }
    return null;
  }
  if (path.length === 0) {
    if (d.type !== 'object' || !d.shape || !isObject(value)) return null;
    const kindNode = d.shape.kind ? unwrap(d.shape.kind)._zod.def : undefined;
    const kind = kindNode?.type === 'literal' && typeof value.kind === 'string' ? value.kind : undefined;
    return { shape: d.shape, input: value, ...(kind !== undefined ? { kind } : {}) };
  }
  const [head, ...rest] = path;
  const child = (v: unknown) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[head] : undefined);
  switch (d.type) {
    case 'object': {
      const next = typeof head === 'string' && d.shape && Object.hasOwn(d.shape, head) ? d.shape[head] : undefined;
      return next ? objectAt(next, child(value), rest) : null;
    }
    case 'array':
      return d.element && typeof head === 'number' ? objectAt(d.element, child(value), rest) : null;
    case 'tuple': {
      const next = typeof head === 'number' ? (d.items?.[head] ?? d.rest ?? undefined) : undefined;
      return next ? objectAt(next, child(value), rest) : null;
    }
    case 'record':
      return d.valueType ? objectAt(d.valueType, child(value), rest) : null;
    default:
      return null;
  }
}

const required = (at: ObjectAt): string[] => Object.keys(at.shape).filter((k) => at.shape[k]._zod.optin === undefined && !(k === 'kind' && at.kind !== undefined));
/** The keys a user may write there ("kind" is implied by the object's kind). */
const listed = (at: ObjectAt): string[] => Object.keys(at.shape).filter((k) => !(k === 'kind' && at.kind !== undefined));

/** "a spec needs target, observed, depth, init", "kind "random" needs count". */
function needs(root: string, path: readonly PropertyKey[], at: ObjectAt): string {
  const who = at.kind !== undefined ? `kind "${at.kind}"` : path.length === 0 ? `a ${root}` : fieldPath(root, path);
  return `${who} needs ${required(at).join(', ')}`;
}

function unknownKeys(root: string, path: readonly PropertyKey[], keys: readonly string[], at: ObjectAt, flat: readonly Located[]): InputError {
  const candidates = listed(at).filter((k) => at.input[k] === undefined);
  const suggested = new Set<string>();
  const parts = keys.map((k) => {
    const s = closest(k, candidates.filter((c) => !suggested.has(c)));
    if (s === undefined) return `"${k}"`;
    suggested.add(s);
    return `"${k}" (did you mean "${s}"?)`;
  });
  let text = `unknown key${keys.length > 1 ? 's' : ''} ${parts.join(', ')}`;
  const valid = listed(at);
  if (suggested.size === 0 && valid.length <= LIST_AT_MOST) {
    text += ` (valid keys${at.kind !== undefined ? ` for kind "${at.kind}"` : ''}: ${valid.join(', ')})`;
  }
  // Required keys of this object that are missing, unless a suggestion already names them.
  const missing = flat
    .filter((f) => (f.issue as { input?: unknown }).input === undefined && f.path.length === path.length + 1 && path.every((p, i) => f.path[i] === p))
    .map((f) => String(f.path[path.length]))
    .filter((k) => Object.hasOwn(at.shape, k) && at.shape[k]._zod.optin === undefined && !suggested.has(k));
  if (missing.length > 0) text += `; ${missing.map((k) => `"${k}"`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required`;
  return new InputError(fieldPath(root, path), text);
}

/** ` (did you mean "x"?)` when a given string is close to one of the options, else ''. */
function didYouMean(given: unknown, options: readonly string[]): string {
  if (typeof given !== 'string') return '';
  const s = closest(given, options);
  return s !== undefined && s !== given ? ` (did you mean "${s}"?)` : '';
}

/**
 * The option nearest to `word` (case ignored) within a small edit distance:
 * 1 edit for words of up to 4 characters, 2 up to 8, 3 beyond; ties go to
 * the earlier option. undefined when none is that close.
 */
export function closest(word: string, options: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const limit = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const o of options) {
    const d = editDistance(w, o.toLowerCase());
    if (d < bestDistance) { best = o; bestDistance = d; }
  }
  return best;
}

/**
 * Damerau–Levenshtein distance in its optimal-string-alignment form:
 * insertions, deletions, substitutions and transpositions of adjacent
 * characters each cost 1 (no substring is edited twice).
 */
export function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  // Three rows of the (m+1) x (n+1) table: the two before this one and this one.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/** What a value is, in words that differ from every expected type: null is not "object". */
export function describeValue(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'number') return Number.isNaN(input) ? 'NaN' : Number.isFinite(input) ? `the number ${input}` : String(input);
  if (typeof input === 'string') return `the string ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + '...' : input)}`;
  if (typeof input === 'object') return 'an object';
  return `a ${typeof input}`;
}

function lowerFirst(s: string): string {
  return s.length ? s[0].toLowerCase() + s.slice(1) : s;
}
