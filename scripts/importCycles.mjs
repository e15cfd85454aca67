// Import circles among the modules of src/ and theorems/: every
// relative import, `import type`, `export ... from` and dynamic import() is an
// edge, read from the syntax tree of the pinned TypeScript
// (scripts/tsSources.mjs); the strongly connected components of that graph
// (Tarjan) with more than one module, or a module importing itself, are the
// circles.
//   node scripts/importCycles.mjs [--path <dir or file> ...] [--graph]
// --graph prints every edge (importer -> imported, "type" for type-only).
// Exits 1 when there is a circle.

import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathArgs, root, SyntaxKind, tsFiles, withSourceFiles } from './tsSources.mjs';

const { paths, rest } = pathArgs(process.argv.slice(2), ['src', 'theorems']);
const printGraph = rest.includes('--graph');

const edges = new Map(); // module -> Map(imported -> 'type' | 'value')
const add = (from, to, kind) => {
  const m = edges.get(from);
  if (m.get(to) !== 'value') m.set(to, kind);
};
const files = tsFiles(paths);
const inScope = new Set(files.map((f) => relative(root, f)));

withSourceFiles(files, (rel, sf) => {
  edges.set(rel, new Map());
  const target = (spec) => {
    if (!spec.startsWith('.')) return null;
    const abs = join(root, dirname(rel), spec).replace(/\.js$/, '.ts');
    const to = relative(root, existsSync(abs) ? abs : `${abs}.ts`);
    return inScope.has(to) ? to : null;
  };
  const visit = (node) => {
    const k = node.kind;
    if ((k === SyntaxKind.ImportDeclaration || k === SyntaxKind.ExportDeclaration) && node.moduleSpecifier) {
      const to = target(node.moduleSpecifier.text);
      const typeOnly = k === SyntaxKind.ImportDeclaration ? node.importClause?.isTypeOnly === true || isTypeOnlyNamed(node.importClause?.namedBindings) && !node.importClause?.name : node.isTypeOnly;
      if (to) add(rel, to, typeOnly ? 'type' : 'value');
    } else if (k === SyntaxKind.CallExpression && node.expression.kind === SyntaxKind.ImportKeyword && node.arguments[0]?.kind === SyntaxKind.StringLiteral) {
      const to = target(node.arguments[0].text);
      if (to) add(rel, to, 'value');
    }
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
});

/** `import { type A, type B } from` (every named binding type-only). */
function isTypeOnlyNamed(bindings) {
  return bindings?.kind === SyntaxKind.NamedImports && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

// Tarjan's strongly connected components.
let index = 0;
const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], components = [];
function strong(v) {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); c.push(w); } while (w !== v);
    components.push(c);
  }
}
for (const v of [...edges.keys()].sort()) if (!idx.has(v)) strong(v);

const edgeCount = [...edges.values()].reduce((n, m) => n + m.size, 0);
if (printGraph) for (const [from, m] of [...edges].sort()) for (const [to, kind] of [...m].sort()) console.log(`${from} -> ${to}${kind === 'type' ? ' (type)' : ''}`);
const circles = components.filter((c) => c.length > 1 || edges.get(c[0]).has(c[0]));
console.log(`${edges.size} modules, ${edgeCount} import edges in ${paths.join(', ')}: ${circles.length === 0 ? 'no import circle' : `${circles.length} circle(s)`}`);
for (const c of circles) {
  const members = new Set(c);
  console.log(`  circle: ${c.sort().join(', ')}`);
  for (const from of c) for (const [to, kind] of edges.get(from)) if (members.has(to)) console.log(`    ${from} -> ${to}${kind === 'type' ? ' (type)' : ''}`);
}
process.exit(circles.length === 0 ? 0 : 1);
