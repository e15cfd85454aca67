// The dotted field paths of the run spec ("depth", "init.productScale",
// "solver.rtol", ...), read from the spec's own zod schema so that they follow
// it: a sweep's grid may set only these, and so can never write
// "__proto__.polluted" or a key that the spec would reject after the fact.

import { specSchema } from './spec.js';

interface SchemaNode { _zod: { def: { type: string; shape?: Record<string, SchemaNode>; options?: SchemaNode[]; innerType?: SchemaNode; in?: SchemaNode } } }

function collect(node: SchemaNode, prefix: string, out: Set<string>): void {
  const def = node._zod.def;
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape ?? {})) {
        const path = prefix ? `${prefix}.${k}` : k;
        out.add(path);
        collect(v, path, out);
      }
      return;
    case 'union': // discriminated unions too: the fields of every kind
      for (const o of def.options ?? []) collect(o, prefix, out);
      return;
    case 'default': case 'optional': case 'prefault': case 'nullable': case 'readonly': case 'catch':
      if (def.innerType) collect(def.innerType, prefix, out);
      return;
    case 'pipe':
      if (def.in) collect(def.in, prefix, out);
      return;
    default:
      return; // a leaf (number, array, ...): grid values replace it whole
  }
}

let cached: ReadonlySet<string> | null = null;

export function specFieldPaths(): ReadonlySet<string> {
  if (cached === null) {
    const out = new Set<string>();
    collect(specSchema as unknown as SchemaNode, '', out);
    cached = out;
  }
  return cached;
}
