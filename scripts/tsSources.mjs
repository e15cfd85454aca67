// The parsed TypeScript sources of the project, from the pinned TypeScript's
// own API (TypeScript 7: a typescript-go server the sync API talks to), for
// the code-size and import-cycle checks in scripts/.

import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API } from '../node_modules/typescript/dist/api/sync/api.js';
import { SyntaxKind } from '../node_modules/typescript/dist/ast/index.js';

export { SyntaxKind };
export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every .ts file (not .d.ts) below the given paths (files or folders, relative to the root). */
export function tsFiles(paths) {
  const walk = (abs) => (statSync(abs).isFile() ? [abs] : readdirSync(abs).flatMap((e) => walk(join(abs, e))));
  return paths.flatMap((p) => walk(join(root, p))).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/**
 * Calls visit(relativePath, sourceFile) for each file, parsed in the
 * project of tsconfig.json (which includes src, theorems, test and bench).
 */
export function withSourceFiles(files, visit) {
  const api = new API({ cwd: root });
  try {
    const project = api.updateSnapshot({ openProject: join(root, 'tsconfig.json') }).getProjects()[0];
    for (const file of files) {
      const sf = project.program.getSourceFile(file);
      if (!sf) throw new Error(`${relative(root, file)} is not in the tsconfig.json project`);
      visit(relative(root, file), sf);
    }
  } finally {
    api.close();
  }
}

/** Paths given as --path arguments (repeatable), or the defaults. */
export function pathArgs(args, defaults) {
  const paths = [], rest = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--path') paths.push(args[++i]);
    else rest.push(args[i]);
  }
  return { paths: paths.length > 0 ? paths : defaults, rest };
}
