// The project's size targets: no function longer than 150
// lines and no file longer than 500, in src/ and theorems/ (bench/ and test/
// are not held to them). Measured on the syntax tree of the pinned TypeScript
// (scripts/tsSources.mjs): every function declaration, method, accessor,
// constructor, function expression and arrow function counts from the line
// of its first token to the line of its last (a nested function counts in its
// own right and inside the one that holds it).
//   node scripts/codeSize.mjs [--path <dir or file> ...] [--top 10] [--max-function 150] [--max-file 500]
// Prints the longest functions and files; exits 1 when a limit is exceeded.

import { pathArgs, SyntaxKind, tsFiles, withSourceFiles } from './tsSources.mjs';

const { paths, rest } = pathArgs(process.argv.slice(2), ['src', 'theorems']);
const opt = { top: 10, 'max-function': 150, 'max-file': 500 };
for (let i = 0; i < rest.length; i += 2) {
  const key = rest[i].replace(/^--/, '');
  if (!(key in opt) || !Number.isFinite(Number(rest[i + 1]))) { console.error(`codeSize: unknown argument ${rest[i]} ${rest[i + 1] ?? ''}`); process.exit(2); }
  opt[key] = Number(rest[i + 1]);
}

const FUNCTIONS = new Set([SyntaxKind.FunctionDeclaration, SyntaxKind.MethodDeclaration, SyntaxKind.Constructor, SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor, SyntaxKind.FunctionExpression, SyntaxKind.ArrowFunction]);
const NAMED = new Set([SyntaxKind.VariableDeclaration, SyntaxKind.PropertyAssignment, SyntaxKind.PropertyDeclaration]);

/** A function's name, or the name of what it is assigned to. */
function nameOf(node) {
  if (node.kind === SyntaxKind.Constructor) return 'constructor';
  if (node.name) return node.name.text ?? node.name.getText();
  if (node.parent && NAMED.has(node.parent.kind) && node.parent.name) return node.parent.name.text ?? '(anonymous)';
  return '(anonymous)';
}

const functions = [], files = [];
withSourceFiles(tsFiles(paths), (rel, sf) => {
  const line = (pos) => sf.getLineAndCharacterOfPosition(pos).line;
  files.push({ where: rel, lines: sf.getLineStarts().length - (sf.text.endsWith('\n') ? 1 : 0) });
  const visit = (node) => {
    if (FUNCTIONS.has(node.kind)) {
      const start = line(node.getStart(sf)), end = line(node.getEnd());
      functions.push({ where: `${rel}:${start + 1} ${nameOf(node)}`, lines: end - start + 1 });
    }
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
});

const show = (title, rows, limit) => {
  console.log(`${title} (limit ${limit} lines):`);
  for (const r of [...rows].sort((x, y) => y.lines - x.lines).slice(0, opt.top)) console.log(`  ${String(r.lines).padStart(5)}  ${r.where}${r.lines > limit ? '   <- over' : ''}`);
};
show(`longest functions in ${paths.join(', ')}`, functions, opt['max-function']);
show(`longest files in ${paths.join(', ')}`, files, opt['max-file']);
const over = functions.filter((f) => f.lines > opt['max-function']).length + files.filter((f) => f.lines > opt['max-file']).length;
console.log(over === 0 ? 'within the limits' : `${over} over the limits`);
process.exit(over === 0 ? 0 : 1);
